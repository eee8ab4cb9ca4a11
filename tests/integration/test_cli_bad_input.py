"""Bad input end to end through `python -m assistant ingest`: every problem is reported with its file
and line, the run exits 3 (partial), and the good papers are indexed and searchable. (A path that does not
exist stops the command before anything is read: tests/unit/test_cli_reliability.py.)"""

import json

import pytest

from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow
SUMMARY_KEYS = {"papers_total", "papers_new", "papers_changed", "papers_unchanged", "duplicates_merged",
                "skipped", "chunks_written"}


@pytest.fixture
def messy_dir(tmp_path, corpus_records):
    """Three good records among every kind of broken input."""
    root = tmp_path / "inbox"
    root.mkdir()
    good = [json.dumps(r) for r in corpus_records[:3]]
    lines = [good[0], '{"title": "Half a record", "abstract": "cut off', good[1],
             json.dumps({"title": "A title and nothing else", "authors": ["A. Writer"]}), good[2]]
    (root / "good.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "empty.jsonl").write_text("")
    (root / "binary.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (root / "latin1.jsonl").write_bytes('{"title": "Café models", "abstract": "Résumé of a paper."}\n'
                                        .encode("latin-1"))
    (root / "notes.md").write_text("# not a paper file\n")
    return root


def test_partial_ingest_reports_every_problem_and_keeps_the_good_papers(cli, embedder_present, messy_dir,
                                                                        tmp_path, make_settings, corpus_records):
    data_dir = tmp_path / "data"
    out = cli("ingest", str(messy_dir), "--json", data_dir=data_dir)

    assert out.returncode == 3, out.stderr  # partial: something was skipped
    assert "Traceback" not in out.stderr
    summary = json.loads(out.stdout)
    assert SUMMARY_KEYS <= set(summary)
    assert (summary["papers_new"], summary["papers_total"]) == (3, 3)
    assert summary["chunks_written"] > 0

    skipped = {(s["file"].rsplit("/", 1)[-1], s["line"]): s["reason"] for s in summary["skipped"]}
    assert "invalid JSON" in skipped[("good.jsonl", 2)]
    assert "missing abstract" in skipped[("good.jsonl", 4)]
    assert "empty" in skipped[("empty.jsonl", None)]
    assert "binary" in skipped[("binary.jsonl", None)]
    assert "UTF-8" in skipped[("latin1.jsonl", None)]
    assert "unsupported" in skipped[("notes.md", None)]
    assert len(summary["skipped"]) == 6
    # the same problems, for humans, on stderr
    assert f"skipped {messy_dir / 'good.jsonl'}:2:" in out.stderr

    assistant = Assistant(make_settings(data_dir))
    titles = {p.title for p in assistant.store.papers().values()}
    assert titles == {r["title"] for r in corpus_records[:3]}
    for record in corpus_records[:3]:
        assert assistant.search(record["title"], k=1)[0].paper.title == record["title"]

"""The Zotero round trip as a user makes it (issue #16): a CSL-JSON export, a Better BibTeX .bib and a
zotero.sqlite into a real index, `cite` one paper, export BibTeX / RIS / CSL-JSON, and each export
ingested into a fresh index holds the same papers (ids, titles, authors, years)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ingest
from assistant.cli import main
from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow
LIBRARY = Path(__file__).resolve().parents[1] / "fixtures" / "zotero"
FILES = [LIBRARY / "library.json", LIBRARY / "library.bib", LIBRARY / "zotero.sqlite"]


def identity(assistant: Assistant) -> dict[str, tuple]:
    return {pid: (p.title, p.authors, p.year) for pid, p in assistant.store.papers().items()}


@pytest.fixture(scope="module")
def zotero_index(embedder_present, tmp_path_factory, make_settings) -> Assistant:
    assistant = Assistant(make_settings(tmp_path_factory.mktemp("zotero-data")))
    report = assistant.ingest(ingest.read_paths(FILES))
    # 4 + 4 + 3 regular items with abstracts; AlphaFold and Attention are in two files each
    assert (report.papers_new, report.duplicates_merged) == (9, 2)
    assert sorted(s.reason.split(" (")[0].split(" in @")[0] for s in report.skipped) == ["missing abstract"] * 3
    return assistant


def cite(capsys, data_dir: Path, *args: str) -> tuple[str, str]:
    code = main(["--data-dir", str(data_dir), "cite", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out, captured.err


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csljson"])
def test_cite_exports_the_chosen_paper(capsys, zotero_index, fmt):
    out, err = cite(capsys, zotero_index.settings.data_dir, "predicting protein structures with atomic accuracy",
                    "--format", fmt)
    assert "accurate protein structure prediction" in out and "Attention" not in out  # the top match only
    assert "jumper2021highly" in out and out.count("10.1038/s41586-021-03819-2") == 1
    assert err == ""  # authors, year and DOI are all there
    if fmt == "csljson":
        (item,) = json.loads(out)
        assert (item["DOI"], item["issued"], item["id"]) == ("10.1038/s41586-021-03819-2",
                                                             {"date-parts": [[2021, 8]]}, "jumper2021highly")


@pytest.mark.parametrize("fmt, suffix", [("bibtex", ".bib"), ("ris", ".ris"), ("csljson", ".json")])
def test_export_reimported_into_a_fresh_index_gives_the_same_papers(capsys, tmp_path, zotero_index, make_settings,
                                                                   fmt, suffix):
    out, _ = cite(capsys, zotero_index.settings.data_dir, "language models and neural networks", "--all", "-k", "20",
                  "--format", fmt)
    exported = tmp_path / f"library{suffix}"
    exported.write_text(out, encoding="utf-8")
    fresh = Assistant(make_settings(tmp_path / "fresh"))
    report = fresh.ingest(ingest.read_paths([exported]))
    assert report.skipped == []
    assert identity(fresh) == identity(zotero_index)

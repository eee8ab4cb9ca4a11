"""The command line as a user meets it: --help, search/cite/stats output shapes, models list, one-line errors.

Commands that need the embedder run in this process through `assistant.cli.main`, so the model
is loaded once (a fresh process costs seconds of model loading on a small machine;
test_store_lexical_persistence and test_cli_bad_input run `search`/`ingest` as real processes);
start-up, --help and errors before any model loads run as `python -m assistant` subprocesses.
"""

import json
import time

import pytest

from assistant.cli import main

SUBCOMMANDS = ("ingest", "search", "cite", "ask", "ui", "eval", "stats", "models")
GROKKING_QUERY = "models generalize long after overfitting: comprehension, grokking, memorization, confusion"


def _main(capsys, data_dir, *args) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_help_lists_every_subcommand_and_starts_fast(cli):
    started = time.perf_counter()
    out = cli("--help")
    elapsed = time.perf_counter() - started
    print(f"python -m assistant --help: {elapsed:.2f} s")
    assert out.returncode == 0, out.stderr
    for name in SUBCOMMANDS:
        assert f"    {name}" in out.stdout, f"--help does not list {name}"
    assert elapsed < 15, "--help should not load models or the store"


def test_every_subcommand_has_help(cli):
    for name in SUBCOMMANDS:
        args = (name, "list", "--help") if name == "models" else (name, "--help")
        out = cli(*args)
        assert out.returncode == 0, (name, out.stderr)
        assert "usage:" in out.stdout


@pytest.mark.slow
def test_search_json(capsys, small_index, title_to_id):
    code, out, _ = _main(capsys, small_index.settings.data_dir, "search", GROKKING_QUERY, "--json", "-k", "3")
    assert code == 0
    hits = json.loads(out)
    assert len(hits) == 3
    for hit in hits:
        assert {"rank", "paper_id", "title", "score", "evidence"} <= set(hit)
        assert isinstance(hit["evidence"], list) and hit["evidence"]
    assert [h["rank"] for h in hits] == [1, 2, 3]
    assert hits[0]["paper_id"] == title_to_id("grokking")


@pytest.mark.slow
def test_search_text_output(capsys, small_index):
    code, out, _ = _main(capsys, small_index.settings.data_dir, "search", GROKKING_QUERY, "-k", "2")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(" 1. Towards Understanding Grokking")
    assert lines[1].startswith("    “")  # the best evidence sentence, quoted


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csljson", "json", "text"])
def test_cite_formats(capsys, small_index, fmt):
    code, out, err = _main(capsys, small_index.settings.data_dir, "cite",
                           "the paper that trains each layer to denoise on its own", "--format", fmt, "-k", "2")
    assert code == 0
    title = "NoProp: Training Neural Networks without Back-propagation or Forward-propagation"
    if fmt == "bibtex":  # the paper asked for, not the runner-up
        assert out.lstrip().startswith("@")
        assert out.count("\n@") + 1 == 1, "only the top match"
        assert "NoProp" in out and "title" in out
    elif fmt == "ris":
        assert out.count("TY  - ") == 1 and out.count("ER  -") == 1
        assert f"TI  - {title}" in out
    elif fmt == "csljson":
        (item,) = json.loads(out)
        assert item["title"] == title and item["author"] and item["issued"]["date-parts"]
        assert err == ""  # the test corpus has authors, a year and a URL: nothing missing
    elif fmt == "json":
        cited = json.loads(out)
        assert [c["rank"] for c in cited] == [1, 2]
        assert cited[0]["title"] == title
        assert {"paper_id", "score", "evidence", "reference"} <= set(cited[0])
    else:
        assert out.startswith("1. ") and title in out.splitlines()[0]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csljson"])
def test_cite_all_exports_every_match(capsys, small_index, fmt):
    code, out, _ = _main(capsys, small_index.settings.data_dir, "cite",
                         "the paper that trains each layer to denoise on its own", "--format", fmt, "-k", "2", "--all")
    assert code == 0
    count = {"bibtex": out.count("@misc{") + out.count("@article{"), "ris": out.count("ER  -"),
             "csljson": len(json.loads(out) if fmt == "csljson" else [])}[fmt]
    assert count == 2


@pytest.mark.slow
def test_stats_json(capsys, small_index, expected_chunk_ids):
    code, out, _ = _main(capsys, small_index.settings.data_dir, "stats", "--json")
    assert code == 0
    stats = json.loads(out)
    papers = small_index.store.papers().values()
    assert stats["papers"] == 20
    assert stats["chunks"] == sum(len(expected_chunk_ids(p, small_index.settings)) for p in papers)
    assert stats["embedder"] == "all-MiniLM-L6-v2"
    assert stats["collection"] == small_index.store.name
    assert stats["store_bytes"] > 0
    assert stats["data_dir"] == str(small_index.settings.data_dir)


@pytest.mark.slow
def test_search_on_an_empty_data_dir_is_one_error_line(capsys, embedder_present, tmp_path):
    code, out, err = _main(capsys, tmp_path / "empty", "search", "grokking")
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ") and "no papers" in lines[0] and "ingest" in lines[0]


def test_missing_model_is_one_error_line_with_a_hint(cli, tmp_path):
    out = cli("--models-dir", str(tmp_path / "no-models"), "search", "grokking", data_dir=tmp_path / "data")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("Error: model 'all-MiniLM-L6-v2'") and "models fetch" in lines[0]


def test_models_list_json(cli, models_dir, tmp_path):
    out = cli("models", "list", "--json", data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    listing = json.loads(out.stdout)
    assert {"models", "backend", "embedder", "llm", "models_dir"} <= set(listing)
    rows = {row["name"]: row for row in listing["models"]}
    assert {"all-MiniLM-L6-v2", "smollm2-135m-instruct", "qwen2.5-coder-1.5b-instruct"} <= set(rows)
    for row in rows.values():
        assert {"role", "present", "path", "license", "configured"} <= set(row)
        assert row["path"].startswith(str(models_dir))
    assert rows[listing["embedder"]]["configured"] is True
    assert rows["all-MiniLM-L6-v2"]["role"] == "embedder"

"""Nothing to do costs nothing: an unchanged rerun and `stats` load no model, and any write to the
store makes the next ingest check the store itself again."""

import json
import os
import subprocess
import sys

import pytest

import ingest
from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow
QUIET_QUALITY = {"ASSISTANT_MODELS__QUALITY_BUILD": "manual"}  # no background EmbeddingGemma builds
N = 5
HEAVY = ("torch", "sentence_transformers", "transformers", "llama_cpp", "llama_index", "chromadb", "bm25s")
# runs a CLI command in a fresh process, then prints which heavy packages it imported
PROBE = """import json, sys
from assistant.cli import main

code = main(sys.argv[1:])
print(json.dumps({"code": code, "loaded": sorted(m for m in %r if m in sys.modules)}))""" % (HEAVY,)


def run_cli(models_dir, *args: str) -> tuple[list[str], dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | QUIET_QUALITY
    env |= {"ASSISTANT_MODELS_DIR": str(models_dir), "ASSISTANT_MODELS__N_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=300)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, done.stderr[-2000:]
    return lines[:-1], json.loads(lines[-1])


@pytest.fixture()
def indexed(embedder_present, tmp_path, make_settings, corpus_records, write_jsonl):
    corpus = write_jsonl(tmp_path / "papers.jsonl", corpus_records[:N])
    assistant = Assistant(make_settings(tmp_path / "data"))
    assistant.ingest(ingest.read_paths([corpus]))
    return assistant, corpus


def test_an_unchanged_rerun_answers_from_the_stored_hashes_alone(indexed, models_dir):
    assistant, corpus = indexed
    out, probe = run_cli(models_dir, "--data-dir", str(assistant.settings.data_dir), "ingest", str(corpus),
                         "--json")
    report = json.loads(out[-1])
    assert (report["papers_new"], report["papers_changed"], report["papers_unchanged"]) == (0, 0, N)
    assert report["papers_total"] == N and report["chunks_written"] == 0
    assert report["collection"] == assistant.store.name
    assert probe == {"code": 0, "loaded": []}


def test_stats_loads_no_model(indexed, models_dir):
    assistant, _ = indexed
    out, probe = run_cli(models_dir, "--data-dir", str(assistant.settings.data_dir), "stats", "--json")
    stats = json.loads(out[-1])
    assert stats["papers"] == N and stats["collection"] == assistant.store.name
    assert not {"torch", "sentence_transformers", "transformers", "llama_cpp"} & set(probe["loaded"])


def test_a_write_to_the_store_sends_the_next_ingest_to_the_store(indexed, models_dir):
    """A paper deleted behind the snapshot's back (another process, a crash) is found missing."""
    assistant, corpus = indexed
    assistant.store.delete_papers([sorted(assistant.store.papers())[0]])
    out, probe = run_cli(models_dir, "--data-dir", str(assistant.settings.data_dir), "ingest", str(corpus),
                         "--json")
    report = json.loads(out[-1])
    assert (report["papers_new"], report["papers_unchanged"], report["papers_total"]) == (1, N - 1, N)
    assert "torch" in probe["loaded"]
    # and the snapshot is back: the next rerun is cheap again
    _, probe = run_cli(models_dir, "--data-dir", str(assistant.settings.data_dir), "ingest", str(corpus))
    assert probe["loaded"] == []

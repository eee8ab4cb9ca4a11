"""kill -9 in the middle of a real ingest of a few hundred abstracts, then a rerun: the store ends up
exactly as a clean ingest leaves it, and `stats` said how far the killed run had got."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

import ingest
from assistant.embedding import embedder_name
from assistant.manifest import progress_path, read_progress
from assistant.pipeline import Assistant
from assistant.store import PaperStore, store_name


pytestmark = pytest.mark.slow
QUIET_QUALITY = {"ASSISTANT_MODELS__QUALITY_BUILD": "manual"}  # no background EmbeddingGemma builds
N = 200  # about four batches of 64


def cli_env(models_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | QUIET_QUALITY
    return env | {"ASSISTANT_MODELS_DIR": str(models_dir), "ASSISTANT_MODELS__N_THREADS": "1"}


def cli_json(env: dict, data_dir, *args: str):
    done = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(data_dir), *args], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def store_counts(assistant: Assistant) -> dict:
    """Papers, chunks per kind and sentences, read from a freshly opened store."""
    store = PaperStore(assistant.settings, assistant.store.embedder_name, assistant.store.dim)
    ids, pids, _ = store.all_chunk_texts()
    papers = store.papers()
    sentences = store.sentences_of(sorted(papers))
    return {"papers": len(papers), "chunks": len(ids), "distinct_chunks": len(set(ids)),
            "windows": sum(1 for i in ids if "#w" in i), "chunk_papers": len(set(pids)),
            "sentences": sum(len(s) for s, _ in sentences.values()),
            "per_paper": sorted(Counter(pids).items())}


@pytest.mark.timeout(2400)  # three ingests of 200 abstracts; slow only on a machine shared with other jobs
def test_kill_9_mid_ingest_then_rerun_equals_a_clean_ingest(embedder_present, tmp_path, make_settings, models_dir,
                                                           write_jsonl, assert_store_consistent):
    papers = ingest.read_paths(None).papers[:N]
    corpus = write_jsonl(tmp_path / "papers.jsonl",
                         [{"title": p.title, "abstract": p.abstract, "date": p.date} for p in papers])
    killed_dir, clean_dir = tmp_path / "killed", tmp_path / "clean"
    env = cli_env(models_dir)
    run = subprocess.Popen([sys.executable, "-m", "assistant", "--data-dir", str(killed_dir), "ingest",
                            str(corpus)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # read the progress file alone: a second Chroma client on a store being written is not safe
    settings = make_settings(killed_dir)
    progress_file = progress_path(killed_dir, store_name(settings, embedder_name(settings)))
    deadline = time.monotonic() + 1200  # seconds on an idle machine; a busy shared one is far slower
    progress = None
    while time.monotonic() < deadline and run.poll() is None:
        progress = read_progress(progress_file)
        if progress and progress["papers_searchable"] >= 64:
            break  # a batch is searchable and the next one is being embedded or written
        time.sleep(0.05)
    assert run.poll() is None, "the ingest finished before it could be killed; make the corpus bigger"
    assert progress is not None, "no batch was written within 20 minutes"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert progress["state"] == "running" and progress["papers_todo"] == N

    # where the kill landed depends on how busy the machine is: anywhere after the first batch.
    # Checked from fresh processes, as a user would: a Chroma client opened in this process would be
    # reused (chromadb caches one per path) and miss what the rerun's process writes next.
    stats = cli_json(env, killed_dir, "stats", "--json")
    assert stats["indexing"]["state"] == "interrupted" and stats["indexing"]["papers_searchable"] >= 64
    assert stats["papers"] >= stats["indexing"]["papers_searchable"]  # what was written is searchable
    top = cli_json(env, killed_dir, "search", papers[0].title, "-k", "1", "--json")
    assert top[0]["title"] == papers[0].title

    rerun = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(killed_dir), "ingest",
                            str(corpus), "--json"], env=env, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    report = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert report["papers_total"] == N and report["papers_new"] + report["papers_unchanged"] == N

    clean = Assistant(make_settings(clean_dir))
    assert clean.ingest(ingest.read_paths([corpus])).papers_total == N
    resumed = Assistant(make_settings(killed_dir))
    assert resumed.store.indexing_progress() is None
    assert store_counts(resumed) == store_counts(clean)
    assert_store_consistent(resumed)

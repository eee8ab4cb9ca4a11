"""The store on a real Chroma server (`chroma run`) instead of the local directory: ingest, search, rerun."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import ingest
from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow
N = 10


def _chroma_executable() -> str | None:
    beside_python = Path(sys.executable).parent / "chroma"
    return str(beside_python) if beside_python.exists() else shutil.which("chroma")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    exe = _chroma_executable()
    if exe is None:
        pytest.skip("the `chroma` executable is not installed (pip install chromadb)")
    root = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(root / "server.log", "w")
    server = subprocess.Popen([exe, "run", "--path", str(root / "db"), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "NO_PROXY": "127.0.0.1"})
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"chroma run exited with {server.returncode}: {(root / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("chroma run did not answer its heartbeat within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_ingest_search_and_rerun_against_a_chroma_server(embedder_present, chroma_url, tmp_path, monkeypatch,
                                                         make_settings, corpus_records, write_jsonl):
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", chroma_url)
    settings = make_settings(tmp_path / "data")
    assert settings.chroma_url == chroma_url
    corpus = write_jsonl(tmp_path / "papers.jsonl", corpus_records[:N])

    assistant = Assistant(settings)
    first = assistant.ingest(ingest.read_paths([corpus]))
    assert (first.papers_new, first.papers_total) == (N, N)
    assert assistant.stats()["store"] == chroma_url
    assert not (tmp_path / "data" / "chroma").exists(), "vectors went to the local directory, not the server"

    target = corpus_records[3]["title"]
    assert Assistant(settings).search(target, k=3)[0].paper.title == target

    again = Assistant(settings).ingest(ingest.read_paths([corpus]))
    assert (again.papers_new, again.papers_changed, again.papers_unchanged) == (0, 0, N)
    assert again.chunks_written == 0

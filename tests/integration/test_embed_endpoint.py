"""The embedder as a client of an OpenAI-compatible /v1/embeddings server: a real HTTP server on
loopback that serves the real MiniLM, which the tests can make fail or change its vector size."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

import ingest
from assistant.embedding import load_embedder
from assistant.embedding_endpoint import EmbeddingEndpointError, EndpointEmbedder
from assistant.errors import StoreError
from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow
MODEL = "all-MiniLM-L6-v2"


class EmbeddingsServer(ThreadingHTTPServer):
    """POST /v1/embeddings with the local MiniLM; `fail_next` answers that many requests with 500,
    `truncate_to` cuts every vector (a different model behind the same name)."""

    def __init__(self, embedder, key: str):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.embedder, self.key = embedder, key
        self.batches: list[int] = []
        self.fail_next = 0
        self.truncate_to: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: EmbeddingsServer

    def do_POST(self):  # noqa: N802 - the stdlib's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/v1/embeddings" or self.headers.get("Authorization") != f"Bearer {self.server.key}":
            return self._reply(401 if self.path == "/v1/embeddings" else 404, {"error": "no"})
        self.server.batches.append(len(body["input"]))
        if self.server.fail_next:
            self.server.fail_next -= 1
            return self._reply(500, {"error": {"message": "worker restarting"}})
        vectors = self.server.embedder.embed_documents(list(body["input"]))[:, :self.server.truncate_to]
        data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
        data.reverse()  # servers may answer out of order: the client must sort by index
        self._reply(200, {"object": "list", "model": body["model"], "data": data})

    def _reply(self, status: int, payload: dict) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def local_embedder(embedder_present, make_settings, tmp_path_factory):
    return load_embedder(make_settings(tmp_path_factory.mktemp("unused")))


@pytest.fixture()
def server(local_embedder):
    srv = EmbeddingsServer(local_embedder, key="sekrit")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def texts(n: int) -> list[str]:
    return [f"Sentence {i} is about grokking in transformers and weight decay number {i}." for i in range(n)]


def test_batched_vectors_are_the_local_models(server, local_embedder):
    client = EndpointEmbedder(server.url, MODEL, key="sekrit", batch_size=8)
    got = client.embed_documents(texts(20))
    assert server.batches == [8, 8, 4]
    assert got.shape == (20, 384) and client.dim == 384
    # bfloat16 (models.cpu_precision) is not bit-exact across threads and batch shapes: the same
    # vectors to well within what ranking can notice
    local = local_embedder.embed_documents(texts(20), batch_size=8)
    np.testing.assert_allclose(got, local, atol=2e-3)
    assert (got * local).sum(axis=1).min() > 0.9999


def test_a_500_is_retried_and_a_server_that_keeps_failing_is_one_clear_error(server):
    client = EndpointEmbedder(server.url, MODEL, key="sekrit", batch_size=8, backoff_s=0.01)
    server.fail_next = 2
    assert client.embed_documents(texts(3)).shape == (3, 384)
    assert server.batches == [3, 3, 3]  # two failures, then the answer

    server.fail_next = 10
    with pytest.raises(EmbeddingEndpointError, match=r"failed 4 times; last: HTTP 500"):
        client.embed_documents(texts(2))


def test_a_wrong_key_is_refused_without_retrying(server):
    client = EndpointEmbedder(server.url, MODEL, key="wrong", backoff_s=0.01)
    with pytest.raises(EmbeddingEndpointError, match="HTTP 401"):
        client.embed_documents(texts(1))
    assert server.batches == []


def test_ingest_and_search_through_the_endpoint_and_refuse_a_different_vector_size(
        server, tmp_path, make_settings, corpus_records, write_jsonl, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODELS__EMBED_ENDPOINT_URL", server.url)
    monkeypatch.setenv("ASSISTANT_MODELS__EMBED_ENDPOINT_MODEL", MODEL)
    monkeypatch.setenv("ASSISTANT_MODELS__EMBED_ENDPOINT_KEY", "sekrit")
    settings = make_settings(tmp_path / "data")
    corpus = write_jsonl(tmp_path / "papers.jsonl", corpus_records[:4])

    assistant = Assistant(settings)
    report = assistant.ingest(ingest.read_paths([corpus]))
    assert (report.papers_new, report.papers_total) == (4, 4)
    stats = assistant.stats()
    assert stats["embedder"] == MODEL and stats["embedder_path"] == server.url
    assert "late" not in stats["collection"]  # the server pools whole texts: no late chunking
    title = corpus_records[2]["title"]
    assert Assistant(settings).search(title, k=1)[0].paper.title == title

    server.truncate_to = 128  # another model now answers under the same name
    with pytest.raises(StoreError, match="holds 384-d vectors, but the embedder 'all-MiniLM-L6-v2' makes 128-d"):
        Assistant(settings).search(title, k=1)

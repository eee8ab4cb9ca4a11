"""The OpenAI-compatible backend against a real (fake) SSE chat server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.errors import BackendError
from assistant.llm.openai_compat import OpenAICompatBackend, parse_sse

QUESTION = [{"role": "system", "content": "Answer from the sources."},
            {"role": "user", "content": "What is grokking?"}]


class ChatServer(BaseHTTPRequestHandler):
    """Streams a fixed reply as SSE chunks; behaviour switches on the requested model name."""

    pieces = ["Grokking", " is delayed", " generalization", " [1]."]

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        if self.path == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": "served-model", "object": "model"}]})
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.headers.get("Authorization") != "Bearer sekret":
            return self._json(401, {"error": {"message": "invalid api key"}})
        model = body["model"]
        if model == "slow":
            time.sleep(1.5)
        if model == "crash-mid-stream":
            return self._sse([{"choices": [{"delta": {"content": "Partial"}}]},
                              {"error": {"message": "CUDA out of memory"}}])
        chunks = [{"choices": [{"delta": {"role": "assistant"}}]}]
        chunks += [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in self.pieces]
        chunks += [{"choices": [{"delta": {}, "finish_reason": "stop"}]},
                   {"choices": [], "usage": {"prompt_tokens": 21, "completion_tokens": 4}}]
        self._sse(chunks)

    def _sse(self, events):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b": keep-alive comment\n\n")
        for event in events:
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")

    def _json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that stops reading mid-stream (the timeout tests) is expected, not a traceback."""


@pytest.fixture(scope="module")
def server():
    httpd = QuietServer(("127.0.0.1", 0), ChatServer)
    httpd.daemon_threads = True
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def base_url(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/v1"


def backend(httpd, model="qwen-test", key="sekret", **kwargs) -> OpenAICompatBackend:
    return OpenAICompatBackend(base_url(httpd), model, key, **kwargs)


def test_streams_the_reply_piece_by_piece(server):
    llm = backend(server)
    pieces = list(llm.generate(QUESTION, max_tokens=32))
    assert pieces == ChatServer.pieces
    assert "".join(pieces) == "Grokking is delayed generalization [1]."


def test_sends_model_key_messages_and_stream_flag(server):
    llm = backend(server)
    list(llm.generate(QUESTION, max_tokens=32, stop=["\n\n"], seed=7))
    request = server.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sekret"
    body = request["body"]
    assert body["model"] == "qwen-test"
    assert body["messages"] == QUESTION
    assert body["stream"] is True
    assert (body["max_tokens"], body["temperature"], body["seed"], body["stop"]) == (32, 0.0, 7, ["\n\n"])


def test_usage_comes_from_the_server(server):
    llm = backend(server)
    list(llm.generate(QUESTION, max_tokens=32))
    assert llm.last_usage["prompt_tokens"] == 21
    assert llm.last_usage["completion_tokens"] == 4
    assert llm.last_usage["time_to_first_token_s"] is not None


def test_stop_sequence_is_enforced_even_if_the_server_ignores_it(server):
    llm = backend(server)
    assert "".join(llm.generate(QUESTION, max_tokens=32, stop=[" gener"])) == "Grokking is delayed"


def test_without_a_model_it_asks_the_server_which_one_it_serves(server):
    llm = backend(server, model=None)
    list(llm.generate(QUESTION, max_tokens=8))
    assert server.requests[-1]["body"]["model"] == "served-model"


def test_wrong_key_is_one_clear_error_naming_the_url(server):
    llm = backend(server, key="wrong")
    with pytest.raises(BackendError) as err:
        list(llm.generate(QUESTION, max_tokens=8))
    message = str(err.value)
    assert base_url(server) + "/chat/completions" in message
    assert "401" in message and "invalid api key" in message
    assert "endpoint_key" in err.value.hint


def test_error_event_mid_stream_becomes_backend_error(server):
    llm = backend(server, model="crash-mid-stream")
    with pytest.raises(BackendError, match="CUDA out of memory"):
        list(llm.generate(QUESTION, max_tokens=8))


def test_connection_refused_names_the_url():
    with socket.socket() as s:  # a port that was free a moment ago and has no listener
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    llm = OpenAICompatBackend(f"http://127.0.0.1:{port}/v1", "m")
    with pytest.raises(BackendError, match=f"cannot connect to the LLM endpoint http://127.0.0.1:{port}/v1"):
        list(llm.generate(QUESTION, max_tokens=8))


def test_slow_server_times_out_with_a_clear_error(server):
    llm = backend(server, model="slow", timeout_s=0.3)
    with pytest.raises(BackendError, match="timed out"):
        list(llm.generate(QUESTION, max_tokens=8))


def test_parse_sse_skips_comments_and_stops_at_done():
    lines = [": comment", "event: message", 'data: {"n": 1}', "", "data:{\"n\": 2}", "data: [DONE]", 'data: {"n": 3}']
    assert [e["n"] for e in parse_sse(lines)] == [1, 2]


def test_parse_sse_rejects_garbage():
    with pytest.raises(BackendError, match="malformed"):
        list(parse_sse(["data: {not json"]))


def test_count_tokens_is_a_generous_estimate():
    llm = OpenAICompatBackend("http://127.0.0.1:9/v1", "m")
    assert llm.count_tokens("") == 0
    assert llm.count_tokens("a" * 35) == 10

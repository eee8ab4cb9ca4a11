"""The HTTP API as clients use it: a real uvicorn server on a free loopback port over the shared 20-paper
index (real Chroma, MiniLM) with the tiny SmolLM2 answering; httpx for search, cite, papers and the SSE
answer stream, the `openai` client library for /v1/chat/completions, a token-protected instance for 401."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from assistant.models import REGISTRY, is_present
from assistant.pipeline import Assistant
from assistant.server.http import build_app

pytestmark = pytest.mark.slow
LLM = "smollm2-135m-instruct"
QUESTION = "What four learning phases were observed in grokking?"
TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def assistant(small_index, make_settings, models_dir) -> Assistant:
    """The shared index answered by SmolLM2 (short answers: this is about the server, not the model)."""
    if not is_present(REGISTRY[LLM], models_dir):
        pytest.skip(f"{LLM} missing: run python -m assistant models fetch --test")
    return Assistant(make_settings(small_index.settings.data_dir, models={"llm": LLM, "n_threads": 1},
                                   answer={"max_tokens": 32}))


def _serve(app) -> tuple[str, object, threading.Thread]:
    import uvicorn
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture(scope="module")
def url(assistant):
    base, server, thread = _serve(build_app(assistant))
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def guarded_url(assistant):
    base, server, thread = _serve(build_app(assistant, token=TOKEN))
    yield base
    server.should_exit = True
    thread.join(timeout=10)


def sse_events(response: httpx.Response) -> list[tuple[str, dict]]:
    """(event, data) pairs of a text/event-stream, in the order they arrived."""
    events, name, data = [], "message", []
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            data.append(line[len("data: "):])
        elif not line and data:
            events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
    return events


def test_search_cite_and_paper_return_what_the_cli_prints(url, title_to_id):
    hits = httpx.get(f"{url}/search", params={"q": "grokking learning phases", "k": 3}, timeout=120).json()
    assert len(hits) == 3 and hits[0]["paper_id"] == title_to_id("grokking")
    assert set(hits[0]) == {"paper_id", "title", "score", "rank", "date", "evidence"} and hits[0]["evidence"]
    found = httpx.get(f"{url}/cite", params={"q": "layers trained to denoise without back-propagation", "k": 1},
                      timeout=120).json()
    assert [h["paper_id"] for h in found] == [title_to_id("noprop")] and "NoProp" in found[0]["reference"]
    paper = httpx.get(f"{url}/papers/{title_to_id('noprop')}", timeout=30).json()
    assert paper["title"].startswith("NoProp") and paper["abstract"] and paper["reference"]


def test_errors_are_json_with_the_right_status(url):
    missing = httpx.get(f"{url}/papers/no-such-paper", timeout=30)
    assert missing.status_code == 404 and "no-such-paper" in missing.json()["error"]["message"]
    empty = httpx.get(f"{url}/search", params={"q": "  "}, timeout=30)
    assert empty.status_code == 400 and empty.json()["error"]["message"] == "the query is empty"
    bad_date = httpx.get(f"{url}/search", params={"q": "grokking", "date_from": "2024-13"}, timeout=30)
    assert bad_date.status_code == 400 and "2024-13" in bad_date.json()["error"]["message"]
    no_body = httpx.post(f"{url}/ask", json={}, timeout=30)
    assert no_body.status_code == 400 and "question" in no_body.json()["error"]["message"]


def test_ask_streams_evidence_then_tokens_then_the_checked_answer(url):
    with httpx.stream("POST", f"{url}/ask", json={"question": QUESTION}, timeout=600) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    kinds = [name for name, _ in events]
    assert kinds[0] == "status" and kinds[-1] == "answer" and "error" not in kinds
    assert "token" in kinds and kinds.index("evidence") < kinds.index("token")
    evidence = events[kinds.index("evidence")][1]["sources"]
    answer = events[-1][1]
    assert answer["question"] == QUESTION and not answer["abstained"]
    assert answer["citations"], answer["answer"]
    assert {c["paper_id"] for c in answer["citations"]} <= {s["paper_id"] for s in evidence}
    for citation in answer["citations"]:  # every cited id is a real paper of the index
        assert httpx.get(f"{url}/papers/{citation['paper_id']}", timeout=30).status_code == 200
    assert [r["n"] for r in answer["references"]] == sorted(c["n"] for c in answer["citations"])


def test_openai_client_gets_the_checked_answer_with_citations(url):
    from openai import OpenAI
    client = OpenAI(base_url=f"{url}/v1", api_key="unused-on-loopback", timeout=600, max_retries=0)
    history = [{"role": "system", "content": "You are helpful."},
               {"role": "user", "content": "Tell me about grokking."},
               {"role": "assistant", "content": "Grokking is delayed generalisation."}]
    reply = client.chat.completions.create(model="anything", messages=[*history,
                                                                       {"role": "user", "content": QUESTION}])
    assert reply.model == LLM and reply.choices[0].finish_reason == "stop"
    content, extra = reply.choices[0].message.content, reply.model_extra
    assert extra["citations"] and [r["n"] for r in extra["references"]] == sorted(c["n"] for c in extra["citations"])
    assert content.split("\n\nReferences:\n")[1].splitlines() == [f"[{r['n']}] {r['reference']}"
                                                                  for r in extra["references"]]

    chunks = list(client.chat.completions.create(model="anything", stream=True,
                                                 messages=[{"role": "user", "content": QUESTION}]))
    assert chunks[0].choices[0].delta.role == "assistant" and chunks[-1].choices[0].finish_reason == "stop"
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    last = chunks[-1].model_extra
    assert last["citations"] and {r["paper_id"] for r in last["references"]} == {c["paper_id"] for c in last["citations"]}
    assert streamed.endswith(f"[{last['references'][-1]['n']}] {last['references'][-1]['reference']}")


def test_a_token_is_required_when_set(guarded_url, title_to_id):
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        refused = httpx.get(f"{guarded_url}/search", params={"q": "grokking"}, headers=headers, timeout=30)
        assert refused.status_code == 401 and refused.json()["error"]["type"] == "Unauthorized"
    allowed = httpx.get(f"{guarded_url}/papers/{title_to_id('grokking')}", timeout=30,
                        headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200

    from openai import AuthenticationError, OpenAI
    with pytest.raises(AuthenticationError):
        OpenAI(base_url=f"{guarded_url}/v1", api_key="wrong", max_retries=0).models.list()
    models = OpenAI(base_url=f"{guarded_url}/v1", api_key=TOKEN, max_retries=0).models.list()
    assert [m.id for m in models.data] == [LLM]


def test_openapi_lists_every_route(url):
    paths = httpx.get(f"{url}/openapi.json", timeout=30).json()["paths"]
    assert {"/search", "/cite", "/papers/{paper_id}", "/ask", "/v1/chat/completions", "/v1/models"} <= set(paths)
    assert httpx.get(f"{url}/docs", timeout=30).status_code == 200


def test_the_readme_python_example_runs(small_index, models_dir, monkeypatch, capsys):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    code = readme.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    for key, value in {"ASSISTANT_DATA_DIR": str(small_index.settings.data_dir), "ASSISTANT_MODELS_DIR": str(models_dir),
                       "ASSISTANT_MODELS__LLM": LLM, "ASSISTANT_MODELS__N_THREADS": "1",
                       "ASSISTANT_ANSWER__MAX_TOKENS": "32"}.items():
        monkeypatch.setenv(key, value)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("1 Towards Understanding Grokking") and "NoProp" in out
    assert "[1] " in out  # the answer's first reference


def test_an_empty_index_is_503_and_ends_a_started_stream_with_an_error_event(make_settings, tmp_path):
    base, server, thread = _serve(build_app(Assistant(make_settings(tmp_path / "empty"))))
    try:
        searched = httpx.get(f"{base}/search", params={"q": "grokking"}, timeout=120)
        assert searched.status_code == 503 and searched.json()["error"]["type"] == "IndexEmptyError"
        with httpx.stream("POST", f"{base}/ask", json={"question": "grokking?"}, timeout=120) as response:
            events = sse_events(response)
        assert [name for name, _ in events] == ["status", "error"]
        assert "holds no papers" in events[-1][1]["message"] and "ingest" in events[-1][1]["hint"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)

"""The endpoint backend: an OpenAI-compatible chat server (vLLM, llama.cpp server, Ollama), streamed over SSE."""

from __future__ import annotations

import json
import math
from contextlib import contextmanager
from typing import Iterable, Iterator

from assistant.errors import BackendError
from assistant.llm.base import Message, StreamMeter, check_messages, log_usage, truncate_at_stop

CHARS_PER_TOKEN = 3.5  # no local tokenizer: a deliberately high estimate, safe for prompt budgets
ENDPOINT_HINT = "check models.endpoint_url (ASSISTANT_MODELS__ENDPOINT_URL) and that the server is running"


def parse_sse(lines: Iterable[str]) -> Iterator[dict]:
    """Decode the JSON events of an SSE stream, stopping at `data: [DONE]`.

    Comments, blank lines and non-data fields are skipped; an `error` event becomes a BackendError.

    >>> list(parse_sse([": ping", 'data: {"a": 1}', "", "data: [DONE]", 'data: {"b": 2}']))
    [{'a': 1}]
    """
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        if not data:
            continue
        try:
            event = json.loads(data)
        except json.JSONDecodeError as exc:
            raise BackendError(f"the LLM endpoint sent a malformed event: {data[:80]!r}") from exc
        if isinstance(event, dict) and event.get("error"):
            raise BackendError(f"the LLM endpoint reported an error: {_error_text(event['error'])}")
        yield event


def _error_text(error) -> str:
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)


@contextmanager
def translate_http_errors(url: str) -> Iterator[None]:
    """Turn httpx failures into one BackendError line that names the URL."""
    import httpx

    try:
        yield
    except httpx.ConnectError as exc:
        raise BackendError(f"cannot connect to the LLM endpoint {url}: {exc}", hint=ENDPOINT_HINT) from exc
    except httpx.TimeoutException as exc:
        raise BackendError(f"the LLM endpoint {url} timed out ({type(exc).__name__})",
                           hint="the server may be overloaded or the prompt too long") from exc
    except httpx.HTTPError as exc:
        raise BackendError(f"request to the LLM endpoint {url} failed: {exc}", hint=ENDPOINT_HINT) from exc


def delta_text(event: dict) -> str:
    """The text a chat-completion chunk adds (empty for role-only or final chunks)."""
    choices = event.get("choices") or []
    if not choices:
        return ""
    return (choices[0].get("delta") or {}).get("content") or ""


class OpenAICompatBackend:
    """Streams chat completions from `{base_url}/chat/completions` with an optional Bearer key."""

    name = "openai"

    def __init__(self, base_url: str, model: str | None = None, api_key: str | None = None,
                 *, timeout_s: float = 120.0, connect_timeout_s: float = 10.0):
        import httpx

        self.base_url = base_url.rstrip("/")
        self._model_id = model
        self.model = model or f"(first model served at {self.base_url})"
        self.last_usage: dict = {}
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # read timeout applies between chunks, so long answers are fine; a slow prompt eval is not
        timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._client = httpx.Client(headers=headers, timeout=timeout)

    def model_id(self) -> str:
        """The model id to request: the configured one, else the first one the server lists."""
        if self._model_id is None:
            self._model_id = self._first_served_model()
        return self._model_id

    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float = 0.0,
                 seed: int = 0, stop: list[str] | None = None) -> Iterator[str]:
        """Stream the reply; `stop` is sent to the server and also enforced here."""
        payload = self._payload(check_messages(messages), max_tokens, temperature, seed, stop)
        meter, usage = StreamMeter(), {}
        for piece in truncate_at_stop(self._stream(payload, usage), stop):
            yield meter.saw(piece)
        self.last_usage = meter.usage(
            usage.get("prompt_tokens") or sum(self.count_tokens(m["content"]) for m in payload["messages"]),
            usage.get("completion_tokens") or self.count_tokens(meter.text))
        log_usage(self.name, self.last_usage)

    def _payload(self, messages, max_tokens, temperature, seed, stop) -> dict:
        payload = {"model": self.model_id(), "messages": messages, "max_tokens": max_tokens,
                   "temperature": temperature, "seed": seed, "stream": True,
                   "stream_options": {"include_usage": True}}
        if stop:
            payload["stop"] = list(stop)
        return payload

    def _stream(self, payload: dict, usage: dict) -> Iterator[str]:
        """POST the request and yield text deltas; fill `usage` if the server reports it."""
        url = f"{self.base_url}/chat/completions"
        with translate_http_errors(url):
            with self._client.stream("POST", url, json=payload) as resp:
                self._raise_for_status(resp, url)
                for event in parse_sse(resp.iter_lines()):
                    usage.update(event.get("usage") or {})
                    text = delta_text(event)
                    if text:
                        yield text

    @staticmethod
    def _raise_for_status(resp, url: str) -> None:
        if resp.status_code < 400:
            return
        body = resp.read().decode("utf-8", errors="replace")
        try:
            detail = _error_text(json.loads(body).get("error", body))
        except (ValueError, AttributeError):
            detail = body
        hint = "check models.endpoint_key" if resp.status_code in (401, 403) else ENDPOINT_HINT
        raise BackendError(f"the LLM endpoint {url} answered HTTP {resp.status_code}: {detail.strip()[:200]}",
                           hint=hint)

    def _first_served_model(self) -> str:
        url = f"{self.base_url}/models"
        with translate_http_errors(url):
            resp = self._client.get(url)
            self._raise_for_status(resp, url)
        models = resp.json().get("data") or []
        if not models:
            raise BackendError(f"the LLM endpoint {url} lists no models", hint="set models.endpoint_model")
        return models[0]["id"]

    def count_tokens(self, text: str) -> int:
        """An estimate (the server's tokenizer is not available locally), on the high side."""
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"OpenAICompatBackend({self.base_url!r}, model={self._model_id!r})"

"""The OpenAI chat-completions shapes: a request's messages as a question with its history, and a checked
Answer as a completion (or its stream of chunks) whose content ends with the references, and which also
carries the citations and references as fields of their own."""

from __future__ import annotations

import time
import uuid
from typing import Any, Iterator

from pydantic import BaseModel, Field

from assistant import wire
from assistant.errors import NothingToDoError
from assistant.types import Answer, Message, as_messages


class ChatMessage(BaseModel):
    role: str = Field(description="system, user or assistant; system messages are ignored")
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """What an OpenAI client sends; sampling options it may add are accepted and ignored (answers are
    deterministic)."""

    model: str | None = None
    messages: list[ChatMessage]
    stream: bool = False
    model_config = {"extra": "allow"}


def question_and_history(messages: list[ChatMessage]) -> tuple[str, tuple[Message, ...]]:
    """The last user message is the question; the user and assistant turns before it are the chat.

    >>> question_and_history([ChatMessage(role="user", content="hi"), ChatMessage(role="assistant", content="yo"),
    ...                       ChatMessage(role="user", content=[{"type": "text", "text": "and?"}])])
    ('and?', (Message(role='user', content='hi'), Message(role='assistant', content='yo')))
    """
    turns = [{"role": m.role, "content": _text(m.content)} for m in messages]
    last = max((i for i, t in enumerate(turns) if t["role"] == "user"), default=None)
    if last is None or not turns[last]["content"].strip():
        raise NothingToDoError("the chat has no user message to answer",
                               hint='end "messages" with {"role": "user", "content": "your question"}')
    return turns[last]["content"], as_messages(turns[:last])


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):  # content parts: only the text ones matter here
        return " ".join(part.get("text", "") for part in content if part.get("type") == "text")
    return content or ""


def content_of(answer: Answer) -> str:
    """The checked answer text, then its references, for clients that show only the message."""
    return answer.text + wire.references_block(wire.references(answer))


def _usage(answer: Answer) -> dict[str, int]:
    prompt, completion = answer.tokens.get("prompt_tokens", 0), answer.tokens.get("completion_tokens", 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _extras(answer: Answer) -> dict[str, Any]:
    return {"citations": [c.to_dict() for c in answer.citations], "references": wire.references(answer),
            "abstained": answer.abstained}


def completion(answer: Answer, model: str) -> dict[str, Any]:
    """A whole chat completion."""
    return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                                         "message": {"role": "assistant", "content": content_of(answer)}}],
            "usage": _usage(answer)} | _extras(answer)


class ChunkStream:
    """The chunks of one streamed completion, all with the same id."""

    def __init__(self, model: str):
        self.id, self.created, self.model = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), model

    def chunk(self, delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> dict[str, Any]:
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}]} | extra

    def opening(self) -> dict[str, Any]:
        """Sent at once, before the answer is ready."""
        return self.chunk({"role": "assistant", "content": ""})

    def closing(self, answer: Answer) -> Iterator[dict[str, Any]]:
        """The checked content, then a last chunk with the citations, references and usage."""
        yield self.chunk({"content": content_of(answer)})
        yield self.chunk({}, "stop", usage=_usage(answer), **_extras(answer))

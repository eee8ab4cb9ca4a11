"""The chat: one streaming handler turning `Assistant.ask_stream` events into chat updates.

Nothing here imports gradio, so the handler is tested with a fake assistant. A conversation is a
list of `Turn`s kept in per-session state; the raw answers (not the HTML) are what follow-up
questions get as history.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from assistant.errors import AssistantError, InputError
from assistant.protocol import AssistantAPI
from assistant.store import Filters
from assistant.types import Answer, Message, Paper
from ui import render
from ui.cards import answer_sources_html, sources_panel

log = logging.getLogger(__name__)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass
class Turn:
    """One question and its reply: the checked answer, an error, or a draft stopped by the user.

    What a saved chat needs is kept as plain values (`to_dict`); `answer` lives only while the
    session does."""

    question: str
    html: str = ""
    answer: Answer | None = None
    text: str | None = None  # the checked answer, what follow-ups get as history
    sources_html: str | None = None  # its source cards
    references: list[tuple[int, Paper]] = field(default_factory=list)  # cited papers by number
    error: str | None = None
    stopped: bool = False
    started: float = field(default_factory=time.time)

    def finish(self, answer: Answer, index: int) -> None:
        self.answer, self.text = answer, answer.text
        self.html = render.answer_html(answer, index)
        self.sources_html = answer_sources_html(answer, index)
        by_id = {h.paper.paper_id: h.paper for h in answer.sources}
        self.references = [(c.n, by_id[c.paper_id]) for c in sorted(answer.citations, key=lambda c: c.n)
                           if c.paper_id in by_id]

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "html": self.html, "text": self.text,
                "sources_html": self.sources_html, "error": self.error, "stopped": self.stopped,
                "references": [{"n": n, "paper": p.to_dict()} for n, p in self.references]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        refs = [(int(r["n"]), Paper.from_dict(r["paper"])) for r in data.get("references") or []]
        return cls(str(data.get("question") or ""), str(data.get("html") or ""), text=data.get("text"),
                   sources_html=data.get("sources_html"), references=refs, error=data.get("error"),
                   stopped=bool(data.get("stopped")))


class ChatUpdate(NamedTuple):
    """What the UI shows after each step: chat messages, sources panel, state, answer as JSON."""

    messages: list[dict]
    sources: str
    turns: list[Turn]
    answer: dict[str, Any] | None


def history_of(turns: list[Turn]) -> list[Message]:
    """The conversation as the Assistant reads it; failed and stopped turns are left out."""
    history: list[Message] = []
    for turn in turns:
        if turn.text is not None:
            history += [Message("user", turn.question), Message("assistant", turn.text)]
    return history


def chat_messages(turns: list[Turn], queued: Sequence[str] = ()) -> list[dict]:
    """The chat bubbles: every turn, then the questions still waiting their turn."""
    messages: list[dict] = []
    for turn in turns:
        messages += [{"role": "user", "content": render.user_html(turn.question)},
                     {"role": "assistant", "content": turn.html}]
    for question in queued:
        messages += [{"role": "user", "content": render.user_html(question)},
                     {"role": "assistant", "content": render.queued_html()}]
    return messages


def update(turns: list[Turn], answer: dict[str, Any] | None = None, panel: str | None = None,
           queued: Sequence[str] = ()) -> ChatUpdate:
    """The UI after a step; pass `panel` when the sources did not change (it costs per token)."""
    panel = panel if panel is not None else sources_panel([(t.question, t.sources_html) for t in turns])
    return ChatUpdate(chat_messages(turns, list(queued)), panel, turns, answer)


def parse_filters(date_from: str | None, date_to: str | None) -> Filters | None:
    """Date range filters from the settings panel; empty fields mean unbounded.

    >>> parse_filters("2020", "")
    Filters(date_from='2020', date_to=None, sources=None, min_authors=None, max_authors=None)
    """
    start, end = (date_from or "").strip(), (date_to or "").strip()
    for value in (start, end):
        if value and not _DATE.match(value):
            raise InputError(f"'{value}' is not a date", hint="write it as YYYY, YYYY-MM or YYYY-MM-DD")
    return Filters(date_from=start or None, date_to=end or None) if start or end else None


def respond(assistant: AssistantAPI, message: str, turns: list[Turn] | None, k: int | float | None = None,
            date_from: str = "", date_to: str = "", *, stop: threading.Event | None = None,
            queued: Sequence[str] = (), min_interval: float = 0.05) -> Iterator[ChatUpdate]:
    """Stream one reply: status lines, then the growing text, then the checked answer.

    Token updates are sent at most every `min_interval` seconds; the final one always is. When
    `stop` is set the model is stopped at its next step and the draft is kept, marked unchecked.
    `queued` (read at every step) are the questions waiting after this one.
    """
    turns = list(turns or [])
    question = (message or "").strip()
    if not question:
        yield update(turns, queued=queued)
        return
    turn = Turn(question)
    turn.html = render.status_html("Starting…", started=turn.started)
    history = history_of(turns)
    turns.append(turn)
    first = update(turns, queued=queued)
    yield first
    step = _Step(assistant, turn, turns, history, stop, queued, min_interval, first.sources)
    try:
        filters = parse_filters(date_from, date_to)
        yield from step.run(filters, int(k) if k else None)
    except AssistantError as exc:
        turn.error = exc.friendly()
    except Exception as exc:  # the chat must stay usable; the details go to the server log
        log.exception("chat failed")
        turn.error = f"unexpected error ({type(exc).__name__}: {exc})"
    if turn.error:
        turn.html = render.error_html(turn.error)
        yield update(turns, {"error": turn.error}, queued=queued)


@dataclass
class _Step:
    """One reply being streamed (the values `respond` hands on, so `run` stays short)."""

    assistant: AssistantAPI
    turn: Turn
    turns: list[Turn]
    history: list[Message]
    stop: threading.Event | None
    queued: Sequence[str]
    min_interval: float
    panel: str

    def run(self, filters: Filters | None, k: int | None) -> Iterator[ChatUpdate]:
        turn, text, last, evidence = self.turn, "", 0.0, ""
        events = self.assistant.ask_stream(turn.question, history=self.history or None, filters=filters, k=k)
        with closing(events):  # closing it stops the model mid-answer
            for event in events:
                if self.stop is not None and self.stop.is_set():
                    turn.stopped = True
                    turn.html = render.stopped_html(text, evidence)
                    yield self._update()
                    return
                if event.kind == "status":
                    turn.html = render.status_html(event.text, evidence, started=turn.started)
                    yield self._update()
                elif event.kind == "evidence":
                    evidence = render.evidence_html(event.sources)
                    turn.html = render.status_html("Writing the answer…", evidence, started=turn.started)
                    yield self._update()
                elif event.kind == "token":
                    text += event.text
                    turn.html = render.streaming_html(text, evidence)
                    if time.monotonic() - last >= self.min_interval:
                        last = time.monotonic()
                        yield self._update()
                elif event.kind == "answer" and event.answer is not None:
                    turn.finish(event.answer, len(self.turns) - 1)
                    yield update(self.turns, event.answer.to_dict(), queued=self.queued)
                    return
        turn.error = "the assistant stopped without an answer"

    def _update(self) -> ChatUpdate:
        return update(self.turns, panel=self.panel, queued=self.queued)


def new_chat() -> ChatUpdate:
    return update([])


def cited_papers(turns: list[Turn] | None) -> list[Paper]:
    """Every paper cited in the conversation, once, in order of first citation."""
    papers: dict[str, Paper] = {}
    for turn in turns or []:
        for _, paper in turn.references:
            papers.setdefault(paper.paper_id, paper)
    return list(papers.values())

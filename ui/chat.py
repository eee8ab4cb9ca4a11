"""The chat: one streaming handler turning `Assistant.ask_stream` events into chat updates.

Nothing here imports gradio, so the handler is tested with a fake assistant. A conversation is a
list of `Turn`s kept in per-session state; the raw answers (not the HTML) are what follow-up
questions get as history.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from assistant.errors import AssistantError, InputError
from assistant.store import Filters
from assistant.types import Answer, Message, Paper
from ui import render
from ui.cards import sources_panel

log = logging.getLogger(__name__)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass
class Turn:
    """One question and its reply: the final Answer, or an error shown in its place."""

    question: str
    html: str = ""
    answer: Answer | None = None
    error: str | None = None


class ChatUpdate(NamedTuple):
    """What the UI shows after each step: chat messages, sources panel, state, answer as JSON."""

    messages: list[dict]
    sources: str
    turns: list[Turn]
    answer: dict[str, Any] | None


def history_of(turns: list[Turn]) -> list[Message]:
    """The conversation as the Assistant reads it; failed turns are left out."""
    history: list[Message] = []
    for turn in turns:
        if turn.answer is not None:
            history += [Message("user", turn.question), Message("assistant", turn.answer.text)]
    return history


def chat_messages(turns: list[Turn]) -> list[dict]:
    messages: list[dict] = []
    for turn in turns:
        messages += [{"role": "user", "content": render.user_html(turn.question)},
                     {"role": "assistant", "content": turn.html}]
    return messages


def update(turns: list[Turn], answer: dict[str, Any] | None = None, panel: str | None = None) -> ChatUpdate:
    """The UI after a step; pass `panel` when the sources did not change (it costs per token)."""
    panel = panel if panel is not None else sources_panel([(t.question, t.answer) for t in turns])
    return ChatUpdate(chat_messages(turns), panel, turns, answer)


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


def respond(assistant, message: str, turns: list[Turn] | None, k: int | float | None = None,
            date_from: str = "", date_to: str = "", *, min_interval: float = 0.05) -> Iterator[ChatUpdate]:
    """Stream one reply: status lines, then the growing text, then the checked answer.

    Token updates are sent at most every `min_interval` seconds; the final one always is.
    """
    turns = list(turns or [])
    question = (message or "").strip()
    if not question:
        yield update(turns)
        return
    turn = Turn(question, render.status_html("Starting…"))
    history = history_of(turns)
    turns.append(turn)
    first = update(turns)
    yield first
    try:
        filters = parse_filters(date_from, date_to)
        yield from _stream(assistant, turn, turns, history, filters, int(k) if k else None, min_interval,
                           first.sources)
    except AssistantError as exc:
        turn.error = exc.friendly()
    except Exception as exc:  # the chat must stay usable; the details go to the server log
        log.exception("chat failed")
        turn.error = f"unexpected error ({type(exc).__name__}: {exc})"
    if turn.error:
        turn.html = render.error_html(turn.error)
        yield update(turns, {"error": turn.error})


def _stream(assistant, turn: Turn, turns: list[Turn], history: list[Message], filters: Filters | None,
            k: int | None, min_interval: float, panel: str) -> Iterator[ChatUpdate]:
    text, last, evidence = "", 0.0, ""
    for event in assistant.ask_stream(turn.question, history=history or None, filters=filters, k=k):
        if event.kind == "status":
            turn.html = render.status_html(event.text, evidence)
            yield update(turns, panel=panel)
        elif event.kind == "evidence":
            evidence = render.evidence_html(event.sources)
            turn.html = render.status_html("Writing the answer…", evidence)
            yield update(turns, panel=panel)
        elif event.kind == "token":
            text += event.text
            turn.html = render.streaming_html(text, evidence)
            if time.monotonic() - last >= min_interval:
                last = time.monotonic()
                yield update(turns, panel=panel)
        elif event.kind == "answer" and event.answer is not None:
            turn.answer = event.answer
            turn.html = render.answer_html(event.answer, len(turns) - 1)
            yield update(turns, event.answer.to_dict())
            return
    turn.error = "the assistant stopped without an answer"


def new_chat() -> ChatUpdate:
    return update([])


def cited_papers(turns: list[Turn] | None) -> list[Paper]:
    """Every paper cited in the conversation, once, in order of first citation."""
    papers: dict[str, Paper] = {}
    for turn in turns or []:
        answer = turn.answer
        if answer is None:
            continue
        for citation in sorted(answer.citations, key=lambda c: c.n):
            if 1 <= citation.n <= len(answer.sources):
                paper = answer.sources[citation.n - 1].paper
                papers.setdefault(paper.paper_id, paper)
    return list(papers.values())

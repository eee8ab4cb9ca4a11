"""History-aware retrieval queries: a follow-up like "what dataset did they use?" is searched
together with the turns it refers to."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.errors import NothingToDoError
from assistant.types import Message

_ASSISTANT_CHARS = 400  # enough for the paper names an answer mentions, not its whole text
_ORDINALS = {"first": 0, "1st": 0, "former": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2,
             "last": -1, "latter": -1}
# "the second one", "the first paper", "the latter": a pointer into a list the assistant gave
_ORDINAL_REF = re.compile(r"\bthe\s+(?:(first|second|third|1st|2nd|3rd|last)\s+"
                          r"(?:one|paper|study|work|model|method|approach)\b|(former|latter)\b)", re.I)
_ITEM_SPLITS = (re.compile(r"\n\s*(?:[-*•]|\d+[.)])\s*"), re.compile(r";\s+"),
                re.compile(r"(?<=[.!?])\s+(?=[A-Z'\"])"))


def retrieval_query(question: str, history: Sequence[Message] | None, turns: int = 1) -> str:
    """The question first, then the last `turns` exchanges (user and assistant) of the chat.

    The assistant's reply is kept because it names the paper the user now asks about. When the
    question points at one item of a list in the reply ("and the second one?"), only that item
    of the reply is kept, so the other papers of the list do not compete with it.

    >>> retrieval_query("how big?", [Message("user", "SECTOR model?"),
    ...                              Message("assistant", "SECTOR segments text.")])
    'how big? SECTOR model? SECTOR segments text.'
    >>> retrieval_query("and the second one?", [Message("user", "small LMs?"),
    ...                 Message("assistant", "Two: 'Honey' shrinks; 'Why' saturates.")])
    "and the second one? small LMs? 'Why' saturates."
    """
    if not history:
        return question
    recent = history[-2 * turns:]
    last_reply = max((i for i, m in enumerate(recent) if m.role == "assistant"), default=None)
    context = []
    for i, message in enumerate(recent):
        text = message.content.strip()
        if message.role == "assistant":
            picked = referenced_item(question, text) if i == last_reply else None
            text = (picked or text)[:_ASSISTANT_CHARS]
        if text:
            context.append(text)
    return " ".join([question.strip(), *context])


def referenced_item(question: str, reply: str) -> str | None:
    """The item of `reply` that an ordinal in `question` points at, or None.

    Items are list lines, else `;`-separated parts, else sentences; a reply with fewer items than
    the ordinal asks for gives None (the whole reply is then used).

    >>> referenced_item("what about the latter?", "A does x. B does y.")
    'B does y.'
    >>> referenced_item("what did the first stage learn?", "A does x. B does y.") is None
    True
    """
    match = _ORDINAL_REF.search(question)
    if not match:
        return None
    index = _ORDINALS[(match.group(1) or match.group(2)).lower()]
    for splitter in _ITEM_SPLITS:
        items = [part.strip() for part in splitter.split(reply) if part.strip()]
        if len(items) >= 2:
            return items[index] if -len(items) <= index < len(items) else None
    return None


def require_query(text: str, what: str = "query") -> None:
    """An empty or blank query is a usage error (CLI exit 2, HTTP 400), not an empty result."""
    if not text or not text.strip():
        raise NothingToDoError(f"the {what} is empty", hint=f"give a {what}, e.g. \"grokking phases\"")

"""History-aware retrieval queries: a follow-up like "what dataset did they use?" is searched
together with the turns it refers to."""

from __future__ import annotations

Message = dict  # {"role": "user"|"assistant", "content": str}

_ASSISTANT_CHARS = 400  # enough for the paper names an answer mentions, not its whole text


def retrieval_query(question: str, history: list[Message] | None, turns: int = 1) -> str:
    """The question first, then the last `turns` exchanges (user and assistant) of the chat.

    The assistant's reply is kept because it names the paper the user now asks about.

    >>> retrieval_query("how big?", [{"role": "user", "content": "SECTOR model?"},
    ...                              {"role": "assistant", "content": "SECTOR segments text."}])
    'how big? SECTOR model? SECTOR segments text.'
    """
    if not history:
        return question
    recent = history[-2 * turns:]
    context = []
    for message in recent:
        text = (message.get("content") or "").strip()
        if message.get("role") == "assistant":
            text = text[:_ASSISTANT_CHARS]
        if text:
            context.append(text)
    return " ".join([question.strip(), *context])

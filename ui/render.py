"""Chat messages as HTML: answers with citation markers as anchors, support marks, status and errors.

Everything here is a pure function from the project's types to an HTML string, and every piece
of text (the model's, the user's, a paper's) goes through `html.escape`: the chat shows these
strings as sanitized HTML with markdown and LaTeX rendering off, so a title holding `<script>` or
`![x](url)` shows literally.
"""

from __future__ import annotations

import html

from assistant.citations import parse_markers
from assistant.types import Answer, SentenceSupport

_SENTENCE_TITLE = {
    "supported": "Backed by the cited source",
    "weak": "Only weakly backed by the cited source",
    "uncited": "No source backs this sentence",
}


def escape(text: str | None) -> str:
    """Text as HTML that shows literally, line breaks kept.

    >>> escape('<script>alert("x")</script>\\nnext')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>next'
    """
    return html.escape(text or "", quote=True).replace("\n", "<br>")


def source_id(turn: int, n: int | str) -> str:
    """The element id of source `n` of answer `turn` in the sources panel (turns count from 0)."""
    return f"src-{turn}-{n}"


def cite_anchor(turn: int, n: int) -> str:
    target = source_id(turn, n)
    return f'<a class="ra-cite" href="#{target}" data-target="{target}">[{n}]</a>'


def cited_text_html(text: str, turn: int) -> str:
    """Escaped text whose citation markers link to their source cards.

    >>> cited_text_html("BERT <b>wins</b> [1][2].", 0)  # doctest: +NORMALIZE_WHITESPACE
    'BERT &lt;b&gt;wins&lt;/b&gt; <a class="ra-cite" href="#src-0-1" data-target="src-0-1">[1]</a><a
    class="ra-cite" href="#src-0-2" data-target="src-0-2">[2]</a>.'
    """
    out, last = [], 0
    for marker in parse_markers(text):
        start, end = marker.span
        out.append(escape(text[last:start]))
        out.extend(cite_anchor(turn, n) for n in marker.numbers)
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def sentence_html(sentence: SentenceSupport, turn: int) -> str:
    """One answer sentence, marked by how well its sources back it; uncited ones carry a flag."""
    label = sentence.label if sentence.label in _SENTENCE_TITLE else "uncited"
    title = _SENTENCE_TITLE[label]
    if sentence.score is not None and label != "uncited":
        title += f" (similarity {sentence.score:.2f})"
    flag = '<sup class="ra-flag">no source</sup>' if label == "uncited" else ""
    return (f'<span class="ra-sent ra-{label}" title="{escape(title)}">'
            f"{cited_text_html(sentence.text, turn)}{flag}</span>")


def answer_html(answer: Answer, turn: int) -> str:
    """The final answer of one turn: sentences with anchors, or the not-in-the-papers reply."""
    if answer.abstained:
        return abstain_html(answer)
    if answer.sentences:
        body = " ".join(sentence_html(s, turn) for s in answer.sentences)
    else:
        body = cited_text_html(answer.text, turn)
    return f'<div class="ra-answer">{body}{cited_list_html(answer, turn)}</div>'


def cited_list_html(answer: Answer, turn: int) -> str:
    """A one-line list of the cited papers under the answer, each linking to its card."""
    if not answer.citations:
        return ""
    items = "; ".join(f"{cite_anchor(turn, c.n)} {escape(c.title)}"
                      for c in sorted(answer.citations, key=lambda c: c.n))
    return f'<div class="ra-cited">Sources: {items}</div>'


def abstain_html(answer: Answer) -> str:
    """The papers do not cover the question: say so, why, and which papers came closest."""
    reason = f' <span class="ra-reason">({escape(answer.abstain_reason)})</span>' if answer.abstain_reason else ""
    closest = "".join(f"<li>{escape(h.paper.title)}</li>" for h in answer.retrieved[:3])
    listing = f'<div class="ra-closest">Closest papers:<ol>{closest}</ol></div>' if closest else ""
    return (f'<div class="ra-abstain"><strong>Not in the indexed papers.</strong> The indexed papers '
            f"do not cover this question, so there is no answer to give.{reason}{listing}</div>")


def streaming_html(text: str) -> str:
    """The model's text while it streams (checked and replaced when the answer is final)."""
    return f'<div class="ra-streaming">{escape(text)}<span class="ra-cursor">▌</span></div>'


def status_html(text: str) -> str:
    """A progress line shown in the reply bubble before the first token."""
    return f'<div class="ra-status"><span class="ra-spinner"></span>{escape(text)}</div>'


def error_html(message: str) -> str:
    """A readable error in place of an answer (never a traceback)."""
    return f'<div class="ra-error"><strong>Could not answer:</strong> {escape(message)}</div>'


def user_html(question: str) -> str:
    return f'<div class="ra-question">{escape(question)}</div>'

"""Chat messages as HTML: answers with citation markers as anchors, support marks, status and errors.

Everything here is a pure function from the project's types to an HTML string, and every piece
of text (the model's, the user's, a paper's) goes through `html.escape`: the chat shows these
strings as sanitized HTML with markdown and LaTeX rendering off, so a title holding `<script>` or
`![x](url)` shows literally.
"""

from __future__ import annotations

import html
import re
import time

from assistant.checking import failed_checks
from assistant.citations import parse_markers
from assistant.types import Answer, Hit, SentenceSupport

_BOLD = re.compile(r"\*\*(.+?)\*\*")

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
    """The final answer of one turn, laid out as written (paragraphs, quotes, bullets, a table),
    with the model's sentences marked by support and every marker linking to its card."""
    if answer.abstained:
        return abstain_html(answer)
    return f'<div class="ra-answer">{layout_html(answer.text, answer.sentences, turn)}{cited_list_html(answer, turn)}</div>'


def layout_html(text: str, sentences: list[SentenceSupport], turn: int) -> str:
    """The answer's markdown subset as HTML: "> " quotes, "- " bullets, "|" tables, paragraphs."""
    blocks, bullets, table = [], [], []

    def flush() -> None:
        if bullets:
            blocks.append("<ul>" + "".join(f"<li>{inline_html(b, turn)}</li>" for b in bullets) + "</ul>")
            bullets.clear()
        if table:
            blocks.append(table_html(table, turn))
            table.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("- "):
            bullets.append(stripped[2:])
            continue
        if stripped.startswith("|"):
            table.append(stripped)
            continue
        flush()
        if stripped.startswith("> "):
            blocks.append(f'<blockquote class="ra-quote">{inline_html(stripped[2:], turn)}</blockquote>')
        elif stripped:
            blocks.append(f"<p>{paragraph_html(stripped, sentences, turn)}</p>")
    flush()
    return "".join(blocks)


def paragraph_html(line: str, sentences: list[SentenceSupport], turn: int) -> str:
    """A paragraph whose generated sentences are wrapped in their support marks."""
    out, pos = [], 0
    for sentence in sentences:
        at = line.find(sentence.text, pos)
        if at < 0:
            continue
        out.append(inline_html(line[pos:at], turn))
        out.append(sentence_html(sentence, turn))
        pos = at + len(sentence.text)
    out.append(inline_html(line[pos:], turn))
    return "".join(out)


def table_html(rows: list[str], turn: int) -> str:
    """A markdown table (header, rule, rows; "\\|" inside a cell) as an HTML table."""
    cells = [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]
             for row in rows if not re.fullmatch(r"\|?[\s|:-]+\|?", row)]
    if not cells:
        return ""
    head = "".join(f"<th>{inline_html(c, turn)}</th>" for c in cells[0])
    body = "".join(f"<tr><th>{inline_html(row[0], turn)}</th>"
                   + "".join(f"<td>{inline_html(c, turn)}</td>" for c in row[1:]) + "</tr>" for row in cells[1:])
    return f'<table class="ra-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def inline_html(text: str, turn: int) -> str:
    """Escaped text with **bold** and citation anchors.

    >>> inline_html("**A <b>** [1]", 0)  # doctest: +ELLIPSIS
    '<strong>A &lt;b&gt;</strong> <a class="ra-cite" href="#src-0-1" ...>[1]</a>'
    """
    return _BOLD.sub(r"<strong>\1</strong>", cited_text_html(text, turn))


def evidence_html(sources: list[Hit]) -> str:
    """The papers' own sentences that match the question, shown before the model writes anything."""
    items = []
    for hit in sources:
        year = f" ({hit.paper.year})" if hit.paper.year else ""
        quotes = "".join(f'<blockquote class="ra-quote">“{escape(q)}”</blockquote>' for q in hit.evidence)
        items.append(f'<li><strong>{escape(hit.paper.title)}</strong>{escape(year)}{quotes}</li>')
    return (f'<div class="ra-evidence"><div class="ra-evidence-head">Evidence from the papers</div>'
            f'<ul>{"".join(items)}</ul></div>')


def cited_list_html(answer: Answer, turn: int) -> str:
    """A one-line list of the cited papers under the answer, each linking to its card."""
    if not answer.citations:
        return ""
    items = "; ".join(f"{cite_anchor(turn, c.n)} {escape(c.title)}"
                      for c in sorted(answer.citations, key=lambda c: c.n))
    return f'<div class="ra-cited">Sources: {items}</div>'


def plain_reason(reason: str | None) -> str | None:
    """Why the assistant abstained, in words instead of scores.

    >>> plain_reason("closest match: similarity 0.30, keyword score 1.4")
    'even the closest papers match the question only weakly, in meaning and in words'
    """
    if reason and reason.startswith("closest match"):
        return "even the closest papers match the question only weakly, in meaning and in words"
    return reason


def abstain_html(answer: Answer) -> str:
    """The papers do not cover the question: say so, why, and which papers came closest."""
    why = plain_reason(answer.abstain_reason)
    reason = f' <span class="ra-reason">({escape(why)})</span>' if why else ""
    closest = "".join(f"<li>{escape(h.paper.title)}</li>" for h in answer.retrieved[:3])
    listing = f'<div class="ra-closest">Closest papers:<ol>{closest}</ol></div>' if closest else ""
    if failed_checks(answer.abstain_reason):  # the papers may cover it; the model's text did not hold up
        return (f'<div class="ra-abstain"><strong>No checked answer.</strong> What the model wrote did not '
                f"hold up against the papers, so it is not shown.{reason}{listing}</div>")
    return (f'<div class="ra-abstain"><strong>Not in the indexed papers.</strong> The indexed papers '
            f"do not cover this question, so there is no answer to give.{reason}{listing}</div>")


def streaming_html(text: str, evidence: str = "") -> str:
    """The model's text while it streams (checked and replaced when the answer is final), under
    the evidence already shown."""
    return f'{evidence}<div class="ra-streaming">{escape(text)}<span class="ra-cursor">▌</span></div>'


def status_html(text: str, evidence: str = "", started: float | None = None) -> str:
    """A progress line shown in the reply bubble before the first token (under the evidence), with
    the seconds since the question was asked; the page's script keeps them ticking."""
    clock = ""
    if started is not None:
        waited = max(0, int(time.time() - started))
        # classes, not data- attributes: the chat's HTML sanitizer keeps only the former
        clock = f' <span class="ra-elapsed ra-key-{int(started * 1000)} ra-at-{waited}">{waited} s</span>'
    return f'{evidence}<div class="ra-status"><span class="ra-spinner"></span>{escape(text)}{clock}</div>'


def queued_html() -> str:
    """The reply bubble of a question waiting for the one before it."""
    return '<div class="ra-queued">Queued — answered when the question before it is done.</div>'


def stopped_html(draft: str, evidence: str = "") -> str:
    """A reply stopped by the user: never an answer; the unchecked draft only behind a fold."""
    shown = (f'<details class="ra-draft"><summary>Unchecked draft so far</summary>{escape(draft)}</details>'
             if draft.strip() else "")
    return (f'{evidence}<div class="ra-stopped"><strong>Stopped.</strong> The answer was stopped before it '
            f"was checked against the papers, so there is no answer. Ask again to get one.{shown}</div>")


def error_html(message: str) -> str:
    """A readable error in place of an answer (never a traceback)."""
    return f'<div class="ra-error"><strong>Could not answer:</strong> {escape(message)}</div>'


def user_html(question: str) -> str:
    return f'<div class="ra-question">{escape(question)}</div>'

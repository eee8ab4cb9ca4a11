"""Paper cards as HTML: the sources panel beside the chat and the ranked results of a search.

A card shows a paper's title, metadata, support badge and abstract, with the sentences that back
the answer (or match the query) highlighted. Pure functions; all paper text is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlparse

from assistant.text import normalize_space, split_sentences
from assistant.types import Answer, Hit, Paper
from ui.render import escape, source_id

_LEGEND = ('<p class="ra-legend"><mark class="ra-support">backs the answer</mark> '
           '<mark class="ra-match">matches the question</mark></p>')
_BADGES = {"supported": "supported", "weak": "weak support", "not cited": "not cited"}


def badge_html(label: str) -> str:
    """A support badge: supported, weak, or not cited.

    >>> badge_html("weak")
    '<span class="ra-badge ra-badge-weak">weak support</span>'
    """
    css = label.replace(" ", "-")
    return f'<span class="ra-badge ra-badge-{css}">{escape(_BADGES.get(label, label))}</span>'


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (no javascript: or data: links)."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


def meta_html(paper: Paper) -> str:
    """Date, authors, upvotes and link, separated by dots; unknown fields are left out."""
    parts = []
    if paper.date:
        parts.append(escape(paper.date))
    if paper.authors:
        more = f" et al. ({len(paper.authors)} authors)" if len(paper.authors) > 3 else ""
        parts.append(escape(", ".join(paper.authors[:3])) + more)
    elif paper.n_authors:
        parts.append(f"{paper.n_authors} author{'s' * (paper.n_authors != 1)}")
    if paper.upvotes is not None:
        parts.append(f"{paper.upvotes} upvotes")
    if url := safe_url(paper.url):
        parts.append(f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">link</a>')
    return f'<div class="ra-meta">{" · ".join(parts)}</div>' if parts else ""


def highlight_abstract(abstract: str, support: Iterable[str] = (), matches: Iterable[str] = ()) -> str:
    """The escaped abstract with backing sentences in <mark class="ra-support"> and query matches
    in <mark class="ra-match">.

    >>> highlight_abstract("We propose Xnet. It is <fast>. Done.", support=["It is <fast>."])
    'We propose Xnet. <mark class="ra-support">It is &lt;fast&gt;.</mark> Done.'
    """
    support_keys = {normalize_space(s) for s in support if s}
    match_keys = {normalize_space(s) for s in matches if s}
    pieces = []
    for sentence in split_sentences(abstract):
        if _contains(support_keys, sentence):
            pieces.append(f'<mark class="ra-support">{escape(sentence)}</mark>')
        elif _contains(match_keys, sentence):
            pieces.append(f'<mark class="ra-match">{escape(sentence)}</mark>')
        else:
            pieces.append(escape(sentence))
    return " ".join(pieces)


def _contains(keys: set[str], sentence: str) -> bool:
    """Whether an evidence text is this sentence (or a window of sentences that includes it)."""
    return any(sentence == key or (len(sentence) > 20 and sentence in key) for key in keys)


def source_labels(answer: Answer) -> dict[int, str]:
    """Each numbered source's badge: the best support among the sentences that cite it."""
    labels: dict[int, str] = {}
    for n in range(1, len(answer.sources) + 1):
        found = {s.label for s in answer.sentences if n in s.cited}
        cited = any(c.n == n for c in answer.citations)
        labels[n] = ("supported" if "supported" in found else "weak" if found or cited else "not cited")
    return labels


def source_card(hit: Hit, n: int | str, turn: int, label: str | None, support: Sequence[str] = (),
                matches: Sequence[str] = ()) -> str:
    """One source of one answer, with the id its citation markers link to."""
    paper = hit.paper
    badge = badge_html(label) if label else ""
    abstract = highlight_abstract(paper.abstract, support, matches)
    number = f'<span class="ra-num">[{escape(str(n))}]</span> ' if isinstance(n, int) else ""
    return (f'<article class="ra-card" id="{source_id(turn, n)}">'
            f'<div class="ra-card-head">{number}<span class="ra-title">{escape(paper.title)}</span> {badge}</div>'
            f'{meta_html(paper)}<p class="ra-abstract">{abstract}</p></article>')


def answer_sources_html(answer: Answer, turn: int) -> str:
    """The cards for one answer: its numbered sources, or the closest papers when it abstained."""
    if answer.abstained:  # nothing in them matches well, so nothing is marked as matching
        cards = "".join(source_card(h, f"c{i}", turn, None) for i, h in enumerate(answer.retrieved[:3], 1))
        note = '<p class="ra-note">Closest papers — they do not answer the question.</p>'
        return note + cards if cards else '<p class="ra-note">No paper came close.</p>'
    labels = source_labels(answer)
    cards = []
    for n, hit in enumerate(answer.sources, start=1):
        support = [s.evidence for s in answer.sentences if n in s.cited and s.evidence]
        cards.append(source_card(hit, n, turn, labels[n], support, hit.evidence))
    return "".join(cards) or '<p class="ra-note">No sources.</p>'


def sources_panel(turns: Sequence[tuple[str, str | None]]) -> str:
    """All answers' source cards (`answer_sources_html`, None for a turn without an answer), the
    latest open on top and earlier ones folded under their question."""
    answered = [(i, q, body) for i, (q, body) in enumerate(turns) if body is not None]
    if not answered:
        return '<div class="ra-sources"><p class="ra-note">Sources of the answers appear here.</p></div>'
    blocks = []
    for position, (turn, question, body) in enumerate(reversed(answered)):
        heading = f'<span class="ra-for">Sources for: {escape(question)}</span>'
        if position == 0:
            blocks.append(f'<section class="ra-turn" data-turn="{turn}">{heading}{body}</section>')
        else:
            blocks.append(f'<details class="ra-turn" data-turn="{turn}"><summary>{heading}</summary>{body}</details>')
    return f'<div class="ra-sources">{_LEGEND}{"".join(blocks)}</div>'


def search_results_html(hits: Sequence[Hit]) -> str:
    """Ranked papers for a description, each with the sentence that matched it."""
    if not hits:
        return '<p class="ra-note">No paper matched.</p>'
    cards = []
    for hit in hits:
        paper = hit.paper
        best = hit.evidence[0] if hit.evidence else ""
        matched = f'<p class="ra-matched">Matching sentence: <mark class="ra-match">{escape(best)}</mark></p>' if best else ""
        cards.append(
            f'<article class="ra-card ra-result" id="result-{hit.rank}">'
            f'<div class="ra-card-head"><span class="ra-num">{hit.rank}.</span> '
            f'<span class="ra-title">{escape(paper.title)}</span> '
            f'<span class="ra-score">score {hit.score:.3f}</span></div>{meta_html(paper)}{matched}'
            f'<details><summary>Abstract</summary><p class="ra-abstract">'
            f'{highlight_abstract(paper.abstract, (), hit.evidence[:1])}</p></details></article>')
    return f'<div class="ra-results">{"".join(cards)}</div>'

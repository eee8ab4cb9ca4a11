"""Citation clean-up: find the model's source markers, drop invented ones, and canonicalise the rest.

The model sees numbered sources [1]..[N] and writes markers in many styles. Everything here is
pure string work so it can be tested without a model: `parse_markers` finds markers,
`validate_citations` keeps only numbers that map to a real source, and
`split_answer_sentences` pairs each answer sentence with the sources it cites.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.text import split_sentences
from assistant.types import Citation

# Source numbers above this are years, sizes or footnotes from the abstract, never our sources.
_MAX_SOURCE = 50
# A range longer than this is a typo or an invention; keep only its endpoints.
_MAX_RANGE = 10
# "x[1]" is an index, so a plain bracket must not be glued to a word; "模型【1】" is fine.
_OPEN = r"(?:(?<!\w)\[|【)"
_CLOSE = r"[\]】]"
_LABEL = r"(?:(?:sources?|refs?|references?|papers?|docs?|documents?)\s*#?\s*|#\s*|\^)?"
_ITEM = r"\d{1,3}(?:\s*[-–—]\s*\d{1,3})?"
_SEP = r"\s*(?:,\s*and\b|,|;|\band\b|&)\s*"
_MARKER = re.compile(
    rf"{_OPEN}\s*{_LABEL}(?P<body>{_ITEM}(?:{_SEP}{_LABEL}{_ITEM})*)\s*{_CLOSE}", re.IGNORECASE)
_NUMBER_OR_RANGE = re.compile(r"(\d+)(?:\s*[-–—]\s*(\d+))?")
# An opening fence's info string has no backticks; that keeps "`````..." lines linear to scan.
_FENCE = re.compile(
    r"^[ \t]*(`{3,}|~{3,})[^`\n]*(?:\n.*?(?:\n[ \t]*\1[ \t]*(?=\n|\Z)|\Z)|\Z)", re.M | re.S)
_BACKTICKS_OR_NEWLINE = re.compile(r"`+|\n")
# Markers separated only by a comma, semicolon or spaces read as one citation: "[1], [2]".
_GROUP_GAP = re.compile(r"[ \t]*[,;]?[ \t]*")
# Stands in for a dropped marker until the spacing around it is repaired.
_HOLE = "\x00"
_HOLE_IN_PARENS = re.compile(rf"\([ \t]*{_HOLE}[ \t]*\)")
_HOLES = re.compile(rf"{_HOLE}+")
# words after which a marker stands for a paper's name rather than a citation
_WORD_BEFORE = re.compile(r"(?:^|\b(?:and|or|in|by|from|of|to|than|while|whereas|both|paper|papers|source|"
                          r"sources|study|work|with|unlike|like)\s+)$", re.I)
# after a comma a marker is a word only when the sentence goes on ("Yes, [2] uses ..."), not at its end
_PUNCT_BEFORE = re.compile(r"[,:;]\s*$")
_WORDS_AFTER = re.compile(r"[^\W\d_]")
_LIST_PREFIX = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")


@dataclass(frozen=True)
class Marker:
    """One bracketed citation marker: where it is in the text and the source numbers it names."""

    span: tuple[int, int]
    numbers: tuple[int, ...]


@dataclass
class CitationResult:
    """What `validate_citations` returns: cleaned text, real citations, and what was dropped."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Group:
    """Adjacent markers that read as one citation, e.g. "[1], [2]" or "[1][3]"."""

    start: int
    end: int
    numbers: tuple[int, ...]


def parse_markers(text: str) -> list[Marker]:
    """Find citation markers outside code, in order; numbers are expanded and de-duplicated.

    >>> [m.numbers for m in parse_markers("A [1, 2] and B [3–5]. See x[1], `[4]`, [2020], [a].")]
    [(1, 2), (3, 4, 5)]
    >>> parse_markers("Shown in [Source 2].")
    [Marker(span=(9, 19), numbers=(2,))]
    """
    code = _code_spans(text)
    markers = []
    for match in _MARKER.finditer(text):
        if _inside(match.start(), code):
            continue
        numbers = _expand(match.group("body"))
        if numbers and max(numbers) <= _MAX_SOURCE:
            markers.append(Marker(match.span(), numbers))
    return markers


def _expand(body: str) -> tuple[int, ...]:
    """Numbers named by a marker body: "1, 3-5" -> (1, 3, 4, 5); over-long ranges keep endpoints."""
    numbers: list[int] = []
    for match in _NUMBER_OR_RANGE.finditer(body):
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) else low
        low, high = min(low, high), max(low, high)
        span = range(low, high + 1) if high - low < _MAX_RANGE else (low, high)
        numbers.extend(n for n in span if n not in numbers)
    return tuple(numbers)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Fenced blocks and inline code, sorted: brackets there are code, not citations."""
    fences = [m.span() for m in _FENCE.finditer(text)]
    spans, line_runs = list(fences), []
    for match in _BACKTICKS_OR_NEWLINE.finditer(text):
        if match.group() == "\n":
            spans += _pair_backtick_runs(line_runs)
            line_runs = []
        elif not _inside(match.start(), fences):
            line_runs.append(match.span())
    return sorted(spans + _pair_backtick_runs(line_runs))


def _pair_backtick_runs(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """As in CommonMark, a run of n backticks opens code that the next run of n closes."""
    by_length: dict[int, list[int]] = defaultdict(list)
    for i, (start, end) in enumerate(runs):
        by_length[end - start].append(i)
    spans, i = [], 0
    while i < len(runs):
        start, end = runs[i]
        same = by_length[end - start]
        k = bisect_right(same, i)  # a linear search here made long backtick rows quadratic
        if k < len(same):
            spans.append((start, runs[same[k]][1]))
            i = same[k] + 1
        else:
            i += 1
    return spans


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    """Whether `pos` falls in one of the sorted, non-overlapping `spans`."""
    k = bisect_right(spans, pos, key=lambda span: span[0]) - 1
    return k >= 0 and pos < spans[k][1]


def _group_markers(text: str, markers: list[Marker]) -> list[_Group]:
    """Merge markers separated only by spaces, a comma or a semicolon."""
    groups: list[_Group] = []
    for marker in markers:
        start, end = marker.span
        if groups and _GROUP_GAP.fullmatch(text, groups[-1].end, start):
            last = groups.pop()
            merged = last.numbers + tuple(n for n in marker.numbers if n not in last.numbers)
            groups.append(_Group(last.start, end, merged))
        else:
            groups.append(_Group(start, end, marker.numbers))
    return groups


def _rewrite(text: str, render: Callable[[_Group], str]) -> str:
    """Replace every marker group by `render(group)`; an empty rendering removes it cleanly."""
    text = text.replace(_HOLE, "")
    pieces, pos = [], 0
    for group in _group_markers(text, parse_markers(text)):
        pieces += [text[pos:group.start], render(group) or _HOLE]
        pos = group.end
    pieces.append(text[pos:])
    return _close_holes("".join(pieces))


def _close_holes(text: str) -> str:
    """Remove the placeholders of dropped markers so no double space or " ." is left behind."""
    # split rather than a regex with spaces on both sides, which is quadratic on long blank runs
    pieces = _HOLES.split(_HOLE_IN_PARENS.sub(_HOLE, text))
    out = [pieces[0].rstrip(" \t") if len(pieces) > 1 else pieces[0]]
    for k, piece in enumerate(pieces[1:], start=2):
        piece = piece.lstrip(" \t") if k == len(pieces) else piece.strip(" \t")
        before = next((p[-1] for p in reversed(out) if p), "\n")
        after = piece[:1] or "\n"
        out.append(("" if before in "\n([" or after in "\n.,;:!?)]" else " ") + piece)
    return "".join(out)


def validate_citations(text: str, sources: Sequence[Any]) -> CitationResult:
    """Keep markers that name a given source (1-based), drop the rest, and write them as [1][3].

    `sources` are the numbered papers the model saw (anything with `paper_id` and `title`, or a
    `Hit` whose `.paper` has them). Numbers are kept as given so they match the source panel;
    each paper is cited once, under the first number that names it.

    >>> from assistant.types import Paper
    >>> papers = [Paper("p1", "Alpha", ""), Paper("p2", "Beta", "")]
    >>> result = validate_citations("Alpha works [1, 7]. Beta too [9].", papers)
    >>> result.text
    'Alpha works [1]. Beta too.'
    >>> [c.paper_id for c in result.citations], result.removed
    (['p1'], ['[7]: no such source', '[9]: no such source'])
    """
    papers = [getattr(source, "paper", source) for source in sources]
    citations: dict[str, Citation] = {}
    removed: list[str] = []

    def render(group: _Group) -> str:
        kept = [n for n in group.numbers if 1 <= n <= len(papers)]
        for n in group.numbers:
            if n not in kept and f"[{n}]: no such source" not in removed:
                removed.append(f"[{n}]: no such source")
        for n in kept:
            paper = papers[n - 1]
            citations.setdefault(paper.paper_id, Citation(n, paper.paper_id, paper.title))
        return "".join(f"[{n}]" for n in kept)

    cleaned = _rewrite(text, render)
    return CitationResult(cleaned, list(citations.values()), removed)


def strip_markers(text: str) -> str:
    """The text with every citation marker removed and the spacing repaired.

    >>> strip_markers("It reaches 72.5% [1][2]. [3] Next, (see [4]) it wins.")
    'It reaches 72.5%. Next, (see) it wins.'
    """
    return _rewrite(text, lambda group: "")


def split_answer_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Split a cleaned answer into sentences, each with the source numbers it cites.

    Lines (bullets, paragraphs) are split separately. A marker opening a sentence belongs to
    the previous sentence of the same line when that one cites nothing (the model put the
    footnote after the full stop); otherwise, as in "[2] shows that ...", it stays, and when it only
    labels the sentence ("[1] PRISMATIC, the first ... dataset, showed that ...": a capital follows)
    it moves to the sentence's end. A sentence made only of markers joins the previous sentence.

    >>> split_answer_sentences("It uses BERT [1]. [2] It is fast. It is new.")
    [('It uses BERT [1].', [1]), ('It is fast [2].', [2]), ('It is new.', [])]
    >>> split_answer_sentences("[1] shows that it is fast.")
    [('[1] shows that it is fast.', [1])]
    >>> split_answer_sentences("It uses BERT. [2] It is fast.[3] Done.")
    [('It uses BERT. [2]', [2]), ('It is fast.[3]', [3]), ('Done.', [])]
    """
    sentences: list[str] = []
    for line in text.splitlines():
        line = _LIST_PREFIX.sub("", line).strip()
        for i, sentence in enumerate(_split_line(line)):
            _attach(sentences, sentence, first_in_line=i == 0)
    return [(s, _cited_numbers(s)) for s in sentences]


def _split_line(line: str) -> list[str]:
    """Sentences of one line; also breaks "fast.[3] Next", which `split_sentences` keeps whole."""
    cuts = [0]
    for group in _group_markers(line, parse_markers(line)):
        end = group.end
        if group.start > 0 and line[group.start - 1] in ".!?" and line[end:end + 1].isspace():
            cuts.append(end)
    cuts.append(len(line))
    pieces = [line[a:b] for a, b in zip(cuts, cuts[1:])]
    return [sentence for piece in pieces for sentence in split_sentences(piece)]


def _attach(sentences: list[str], sentence: str, first_in_line: bool) -> None:
    """Append `sentence`, moving a leading marker to the previous sentence where it belongs."""
    groups = _group_markers(sentence, parse_markers(sentence))
    lead = groups[0] if groups and groups[0].start == 0 else None
    rest = sentence[lead.end:].strip() if lead else sentence
    footnote = not first_in_line and sentences and not parse_markers(sentences[-1])
    if lead and sentences and (not rest or footnote):
        sentences[-1] = f"{sentences[-1]} {sentence[:lead.end]}"
        if rest:
            sentences.append(rest)
    elif lead and rest[:1].isupper():  # a label, not the subject ("[2] shows ..."): read as a citation
        sentences.append(_marker_last(rest, sentence[:lead.end].strip()))
    else:
        sentences.append(sentence)


def _marker_last(sentence: str, marker: str) -> str:
    """The sentence with `marker` before its final full stop, unless it already cites those sources.

    >>> _marker_last("PRISMATIC showed it.", "[1]"), _marker_last("It is fast [1].", "[1]")
    ('PRISMATIC showed it [1].', 'It is fast [1].')
    """
    if set(_cited_numbers(marker)) <= set(_cited_numbers(sentence)):
        return sentence
    body = sentence.rstrip()
    end = body[-1] if body[-1:] in (".", "!", "?") else ""
    return f"{body[:len(body) - len(end)].rstrip()} {marker}{end}"


def _cited_numbers(sentence: str) -> list[int]:
    numbers: list[int] = []
    for marker in parse_markers(sentence):
        numbers.extend(n for n in marker.numbers if n not in numbers)
    return numbers


def renumber(text: str, count: int) -> tuple[str, list[int]]:
    """Renumber markers by first appearance, so [1] is the first paper the text cites.

    Returns the new text and `order`: the old source numbers in their new order, cited ones first
    and the uncited ones after them (so a source list can be re-ordered to match).

    >>> renumber("B does y [3]. A does x [1][3].", 3)
    ('B does y [1]. A does x [1][2].', [3, 1, 2])
    """
    order: list[int] = []
    for marker in parse_markers(text):
        order.extend(n for n in marker.numbers if 1 <= n <= count and n not in order)
    order += [n for n in range(1, count + 1) if n not in order]
    return remap_markers(text, {old: i for i, old in enumerate(order, start=1)}), order


def remap_markers(text: str, mapping: dict[int, int]) -> str:
    """Markers rewritten through `mapping` (numbers it lacks are dropped), sorted within a group.

    >>> remap_markers("[2] and [1] agree [1, 2].", {1: 2, 2: 1})
    '[1] and [2] agree [1][2].'
    """
    def render(group: _Group) -> str:
        return "".join(f"[{m}]" for m in sorted({mapping[n] for n in group.numbers if n in mapping}))

    return _rewrite(text, render)


def markers_as_words(sentence: str) -> bool:
    """Whether a sentence uses a marker as a word ("[1] and [3] probe ...", "while [2] uses ..."), so
    removing it would break the sentence.

    >>> markers_as_words("[1] and [3] probe truth."), markers_as_words("Yes, [2] uses x."), markers_as_words("It works [1].")
    (True, True, False)
    >>> markers_as_words("It works without fine-tuning, [1].")
    False
    """
    sentence = sentence.strip()

    def as_word(marker: Marker) -> bool:
        before, after = sentence[:marker.span[0]], strip_markers(sentence[marker.span[1]:])
        return (marker.span[0] == 0 or bool(_WORD_BEFORE.search(before))
                or bool(_PUNCT_BEFORE.search(before) and _WORDS_AFTER.search(after)))

    return any(as_word(marker) for marker in parse_markers(sentence))

"""The extractive parts of an answer, one layout per question type, built from the papers' own
sentences (never the model's), so every word in them is attributed by construction.

- lookup: the paper's reference line and what it does, quoted from its abstract;
- topic: one bullet per paper, "**Title** (year): “its sentence that answers the question” [n]";
- compare: a table with one column per paper and rows problem / method / data / main result;
- fact: the quotes that back the model's sentences.

Pure functions over `Source`s; the sentence picks use cue words and each sentence's match to the
question (`Source.relevance`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.support import specifics
from assistant.types import Paper, Source

# What a sentence of an abstract does, by its cue words.
_METHOD = re.compile(
    r"\b(we|this (paper|work|study|article)|here,? we|our (work|paper))\b[^.]{0,40}?\b(propose|introduce|present|"
    r"develop|design|describe|devise|formulate|build|construct|offer|call|define|train|use|adapt|extend|study|"
    r"studies|investigate|explore|analy[sz]e|examine|address|tackle)\w*\b|"
    r"\b(is|are) (proposed|introduced|presented)\b|\bwe (study|investigate|explore|analy[sz]e|examine)\b", re.I)
_RESULT = re.compile(
    r"\b(outperform|improv|achiev|surpass|reach|result|show|find|found|demonstrat|reveal|reduc|increas|"
    r"gain|boost|yield|obtain|perform|accuracy|state-of-the-art|better|faster|robust|effective|"
    r"significant|suggest|confirm|match)\w*", re.I)
_DATA = re.compile(r"\b(datasets?|benchmarks?|corpus|corpora|experiments? (on|with|across)|evaluat\w+ (on|across|with)|"
                   r"trained on|tested on|test sets?|tasks? (such as|including))\b", re.I)
_PROBLEM = re.compile(r"\b(however|but|challeng\w*|problem\w*|limit\w*|difficult\w*|remains?|lack\w*|struggl\w*|"
                      r"costly|expensive|open question|unclear|issue\w*|bottleneck\w*|fail\w*|suffer\w*)\b", re.I)
# a result the authors state as theirs: "we show ...", "our results demonstrate ...", "X outperforms ..."
_CLAIMED_RESULT = re.compile(r"\b(we|our|this (paper|work|study))\b[^.]{0,60}?\b(show|find|found|demonstrat|reveal|"
                             r"observe|achiev|outperform|improv|reduc|obtain|confirm|suggest|prove|establish)\w*|"
                             r"\b(outperform|surpass)\w*|\b(results|experiments) (show|demonstrate|reveal|indicate|"
                             r"confirm)|\bwe (then |also |further )?see\b|\band (find|show|observe|demonstrate)s? that\b",
                             re.I)
_CLAIMED_RESULT_OUR = re.compile(r"\bour (\w+ ){1,3}(makes?|enables?|allows?|leads?|helps?|yields?|improves?|"
                                 r"outperforms?|achieves?|reduces?|matches|surpasses)\b", re.I)
_CONTRIBUTION = re.compile(r"\b(we|this (paper|work|study|article))\b", re.I)
_OWN = re.compile(r"\b(we|our|this (paper|work|study|article))\b", re.I)
# what others found ("Recent work has shown ..."): background, never this paper's method or result
_PRIOR_WORK = re.compile(r"\b(recent|prior|previous|earlier|existing|past|related) (works?|stud(y|ies)|research|"
                         r"approaches|methods|literature|efforts)\b|\b(has|have) been (\w+ ){0,3}(shown|reported|"
                         r"observed|found|demonstrated)\b|\bit is (well[- ])?known\b", re.I)
# a finding stated inside another sentence: "We test X ..., and find that some of them yield ..."
_FINDING_CLAUSE = re.compile(r"(?<=\s)(?P<verb>find|show|demonstrate|observe|reveal|confirm)s?\s+that\s+\S", re.I)
_LEAD_IN = re.compile(r"^(in this (paper|work|study|note),?|moreover,?|furthermore,?|additionally,?|finally,?|"
                      r"specifically,?|in addition,?|to this end,?|overall,?|to address (this|these \w+),?|"
                      r"somewhat differently,?|in contrast,?|instead,?|here,?|however,?|thus,?|therefore,?|"
                      r"more broadly,?|taken together,?|remarkably,?|notably,?|interestingly,?|surprisingly,?|"
                      r"importantly,?|crucially,?|lastly,?)\s+", re.I)
MAX_CELL_WORDS = 40
TOPIC_QUOTE_WORDS = 35
RESULT_WORDS = 30
NOT_STATED = "not stated in the abstract"
COMPARE_ROWS = ("Problem", "Method", "Data", "Main result")
FINDING_BONUS = 0.05  # a result sentence wins a near tie: "did it help?" is answered by results
CONTRIBUTION_BONUS = 0.08  # the authors' own claim beats a background sentence on the same words
SPECIFIC_BONUS = 0.03  # per name or number a sentence states (three at most)
BACKGROUND_PENALTY = 0.1  # an abstract's opening sentence without "we" is background, rarely the finding


def states_finding(sentence: str) -> bool:
    """Whether the sentence states a result as the authors' ("we find that ...", "our results show ...").

    >>> states_finding("We find that LLMs are useful."), states_finding("This study investigates X.")
    (True, False)
    """
    return bool(_CLAIMED_RESULT.search(sentence) or _FINDING_CLAUSE.search(sentence))


def quote(text: str) -> str:
    """A sentence shown as the paper's own words."""
    return f"“{text.strip()}”"


def reference_line(paper: Paper, n: int) -> str:
    """Title, authors, year, citation marker and link: a lookup answer's first line.

    >>> reference_line(Paper("p", "Big Bird", "", authors=("A. One", "B. Two"), date="2020-07", url="https://x.org"), 1)
    '**Big Bird** — A. One, B. Two (2020) [1] https://x.org'
    """
    authors = ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else "")
    who = f" — {authors}" if authors else ""
    link = f" {paper.url}" if paper.url and paper.url.startswith(("http://", "https://")) else ""
    return f"**{paper.title}**{who}{_year(paper)} [{n}]{link}"


def method_sentence(source: Source) -> str | None:
    """The sentence saying what the paper does ("We propose ..."), else its best match to the question."""
    for cue in (_METHOD, _CONTRIBUTION):
        for sentence in source.sentences:
            if cue.search(sentence):
                return sentence
    return best_sentence(source)


def best_sentence(source: Source, bonuses: Sequence[tuple[re.Pattern[str], float]] = (),
                  among: re.Pattern[str] | None = None, exclude: Sequence[str] = ()) -> str | None:
    """The sentence (of those `among` matches, if given) that best matches the question and carries
    the most specifics; sentences with the `bonuses`' cue words gain their weights."""
    scored = [(_score(source, i, sentence, bonuses), sentence) for i, sentence in enumerate(source.sentences)
              if sentence not in exclude and (among is None or among.search(sentence))]
    return max(scored, key=lambda pair: pair[0])[1] if scored else None


def result_sentence(source: Source, exclude: Sequence[str] = ()) -> str | None:
    """The sentence stating a result ("... reveals that ...", "X outperforms ...") that best matches
    the question, of those not in `exclude`."""
    return best_sentence(source, among=_RESULT, exclude=exclude)


def best_sentences(source: Source, n: int) -> list[str]:
    """The `n` sentences that best match the question (names and numbers winning near ties), in
    the abstract's order: the quotes shown as evidence before any model runs."""
    ranked = sorted(range(len(source.sentences)), key=lambda i: -_score(source, i, source.sentences[i], ()))
    return [source.sentences[i] for i in sorted(ranked[:n])]


def _score(source: Source, i: int, sentence: str, bonuses: Sequence[tuple[re.Pattern[str], float]]) -> float:
    """Match to the question, plus cue bonuses, plus a little for each name or number (up to three):
    a researcher reading one sentence wants the one that says which method, data or result."""
    return (source.relevance[i] + sum(weight for cue, weight in bonuses if cue.search(sentence))
            + SPECIFIC_BONUS * min(3, len(specifics(sentence))))


def finding_sentence(source: Source) -> str | None:
    """The sentence that best says what this paper contributes on the question: the authors' own
    claims ("we show ...") and results win near ties, and an opening sentence without them (an
    abstract's background, "X has attracted attention") needs a clear lead.

    >>> from assistant.types import Hit
    >>> s = Source(1, Hit(Paper("p", "T", ""), 1.0, 1), ["Graphs matter.", "We show graphs help."], [0.60, 0.55])
    >>> finding_sentence(s)
    'We show graphs help.'
    """
    cues = [(_CONTRIBUTION, CONTRIBUTION_BONUS), (_RESULT, FINDING_BONUS)]
    background = source.sentences[0] if source.sentences and not _CONTRIBUTION.search(source.sentences[0]) else None
    best = best_sentence(source, cues)
    if best is not None and best == background:
        runner = best_sentence(source, cues, exclude=[background])
        if runner is not None and (_score(source, source.sentences.index(runner), runner, cues)
                                   >= _score(source, 0, background, cues) - BACKGROUND_PENALTY):
            return runner
    return best


def lookup_lines(main: Source, others: Sequence[Source]) -> list[tuple[str, list[int]]]:
    """The paper a description means: reference, what it does, the sentence that matches, runners-up."""
    lines = [(reference_line(main.paper, main.n), [main.n])]
    does = method_sentence(main)
    matches = best_sentence(main, exclude=[does] if does else [])  # a second sentence, never the same one
    if does:
        lines.append((f"What it does: {quote(does)} [{main.n}]", [main.n]))
    if matches:
        lines.append((f"Matches your description: {quote(matches)} [{main.n}]", [main.n]))
    for other in others:
        lines.append((f"Also close: **{other.paper.title}**{_year(other.paper)} [{other.n}]", [other.n]))
    return lines


def topic_bullets(sources: Sequence[Source]) -> list[tuple[str, list[int]]]:
    """One bullet per paper: its title and year, what it does and what it finds on the question,
    each quoted (shortened) from its abstract; one quote when the two are the same sentence."""
    bullets = []
    for source in sources:
        does = best_sentence(source, [(_CONTRIBUTION, CONTRIBUTION_BONUS)], among=_METHOD)
        finds = (best_sentence(source, [(_CONTRIBUTION, CONTRIBUTION_BONUS)], among=_CLAIMED_RESULT, exclude=[does])
                 if does else None) or finding_sentence(source)
        if finds and _background(source, finds):
            # "Methods aim to ..., but it is difficult to validate them" is no finding of its own, nor is
            # "Language models obtain extensive capabilities through pre-training." what a paper does:
            # its own best sentence says that ("In this work, we track ... feature evolution ...")
            finds = None if does else best_sentence(source, among=_CONTRIBUTION) or finds
        quotes = [quote(shorten(s, TOPIC_QUOTE_WORDS)) for s in dict.fromkeys([does, finds]) if s]
        text = f": {' '.join(quotes)}" if quotes else ""
        bullets.append((f"- **{source.paper.title}**{_year(source.paper)}{text} [{source.n}]", [source.n]))
    return bullets


def _background(source: Source, sentence: str) -> bool:
    """The abstract's opening sentence, stating neither the authors' contribution nor a result of
    theirs: a result verb with no name or number in it is the field's ("Language models obtain
    extensive capabilities through pre-training.").

    >>> from assistant.types import Hit
    >>> opening = lambda text: Source(1, Hit(Paper("p", "T", ""), 1.0, 1), [text, "We test it."], [0.6, 0.5])
    >>> [_background(opening(t), t) for t in ["Language models obtain capabilities.", "GPT-2 obtains 45% on X."]]
    [True, False]
    """
    return (sentence == source.sentences[0] and not _CONTRIBUTION.search(sentence)
            and not (_RESULT.search(sentence) and specifics(sentence)))


def compare_table(sources: Sequence[Source]) -> str:
    """A markdown table: one column per paper, each cell a (shortened) sentence of that paper."""
    head = "| | " + " | ".join(f"**{_cell(s.paper.title)}** [{s.n}]" for s in sources) + " |"
    rule = "|---|" + "---|" * len(sources)
    columns = [compare_cells(s) for s in sources]
    rows = [f"| {name} | " + " | ".join(_cell(col[i]) for col in columns) + " |"
            for i, name in enumerate(COMPARE_ROWS)]
    return "\n".join([head, rule, *rows])


def compare_cells(source: Source) -> list[str]:
    """Problem, method, data and main result of one paper, each a different sentence of its abstract.
    What the abstract reports of others' work ("Recent work has shown ...") is never its method or
    result: it may only state the problem."""
    used: list[str] = []

    def take(sentence: str | None) -> str:
        if not sentence:
            return NOT_STATED
        used.append(sentence)
        return shorten(sentence)

    first_half = source.sentences[:max(2, len(source.sentences) // 2)]
    others = [s for s in source.sentences if _PRIOR_WORK.search(s) and not _OWN.search(s)]
    method = take(best_sentence(source, among=_METHOD, exclude=others) or method_sentence(source))
    first = (best_sentence(source, among=_CLAIMED_RESULT, exclude=[*used, *others])
             or best_sentence(source, among=_CLAIMED_RESULT_OUR, exclude=[*used, *others])
             or best_sentence(source, among=_RESULT, exclude=[*used, *others]))
    second = best_sentence(source, among=_CLAIMED_RESULT, exclude=[*used, *others, first]) if first else None
    result = take(first) if first else _finding_within(method)
    if second:  # an abstract often states two results; the question may be about either
        used.append(second)
        result = _in_order(source, [first, second])
    data = take(best_sentence(source, among=_DATA, exclude=used))
    # with no sentence naming a difficulty, the abstract's opening background (not its own claims,
    # "We arrive at this conclusion via ...") stands for the problem
    problem = take(best_sentence(source, among=_PROBLEM, exclude=[*used, *source.sentences[len(first_half):]])
                   or next((s for s in first_half if s not in used and not _OWN.search(s)), None))
    # the sentence that matches the question best is always in the table: one of the paper's own
    # that no cue word placed (neither a result nor a problem) joins the method row
    closest = best_sentence(source, exclude=others)
    if closest and closest not in used and _OWN.search(closest) and not _RESULT.search(closest):
        method = _in_order(source, [closest, *(s for s in used[:1] if s in source.sentences)])
    return [problem, method, data, result]


def _in_order(source: Source, sentences: list[str]) -> str:
    """Two sentences of one cell, each shortened, in the abstract's order."""
    return " ".join(shorten(s, RESULT_WORDS) for s in sorted(sentences, key=source.sentences.index))


def _finding_within(cell: str) -> str:
    """The finding a method sentence states in passing ("We test ... and find that some of them
    yield quality improvements"), from its verb on, for the result row; else "not stated".

    >>> _finding_within("We test them in Transformers, and find that two of them help.")
    '… find that two of them help.'
    >>> _finding_within("We propose X.")
    'not stated in the abstract'
    """
    clause = _FINDING_CLAUSE.search(cell)
    if cell == NOT_STATED or clause is None:
        return NOT_STATED
    return "… " + cell[clause.start("verb"):].strip()


def shorten(sentence: str, max_words: int = MAX_CELL_WORDS) -> str:
    """A sentence without its lead-in ("Moreover, ..."), cut after `max_words` words.

    >>> shorten("Moreover, we find that it works.")
    'We find that it works.'
    >>> shorten("one two three four", max_words=2)
    'one two …'
    """
    text = sentence.strip()
    trimmed = _LEAD_IN.sub("", text)
    if trimmed != text:
        text = trimmed[:1].upper() + trimmed[1:]
    words = text.split()
    return text if len(words) <= max_words else " ".join(words[:max_words]) + " …"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _year(paper: Paper) -> str:
    return f" ({paper.year})" if paper.year else ""

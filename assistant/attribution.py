"""Attribution: does each answer sentence cite the paper that actually says it?

A small model writing over several papers easily attaches one paper's finding to another, or
names paper A while citing paper B. Everything here is pure: the caller measures how well every
source supports a sentence (`scores`, one number per source) and which sources the sentence names
by their title words (`named_sources`); `attribute` then decides which citation the sentence
should carry, or that it cannot be shown; `misattributed` is the eval's view of the same rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.text import normalize_key

# A name-like token: an acronym or a coined name ("CLIMB", "NoProp", "PLATO-2", "CIFAR-100",
# "ImageNet", "GPT-2"): two capitals, or a capital and a digit, somewhere in the word.
_NAME = re.compile(r"(?<![\w-])(?=[\w-]*[A-Z][\w-]*[A-Z0-9])[A-Za-z][\w]*(?:-[\w]+)*(?![\w-])")
# Acronyms many papers share; naming them says nothing about which paper is meant.
GENERIC_NAMES = frozenset(
    "AI ML NLP LLM LLMs LM LMs RL QA VQA GPU GPUs CPU SOTA NN NNs DNN DNNs CNN CNNs RNN RNNs GNN "
    "GNNs MLP MLPs SGD VAE VAEs GAN GANs API APIs ICL CoT SSL SSM SSMs ODE ODEs PDE PDEs II III IV "
    "TL DR".split())
_TITLE_HEAD = re.compile(r"^\s*([^:]{2,40}):")
# Title words too common in this field to name one paper.
_COMMON_TITLE_WORDS = frozenset("""
learning language languages model models modeling modelling neural network networks transformer transformers
training large deep data towards toward understanding using efficient scaling attention representation
representations generation reasoning knowledge tasks multi pretraining pretrained tuning benchmark benchmarks
analysis approach method methods theory effective improving improved robust study survey beyond through without
where which their these there about learned learns learner better simple novel universal general generalization
optimization inference memory vision visual image images text textual graph graphs agents agent systems system
structure structured semantic contextual context dynamics emergent emergence scale small tokens token embedding
embeddings sequence sequences machine machines evaluating evaluation measuring framework policy reinforcement
adaptive adaptation continual transfer cross lingual multilingual parameter parameters gradient gradients
""".split())


@dataclass(frozen=True)
class Verdict:
    """What the checker does with one generated sentence."""

    cited: tuple[int, ...]
    keep: bool
    note: str | None = None


UNSUPPORTED = "no source supports it"  # the verdict on a sentence no paper backs


def name_tokens(text: str) -> list[str]:
    """Name-like tokens of a text, generic acronyms left out, in order.

    >>> name_tokens("FOSTER beats DER on CIFAR-100 and ImageNet with LLMs and GPT-2.")
    ['FOSTER', 'DER', 'CIFAR-100', 'ImageNet', 'GPT-2']
    """
    return [t for t in _NAME.findall(text) if t not in GENERIC_NAMES]


def paper_names(titles: Mapping[int, str], texts: Mapping[int, str] | None = None) -> dict[int, set[str]]:
    """The names each source's title gives it, kept only when no other source's title shares them,
    nor another source's abstract (`texts`) mentions them: "BabyLM" in "BabyLM's First Words" does
    not single that paper out when another paper trains on the BabyLM data.

    A short head before the title's colon ("Titans: Learning to ...") is a name too. (Single title
    words are not: "Position" or "Grokking" are as often the subject as the paper.)

    >>> paper_names({1: "CLIMB: Curriculum learning", 2: "Titans: Learning to Memorize", 3: "CLIMB again"})
    {1: set(), 2: {'Titans'}, 3: set()}
    >>> paper_names({1: "BabyLM's First Words", 2: "From Babble to Words"}, {2: "We use the BabyLM data."})
    {1: set(), 2: set()}
    """
    raw: dict[int, set[str]] = {}
    for n, title in titles.items():
        names = set(name_tokens(title))
        head = _TITLE_HEAD.match(title)
        if head and len(head.group(1).split()) <= 3 and head.group(1).strip().lower() not in _COMMON_TITLE_WORDS:
            names.add(head.group(1).strip())
        raw[n] = names
    words = {n: set(normalize_key(title).split()) for n, title in titles.items()}

    mentions = {n: f" {normalize_key(text)} " for n, text in (texts or {}).items()}

    def shared(name: str, n: int) -> bool:
        key = set(normalize_key(name).split())
        phrase = f" {normalize_key(name)} "
        return (any(key <= other for m, other in words.items() if m != n)
                or any(phrase in text for m, text in mentions.items() if m != n))

    return {n: {name for name in names if not shared(name, n)} for n, names in raw.items()}


def named_sources(sentence: str, names: Mapping[int, set[str]], titles: Mapping[int, str]) -> list[int]:
    """Sources a sentence refers to by name or by full title.

    >>> named_sources("NoProp trains each layer alone.", {1: {"NoProp"}, 2: set()}, {1: "NoProp: x", 2: "y z"})
    [1]
    """
    key = f" {normalize_key(sentence)} "
    found = []
    for n, title in titles.items():
        title_key = normalize_key(title)
        by_title = len(title_key) > 12 and f" {title_key} " in key
        by_name = any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", sentence) for name in names.get(n, ()))
        if by_title or by_name:
            found.append(n)
    return found


def attribute(scores: Mapping[int, float], cited: Sequence[int], named: Sequence[int], *,
              threshold: float, margin: float) -> Verdict:
    """The citation a sentence should carry, given how well each source supports it.

    - It names a paper whose support is clearly below the best source's: it credits that paper
      with another one's finding, which no re-citing can fix, so it is not shown.
    - It cites a paper that supports it clearly less than another source: the citation moves.
    - It cites nothing: it gets the best source.
    - No source reaches `threshold`: it is not shown.

    >>> attribute({1: 0.40, 2: 0.45, 3: 0.80}, [1, 2], [1, 2], threshold=0.55, margin=0.05).keep
    False
    >>> attribute({1: 0.40, 2: 0.81}, [1], [], threshold=0.55, margin=0.05)
    Verdict(cited=(2,), keep=True, note='citation moved from [1] to [2]')
    >>> attribute({1: 0.70, 2: 0.72}, [1], [], threshold=0.55, margin=0.05)
    Verdict(cited=(1,), keep=True, note=None)
    """
    if not scores:
        return Verdict(tuple(cited), keep=bool(cited))
    best = max(scores, key=lambda n: scores[n])
    top = scores[best]
    close = [n for n in scores if scores[n] >= top - margin]
    if named:
        best_named = max(scores.get(n, 0.0) for n in named)
        if best not in named and best_named < top - margin:
            return Verdict(tuple(cited), False, f"names {_marks(named)} but says what [{best}] says")
        keep = [n for n in dict.fromkeys([*named, *cited]) if n in named or scores.get(n, 0.0) >= top - margin]
        if best_named < threshold:
            return Verdict(tuple(keep), False, "not supported by the paper it names")
        note = None if list(keep) == list(dict.fromkeys(cited)) else "cites the paper it names"
        return Verdict(tuple(keep), True, note)
    if top < threshold:
        return Verdict(tuple(cited), False, UNSUPPORTED)
    if not cited:
        return Verdict((best,), True, "citation added")
    cited_best = max(scores.get(n, 0.0) for n in cited)
    if best in cited or cited_best >= top - margin:
        kept = tuple(n for n in dict.fromkeys(cited) if n in close or scores.get(n, 0.0) >= threshold)
        return Verdict(kept or (best,), True)
    moved = tuple(n for n in dict.fromkeys([best, *cited]) if n in close)
    return Verdict(moved, True, f"citation moved from {_marks(cited)} to {_marks(moved)}")


def misattributed(scores: Mapping[int, float], cited: Sequence[int], named: Sequence[int], *,
                  margin: float) -> bool:
    """The eval's rule: a cited sentence whose best-supporting source is not cited (by more than
    `margin`), or one that names a paper it does not cite.

    >>> misattributed({1: 0.5, 2: 0.8}, [1], [], margin=0.05)
    True
    >>> misattributed({1: 0.78, 2: 0.8}, [1], [], margin=0.05)
    False
    >>> misattributed({1: 0.9}, [1], [2], margin=0.05)
    True
    """
    if any(n not in cited for n in named):
        return True
    if not cited or not scores:
        return False
    top = max(scores.values())
    return max(scores.get(n, 0.0) for n in cited) < top - margin


def _marks(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


_CAPITALISED_RUN = re.compile(r"(?<=\s)[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)+")


def distinctive_term(question: str, texts: Sequence[str]) -> str | None:
    """A name ("IFS", "NoProp") or a capitalised term of two or more words past the question's first
    word ("Fréchet Cumulative Covariance", "Instruction Following Score") that the first text (the
    top paper's title and abstract) uses and no other does: the question is about that paper,
    however low its scores.

    >>> texts = ["IFS. We introduce the Instruction Following Score (IFS).", "Large Language Models follow it."]
    >>> distinctive_term("What does the Instruction Following Score measure?", texts)
    'Instruction Following Score'
    >>> distinctive_term("Does IFS change?", texts), distinctive_term("How do Large Language Models do it?", texts)
    ('IFS', None)
    """
    if not texts:
        return None
    for term in [*name_tokens(question), *_CAPITALISED_RUN.findall(question), *coined_terms(question, texts[0])]:
        flags = 0 if _NAME.fullmatch(term) else re.I
        whole = re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", flags)
        if whole.search(texts[0]) and not any(whole.search(text) for text in texts[1:]):
            return term
    return None


_WORD = re.compile(r"[A-Za-z][\w]*(?:-[\w]+)*")
# the paper gives the term its name: "a phenomenon named the curse of separability", "we introduce the
# view-batch model", "a method dubbed X"
_EDGE_WORDS = frozenset("a an the our this that these its of in on for to and or with by from is are was were be "
                        "does do did what which how who why when where".split())  # no term starts or ends so
# where a coined term ends: punctuation or a word that starts a clause ("the view-batch model that ..."),
# so that "Instruction Following" is not taken for the "Instruction Following Score" it begins
_TERM_ENDS = (r"(?=\s*(?:[.,;:()\[\]]|$)|\s+(?:that|which|who|whose|where|to|for|and|or|with|in|on|as|by|from|"
              r"is|are|was|were)\b)")
_NAMING = r"(?:named|called|dubbed|termed|coined|introduce|introduces|propose|proposes|present|presents)"


def coined_terms(question: str, text: str, longest: int = 4) -> list[str]:
    """Runs of two to `longest` of the question's words (lower case too) that `text` introduces by
    name ("named the curse of separability", "we introduce the view-batch model"): a term a paper
    coins is as good as a name for telling which paper a question is about.

    >>> text = "We uncover a phenomenon named the curse of separability. Mixup helps."
    >>> coined_terms("What is the curse of separability?", text)
    ['curse of separability']
    >>> coined_terms("Does mixup help?", text), coined_terms("What is the curse?", text)
    ([], [])
    >>> coined_terms("How is Instruction Following measured?", "We introduce the Instruction Following Score.")
    []
    """
    words = _WORD.findall(question)
    found: list[str] = []
    for size in range(longest, 1, -1):
        for start in range(len(words) - size + 1):
            run = words[start:start + size]
            term = " ".join(run)
            if (run[0].lower() in _EDGE_WORDS or run[-1].lower() in _EDGE_WORDS
                    or any(term.lower() in f.lower() for f in found)):
                continue
            naming = rf"\b{_NAMING}\s+(?:(?:the|a|an|our|this)\s+)?{re.escape(term)}{_TERM_ENDS}"
            if re.search(naming, text, re.I):
                found.append(term)
    return found


_CALLED = re.compile(r"\bthe ((?:[\w'-]+[ -]){0,3}[\w'-]+) (?:paper|study|work|article|preprint)\b", re.I)


def called_by_title(question: str, titles: Sequence[str]) -> bool:
    """Whether the question calls the first paper by words of its title ("the prior-distribution
    paper" for "Identifying and Mitigating the Influence of the Prior Distribution in LLMs"): all the
    content words before "paper" stand in its title and not all in any other title.

    >>> titles = ["Identifying the Influence of the Prior Distribution in LLMs", "A Prior for Transformers"]
    >>> called_by_title("Which layers did the prior-distribution paper fine-tune?", titles)
    True
    >>> called_by_title("What does the prior paper say?", titles), called_by_title("Which paper is it?", titles)
    (False, False)
    """
    if not titles:
        return False
    from assistant.lexical import analyze
    stems = [set(analyze(title)) for title in titles]
    for words in _CALLED.findall(question):
        called = set(analyze(words))
        if called and called <= stems[0] and not any(called <= other for other in stems[1:]):
            return True
    return False


def names_first_paper(question: str, papers: Sequence) -> bool:
    """Whether the question points at the first of `papers` (anything with `title` and `abstract`)
    by a term only that paper uses or coins (`distinctive_term`), or by its title's words
    (`called_by_title`): the one test abstention and the answer checks both ask."""
    return (distinctive_term(question, [f"{p.title} {p.abstract}" for p in papers]) is not None
            or called_by_title(question, [p.title for p in papers]))

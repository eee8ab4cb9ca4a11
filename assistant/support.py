"""Support checking: how well the cited abstracts back each answer sentence.

Meaning is compared with an injected `embed` function (texts -> one vector per row), so this
module stays pure and its tests use a small real embedder instead of a model. Numbers are
compared lexically, because embeddings barely notice "72.5%" turning into "75.2%".
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from assistant.attribution import name_tokens
from assistant.citations import strip_markers
from assistant.text import new_words, split_sentences, word_tokens

Embed = Callable[[list[str]], np.ndarray]

# A number that states a fact: "72.5%", "3B", "1,000", "2x", "175 billion". Digits glued to a
# letter ("GPT-4", "T5", "3D", "COVID-19") name things instead, so they are not checked.
_NUMBER = re.compile(
    r"(?<![\w.])(?<![A-Za-z][-_])"
    r"(\d+(?:,\d{3})*(?:\.\d+)?)"
    r"(?:[\s-]?(%|percent\b|billion\b|million\b|thousand\b|trillion\b|times\b)|([BMKTbmkt]|[x×])(?!\w))?"
    r"(?![\w.]\d|[A-Za-z])")
_UNITS = {"%": "%", "percent": "%", "billion": "b", "million": "m", "thousand": "k",
          "trillion": "t", "×": "x", "times": "x"}
# Abstracts often spell small counts out ("three tasks") where an answer writes "3 tasks".
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_WORD = re.compile(r"[a-z]+")
# scientific notation ("1e-8", "3.5E+4"): how hyperparameters are usually written
_SCIENTIFIC = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?[eE][-+]?\d+)(?!\w|\.\d)")
# magnitudes are compared as plain numbers, so "242k" matches "242,000" and "3B" "3 billion"
_SCALE = {"k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}


class SourceMatch(NamedTuple):
    """The source sentence closest to an answer sentence: source number, cosine, the sentence."""

    n: int
    score: float
    evidence: str
    runner_up: str | None = None  # the source's second-best sentence


def best_matches(texts: list[str], sources: dict[int, list[str]],
                 embed: Embed) -> list[dict[int, SourceMatch]]:
    """For every text, the best-matching sentence of every source; one `embed` call in all."""
    pool = [(n, s) for n, sents in sorted(sources.items()) for s in sents if s.strip()]
    if not texts or not pool:
        return [{} for _ in texts]
    vectors = _unit_rows(embed(texts + [s for _, s in pool]))
    cosines = vectors[:len(texts)] @ vectors[len(texts):].T
    table = []
    for row in cosines:
        ranked: dict[int, list[tuple[float, str]]] = {}
        for (n, sentence), score in zip(pool, row.tolist()):
            ranked.setdefault(n, []).append((score, sentence))
        matches = {}
        for n, scored in ranked.items():
            top = sorted(scored, key=lambda pair: -pair[0])[:2]
            matches[n] = SourceMatch(n, top[0][0], top[0][1], top[1][1] if len(top) > 1 else None)
        table.append(matches)
    return table


SPECIFICS_WEIGHT = 0.15  # how much finding a sentence's names and numbers in a paper adds to its cosine
WORDS_WEIGHT = 0.1  # ... and finding the other words it adds beyond the question


def source_support(texts: list[str], sources: dict[int, list[str]], embed: Embed,
                   context: dict[int, str] | None = None, asked: str = "") -> list[dict[int, SourceMatch]]:
    """For every text, each source's support: its best sentence's cosine, plus SPECIFICS_WEIGHT
    times the share of the text's specifics (names like "CIFAR-100", numbers) and WORDS_WEIGHT
    times the share of its other new words (beyond the question `asked`) found in that source's
    sentences or `context` (its title). Meaning alone barely separates two papers on one subject,
    and a short answer ("their case study was in nuclear physics") is far in meaning from the long
    sentence it comes from; the words an answer adds usually belong to one paper.
    """
    table = best_matches(texts, sources, embed)
    for text, matches in zip(texts, table):
        wanted = specifics(text)
        words = {w for w in new_words(text, [asked]) if not w.isdigit()}  # numbers count as specifics
        for n, match in matches.items():
            source_text = " ".join([*sources.get(n, []), (context or {}).get(n, "")])
            bonus = SPECIFICS_WEIGHT * _share(wanted, specifics(source_text))
            bonus += WORDS_WEIGHT * _share(words, set(word_tokens(source_text)))
            matches[n] = match._replace(score=match.score + bonus)
    return table


def _share(wanted: set[str], found: set[str]) -> float:
    return len(wanted & found) / len(wanted) if wanted else 0.0


_ENUMERATOR = re.compile(r"(?:^|(?<=[\s:;,]))\(?\d{1,2}\)(?=\s)")


def specifics(text: str) -> set[str]:
    """The names and numbers a text states, comparable across texts.

    >>> sorted(specifics("FOSTER gets 72.5% on CIFAR-100 [1]."))
    ['%72.5', 'CIFAR-100', 'FOSTER']

    A list's item numbers ("We find that: 1) ...; 2) ...", "(4) We prove ...") state nothing.

    >>> specifics("We find that: 1) LMs are forgetful; 2) pre-training helps; (3) 12 runs.")
    {'12'}
    """
    plain = _ENUMERATOR.sub(" ", strip_markers(text))
    return set(name_tokens(plain)) | {unit + value for value, unit in extract_numbers(plain)}


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1; an all-zero row (nothing embeddable) stays zero, cosine 0."""
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def numbers_supported(sentence: str, evidence_texts: Sequence[str]) -> bool:
    """True when every number the sentence states also appears in the evidence.

    Thousands separators, trailing zeros and unit spellings are normalised; a unit must agree
    only when both sides give one ("3B" vs "3M" differ, "72.5" matches "72.5%").

    >>> numbers_supported("It scores 72.5% with 3B weights [1].", ["72.5 % with 3 billion weights"])
    True
    >>> numbers_supported("It scores 75.2% [1].", ["It scores 72.5% on GLUE."])
    False
    >>> numbers_supported("GPT-4 solves three tasks.", ["We test 3 tasks."])
    True
    """
    claimed = extract_numbers(strip_markers(sentence))
    if not claimed:
        return True
    found = {pair for text in evidence_texts for pair in extract_numbers(text, spelled=True)}
    return all(_number_found(value, unit, found) for value, unit in claimed)


PLACE_WINDOW = 4  # words either side of a number that say what it counts
PLACE_SHARED = 2  # of those, how many the paper must put around the same number ("of cases" alone is no place)


def numbers_in_place(sentence: str, paper_sentences: Sequence[str]) -> bool:
    """True when each number of the sentence stands in one of the paper's sentences among words the
    sentence also puts around it (PLACE_SHARED at least), more than around any other number of the
    paper: "as few as 10K parameters" is where the paper has it, though its closest sentence in meaning
    is another; "the fixes help in 71% of cases" is not, when 71% is where the paper's other finding is.

    >>> paper = ["Expansion performs well in 71% of cases.", "The fixes improve the adapted models in 87% of cases."]
    >>> numbers_in_place("Expansion works in 71% of cases.", paper)
    True
    >>> numbers_in_place("The fixes improve the adapted models in 71% of cases.", paper)
    False
    >>> numbers_in_place("The fixes help in 71% of cases.", paper)  # "of cases" is around both
    False

    A number that counts the same thing as in the paper ("18 models", and no other number of the
    paper counts models) is in place, though two numbers close together share their words:

    >>> paper = ["We test 18 models, from 60 million to 175 billion parameters, across a set of 22 tasks."]
    >>> numbers_in_place("The study tested 18 models across 22 tasks.", paper)
    True
    >>> numbers_in_place("The study tested 22 models across 18 tasks.", paper)
    False
    """
    occurrences = [context for text in paper_sentences for context in _number_contexts(text)]
    for value, near, counts in _number_contexts(sentence):
        if counts and {v for v, _, c in occurrences if c == counts} == {value}:
            continue  # "18 models" where the paper's only number of models is 18
        same = max((len(near & words) for v, words, _ in occurrences if v == value), default=-1)
        other = max((len(near & words) for v, words, _ in occurrences if v != value), default=0)
        if same < PLACE_SHARED or same <= other:
            return False
    return True


def _number_contexts(text: str) -> list[tuple[str, set[str], str | None]]:
    """(value, stemmed content words within PLACE_WINDOW words of it, the stem of the word right after
    it: what it counts) for each number in digits."""
    from assistant.lexical import analyze
    plain = _SCIENTIFIC.sub(" ", unicodedata.normalize("NFKC", strip_markers(text)))
    out = []
    for m in _NUMBER.finditer(plain):
        value, _ = _number_pair(m)
        after = plain[m.end():].split()[:PLACE_WINDOW]
        near = plain[:m.start()].split()[-PLACE_WINDOW:] + after
        counted = analyze(after[0]) if after else []
        out.append((value, set(analyze(" ".join(near))), counted[0] if counted else None))
    return out


def uncounted(sentence: str, counted: Sequence[str], paper_text: str) -> list[str]:
    """The things the question counts ("how many GPUs") that a sentence gives a figure for while its
    paper never mentions them: "Two GPUs were used [1]" from a paper whose only "two" is two heads.

    >>> uncounted("Two GPUs were used to train it.", ["GPUs"], "It uses two heads and a fast scan.")
    ['GPUs']
    >>> uncounted("It has 31 bricks.", ["bricks"], "vehicles of 31 bricks each")
    []
    """
    if not counted or not extract_numbers(strip_markers(sentence), spelled=True):
        return []
    from assistant.lexical import analyze
    stated = set(analyze(paper_text))
    mine = set(analyze(strip_markers(sentence)))
    return [thing for thing in counted if (stems := set(analyze(thing))) and stems <= mine and not stems & stated]


# Words whose swap turns a finding into its opposite, each with the words that mean its reverse.
_OPPOSITES = (({"before"}, {"after"}), ({"higher"}, {"lower"}), ({"more"}, {"less", "fewer"}),
              ({"increase", "increases", "increased", "increasing"}, {"decrease", "decreases", "decreased",
                                                                     "decreasing"}),
              ({"better"}, {"worse"}), ({"larger", "bigger"}, {"smaller"}), ({"faster"}, {"slower"}),
              ({"improve", "improves", "improved"}, {"degrade", "degrades", "degraded", "hurt", "hurts"}),
              ({"outperform", "outperforms", "outperformed"}, {"underperform", "underperforms", "underperformed"}),
              ({"positive", "positively"}, {"negative", "negatively"}), ({"earlier"}, {"later"}),
              ({"easier"}, {"harder"}), ({"stronger"}, {"weaker"}), ({"best"}, {"worst"}),
              ({"above"}, {"below"}), ({"with"}, {"without"}))


class Reversal(NamedTuple):
    word: str  # what the sentence says
    opposite: str  # what its paper says in the same place
    source_sentence: str


_ALL_OPPOSITES = sorted({w for pair in _OPPOSITES for side in pair for w in side}, key=len, reverse=True)
# "lower-level", "higher-order": a compound's first part names a kind, not a direction
_MODIFIER = re.compile(rf"\b(?:{'|'.join(_ALL_OPPOSITES)})-\w+", re.I)


def reversed_word(sentence: str, evidence_texts: Sequence[str], min_shared: int = 0) -> Reversal | None:
    """Where the sentence says a word and one of the texts says its opposite in the same place: the
    same content word beside it, and neither text using the other's word. With `min_shared` (texts
    not matched to the sentence by meaning) a text must also be about the same thing: that many
    content words in common, and one of the names the sentence gives, if it gives any.
    "Explaining before answering works better" against "explaining after answering leads to better
    performance" is a finding turned around, which meaning vectors barely notice.

    >>> reversed_word("Explaining before answering works better [1].",
    ...               ["We find that explaining after answering leads to better performance."])[:2]
    ('before', 'after')
    >>> reversed_word("It gives higher accuracy [1].", ["It gives lower error and higher accuracy."]) is None
    True
    >>> reversed_word("Accuracy is higher [1].", ["It reaches lower error."]) is None
    True
    >>> reversed_word("Our method has higher accuracy [1].", ["Prior methods have lower accuracy."], 3) is None
    True
    >>> reversed_word("LoLCATs improves linearizing quality [1].", ["Linearizing LLMs degrades quality."], 2) is None
    True
    """
    said = word_tokens(_MODIFIER.sub(" ", strip_markers(sentence)))
    content = new_words(" ".join(said), [])
    names = set(word_tokens(" ".join(name_tokens(strip_markers(sentence)))))
    for text in evidence_texts:
        found = word_tokens(_MODIFIER.sub(" ", text))
        if min_shared and (len(content & set(found)) < min_shared or (names and not names & set(found))):
            continue  # not matched by meaning, and not about the same thing: too few shared words, or none of its names
        for one, other in _OPPOSITES:
            for mine, theirs in ((one, other), (other, one)):
                if set(found) & mine or set(said) & theirs:
                    continue
                beside_mine = _neighbours(said, mine)
                beside_theirs = _neighbours(found, theirs)
                if beside_mine & beside_theirs:
                    return Reversal(next(w for w in said if w in mine), next(w for w in found if w in theirs), text)
    return None


# words that put what follows them out of the finding ("eliminate the reliance on fixed activations")
_RULING_OUT = frozenset("eliminate eliminates eliminating instead rather without not no never avoid avoids avoiding "
                        "replace replaces replacing remove removes removing abandon abandons lack lacks".split())
RULED_OUT_WINDOW = 6  # words before a phrase in which a ruling-out word puts it out
# "replace B-trees with learned index models": what comes after "with" / "by" is what is put in
_REPLACING = frozenset("replace replaces replacing".split())
_REPLACED_BY = frozenset("with by".split())


def ruled_out(sentence: str, texts: Sequence[str]) -> Reversal | None:
    """A phrase (two content words in a row) the sentence asserts that the texts, sentence by
    sentence, only ever rule out: each time it appears there, a word like "eliminate", "instead",
    "without" or "not" comes just before it. "PAUs are built from fixed activation functions"
    against "we ... eliminate the reliance on first picking fixed activation functions by using
    flexible parametric rational functions instead". A sentence with a ruling-out word of its own
    is left alone, and "not only" rules nothing out.

    >>> ruled_out("PAUs are built from fixed activation functions [1].",
    ...           ["We eliminate the reliance on first picking fixed activation functions."]).word
    'fixed activation'
    >>> ruled_out("PAUs replace fixed activation functions [1].", ["We do away with fixed activation functions."])
    >>> ruled_out("It uses fixed activation functions [1].",
    ...           ["Not only fixed activation functions help.", "It eliminates noise."])
    >>> ruled_out("Learned index structures are 3x faster [1].",
    ...           ["We replace B-trees with learned index models."])
    >>> ruled_out("Binary trees index k-mers [1].", ["We replace binary trees index lookups with learned models."]).word
    'binary trees'
    """
    from assistant.lexical import _STOPWORDS
    said = word_tokens(strip_markers(sentence))
    if _RULING_OUT & set(said):
        return None
    phrases = [(a, b) for a, b in zip(said, said[1:])
               if a not in _STOPWORDS and b not in _STOPWORDS and len(a) > 2 and len(b) > 2]
    units = [(unit, word_tokens(unit)) for text in texts for unit in split_sentences(text)]
    for phrase in dict.fromkeys(phrases):
        ruled, stated, where, cue = 0, 0, "", ""
        for unit, found in units:
            for i in range(len(found) - 1):
                if (found[i], found[i + 1]) != phrase:
                    continue
                before = found[max(0, i - RULED_OUT_WINDOW):i]
                cues = [w for k, w in enumerate(before) if w in _RULING_OUT and not (w == "not" and "only" in before)
                        and not (w in _REPLACING and _REPLACED_BY & set(before[k + 1:]))]
                if cues:
                    ruled, where, cue = ruled + 1, unit, cues[-1]
                else:
                    stated += 1
        if ruled and not stated:
            return Reversal(" ".join(phrase), f"{cue} … {' '.join(phrase)}", where)
    return None


def evaluative(word: str) -> bool:
    """Whether a word is one side of a reversible judgement ("worse", "more", "improves").

    >>> evaluative("worse"), evaluative("manifolds")
    (True, False)
    """
    word = word.lower()
    return any(word in one or word in other for one, other in _OPPOSITES)


def opposites(a: str, b: str) -> bool:
    """Whether two words mean each other's reverse ("more"/"less", "before"/"after").

    >>> opposites("easier", "harder"), opposites("more", "fewer"), opposites("cats", "dogs")
    (True, True, False)
    """
    a, b = a.lower(), b.lower()
    return any((a in one and b in other) or (b in one and a in other) for one, other in _OPPOSITES)


def _neighbours(tokens: list[str], words: set[str]) -> set[str]:
    """The content words right before and after each occurrence of `words`."""
    near = {tokens[j] for i, t in enumerate(tokens) if t in words for j in (i - 1, i + 1) if 0 <= j < len(tokens)}
    return new_words(" ".join(near), [])


def names_supported(sentence: str, evidence_texts: Sequence[str]) -> bool:
    """True when every name the sentence states (an acronym or coined name: "SwiGLU", "CIFAR-100")
    occurs in the evidence, ignoring case; a model that writes a name its paper never uses has
    usually borrowed it from another paper or made it up.

    >>> names_supported("PolyCom replaces ReLU [1].", ["We propose PolyCom instead of relu."])
    True
    >>> names_supported("It uses SwishGLU [1].", ["We propose PolyCom."])
    False
    """
    evidence = " ".join(evidence_texts).lower()
    return all(name.lower() in evidence for name in name_tokens(strip_markers(sentence)))


def _number_found(value: str, unit: str, found: set[tuple[str, str]]) -> bool:
    return any(v == value and (u == unit or not u or not unit) for v, u in found)


def extract_numbers(text: str, spelled: bool = False) -> list[tuple[str, str]]:
    """(value, unit) pairs for the numbers a text states; `spelled` also reads "three" as 3.

    >>> extract_numbers("From 1,000 to 13.60 (2x), 175 billion or 7B, not GPT-4 or T5.")
    [('1000', ''), ('13.6', ''), ('2', 'x'), ('175000000000', ''), ('7000000000', '')]
    >>> extract_numbers("lr 1e-4 on 242k pairs")
    [('242000', ''), ('0.0001', '')]
    >>> extract_numbers("the 100-million-word BabyLM data, a 300B-token corpus")
    [('100000000', ''), ('300000000000', '')]
    >>> extract_numbers("runs 100times faster, 3 times fewer steps, 2x less memory")
    [('100', 'x'), ('3', 'x'), ('2', 'x')]
    """
    text = unicodedata.normalize("NFKC", text)
    pairs = [_number_pair(m) for m in _NUMBER.finditer(_SCIENTIFIC.sub(" ", text))]
    pairs += [(_plain(Decimal(m.group(1))), "") for m in _SCIENTIFIC.finditer(text)]
    if spelled:
        pairs += [(value, "") for value in spelled_numbers(text)]
    return pairs


def spelled_numbers(text: str) -> list[str]:
    """The figures a text spells out as words, as digits, in order: "two billion tokens" -> ["2"].

    >>> spelled_numbers("Three of the twelve runs, 5 in all")
    ['3', '12']
    """
    return [_NUMBER_WORDS[w] for w in _WORD.findall(unicodedata.normalize("NFKC", text).lower()) if w in _NUMBER_WORDS]


def _number_pair(match: re.Match[str]) -> tuple[str, str]:
    """(value, unit) of one `_NUMBER` match, magnitudes scaled ("242k" -> ("242000", ""))."""
    return _scaled(_canonical(match.group(1)), _unit(match.group(2) or match.group(3) or ""))


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return (text.rstrip("0").rstrip(".") or "0") if "." in text else text


def _scaled(value: str, unit: str) -> tuple[str, str]:
    """("242", "k") -> ("242000", ""); other units are kept."""
    if unit not in _SCALE:
        return value, unit
    return _plain(Decimal(value) * _SCALE[unit]), ""


def _canonical(number: str) -> str:
    """ "1,000" -> "1000", "13.60" -> "13.6", "5.0" -> "5"."""
    number = number.replace(",", "")
    return (number.rstrip("0").rstrip(".") or "0") if "." in number else number


def _unit(raw: str) -> str:
    raw = raw.lower()
    return _UNITS.get(raw, raw)

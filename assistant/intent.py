"""What a question asks for: a paper by description (lookup), a comparison, a topic survey, or a fact.

Answering picks its prompt and number of sources by intent; retrieval its weights (whole
abstract or single sentences, keywords, a feedback pass for topics).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.types import Query

_LOOKUP = re.compile(r"\b(which|what|that|the|a)\s+(paper|study|work|article)\b|what'?s it called|"
                     r"\b(paper|study|work) (where|that|which|on|about|showing|proposing|introducing|with)\b|"
                     r"\bname of\b|\bremember\b|\bwhat (was|is) that\b|"
                     r"\b(that|the) ([\w-]+ ){0,3}(model|method|architecture|technique|approach|framework) "
                     r"(that|which|where|whose)\b", re.I)
# A question that asks for a detail of a paper it names ("According to the study of X, how often
# ...?") wants the detail, not the paper.
_DETAIL = re.compile(r"\baccording to\b|^\s*in the\b.{3,120}\b(paper|study|work|framework|method)\b\s*,|"
                     # "Which convex relaxation did initial work on X focus on?" asks for the relaxation
                     r"^\s*(which|what)\s+(?!(paper|study|work|article|method|model|approach|technique|framework|"
                     r"architecture)s?\b)[a-z][\w-]*(\s+[a-z][\w-]*){0,2}\s+(did|does|do)\b|"
                     r"\bhow (much|many|often|large|big|long|fast|well|far)\b|"
                     r"\bwhat (\S+ ){0,4}(fraction|share|percentage|proportion|scores?|accuracy|size|value|rate)\b", re.I)
_COMPARE = re.compile(r"^\s*(compare|contrast)\b|\bhow (does|do) .{3,120}? (compare|differ)\b|\bdifference(s)? between\b|"
                      r"\b(two|both) (papers|studies|works)\b", re.I)
# "X versus Y" compares two papers, unless the question asks for one number ("accuracy on A versus B")
_VERSUS = re.compile(r"\bversus\b|\bvs\.?\s", re.I)
_TOPIC = re.compile(r"\bwhich (papers|works|studies|surveys)\b|\bwhat (work|papers|research|studies|surveys?|reviews?)\b|"
                    r"\bpapers (on|about|that)\b|\bany (papers|work|surveys?|reviews?)\b|\blist\b|\boverview\b|"
                    r"\bwhat (does|do) (the|this|my) (corpus|collection|library) (have|say|contain)\b|"
                    r"\bwhat has been (written|done|published)\b", re.I)
# "which papers ..." asks for a list even when it names two things to contrast ("correct vs incorrect")
_TOPIC_START = re.compile(r"^\s*(which|what|any)\s+(papers|works|studies|research)\b", re.I)
_QUESTION_START = re.compile(r"^\s*(what|how|which|why|when|where|who|whom|whose|does|did|do|is|are|was|were|can|"
                             r"could|should|in|on|for|according|tell|give|list|explain|summari[sz]e|"
                             # "Into which three operations ...?", "To what extent ...?", "By how much ...?"
                             r"(into|from|to|by|at|with|under|over|during|between|among|of)\s+(which|what|how|whom|whose))\b",
                             re.I)
_RELATIVE = re.compile(r"\b(that|where|whose|which|who|in which)\b", re.I)

# A topic question that asks what the papers found (not only which papers there are) gets an
# overview from the model; a plain "which papers ..." is answered by the list alone.
_ASKS_OUTCOME = re.compile(r"\b(help(s|ed)?|work(s|ed)?|effective|better|worse|improv\w*|hurt\w*|agree\w*|disagree\w*|"
                           r"conclu\w*|find|found|findings?|show(s|ed)?|results?|outcomes?|evidence|consensus|"
                           r"trade-?offs?|why|how well|whether)\b", re.I)

# How a comparison names its two sides, tried in order on the part before the question proper
_SIDES = (re.compile(r"^\s*(?P<a>.+?)\s+(?:vs\.?|versus)\s+(?P<b>.+)$", re.I),
          re.compile(r"^\s*(?:compare|contrast)\s+(?P<a>.+?)\s+(?:with|to|and|against)\s+(?P<b>.+)$", re.I),
          re.compile(r"\bhow (?:does|do) (?P<a>.+?) (?:compare|differ) (?:with|to|from) (?P<b>.+)$", re.I),
          re.compile(r"\bhow (?:does|do|did) (?P<a>.+?),? and (?P<b>.+?) (?:compare|differ)\b", re.I),
          re.compile(r"\bdifferences? between (?P<a>.+?) and (?P<b>.+)$", re.I),
          re.compile(r"\bthe one (?:that|which|where) (?P<a>.+?),? and the one (?:that|which|where) (?P<b>.+)$", re.I))

INTENTS = ("lookup", "compare", "topic", "fact")


def classify_intent(question: str, history: Sequence[object] | None = None) -> str:
    """lookup | compare | topic | fact (a follow-up counts as fact: it asks about a paper already found)."""
    if history:
        return "fact"
    if _TOPIC_START.search(question):
        return "topic"
    detail = _DETAIL.search(question)
    if _COMPARE.search(question) or (_VERSUS.search(question) and not detail):
        return "compare"
    if _TOPIC.search(question):
        return "topic"
    if _LOOKUP.search(question) and not detail:
        return "lookup"
    # a bare description ("long-document transformer whose sparse attention ...") names a paper
    start = _QUESTION_START.search(question)
    if start and start.group(1).lower() == "where" and "?" not in question:
        start = None  # "where the attention module pools ..." is a description, "Where does X appear?" a question
    if not start and ("?" not in question or _RELATIVE.search(question)):
        return "lookup"
    return "fact"


def looked_up_claim(question: str, intent: str | None) -> bool:
    """Whether a looked-up text states a finding ("ALDH1 expression is associated with poorer
    prognosis."). Such a claim is found by the sentence that states it, so retrieval matches it with
    a fact's weights (sentence term on) and the quality embedder's fact-checking prompt; it is still
    answered as a lookup, with the paper's own sentences and no model text, since a model asked about
    a claim tends to restate it (a false "halves every two years" came back cited to a paper that
    says 8 months)."""
    return intent == "lookup" and _is_claim(question)


# A claim reads as a written sentence stating a finding; a half-remembered description typed into a
# search box rarely does (none of dev_paraphrase's or dev's lookups; 177 of SciFact's 188 claims)
_NAMES_A_PAPER = re.compile(r"\b(paper|study|work|article)\b", re.I)


def _is_claim(question: str) -> bool:
    """A written statement: its first word capitalised (or a number, or a gene-like name such as
    "mTOR"), ended by a full stop, no colon or question mark, no paper named.

    >>> _is_claim("ALDH1 expression is associated with poorer prognosis in breast cancer.")
    True
    >>> _is_claim("the smooth relu-like activation that multiplies the input by the gaussian cdf")
    False
    """
    text = question.strip()
    first = text.split(maxsplit=1)[0] if text else ""
    return (text.endswith(".") and any(c.isupper() or c.isdigit() for c in first)
            and not any(c in text for c in ":?") and not _NAMES_A_PAPER.search(text))


def needs_model(query: Query) -> bool:
    """Whether the answer needs the model's words: lookups never do, nor a topic question that only
    asks which papers there are (the list of papers with their own sentences answers it)."""
    if query.intent == "lookup":
        return False
    return query.intent != "topic" or bool(_ASKS_OUTCOME.search(query.text))


def compare_sides(question: str) -> tuple[str, str] | None:
    """The two things a comparison names, when it names them.

    >>> compare_sides("Emergent abilities vs inverse scaling: how do they disagree?")
    ('Emergent abilities', 'inverse scaling')
    >>> compare_sides("Compare GLU variants with the PolyCom paper: what does each propose?")
    ('GLU variants', 'the PolyCom paper')
    >>> compare_sides("How do the parametric spans paper and the Compositional Deep Learning paper differ in "
    ...               "their use of category theory?")
    ('the parametric spans paper', 'the Compositional Deep Learning paper')
    """
    for clause in (re.split(r"[:?;]|\s[-–—]\s", question)[0], question):
        for pattern in _SIDES:
            match = pattern.search(clause.strip().rstrip("?.!"))
            if match and len(match.group("a")) >= 3 and len(match.group("b")) >= 3:
                a, b = (re.split(r"[.?:]\s", side)[0].strip(" ,'\"?") for side in match.group("a", "b"))
                return a, b
    return None


# a second question joined to the first: "..., and how often ...", "...? What ..."
_NEXT_QUESTION = re.compile(r",?\s+and\s+(?=(?:how|what|which|when|where|who|why|whether|in what|on what|at what|"
                            r"does|do|did|is|are|was|were)\b)|[;?]\s+(?=\w)", re.I)
_ASKS_QUANTITY = re.compile(r"\b(how (much|many|often|large|big|fast|long|far|well)|by how much|what (share|fraction|"
                            r"percentage|proportion|percent|accuracy|score|rate|speed-?up|size))\b", re.I)


_COUNTED = re.compile(r"\b(?:how (?:many|much)|(?:the )?number of)\s+(?:(?:the|of|different|distinct|separate)\s+)*"
                      r"([A-Za-z][\w-]*)", re.I)


# "how much faster / more / does ..." asks a degree, not a count of things
_NOT_COUNTED = frozenset("more less fewer faster slower better worse larger smaller bigger higher lower longer shorter "
                         "cheaper quicker greater do does did is are was were can could will would has have had "
                         "time".split())


def counted_things(question: str) -> list[str]:
    """What a question counts: the word after "how many" / "how much" / "number of".

    >>> counted_things("How many GPUs were used, and how much data?"), counted_things("How large is it?")
    (['GPUs', 'data'], [])
    >>> counted_things("How much faster is it, and how much does it cost?")
    []
    """
    return [word for word in _COUNTED.findall(question) if word.lower() not in _NOT_COUNTED]


def question_parts(question: str) -> list[str]:
    """The questions one question asks, when it asks several ("what X, and how often Y?").

    >>> question_parts("In what share of cases does it work, and how often do the fixes help?")
    ['In what share of cases does it work', 'how often do the fixes help']
    >>> question_parts("What did they find about cats and dogs?")
    ['What did they find about cats and dogs']
    """
    return [part.strip(" ,;?") for part in _NEXT_QUESTION.split(question) if part.strip(" ,;?")]


def asks_quantity(question: str) -> bool:
    """Whether the question wants a number ("how often", "what share", "what accuracy" ...).

    >>> asks_quantity("how often do the fixes help"), asks_quantity("which dataset did they use")
    (True, False)
    """
    return bool(_ASKS_QUANTITY.search(question))

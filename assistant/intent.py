"""What a question asks for: a paper by description (lookup), a comparison, a topic survey, or a fact.

Answering picks its prompt and number of sources by intent; retrieval its weights (whole
abstract or single sentences, keywords, a feedback pass for topics).
"""

from __future__ import annotations

import re

_LOOKUP = re.compile(r"\b(which|what|that|the|a)\s+(paper|study|work|article)\b|what'?s it called|"
                     r"\bpaper (where|that|which|on|about)\b|\bname of\b|\bremember\b", re.I)
_COMPARE = re.compile(r"^\s*(compare|contrast)\b|\bhow does .{3,80} (compare|differ)|\bdifference(s)? between\b|"
                      r"\bversus\b|\bvs\.?\s", re.I)
_TOPIC = re.compile(r"\bwhich (papers|works|studies)\b|\bwhat (work|papers|research|studies)\b|"
                    r"\bpapers (on|about|that)\b|\bany (papers|work)\b|\blist\b|\boverview\b", re.I)
# "which papers ..." asks for a list even when it names two things to contrast ("correct vs incorrect")
_TOPIC_START = re.compile(r"^\s*(which|what|any)\s+(papers|works|studies|research)\b", re.I)
_QUESTION_START = re.compile(r"^\s*(what|how|which|why|when|who|whom|does|did|do|is|are|was|were|can|could|"
                             r"should|in|on|for|according|tell|give|list|explain|summari[sz]e)\b", re.I)
_RELATIVE = re.compile(r"\b(that|where|whose|which|who|in which)\b", re.I)

INTENTS = ("lookup", "compare", "topic", "fact")


def classify_intent(question: str, history: list[dict] | None = None) -> str:
    """lookup | compare | topic | fact (a follow-up counts as fact: it asks about a paper already found)."""
    if history:
        return "fact"
    if _TOPIC_START.search(question):
        return "topic"
    if _COMPARE.search(question):
        return "compare"
    if _TOPIC.search(question):
        return "topic"
    if _LOOKUP.search(question):
        return "lookup"
    # a bare description ("long-document transformer whose sparse attention ...") names a paper
    if not _QUESTION_START.search(question) and _RELATIVE.search(question):
        return "lookup"
    return "fact"

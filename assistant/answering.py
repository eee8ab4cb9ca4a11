"""Answering: choose the sources, decide whether the model is needed, prompt it for the part that
needs synthesis, and build the Answer.

`generate` streams the model's draft; `assistant.checking.check` turns the draft into the answer
as shown; `build_answer` is the one place an Answer is made, abstentions included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from assistant import formats, prompts
from assistant.attribution import name_tokens, named_sources, names_first_paper, paper_names
from assistant.checking import Checked, failed_checks
from assistant.citations import validate_citations
from assistant.config import Settings
from assistant.types import Answer, Hit, Query, Source


# -- before generating ------------------------------------------------------------------------------
def select_sources(hits: list[Hit], intent: str, settings: Settings) -> list[Hit]:
    """The papers the answer may cite, numbered from 1 in this order."""
    if not hits:
        return []
    top = hits[0].score
    if intent == "lookup":  # the paper, plus runners-up only when they are nearly as likely
        return [hits[0], *(h for h in hits[1:3] if h.score >= settings.answer.lookup_runner_up * top)]
    if intent == "compare":
        return hits[:2]
    limit = settings.answer.max_sources + (2 if intent == "topic" else 0)
    # a paper far below the best one only adds prompt tokens and wrong citations
    return [h for h in hits if h.score >= 0.5 * top][:limit]


_ORDINAL_REFERENCE = re.compile(
    r"\bthe (?:(first|second|third|last) (?:one|paper|study|work|article)|(former|latter))\b", re.I)
_PLACE = {"first": 0, "former": 0, "second": 1, "third": 2, "last": -1, "latter": -1}


def referenced_paper(query: Query, hits: list[Hit]) -> Hit | None:
    """The paper a follow-up points at by its place in the previous answer ("ok and the second one -
    what do they say causes it?"): of the retrieved papers that answer names, in the order it names
    them. None when the question has no such reference or the answer names fewer than two of them.

    Without it the small model read "the second one" as source [2] of its own list and answered
    from another paper, citing it correctly (dev-045).
    """
    said = next((m.content for m in reversed(query.history) if m.role == "assistant"), "")
    reference = _ORDINAL_REFERENCE.search(query.text)
    if not said or not reference:
        return None
    named = sorted((at, i) for i, hit in enumerate(hits) if (at := _named_at(said, hit.paper.title)) is not None)
    place = _PLACE[(reference.group(1) or reference.group(2)).lower()]
    if len(named) < 2 or place >= len(named):
        return None
    return hits[named[place][1]]


def _named_at(text: str, title: str) -> int | None:
    """Where `text` first names the paper: its whole title, or the title up to its colon or question
    mark ("Honey, I Shrunk the Language" for "Honey, I Shrunk the Language: Language Model ...")."""
    low = text.lower()
    for name in (title, re.split(r"[:?!]", title)[0]):
        name = name.strip().lower()
        if len(name.split()) >= 2 and (at := low.find(name)) >= 0:
            return at
    return None


def abstain_reason(hits: list[Hit], settings: Settings, question: str = "") -> str | None:
    """Decide before generating: weak retrieval evidence means the papers do not cover it, unless
    the question names one of the top papers by its own name ("NoProp", "PLATO-2"): a small
    collection gives even the right paper low keyword scores."""
    if not hits:
        return "no paper matched"
    titles = {i: h.paper.title for i, h in enumerate(hits[:3], start=1)}
    if question and named_sources(question, paper_names(titles), titles):
        return None
    if question and _names_in(question, hits[0].paper):  # "the Reinforcer for Chinese G2P": the first paper's own term
        return None
    if question and names_first_paper(question, [h.paper for h in hits]):
        return None  # "the Instruction Following Score", "the curse of separability", "the prior-distribution paper"
    # both signals weak: no passage is close in meaning and none shares the question's rare words.
    # Closeness in meaning is read over every retrieved paper, not the first three: the ranking may
    # be another embedder's (the quality index), which can place the paper closest in MiniLM's
    # terms fourth while the right paper, worded unlike the question, comes first.
    dense = max((h.dense_score or 0.0) for h in hits)
    lexical = max((h.lexical_score or 0.0) for h in hits[:3])
    a = settings.answer
    if dense < a.abstain_dense and lexical < a.abstain_lexical:
        return f"closest match: similarity {dense:.2f}, keyword score {lexical:.1f}"
    return None


def _names_in(question: str, paper) -> bool:
    """Whether a name the question gives ("G2P", "SECTOR") stands, as a whole word, in the paper's
    title or abstract."""
    text = f"{paper.title} {paper.abstract}"
    return any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) for name in name_tokens(question))


# sentences of each paper the model reads for a fact question: the two shown as evidence left out the
# second part of "which knowledge is acquired fastest, and which is not stably acquired?" and "how does it
# scale with width?"; four cost about 0.3 s more to the first token on 2 cores (dev eval, 2026-12-04)
FACT_PROMPT_SENTENCES = 4


def prompt_sentences(source: Source, intent: str) -> list[str]:
    """What the model reads of each paper: few sentences, so a CPU reads the prompt fast."""
    if intent == "topic":
        return [s for s in [formats.finding_sentence(source)] if s]
    if intent == "compare":
        return list(dict.fromkeys(s for s in [formats.method_sentence(source), *source.hit.evidence] if s))[:3]
    if intent == "fact":
        return formats.best_sentences(source, FACT_PROMPT_SENTENCES)
    return list(source.hit.evidence)


def build_messages(query: Query, sources: Sequence[Source]) -> list[dict]:
    """System prompt, numbered sources, the earlier question of a follow-up, then the instruction."""
    blocks = [prompts.SOURCE.format(n=s.n, title=s.paper.title, evidence=" ".join(prompt_sentences(s, query.intent)))
              for s in sources]
    previous = next((m.content for m in reversed(query.history) if m.role == "user"), None)
    context = prompts.CONTEXT.format(previous=previous) if previous else ""
    user = prompts.ANSWER.format(sources="\n\n".join(blocks), context=context, question=query.text,
                                 instruction=prompts.INSTRUCTIONS[query.intent])
    return [{"role": "system", "content": prompts.SYSTEM}, {"role": "user", "content": user}]


def token_limit(intent: str, settings: Settings) -> int:
    """The most tokens the model may write for this kind of question."""
    return min(settings.answer.max_tokens, prompts.MAX_TOKENS.get(intent, settings.answer.max_tokens))


def generate(llm, messages: list[dict], intent: str, settings: Settings) -> Iterator[str]:
    """The model's draft, streamed (deterministic: temperature and seed from the settings)."""
    yield from llm.generate(messages, max_tokens=token_limit(intent, settings),
                            temperature=settings.answer.temperature, seed=settings.answer.seed)


# -- the one builder --------------------------------------------------------------------------------
def build_answer(query: Query, hits: list[Hit], checked: Checked | None, *, reason: str | None,
                 timings: dict[str, float], tokens: dict[str, int] | None = None,
                 draft: str | None = None) -> Answer:
    """An Answer: the checked one, or the fixed cannot-answer reply that points at the closest
    papers (never an invented answer) when `reason` (or the check) says the papers do not cover it."""
    reason = reason or (checked.abstain if checked else None)
    template = prompts.ABSTAIN_UNCHECKED if failed_checks(reason) else prompts.ABSTAIN
    common = dict(question=query.text, retrieved=hits, timings=timings, tokens=tokens or {},
                  intent=query.intent, standalone_query=query.standalone, draft=draft)
    if reason or checked is None:
        closest = "; ".join(f'"{h.paper.title}"' for h in hits[:3])
        text = template.format(reason=reason) + (f" Closest: {closest}." if closest else "")
        return Answer(text=text, citations=[], abstained=True, sources=[], abstain_reason=reason,
                      dropped=checked.dropped if checked else [],
                      removed_citations=checked.removed if checked else [], **common)
    final_hits = [replace(s.hit, rank=s.n) for s in checked.sources]
    citations = validate_citations(checked.text, final_hits).citations
    return Answer(text=checked.text, citations=citations, abstained=False, sources=final_hits,
                  sentences=checked.sentences, dropped=checked.dropped, removed_citations=checked.removed,
                  **common)


def rewrite_followup(query: Query, llm, settings: Settings) -> str:
    """A standalone version of a follow-up question, written by the LLM from the chat."""
    turns = "\n".join(f"{m.role}: {m.content[:400]}" for m in query.history[-4:])
    prompt = prompts.REWRITE.format(history=turns, question=query.text)
    text = "".join(llm.generate([{"role": "user", "content": prompt}], max_tokens=48,
                                temperature=0.0, seed=settings.answer.seed)).strip()
    line = text.splitlines()[0].strip() if text else ""
    return line if 8 <= len(line) <= 300 else query.text

"""Checking a draft: every sentence the model wrote is held against the papers, then laid out in
its question type's format with the papers' own sentences, citations numbered by first appearance.

Pure given an `embed` function (texts -> vectors): it drops invented markers, moves a citation to
the paper that says the sentence, refuses a paper named but credited with another's finding,
drops sentences no source supports (or whose numbers their backing sentences lack), and keeps
what was dropped, with why, for audits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from assistant import formats, prompts
from assistant.attribution import (
    UNSUPPORTED,
    attribute,
    named_sources,
    names_first_paper,
    paper_names,
)
from assistant.citations import (
    markers_as_words,
    parse_markers,
    remap_markers,
    renumber,
    split_answer_sentences,
    strip_markers,
    validate_citations,
)
from assistant.config import Settings
from assistant.evidence import sentence_relevance
from assistant.intent import asks_quantity, counted_things, needs_model, question_parts
from assistant.support import (
    evaluative,
    extract_numbers,
    names_supported,
    numbers_in_place,
    numbers_supported,
    opposites,
    reversed_word,
    ruled_out,
    source_support,
    specifics,
    spelled_numbers,
    uncounted,
)
from assistant.text import adds_nothing, addresses_reader, new_words, normalize_key, word_tokens
from assistant.types import Query, SentenceSupport, Source

Embed = Callable[[list[str]], np.ndarray]

_REFUSAL = re.compile(r"do(es)? not (answer|contain|provide|mention|state|specify|cover|discuss)|"
                      r"(not|no) (enough )?information|cannot (be )?answer|not (stated|mentioned|specified)"
                      r"|(is|are) not (given|provided)", re.I)
# "..., as shown in [2].", "... is 0.59 (from [1])." name a source by number only to cite it: the
# clause goes, the citation is then checked like any other
_TRAILING_REFERENCE = re.compile(
    r",?\s*(?:as\s+(?:shown|reported|described|discussed|stated|noted|found|demonstrated|mentioned|seen)\s+(?:in|by)"
    r"|\(\s*(?:see|from|according\s+to|cf\.?)|see|according\s+to)\s+(?:\[\d+\]\s*)+\)?"
    r"(?=\s*[.!?]?\s*(?:\[\d+\]\s*)*$)", re.I)
KEEP_SENTENCES = {"fact": 3, "topic": 2, "compare": 2}
VAGUE = "says nothing beyond the question"
NO_ANSWER = "the model found no answer in the papers"  # a refusal: the papers do not cover it
# what the model wrote did not hold up against the papers, which may well cover the question
MADE_UP = "the model's answer gave numbers or names that are not in the papers"
UNBACKED = "the model's answer is not backed by the papers"
INVENTED_NUMBERS = "states numbers its cited paper does not contain"
MISPLACED_NUMBERS = "attaches numbers to a different finding of its paper"
INVENTED_NAMES = "names something its cited paper does not mention"
UNFOUNDED = "says what its cited paper never words"
AUTHORS_VOICE = "speaks in the authors' voice (their words are shown as a quote)"
# "we", "our": a sentence pasted from an abstract ("In this survey, we shed light on ..."), not the assistant's
_FIRST_PERSON = re.compile(r"\b(?:[Ww]e|[Oo]urs?|us)\b")
UNFOUNDED_WORDS = 2  # words beyond the question a sentence may use that its cited papers never do (one is a paraphrase)
REPEAT = "repeats an earlier sentence"
REVERSED = "turns its paper's finding around"
ECHOED_FIGURE = "repeats a figure of the question that its paper does not give"
UNCOUNTED = "gives a count of what its cited paper never mentions"
MOVED_PHRASE = "puts the question's words on another finding of its paper"
SPLICED = "joins the start of one sentence of its paper to the end of another"
SPLICE_HEAD, SPLICE_TAIL = 5, 3  # words copied from the first sentence, content words from the second
REVERSAL_SHARED = 4  # content words a sentence shares with a paper sentence it was not matched to, to reverse it
AFTER_WRONG = "follows a direct answer that got its paper's finding wrong"
ANTECEDENT_SHARE = 0.5  # of the abstract sentence a "This ..." points back to, the answer must give this much
DANGLING = "its “this” points to a sentence of the abstract the answer does not give"
ORPHANED = "its “this” points back to a sentence that is not shown"
CUT_OFF = "was cut off at the answer's length limit"
FOREIGN_CITATION = "cites a paper that is not among the sources"
NO_FIGURE = "gives no figure, where the question asks one that its paper states"
_FINISHED = re.compile(r"[.!?…][\"'”’)\]]*\s*$")
_POINTS_BACK = re.compile(r"^\W*(?:this|these|that|those|it|they|such)\b", re.I)
TITLE_ANSWER_WORDS = 3  # words beyond the question, if from its one paper's title, that answer it ("used as an early
# stopping criterion"); a sentence listing or naming papers by their titles still says nothing
# verbs that point at a paper without saying anything of it: "This is revealed in the Byte BPE ... paper [1]",
# "This perturbation is described in [1]"
POINTER_WORDS = ("revealed shown described discussed stated mentioned explained presented reported demonstrated "
                 "studied addressed explored investigated covered detailed outlined examined analyzed analysed")
VAGUE_WORDS = 2  # a sentence adding this few words to the question says less than its quote
MAX_QUOTES = 3
FIGURE_SHARED = 2  # question words beyond the title a sentence with a number must share to answer "how many"
PART_MATCH_FLOOR = 0.35  # a part of the question no sentence matches this well is left to the answer
PART_WORDS_FLOOR = 0.4  # ... and one that gives no name or number must match it this well
PART_COVERED = 0.85  # a shown quote matching a part this nearly as well as its best sentence answers it already
QUANTITY_BONUS = 0.1  # a part asking "how often / what share" prefers a sentence that gives a number


@dataclass
class Checked:
    """The checked answer before it becomes an Answer: final text, sources in citation order."""

    text: str
    sources: list[Source]
    sentences: list[SentenceSupport] = field(default_factory=list)
    dropped: list[SentenceSupport] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    abstain: str | None = None


def failed_checks(reason: str | None) -> bool:
    """Whether an abstention is the checks withholding the model's text, not the papers lacking
    an answer (retrieval too weak, or the model finding nothing)."""
    return reason in (MADE_UP, UNBACKED)


def is_refusal(text: str) -> bool:
    plain = normalize_key(text)
    return not plain or normalize_key(prompts.CANNOT_ANSWER) in plain or bool(_REFUSAL.search(text[:200]))


def check(draft: str, query: Query, sources: list[Source], embed: Embed, settings: Settings, *,
          cut_off: bool = False) -> Checked:
    """The answer as shown: the draft's sentences that survive the checks, laid out with the
    papers' own sentences in the question type's format, numbered by first citation. `cut_off`: the
    model stopped at its token limit, so a last sentence with no closing punctuation is unfinished."""
    if query.intent == "lookup":
        main, *others = sources
        lines = formats.lookup_lines(main, others)
        return Checked("\n".join(text for text, _ in lines), sources)
    if not needs_model(query):
        return Checked(_layout(query, sources, []), sources)
    if is_refusal(draft):
        return Checked("", sources, abstain=NO_ANSWER)
    draft, foreign = _without_foreign_citations(draft, len(sources))
    validated = validate_citations(draft, [s.hit for s in sources])
    judged = _without_orphans(judge_sentences(split_answer_sentences(validated.text), query, sources, embed, settings,
                                               cut_off=cut_off))
    kept = _answer_first(_without_repeats([s for s in judged if s.note is None or not s.note.startswith("dropped")]),
                         query)
    kept, dangling = _without_dangling(kept, sources)
    dropped = [s for s in judged if s not in kept and s not in dangling]
    dropped = [s if (s.note or "").startswith("dropped") else replace(s, note=f"dropped: {REPEAT}") for s in dropped]
    dropped += [replace(s, note=f"dropped: {DANGLING}") for s in dangling] + foreign
    kept = kept[:KEEP_SENTENCES.get(query.intent, 3)]
    if query.intent == "fact":
        kept, dropped, reason = _fact_verdict(judged, kept, dropped, sources, query, settings)
        if reason:
            return Checked("", sources, dropped=dropped, removed=validated.removed, abstain=reason)
    final_sources, kept, dropped = _renumbered(sources, kept, dropped)
    text = _layout(query, final_sources, kept, embed, dropped)
    return Checked(text, final_sources, kept, dropped, validated.removed)


def _without_foreign_citations(draft: str, n_sources: int) -> tuple[str, list[SentenceSupport]]:
    """The draft without its sentences that cite, inside the sentence, a number no source has, and
    those sentences, dropped.
    Such a sentence leans on works the reader cannot see: an abstract's "As shown in [7] and [12], this
    proves every other method wrong" copied by the model came out, its markers removed, as "As shown in
    and, this proves every other method wrong [1]"."""
    sentences = [text for text, _ in split_answer_sentences(draft)]
    # a marker that only ends the sentence ("... at equal F1 [1][9].") or labels its start ("[2] Towards
    # Understanding Grokking ...", a tiny model numbering its one source) is removed as usual; one with
    # words on both sides is part of what the sentence says
    foreign = [t for t in sentences
               if any(not 1 <= n <= n_sources and re.search(r"\w", strip_markers(t[:m.span[0]]))
                      and re.search(r"\w", strip_markers(t[m.span[1]:])) for m in parse_markers(t) for n in m.numbers)]
    if not foreign:
        return draft, []
    kept = " ".join(t for t in sentences if t not in foreign)
    return kept, [SentenceSupport(t, [], None, "uncited", note=f"dropped: {FOREIGN_CITATION}")
                  for t in foreign]


def _fact_verdict(judged: list[SentenceSupport], kept: list[SentenceSupport], dropped: list[SentenceSupport],
                  sources: list[Source], query: Query, settings: Settings):
    """(kept, dropped, abstain reason) for a fact answer. A direct answer (the first sentence) with a
    number or name its paper lacks, or a number in a sentence no paper supports ("1.25 million
    tonnes of CO2" from a paper's "1.25M parameters"), is a made-up answer: withheld, whatever
    follows it. A direct answer that turns its paper's finding around or restates the question's own
    figure as the paper's ("halves every two years" where it says 8 months), and sentences that say less
    than their quotes, give way to the paper's sentences, but only when retrieval is confident that
    the top paper is the one asked about; otherwise there is nothing to show."""
    first = (judged[0].note or "") if judged else ""
    unbacked_number = (first.startswith("dropped") and VAGUE not in first and REVERSED not in first
                       and ECHOED_FIGURE not in first and AUTHORS_VOICE not in first and CUT_OFF not in first
                       and MOVED_PHRASE not in first
                       and bool(_figures(judged[0].text)))  # "Two GPUs ..." as much as "2 GPUs ..."
    confident = (sources[0].hit.dense_score or 0.0) >= settings.answer.quote_fallback_dense
    if INVENTED_NUMBERS in first or INVENTED_NAMES in first or UNCOUNTED in first or unbacked_number:
        if confident and stated_figure(sources[0], query):  # the paper gives what was asked: its sentence answers
            return [], dropped + [replace(s, note=f"dropped: {AFTER_WRONG}") for s in kept], None
        return kept, dropped, MADE_UP
    if REVERSED in first or ECHOED_FIGURE in first or MOVED_PHRASE in first or SPLICED in first:
        # the direct answer was wrong (or took the question's figure for the paper's), what follows it is
        # no answer: the paper's sentences are, when the question is surely about that paper (close in
        # meaning, or naming it: "What are Padé Activation Units built from?")
        dropped = dropped + [replace(s, note=f"dropped: {AFTER_WRONG}") for s in kept]
        return [], dropped, None if confident or _names_top_paper(query, sources) else UNBACKED
    if kept and _vague(kept, sources, query):
        dropped = dropped + [replace(s, note=f"dropped: {VAGUE}") for s in kept]
        kept = []
    if (kept and not any(_figures(s.text) for s in kept) and (confident or _names_top_paper(query, sources))
            and stated_figure(sources[0], query)):
        # "After how many tokens ...?" answered by a sentence with no figure at all: the paper's
        # sentence with the figure answers instead
        dropped = dropped + [replace(s, note=f"dropped: {NO_FIGURE}") for s in kept]
        kept = []
    if kept:
        return kept, dropped, None
    # the model said nothing (and nothing made up) about the paper retrieval is sure of: its sentences answer
    notes = [s.note or "" for s in dropped]
    # nothing of the model's own holds: the paper's sentences answer
    said_nothing = (VAGUE, UNFOUNDED, AUTHORS_VOICE, ORPHANED, CUT_OFF, NO_FIGURE)
    if ((confident or _names_top_paper(query, sources)) and any(why in n for n in notes for why in said_nothing)
            and all(UNSUPPORTED in n or any(why in n for why in said_nothing) for n in notes)):
        return kept, dropped, None
    return kept, dropped, UNBACKED


def _names_top_paper(query: Query, sources: list[Source]) -> bool:
    """Whether the question names the first paper by its title's name ("Padé Activation Units"), by
    a term only that paper uses ("the IFS"), or by its title's words."""
    titles = {s.n: s.paper.title for s in sources}
    return (sources[0].n in named_sources(query.text, paper_names(titles), titles)
            or names_first_paper(query.text, [s.paper for s in sources]))


def judge_sentences(parts: Sequence[tuple[str, Sequence[int]]], query: Query, sources: Sequence[Source],
                    embed: Embed, settings: Settings, *, cut_off: bool = False) -> list[SentenceSupport]:
    """Each sentence with its support by every source and the citation it ends up with; sentences
    that cannot be shown carry a note starting "dropped"."""
    parts = [(without_fronted_repeat(_TRAILING_REFERENCE.sub("", text)), cited) for text, cited in parts]
    if parts:
        parts[0] = (without_stray_yes(parts[0][0], query.text), parts[0][1])
    parts = [(text, cited) for text, cited in parts if strip_markers(text).strip(" .:;,-")]
    if not parts:
        return []
    last_unfinished = cut_off and not _FINISHED.search(strip_markers(parts[-1][0]))  # "It further demystifies grok"
    sentences = {s.n: s.sentences for s in sources}
    titles = {s.n: s.paper.title for s in sources}
    abstracts = {s.n: " ".join(s.sentences) for s in sources}
    paper_text = {s.n: f"{s.paper.title} {abstracts[s.n]}" for s in sources}  # what each paper states
    names = paper_names(titles, abstracts)
    a = settings.answer
    earlier = [m.content for m in query.history if m.role == "user"]
    conversation = [query.text, *(m.content for m in query.history)]  # what a sentence may repeat freely
    asked = " ".join([query.text, *earlier])
    asked_figures = _figures(asked)
    counted = counted_things(query.text)
    table = source_support([strip_markers(t) for t, _ in parts], sentences, embed, titles, asked)
    out = []
    for (text, cited), matches in zip(parts, table):
        plain = strip_markers(text)
        scores = {n: m.score for n, m in matches.items()}
        named = named_sources(plain, names, titles)
        verdict = attribute(scores, list(cited), named, threshold=a.support_threshold, margin=a.attribution_margin)
        cited_now = list(verdict.cited)
        # a number must stand in the sentences that back this one, not anywhere in the abstract
        # ("the fixes help in 71% of cases" when 71% belongs to another finding)
        backing = [t for n in cited_now if n in matches for t in (matches[n].evidence, matches[n].runner_up) if t]
        evidence_texts = [*backing, query.text, *titles.values()]
        cited_sentences = [t for n in cited_now for t in sentences.get(n, [])]
        turned = (reversed_word(plain, backing) or reversed_word(plain, cited_sentences, REVERSAL_SHARED)
                  or ruled_out(plain, cited_sentences))  # "built from fixed activations" where it does away with them
        papers = [paper_text[n] for n in paper_text if n in cited_now]
        tied = [paper_text[n] for n in paper_text if n in {*cited, *cited_now}]
        as_words = markers_as_words(text)
        echoed = _echoed_figures(plain, asked_figures, papers)
        moved = None
        if addresses_reader(plain):
            note = "dropped: speaks to the reader (links or instructions are never the assistant's words)"
        elif last_unfinished and len(out) == len(parts) - 1:
            note = f"dropped: {CUT_OFF}"
        elif _FIRST_PERSON.search(plain):
            note = f"dropped: {AUTHORS_VOICE}"
        elif turned:  # before "says nothing new": "LMs hallucinate more" may add no word, and is wrong
            note = f"dropped: {REVERSED} (“{turned.word}” where its paper says “{turned.opposite}”)"
        # "There is an early paper on X [2]", "This is revealed in the X paper [1]"
        elif (adds_nothing(plain, [query.text, *titles.values(), *earlier, POINTER_WORDS])
              and (len(new_words(plain, [query.text, *earlier])) < TITLE_ANSWER_WORDS
                   or named or len(set(cited)) > 1)  # titles listed, not a paper's answer in its title's words
              and (out or not restated_finding(plain, query.text, cited_sentences))):  # "Yes, <its finding>"
            note = f"dropped: {VAGUE}"
        elif named and not verdict.keep:
            note = f"dropped: {verdict.note}"
        elif not numbers_supported(plain, evidence_texts) and not (
                numbers_supported(plain, papers) and numbers_in_place(plain, cited_sentences)):
            # a number is the paper's when its closest sentences hold it, or when it stands in the paper
            # among the words the answer puts around it (the closest sentence in meaning may be another)
            whole = numbers_supported(plain, [*papers, *evidence_texts])
            note = f"dropped: {MISPLACED_NUMBERS if whole else INVENTED_NUMBERS}"
        elif unstated := uncounted(plain, counted, " ".join(papers)):  # "Two GPUs [1]" where [1] has no GPUs
            note = f"dropped: {UNCOUNTED} ({', '.join(unstated)})"
        elif echoed:  # "does it halve every two years?" -> "it halves every two years [1]" (the paper: 8 months)
            note = f"dropped: {ECHOED_FIGURE} ({', '.join(echoed)})"
        elif not names_supported(plain, [*papers, *conversation]):
            note = f"dropped: {INVENTED_NAMES}"
        elif tied and len(unfounded := unfounded_words(plain, conversation, tied)) >= UNFOUNDED_WORDS:
            wording = _sole_wording_source(plain, conversation,
                                           {n: t for n, t in paper_text.items() if n not in cited_now}, scores)
            if wording is None:
                note = f"dropped: {UNFOUNDED} ({', '.join(unfounded[:4])})"
            else:  # "Late MLP layers act to downregulate ... [2]", where [1] says it word for word
                cited_now, note = [wording], f"citation moved to [{wording}]: its paper words it, the cited one does not"
        elif not verdict.keep:
            note = f"dropped: {verdict.note}"
        elif splice := spliced(plain, cited_sentences):
            note = f"dropped: {SPLICED} (“{splice[0]}” + “{splice[1]}”)"
        elif moved := moved_phrase(plain, query.text, cited_sentences,
                                   [matches[n].evidence for n in cited_now if n in matches], list(titles.values())):
            note = f"dropped: {MOVED_PHRASE} (“{moved[0]}”)"
        elif as_words and set(cited_now) != set(cited):
            note = "dropped: refers by number to papers that do not all support it"
        else:
            note = verdict.note
        best = max((matches[n] for n in cited_now if n in matches), key=lambda m: m.score, default=None)
        label = "supported" if best is not None and best.score >= a.support_threshold else "weak"
        shown = text.strip() if as_words else _with_markers(plain, cited_now)
        evidence = (turned.source_sentence if turned  # a reversal shows what it reverses
                    else moved[1] if moved  # a moved phrase, the paper's sentence that has it
                    else _quote_for(plain, best, specifics(asked)))
        out.append(SentenceSupport(shown, cited_now, best.score if best else None, label, evidence, scores, named,
                                   note))
    return out


# words that join an answer's sentences, not claims of their own
_CONNECTIVES = "because case while however therefore thus instead whereas although since hence moreover furthermore"


def unfounded_words(sentence: str, asked: Sequence[str], papers: Sequence[str]) -> list[str]:
    """The content words (stemmed) a sentence adds to the question that none of its cited papers
    uses: an answer that makes up a condition ("... when the number of learners is equal to the
    number of examples") words it in terms its paper never has, though each word alone is common.

    >>> unfounded_words("It helps when the number of learners equals the examples.", ["When does it help?"],
    ...                 ["Teaching helps, particularly when learners can communicate with the examples."])
    ['number', 'equal']
    """
    from assistant.lexical import analyze
    known = set(analyze(" ".join(asked))) | set(analyze(" ".join(papers))) | set(analyze(_CONNECTIVES))
    return [w for w in dict.fromkeys(analyze(strip_markers(sentence)))
            if w not in known and len(w) > 1 and not w.isdigit()]


RECITE_SUPPORT = 0.45  # least support of the one other source that words a sentence its cited paper never does


def _sole_wording_source(sentence: str, asked: Sequence[str], others: dict[int, str],
                         scores: dict[int, float]) -> int | None:
    """The one other source whose paper has every word the sentence adds to the question, when it
    also supports the sentence at least RECITE_SUPPORT: the model cited the wrong number for a
    sentence one source words ("Late MLP layers act to downregulate the maximum-likelihood token
    [2]", from source 1's long opening sentence, which MiniLM scores a little below source 2's).

    >>> _sole_wording_source("Late layers downregulate the likeliest token [2].", ["What do late layers do?"],
    ...                      {1: "late layers downregulate the likeliest token", 3: "bilinear layers"}, {1: 0.5, 3: 0.6})
    1
    >>> _sole_wording_source("Late layers downregulate the likeliest token [2].", ["What do late layers do?"],
    ...                      {1: "late layers downregulate the likeliest token"}, {1: 0.3}) is None
    True
    """
    fits = [n for n, text in others.items()
            if scores.get(n, 0.0) >= RECITE_SUPPORT and not unfounded_words(sentence, asked, [text])]
    return fits[0] if len(fits) == 1 else None


def _figures(text: str) -> set[str]:
    """The values a text states, digits or spelled out ("two years" -> 2); "one" and "zero" are
    left out, being words far more often than figures ("one of the", "zero-shot")."""
    return {value for value, _ in extract_numbers(strip_markers(text), spelled=True)} - {"0", "1"}


def _echoed_figures(sentence: str, asked: set[str], papers: Sequence[str]) -> list[str]:
    """The figures a sentence shares with the question that none of its cited papers states: the
    question's premise restated as the paper's finding, which the number check cannot catch, since
    a figure the question gives may be repeated wherever the paper has it."""
    echoed = _figures(sentence) & asked
    if not echoed:
        return []
    stated = set().union(*(_figures(text) for text in papers)) if papers else set()
    return sorted(echoed - stated)


_NEGATION = re.compile(r"\b(?:not|no|never|cannot|neither|nor)\b|n't\b", re.I)


def restated_finding(sentence: str, question: str, paper_sentences: Sequence[str]) -> bool:
    """For a yes/no question, whether the direct answer that restates it ("Yes, the number of linear
    regions varies across data manifolds [1]") is what one sentence of its paper says: that sentence
    holds all its content words but one (three at least), the one it lacks is elsewhere in the paper
    and is no judgement ("worse", "more": "Linear models scale worse [1]" where the paper says they
    scale similarly), and both or neither are negated. A restatement no sentence backs so ("Yes,
    continued tuning after the IFS plateaus changes ...") still says nothing beyond the question.

    >>> paper = ["A network splits the data manifold into linear regions.",
    ...          "Our experiments show that the number of linear regions varies across manifolds."]
    >>> q = "Does the number of linear regions vary across data manifolds?"
    >>> restated_finding("Yes, the number of linear regions varies across data manifolds [1].", q, paper)
    True
    >>> restated_finding("No, the number of linear regions does not vary across data manifolds.", q, paper)
    False
    >>> restated_finding("Yes, the number of linear regions varies more across data manifolds.", q, paper)
    False

    A choice between the question's two words ("retentive or forgetful?") that takes one of them is
    an answer too, when one sentence holds all its words: "Vanilla language models are forgetful [1]"
    where the paper finds "1) Vanilla language models are forgetful; 2) Pre-training leads to
    retentive language models" (and not "Vanilla language models are retentive").

    >>> paper = ["We find that: 1) Vanilla language models are forgetful; 2) Pre-training leads to "
    ...          "retentive language models."]
    >>> q = "Are vanilla language models retentive or forgetful?"
    >>> restated_finding("Vanilla language models are forgetful [1].", q, paper)
    True
    >>> restated_finding("Vanilla language models are retentive [1].", q, paper)
    False
    """
    from assistant.lexical import analyze
    body = _YES_NO_LEAD.sub("", strip_markers(sentence))
    words = {word: stems for word in word_tokens(body) if (stems := set(analyze(word)))}
    said = set().union(*words.values()) if words else set()
    choice = any((set(analyze(a)) <= said) != (set(analyze(b)) <= said) for a, b in _EITHER_OR.findall(question))
    if not (choice or _POLAR.match(question)):
        return False
    whole = set(analyze(" ".join(paper_sentences)))
    negated = bool(_NEGATION.search(body))
    # a choice is read clause by clause: one sentence may list both findings ("1) X are forgetful; 2) ...")
    texts = [c for t in paper_sentences for c in _CLAUSE_BREAK.split(t)] if choice else paper_sentences
    for text in texts:
        here = set(analyze(text))
        missing = [word for word, stems in words.items() if not stems <= here]
        if (len(words) - len(missing) >= 3 and len(missing) <= (0 if choice else 1)
                and bool(_NEGATION.search(text)) == negated
                and all(words[word] <= whole and not evaluative(word) for word in missing)):
            return True
    return False


def moved_phrase(sentence: str, question: str, paper_sentences: Sequence[str], backing: Sequence[str],
                 titles: Sequence[str]) -> tuple[str, str] | None:
    """(the phrase, the paper's sentence that has it) when the sentence repeats two adjacent content
    words of the question that only one sentence of its paper has, is not backed (closest) by it,
    and shares less than half of the words it adds with it, while that sentence states a finding and
    shares the most words with the question (the finding asked about): the question's predicate put on another
    finding ("MechGPT finds LLMs particularly useful for knowledge retrieval, ..." from the sentence
    listing what was explored, where the paper finds them "particularly useful to extract structural
    insights"). Phrases of the titles are left out: they name the subject, not a finding.

    >>> paper = ["We explore its capacity for knowledge retrieval and hypothesis generation.",
    ...          "We find that LLMs are particularly useful to extract structural insights."]
    >>> moved_phrase("LLMs are particularly useful for knowledge retrieval and hypothesis generation.",
    ...              "What are LLMs particularly useful for?", paper, paper[:1], ["MechGPT"])[0]
    'particular use'
    >>> moved_phrase("LLMs are particularly useful to extract structural insights.",
    ...              "What are LLMs particularly useful for?", paper, paper[:1], ["MechGPT"]) is None
    True

    Closeness to the question leaves the title's words out: they name the subject, which the
    paper's opening repeats ("a novel self-supervised formulation of relational reasoning"), and
    the asked finding is the sentence with the question's other words.

    >>> paper = ["In self-supervised learning, a system is tasked with achieving a surrogate objective.",
    ...          "We propose a novel self-supervised formulation of relational reasoning.",
    ...          "We link the effectiveness of the method to the maximization of a Bernoulli log-likelihood."]
    >>> moved_phrase("The paper links its effectiveness to achieving a surrogate objective [1].",
    ...              "What objective does the self-supervised relational reasoning paper link its effectiveness to?",
    ...              paper, paper[:1], ["Self-Supervised Relational Reasoning for Representation Learning"])[0]
    'link effect'
    """
    from assistant.lexical import analyze
    asked = _adjacent_pairs(sentence) & _adjacent_pairs(question)
    if not asked:
        return None
    asked -= set().union(*(_adjacent_pairs(t) for t in titles))
    question_words = set(analyze(question))
    asked_words = question_words - set(analyze(" ".join(titles)))
    added = set(analyze(sentence)) - question_words
    papers = [(text, set(analyze(text)), _adjacent_pairs(text)) for text in paper_sentences]  # each read once
    closest = max((len(asked_words & words) for _, words, _ in papers), default=0)
    strict = _adjacent_pairs(sentence, gap=False)
    for pair in sorted(asked, key=lambda pair: (pair not in strict, pair)):  # side by side first
        holders = [(text, words) for text, words, pairs in papers if pair in pairs]
        if len(holders) != 1 or holders[0][0] in backing:
            continue
        text, words = holders[0]
        if len(asked_words & words) < closest or not (formats.states_finding(text) or _LINKS.search(text)):
            continue  # the question's subject ("the post-hoc fixes", "synthetic data"), not the finding it asks
        if added and len(added & words) * 2 < len(added):
            return " ".join(pair), text
    return None


def spliced(sentence: str, paper_sentences: Sequence[str]) -> tuple[str, str] | None:
    """(the end of the copied start, the start of the copied end) when the sentence copies a run of
    one sentence of its paper word for word, leaves it where that sentence goes on with another
    content word, and goes on instead with words copied from a different sentence: the object of
    one finding put after the verb of another ("..., directly minimizing the mutual information
    between transformed components" where the paper minimizes "the negentropy of the responses" and
    reports a smaller mutual information as the result).

    >>> paper = ["We optimize the parameters over a database of natural images, directly minimizing the "
    ...          "negentropy of the responses.",
    ...          "It achieves a smaller mutual information between transformed components than ICA."]
    >>> spliced("This is done over a database of natural images, directly minimizing the mutual information "
    ...         "between transformed components [1].", paper)
    ('directly minimizing the', 'mutual information between transformed components')
    >>> spliced("It is optimized over a database of natural images, directly minimizing the negentropy [1].",
    ...         paper) is None
    True
    """
    from assistant.lexical import _STOPWORDS
    words = word_tokens(strip_markers(sentence).lower())
    papers = [word_tokens(text.lower()) for text in paper_sentences]
    for i, first in enumerate(papers):
        start, end, at = _longest_common_run(words, first)
        if end - start < SPLICE_HEAD or end >= len(words) or at >= len(first):
            continue
        ours, theirs = words[end], first[at]
        if words[end - 1] not in _SPLICE_JOINTS or ours in _STOPWORDS or theirs in _STOPWORDS or ours == theirs:
            continue  # cut inside a phrase ("minimizing the | ..."), not where a new clause may begin
        tail = words[end:]
        for j, other in enumerate(papers):
            if j == i:
                continue
            length = max((_run_length(tail, other[k:]) for k in range(len(other))), default=0)
            copied = tail[:length]
            if sum(w not in _STOPWORDS for w in copied) >= SPLICE_TAIL and " ".join(copied[:2]) not in " ".join(first):
                return " ".join(words[max(start, end - 3):end]), " ".join(copied)
    return None


_SPLICE_JOINTS = frozenset("the a an of to by for on in with from into between its their".split())


def _longest_common_run(words: list[str], other: list[str]) -> tuple[int, int, int]:
    """(start, end) of the longest run of `words` that `other` has word for word, and where that run
    ends in `other`."""
    best = (0, 0, 0)
    for k in range(len(other)):
        for i in range(len(words)):
            n = _run_length(words[i:], other[k:])
            if n > best[1] - best[0]:
                best = (i, i + n, k + n)
    return best


def _run_length(a: list[str], b: list[str]) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


_LINKS = re.compile(r"\bwe (link|attribute|trace)\b", re.I)  # "We link the effectiveness ... to ...": a finding


def _adjacent_pairs(text: str, gap: bool = True) -> set[tuple[str, str]]:
    """Stemmed pairs of content words that stand next to each other in the text, or (`gap`) with one
    small word between them ("links its effectiveness", "link the effectiveness").

    >>> sorted(_adjacent_pairs("We link the effectiveness of the method."))
    [('link', 'effect')]
    """
    from assistant.lexical import aligned_stems
    stemmed = aligned_stems(strip_markers(text))
    skipped = [(a, c) for a, b, c in zip(stemmed, stemmed[1:], stemmed[2:]) if gap and a and not b and c]
    return {(a, b) for a, b in zip(stemmed, stemmed[1:]) if a and b} | set(skipped)


_FRONTED = re.compile(r"^\s*([^,\[\]]{3,60}),\s+")
# a question answerable by yes or no opens with an auxiliary verb (after a conversational "and", "so", "ok")
_POLAR = re.compile(r"^\W*(?:(?:and|so|but|ok|okay|also)\W+)*(?:is|are|was|were|am|do|does|did|can|could|has|have|had|"
                    r"will|would|should|shall|may|might|must)(?:n't)?\b", re.I)
_EITHER_OR = re.compile(r"\b(\w+) or (\w+)\b", re.I)
_CLAUSE_BREAK = re.compile(r"[;:]|\(?\b\d\)|\b(?:while|whereas|but)\b", re.I)
_YES_NO_LEAD = re.compile(r"^\s*(?:yes|no)\s*[,.;:!\u2013\u2014-]+\s*", re.I)


def without_stray_yes(text: str, question: str) -> str:
    """The answer's first sentence without a "Yes," or "No," the question did not ask for: a small
    model opens "Which papers ...?" with "Yes, [1] and [2] ..." and "Is it easier or harder ...?"
    with "Yes, it is easier".

    >>> without_stray_yes("Yes, [1] and [2] study hypergraphs.", "Which papers deal with hypergraphs?")
    '[1] and [2] study hypergraphs.'
    >>> without_stray_yes("Yes, they released WikiSection [1].", "did they release a dataset? how big?")
    'Yes, they released WikiSection [1].'
    >>> without_stray_yes("No, it does not [1].", "And did that also happen in recurrent models?")
    'No, it does not [1].'
    >>> without_stray_yes("Yes, it does [1].", "In the Adam paper, does epsilon matter?")
    'Yes, it does [1].'
    >>> without_stray_yes("Yes, it is easier [1].", "Is it easier or harder to detect them?")
    'It is easier [1].'

    A "Yes" that its own sentence contradicts, by saying the negated form of the question's word,
    goes too; the statement is the answer:

    >>> without_stray_yes("Yes, the effects are asymmetrical across pairs [1].", "Are the effects symmetric?")
    'The effects are asymmetrical across pairs [1].'
    >>> without_stray_yes("Yes, the effects are symmetric across pairs [1].", "Are the effects symmetric?")
    'Yes, the effects are symmetric across pairs [1].'
    """
    lead = _YES_NO_LEAD.match(text)
    rest = text[lead.end():] if lead else ""
    either = any(opposites(a, b) for a, b in _EITHER_OR.findall(question))  # "easier or harder?" is no yes/no
    contradicted = bool(lead) and lead.group().strip(" ,.;:!").lower() == "yes" and _negates_asked(rest, question)
    if not rest.strip() or (not either and not contradicted
                            and any(_POLAR.match(c) for c in re.split(r"[,?;:.!()]", question))):
        return text
    return rest[:1].upper() + rest[1:]


_NEGATING_PREFIX = re.compile(r"^(?:non-?|un|in|im|ir|il|dis|a)(?=\w{5})", re.I)


def _negates_asked(sentence: str, question: str) -> bool:
    """Whether the sentence says a word of the question with a negating prefix ("asymmetrical" for
    "symmetric", "unstable" for "stable"), and not the word itself."""
    from assistant.lexical import analyze
    asked = set(analyze(question))
    said = set(analyze(sentence))
    for word in word_tokens(sentence):
        prefix = _NEGATING_PREFIX.match(word)
        stems = analyze(word[prefix.end():]) if prefix else []
        if stems and stems[0] in asked and stems[0] not in said:
            return True
    return False


def without_fronted_repeat(text: str) -> str:
    """The sentence without its opening phrase when it says that phrase again later, a small model's
    slip ("In 71% of cases, X works in 71% of cases"). Openers of one or two words ("However,", "In
    contrast,") carry the argument's thread and are left alone.

    >>> without_fronted_repeat("In 71% of cases, it works well in 71% of cases, though not always [1].")
    'It works well in 71% of cases, though not always [1].'
    >>> without_fronted_repeat("In 71% of cases, it works well [1].")
    'In 71% of cases, it works well [1].'
    >>> without_fronted_repeat("In contrast, X fails in contrast to Y [2].")
    'In contrast, X fails in contrast to Y [2].'
    """
    opening = _FRONTED.match(text)
    if not opening:
        return text
    phrase, rest = opening.group(1).strip(), text[opening.end():]
    if len(phrase.split()) < 3 or not re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", rest, re.I):
        return text
    return rest[:1].upper() + rest[1:]


def _without_orphans(judged: list[SentenceSupport]) -> list[SentenceSupport]:
    """A sentence opening with "This", "It", "They" ... right after one dropped as wrong points back
    at what is not shown ("This is because in this case, ..." after a made-up condition): dropped
    too. After a sentence that only restated the question ("Yes, they released a dataset."), "It
    is called WikiSection" still points at what the question names, and stays."""
    out: list[SentenceSupport] = []
    for sentence in judged:
        shown = sentence.note is None or not sentence.note.startswith("dropped")
        before = (out[-1].note or "") if out else ""
        if (shown and before.startswith("dropped") and VAGUE not in before
                and _POINTS_BACK.match(strip_markers(sentence.text))):
            sentence = replace(sentence, note=f"dropped: {ORPHANED}")
        out.append(sentence)
    return out


REPEAT_SHARE = 0.8  # of a sentence's content words (stemmed) an earlier sentence holds, to make it a repeat


def _without_repeats(sentences: list[SentenceSupport]) -> list[SentenceSupport]:
    """Sentences minus those that restate an earlier one: no new name or number, and mostly its words,
    or nearly all its content words ("This is achieved by solving 96.6% of the hardest Sudoku puzzles"
    after "Recurrent relational networks solve 96.6% of the hardest Sudoku puzzles")."""
    from assistant.lexical import analyze
    kept: list[SentenceSupport] = []
    seen: list[tuple[set[str], set[str]]] = []  # (words, stems) of each kept sentence
    for sentence in sentences:
        plain = strip_markers(sentence.text)
        words, stems = set(word_tokens(plain)), set(analyze(plain))
        new = specifics(sentence.text) - set().union(*(specifics(k.text) for k in kept))
        if kept and not new and any(_jaccard(words, w) >= 0.6
                                    or (stems and len(stems & st) >= REPEAT_SHARE * len(stems)) for w, st in seen):
            continue
        kept.append(sentence)
        seen.append((words, stems))
    return kept


def _answer_first(kept: list[SentenceSupport], query: Query) -> list[SentenceSupport]:
    """A follow-up's sentences (any question asked after an earlier one, whatever its intent) with the
    one that takes up the new question first. The small model often restates the answer to the
    earlier question before it gets to the new one ("And did that also happen in recurrent models?"
    answered third): when the first sentence has none of the words that only the new question uses
    and a later one has some, the later one moves up."""
    earlier = [m.content for m in query.history if m.role == "user"]
    if query.intent in ("compare", "topic") or len(kept) < 2 or not earlier:
        return kept
    asked_now = new_words(query.text, earlier)
    overlap = [len(asked_now & set(word_tokens(strip_markers(s.text)))) for s in kept]
    best = max(range(len(kept)), key=lambda i: (overlap[i], -i))
    if overlap[0] or not overlap[best]:
        return kept
    return [kept[best], *kept[:best], *kept[best + 1:]]


# "This is a 29.5-point gain", "These results ...": a sentence whose subject is the sentence before it
_DEMONSTRATIVE = re.compile(r"^\W*(?:this|these|that|those|such)\b(?!\s+(?:paper|work|study|article|survey|"
                            r"report|thesis|note|dataset|benchmark|model|method|approach|framework)\b)", re.I)


def _without_dangling(kept: list[SentenceSupport], sources: Sequence[Source]):
    """(kept, dropped): after the first, a sentence that opens with "This" or "These" and copies an
    abstract sentence opening the same way goes unless the answer before it gives the abstract
    sentence it points back to (half its content words, in any wording). Otherwise its "This" takes
    the answer's previous sentence as its subject ("It is called WikiSection ... This is a
    29.5-point F1 gain" credits the gain to the dataset)."""
    by_n = {s.n: s for s in sources}
    out: list[SentenceSupport] = []
    dropped: list[SentenceSupport] = []
    for sentence in kept:
        if out and _unstated_antecedent(sentence, out, by_n):
            dropped.append(sentence)
        else:
            out.append(sentence)
    return out, dropped


def _unstated_antecedent(sentence: SentenceSupport, before: list[SentenceSupport],
                         by_n: dict[int, Source]) -> tuple[str, int] | None:
    """(abstract sentence, source number) a "This ..." sentence points back to, when it copies an
    abstract sentence opening the same way and the answer's sentences `before` it do not give that
    one (half its content words, in any wording)."""
    source = by_n.get(sentence.cited[0]) if sentence.cited else None
    if source is None or sentence.evidence not in source.sentences:
        return None
    at = source.sentences.index(sentence.evidence)
    if (at and _DEMONSTRATIVE.match(strip_markers(sentence.text)) and _DEMONSTRATIVE.match(sentence.evidence)
            and not _restates(source.sentences[at - 1], [strip_markers(k.text) for k in before])):
        return source.sentences[at - 1], source.n
    return None


def _restates(sentence: str, texts: list[str]) -> bool:
    """Most (half or more) of the sentence's content words stand in the texts: the answer gives it,
    in the abstract's words or its own."""
    words = new_words(sentence, [])
    return len(words - new_words(sentence, texts)) >= ANTECEDENT_SHARE * len(words)


REPEATS_QUOTE = 0.85  # word overlap (Jaccard) at which an answer sentence repeats its paper's sentence


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / (len(a | b) or 1)


def _quote_for(sentence: str, match, asked: set[str] = frozenset()) -> str | None:
    """Of a source's two best sentences, the one holding more of the names and numbers the sentence
    adds to the question (the closest in meaning on a tie): the quote a reader checks the sentence
    against. A name the question gives ("LSTM") picks nothing: both may repeat it."""
    if match is None:
        return None
    wanted = specifics(sentence) - asked
    candidates = [t for t in (match.evidence, match.runner_up) if t]
    return max(candidates, key=lambda t: len(wanted & specifics(t)))


def _with_markers(plain: str, cited: Sequence[int]) -> str:
    """The sentence with its citation markers before the final full stop: "It works [1][2]."."""
    body = plain.rstrip()
    end = body[-1] if body and body[-1] in ".!?" else "."
    body = body.rstrip(".!?,;: ")
    marks = "".join(f"[{n}]" for n in sorted(dict.fromkeys(cited)))
    return f"{body} {marks}{end}" if marks else f"{body}{end}"


def _renumbered(sources: list[Source], kept: list[SentenceSupport], dropped: list[SentenceSupport]):
    """Sources, kept and dropped sentences with [1] the first paper the kept text cites."""
    _, order = renumber(" ".join(s.text for s in kept), len(sources))
    new = {old: i for i, old in enumerate(order, start=1)}
    by_n = {s.n: s for s in sources}
    final = [replace(by_n[old], n=new[old]) for old in order]

    def remap(s: SentenceSupport) -> SentenceSupport:
        cited = sorted(new[n] for n in s.cited)
        return replace(s, text=remap_markers(s.text, new), cited=cited,
                       scores={new[n]: v for n, v in s.scores.items()}, named=sorted(new[n] for n in s.named))
    return final, [remap(s) for s in kept], [remap(s) for s in dropped]


def _layout(query: Query, sources: list[Source], kept: list[SentenceSupport], embed: Embed | None = None,
            dropped: Sequence[SentenceSupport] = ()) -> str:
    """The question type's format around the model's checked sentences."""
    written = " ".join(s.text for s in kept)
    if query.intent == "topic":
        bullets = "\n".join(text for text, _ in formats.topic_bullets(sources))
        return "\n\n".join([written or prompts.TOPIC_LIST_LEAD, bullets])
    if query.intent == "compare":
        return "\n\n".join(p for p in [formats.compare_table(sources), written] if p)
    return _fact_layout(query, sources, kept, embed, dropped)


def _fact_layout(query: Query, sources: list[Source], kept: list[SentenceSupport], embed: Embed | None,
                 dropped: Sequence[SentenceSupport] = ()) -> str:
    """The model's sentences, then the abstract sentences they come from, and for each part of the
    question the sentences leave unanswered, the cited paper's sentence that answers it; with no
    sentence left (the model said too little, or turned a finding around), the top paper's
    sentences that match the question, after those the model's dropped sentences were closest to
    (what it tried to say, in the paper's words), and its result sentence that matches the question
    best, in the abstract's order; for a question asking a quantity that the paper states, its
    sentence with the figure instead."""
    if not kept:
        top = sources[0]
        meant = [s.evidence for s in dropped if s.evidence in top.sentences
                 and any(why in (s.note or "") for why in (REVERSED, VAGUE, ECHOED_FIGURE, AUTHORS_VOICE,
                                                           MOVED_PHRASE))]
        figure = stated_figure(top, query)
        # a question asking "how many" is answered by the sentence that states the figure, others ("does
        # it ...?", "when does it ...?") by the paper's finding on it too, not by background alone
        finding = [f for f in [formats.result_sentence(top, exclude=[*meant, *top.hit.evidence])]
                   if f and not _POINTS_BACK.match(f)]  # "This is a significant improvement" needs what it follows
        ranked = [*meant, figure] if figure else [*meant, *finding, *top.hit.evidence]
        picked = with_lists([q for q in dict.fromkeys(ranked) if q], top.sentences)[:MAX_QUOTES]
        shown = sorted(picked, key=top.sentences.index)
        block = "\n".join(f"> {formats.quote(q)} [{top.n}]" for q in shown)
        made_up = any(why in (s.note or "") for s in dropped[:1] for why in (INVENTED_NUMBERS, INVENTED_NAMES))
        return f"{prompts.WITHHELD_FACT_LEAD if made_up else prompts.VAGUE_FACT_LEAD}\n{block}"
    # a quote the model's sentence already repeats almost word for word adds nothing
    said = [set(word_tokens(strip_markers(s.text))) for s in kept]
    quotes = [(q, n) for q, n in _fact_quotes(sources, kept, query)
              if not any(_jaccard(set(word_tokens(q)), words) >= REPEATS_QUOTE for words in said)]
    quotes = [q for q in _antecedents(kept, sources) if q not in quotes] + quotes
    if embed is not None:
        quotes += _unanswered_parts(query, sources, kept, quotes, embed)
    block = "\n".join(f"> {formats.quote(q)} [{n}]" for q, n in quotes)
    written = " ".join(s.text for s in kept)
    return f"{written}\n\n{prompts.FACT_QUOTES_LEAD}\n{block}" if block else written


# "... three efficient linear architectures." -> "These include TNL, ...; HGRN2, ...; and cosFormer2."
_LIST_FOLLOWS = re.compile(r"^(?:these|they|those) (?:include|are|comprise|consist)\b|^(?:this|it) (?:includes|comprises|"
                           r"consists)\b|^namely\b", re.I)


def with_lists(quotes: list[str], sentences: list[str]) -> list[str]:
    """The quotes, each followed by the next sentence of its abstract when that one lists what the
    quote announces ("These include ..."), so a quote never promises names it does not give.

    >>> with_lists(["We test three models."], ["We test three models.", "These include A, B and C.", "X."])
    ['We test three models.', 'These include A, B and C.']
    """
    out: list[str] = []
    for quote in quotes:
        out.append(quote)
        at = sentences.index(quote) if quote in sentences else -1
        if 0 <= at < len(sentences) - 1 and _LIST_FOLLOWS.match(sentences[at + 1]):
            out.append(sentences[at + 1])
    return list(dict.fromkeys(out))


def stated_figure(source: Source, query: Query) -> str | None:
    """For a question asking a quantity, the paper's sentence that states one about what is asked:
    it holds a number and shares FIGURE_SHARED of the question's words beyond the paper's title
    ("What parameter range and how many training tokens ...?": "... trained with six variants,
    ranging from 70M to 7B parameters on a 300B-token corpus"); the best-matching such sentence,
    else None."""
    if not asks_quantity(query.text):
        return None
    from assistant.lexical import analyze
    counted = set(analyze(" ".join(counted_things(query.text))))  # "how many GPUs": a figure of GPUs
    stemmed = [(i, text, set(analyze(text))) for i, text in enumerate(source.sentences) if _figures(text)]
    title = set(analyze(source.paper.title))
    # the question's words beyond the title; where those find nothing, all its words if it names what it
    # counts (the title may hold what is asked: "... Predicts Human Reading Times Best with About Two
    # Billion Training Tokens", asked "After how many training tokens ...?")
    for asked in (set(analyze(query.text)) - title, set(analyze(query.text)) if counted else set()):
        scored = [(len(asked & words), source.relevance[i] if i < len(source.relevance) else 0.0, text)
                  for i, text, words in stemmed if not counted or counted & words]
        best = max((item for item in scored if item[0] >= FIGURE_SHARED), default=None)
        if best:
            return best[2]
    return None


def _fact_quotes(sources: list[Source], kept: list[SentenceSupport], query: Query) -> list[tuple[str, int]]:
    """(sentence, source number): for each kept sentence, the sentences of the paper it cites that
    hold its names and numbers (else its best match), so every specific it states can be checked."""
    by_n = {s.n: s for s in sources}
    asked = _stated(query.text)
    quotes: list[tuple[str, int]] = []
    for sentence in kept:
        source = by_n.get(sentence.cited[0]) if sentence.cited else None
        if source is None:
            continue
        wanted = _stated(sentence.text) - asked
        shared = {t: len(wanted & _stated(t)) for t in source.sentences} if wanted else {}
        most = max(shared.values(), default=0)
        holding = [t for t, n in shared.items() if n and n == most]  # the sentences that hold the most
        said = set(word_tokens(strip_markers(sentence.text)))
        if any(_jaccard(set(word_tokens(t)), said) >= REPEATS_QUOTE for t in source.sentences):
            continue  # it repeats its paper's sentence (not shown twice); others sharing its names would mislead
        worded = _worded_like(sentence, source, query, holding or [sentence.evidence])
        # of the holders, the one worded most like the answer first: the quotes are capped, and a background
        # sentence that happens to name the same models must not push out the one that says it
        candidates = [*sorted(holding, key=lambda t: -_jaccard(set(word_tokens(t)), said)), worded] if holding \
            else [worded or sentence.evidence]
        chosen = [t for t in dict.fromkeys(candidates)
                  if t and t in source.sentences and (t, source.n) not in quotes][:MAX_QUOTES - len(quotes)]
        quotes += [(t, source.n) for t in sorted(chosen, key=source.sentences.index)]  # read in the abstract's order
    return quotes[:MAX_QUOTES]


def _stated(text: str) -> set[str]:
    """The text's names and numbers, figures spelled out among them ("about two billion tokens"):
    what a quote is chosen to hold. "one" is left out; it is mostly not a figure.

    >>> sorted(_stated("After about two billion tokens, one model fits best [1]."))
    ['2']
    """
    return specifics(text) | (set(spelled_numbers(text)) - {"0", "1"})


QUOTE_WORDS = 2  # words beyond the question an answer sentence must share with a quote chosen by wording


def _worded_like(sentence: SentenceSupport, source: Source, query: Query, chosen: Sequence[str]) -> str | None:
    """The paper's sentence that shares the most of the words the answer sentence adds to the
    question and the title (at least QUOTE_WORDS), when it shares more than the quotes `chosen` so
    far (its names, else its closest sentence in meaning): "Clustering heads learn the problem's
    invariants" is checked against "... called clustering heads, which learns the problem's
    invariants", not against the sentence that repeats the question's "sparse modular addition
    task"; "FCCov achieves unbiasedness at the sigma-field level" against the sentence that proves
    it, besides the one that names FCCov. Only the words the quotes chosen so far leave out count:
    "PRISMATIC, the first multimodal structural priming dataset, demonstrated that fusion-encoded
    models exhibit robust positive correlations ..." is checked against the sentence that finds the
    correlations too, not only against the one that introduces PRISMATIC."""
    from assistant.lexical import analyze
    added = set(analyze(strip_markers(sentence.text))) - set(analyze(f"{query.text} {source.paper.title}"))
    added -= set().union(*(set(analyze(text)) for text in chosen))
    shared = {text: len(added & set(analyze(text))) for text in source.sentences if text not in chosen}
    best = max(shared, key=shared.get, default=None)
    if best is None or shared[best] < QUOTE_WORDS:
        return None
    return best


def _antecedents(kept: list[SentenceSupport], sources: list[Source]) -> list[tuple[str, int]]:
    """The abstract sentence a kept "This is in contrast to ..." sentence points back to, when the
    answer does not give it: the answer's first sentence may be such a copy, and reads only with
    the sentence before it."""
    by_n = {s.n: s for s in sources}
    pointed = (_unstated_antecedent(sentence, kept[:i], by_n) for i, sentence in enumerate(kept))
    return [found for found in pointed if found]


def _unanswered_parts(query: Query, sources: list[Source], kept: list[SentenceSupport],
                      quotes: list[tuple[str, int]], embed: Embed) -> list[tuple[str, int]]:
    """For a question that asks several things ("in what share of cases ..., and how often ...?"),
    the cited papers' sentence that best answers each part whose names and numbers neither the
    answer nor its quotes state yet: a model often answers the first part and stops."""
    parts = question_parts(query.text)
    cited = [s for s in sources if any(s.n in k.cited for k in kept)]
    if len(parts) < 2 or not cited:
        return []
    from assistant.lexical import analyze
    shown_texts = [*(strip_markers(k.text) for k in kept), *(q for q, _ in quotes)]
    shown = set().union(*(specifics(t) for t in shown_texts))
    shown_words = set(analyze(" ".join(shown_texts)))
    asked = specifics(query.text)
    asked_words = set(analyze(query.text))
    added: list[tuple[str, int]] = []
    sentence_vectors = {s.n: embed(s.sentences) for s in cited if s.sentences}  # once, not once per part
    for part, vector in zip(parts, embed(parts)):
        best = None
        matched: dict[tuple[str, int], float] = {}  # how well each cited sentence matches this part
        wants_number = asks_quantity(part)
        for source in cited:
            if source.n not in sentence_vectors:
                continue
            scores = sentence_relevance(part, vector, source.sentences, sentence_vectors[source.n])
            for sentence, score in zip(source.sentences, scores):
                if wants_number and extract_numbers(sentence):
                    score += QUANTITY_BONUS
                matched[(sentence, source.n)] = score
                if best is None or score > best[0]:
                    best = (score, sentence, source.n)
        if best is None or best[0] < PART_MATCH_FLOOR:
            continue
        score, sentence, n = best
        new = specifics(sentence) - asked
        words = set(analyze(sentence)) - asked_words
        # with no name or number to tell, a sentence answers a part when most of its words are not shown
        # yet ("how well does it scale?": "... scales well up to thousands of variables"), and no quote
        # shown matches the part nearly as well
        covered = max((matched.get(q, 0.0) for q in quotes + added), default=0.0) >= PART_COVERED * score
        fresh = (not new & shown if new else
                 score >= PART_WORDS_FLOOR and not covered and len(words) >= 3
                 and len(words & shown_words) * 3 <= len(words))
        if fresh and (sentence, n) not in quotes + added:
            added.append((sentence, n))
            shown |= new
            shown_words |= words
    return added


def _vague(kept: list[SentenceSupport], sources: list[Source], query: Query) -> bool:
    """The quotes behind the model's sentences name specifics (numbers, names) the question does
    not, and the sentences state none of them: the quotes should answer instead."""
    quotes = [q for q, _ in _fact_quotes(sources, kept, query)]
    asked = specifics(query.text)
    held = set().union(*(specifics(q) for q in quotes)) - asked
    said = set().union(*(specifics(s.text) for s in kept)) - asked
    known = [query.text, *(s.paper.title for s in sources)]
    added = set().union(*(new_words(strip_markers(s.text), known) for s in kept))
    # a word the answer adds that the quotes write as a name is its answer ("The Tanh activation function
    # makes ..." to "Which activation function ...?" where the paper has "... geometry: Tanh networks")
    names_one = bool(added & _named_inside(quotes))
    return bool(held) and not said and not names_one and len(added) <= VAGUE_WORDS


def _named_inside(texts: Sequence[str]) -> set[str]:
    """Lower-cased words the texts capitalise anywhere but at their start: names and terms.

    >>> sorted(_named_inside(["Results show: Tanh networks beat ReLU ones."]))
    ['relu', 'tanh']
    """
    return {w.lower() for text in texts for w in re.findall(r"(?<=\S)\s+([A-Z][\w-]*)", text.strip())}

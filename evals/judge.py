"""Optional LLM judge: ALCE-style citation recall/precision from yes/no entailment verdicts, cached on disk."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from assistant.text import split_sentences

Judge = Callable[[str, list[str]], bool]
JUDGE_CACHE_FILE = "judge_cache.jsonl"

JUDGE_SYSTEM = ("You check claims against sources. Reply with one word: yes if the sources fully "
                "support the claim, no otherwise.")
# placeholders: {sources} (numbered abstracts), {claim} (one answer sentence)
JUDGE_PROMPT = ("Sources:\n{sources}\n\nClaim: {claim}\n\n"
                "Is every part of the claim supported by the sources above? Answer yes or no.")
_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_YES_NO = re.compile(r"\b(yes|no)\b")


def judge_messages(sentence: str, abstracts: list[str]) -> list[dict[str, str]]:
    """The chat messages the judge sends for one claim."""
    sources = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(abstracts, start=1))
    return [{"role": "system", "content": JUDGE_SYSTEM},
            {"role": "user", "content": JUDGE_PROMPT.format(sources=sources, claim=sentence)}]


def parse_yes_no(reply: str) -> bool:
    """True only for a yes: the first "yes"/"no" word in the reply decides; anything else is no.

    >>> parse_yes_no("Yes."), parse_yes_no("**No** - the source says 12"), parse_yes_no("maybe")
    (True, False, False)
    """
    match = _YES_NO.search(reply.lower())
    return bool(match) and match.group(1) == "yes"


def make_llm_judge(generate_fn: Callable[..., Iterator[str]], *, max_tokens: int = 4,
                   name: str = "llm") -> Judge:
    """A judge from a backend's `generate(messages, max_tokens=...)`, which yields text pieces."""
    def judge(sentence: str, cited_abstracts: list[str]) -> bool:
        if not cited_abstracts:
            return False
        reply = "".join(generate_fn(judge_messages(sentence, cited_abstracts), max_tokens=max_tokens))
        return parse_yes_no(reply)
    judge.name = name  # type: ignore[attr-defined]  # part of the cache key
    return judge


def cached_judge(judge: Judge, cache_path: str | Path) -> Judge:
    """Wrap a judge so each verdict is stored in a JSONL file keyed by a hash of its inputs."""
    path = Path(cache_path)
    verdicts = _read_cache(path)
    name = getattr(judge, "name", "judge")

    def cached(sentence: str, cited_abstracts: list[str]) -> bool:
        key = _cache_key(name, sentence, cited_abstracts)
        if key not in verdicts:
            verdicts[key] = bool(judge(sentence, cited_abstracts))
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"key": key, "supported": verdicts[key]}) + "\n")
        return verdicts[key]
    return cached


def _cache_key(name: str, sentence: str, abstracts: list[str]) -> str:
    payload = json.dumps([name, JUDGE_SYSTEM, JUDGE_PROMPT, sentence, abstracts], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _read_cache(path: Path) -> dict[str, bool]:
    """Earlier verdicts; broken lines (an interrupted write) are skipped."""
    verdicts: dict[str, bool] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                verdicts[entry["key"]] = bool(entry["supported"])
            except (ValueError, KeyError, TypeError):
                continue
    return verdicts


def answer_sentences(record: dict[str, Any]) -> list[tuple[str, list[int]]]:
    """(sentence, cited source numbers): from `support` when present, else split the answer."""
    if record.get("support"):
        return [(s.get("text", ""), _unique_ints(s.get("cited") or [])) for s in record["support"]]
    out = []
    for sentence in split_sentences(record.get("answer") or ""):
        numbers = [int(n) for m in _MARKER.findall(sentence) for n in re.split(r"[,;]", m)]
        out.append((sentence, _unique_ints(numbers)))
    return out


def _unique_ints(values: Iterable[Any]) -> list[int]:
    return list(dict.fromkeys(int(v) for v in values))


def cited_abstracts(record: dict[str, Any]) -> dict[int, str]:
    """Source number -> abstract of the cited paper (from the record's `sources`)."""
    abstracts = {s.get("paper_id"): s.get("abstract") or "" for s in record.get("sources") or []}
    return {int(c["n"]): abstracts[c["paper_id"]] for c in record.get("citations") or []
            if c.get("paper_id") in abstracts}


def judge_record(record: dict[str, Any], judge: Judge) -> dict[str, Any]:
    """ALCE scoring of one answer: recall = sentences entailed by their citations jointly;
    precision = citations that support their sentence alone or are needed for the joint support."""
    abstracts = cited_abstracts(record)
    sentences = answer_sentences(record)
    entailed, precise, total, details = 0, 0, 0, []
    for text, numbers in sentences:
        joint = bool(numbers) and all(n in abstracts for n in numbers) and \
            judge(text, [abstracts[n] for n in numbers])
        entailed += joint
        total += len(numbers)
        precise += _precise_citations(text, numbers, abstracts, judge) if joint else 0
        details.append({"text": text, "cited": numbers, "supported": joint})
    return {"citation_recall": round(entailed / len(sentences), 6) if sentences else 0.0,
            "citation_precision": round(precise / total, 6) if total else 0.0,
            "sentences": details}


def _precise_citations(text: str, numbers: list[int], abstracts: dict[int, str], judge: Judge) -> int:
    """For a jointly supported sentence: citations that are not superfluous (ALCE)."""
    if len(numbers) == 1:
        return 1
    precise = 0
    for n in numbers:
        rest = [abstracts[m] for m in numbers if m != n]
        if judge(text, [abstracts[n]]) or not judge(text, rest):
            precise += 1
    return precise


def judge_records(records: list[dict[str, Any]], judge: Judge, cache_path: str | Path, *,
                  progress: bool = False) -> tuple[list[dict[str, Any]], bool]:
    """Add a "judge" entry to every answered record that lacks one; returns (records, changed)."""
    from tqdm import tqdm

    judge = cached_judge(judge, cache_path)
    todo = {i for i, record in enumerate(records) if _needs_judging(record)}
    out = list(records)
    for i in tqdm(sorted(todo), disable=not progress, file=sys.stderr, unit="answer", desc="judge"):
        out[i] = {**records[i], "judge": judge_record(records[i], judge)}
    return out, bool(todo)


def _needs_judging(record: dict[str, Any]) -> bool:
    """Answered (not abstained, not empty) and not judged yet."""
    answered = "answer" in record and not record.get("abstained")
    return answered and bool((record.get("answer") or "").strip()) and "judge" not in record

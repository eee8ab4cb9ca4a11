"""Evaluation questions: the `Question` type and reading question files (gold JSONL or plain text)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError

UNLABELLED = "unlabelled"
_ROLES = {"user", "assistant"}


@dataclass(frozen=True)
class Question:
    """One evaluation item. Gold fields are None when the file gives no gold (unlabelled questions)."""

    id: str
    question: str
    category: str = UNLABELLED
    gold_titles: list[str] | None = None
    answer_facts: list[str] | None = None
    answerable: bool | None = None
    history: list[dict[str, str]] = field(default_factory=list)
    near_titles: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)  # text a paper tries to inject into the answer

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_questions_path() -> Path:
    """The sample dev set shipped inside the `assistant` package."""
    import assistant
    return Path(assistant.__file__).parent / "data" / "evals" / "dev.jsonl"


def load_questions(path: str | Path) -> list[Question]:
    """Read questions from a JSONL file (dev.jsonl format, or just {"question": ...}) or plain text.

    A file whose first non-blank line starts with "{" is JSONL; otherwise every non-blank line not
    starting with "#" is one question. Missing ids become "q-001", "q-002", ... by position.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"questions file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read questions file {path}: {exc}") from exc
    lines = text.splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    questions = _parse_jsonl(path, lines) if first.startswith("{") else _parse_text(lines)
    if not questions:
        raise InputError(f"no questions in {path}")
    _check_unique_ids(path, questions)
    return questions


def _parse_text(lines: list[str]) -> list[Question]:
    """One question per non-blank, non-comment line."""
    texts = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return [Question(id=_generated_id(i), question=t) for i, t in enumerate(texts)]


def _parse_jsonl(path: Path, lines: list[str]) -> list[Question]:
    """Parse JSONL, naming the file and line in every error."""
    questions = []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{line_no}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
        questions.append(_question_from_dict(data, len(questions), where))
    return questions


def _question_from_dict(data: dict[str, Any], index: int, where: str) -> Question:
    """Validate one JSON object and turn it into a Question."""
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise InputError(f"{where}: missing or empty \"question\"")
    qid = data.get("id", _generated_id(index))
    if not isinstance(qid, (str, int)) or isinstance(qid, bool) or str(qid).strip() == "":
        raise InputError(f"{where}: \"id\" must be a non-empty string")
    category = data.get("category", UNLABELLED)
    if not isinstance(category, str) or not category.strip():
        raise InputError(f"{where}: \"category\" must be a non-empty string")
    gold = _string_list(data, "gold_titles", where)
    answerable = data.get("answerable")
    if answerable is not None and not isinstance(answerable, bool):
        raise InputError(f"{where}: \"answerable\" must be true or false")
    return Question(
        id=str(qid).strip(), question=question.strip(), category=category.strip(),
        gold_titles=gold, answer_facts=_string_list(data, "answer_facts", where),
        answerable=_infer_answerable(answerable, gold, category),
        history=_history(data.get("history"), where),
        near_titles=_string_list(data, "near_titles", where) or [],
        forbidden=_string_list(data, "forbidden", where) or [])


def _infer_answerable(answerable: bool | None, gold: list[str] | None, category: str) -> bool | None:
    """Explicit flag wins; gold titles imply answerable; the unanswerable category implies not."""
    if answerable is not None:
        return answerable
    if gold:
        return True
    return False if category == "unanswerable" else None


def _string_list(data: dict[str, Any], key: str, where: str) -> list[str] | None:
    """A list of strings, or None when the key is absent."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: \"{key}\" must be a list of strings")
    return [v for v in value if v.strip()]


def _history(value: Any, where: str) -> list[dict[str, str]]:
    """Earlier turns as [{"role": "user"|"assistant", "content": str}, ...]."""
    if value is None:
        return []
    ok = isinstance(value, list) and all(
        isinstance(t, dict) and t.get("role") in _ROLES and isinstance(t.get("content"), str)
        for t in value)
    if not ok:
        raise InputError(f"{where}: \"history\" must be a list of {{\"role\": \"user\"|\"assistant\", "
                         f"\"content\": ...}} objects")
    return [{"role": t["role"], "content": t["content"]} for t in value]


def _check_unique_ids(path: Path, questions: list[Question]) -> None:
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise InputError(f"{path}: duplicate question id {q.id!r}")
        seen.add(q.id)


def _generated_id(index: int) -> str:
    """Id for a question that has none, by position.

    >>> _generated_id(0)
    'q-001'
    """
    return f"q-{index + 1:03d}"


def select_questions(questions: list[Question], *, limit: int | None = None,
                     categories: list[str] | None = None) -> list[Question]:
    """Keep the given categories (in file order), then the first `limit`."""
    selected = list(questions)
    if categories:
        wanted = set(categories)
        selected = [q for q in selected if q.category in wanted]
        if not selected:
            known = sorted({q.category for q in questions})
            raise InputError(f"no questions in categories {sorted(wanted)}",
                             hint=f"categories present: {', '.join(known)}")
    if limit is not None:
        if limit < 0:
            raise InputError(f"limit must be >= 0, got {limit}")
        selected = selected[:limit]
    return selected

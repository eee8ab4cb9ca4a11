"""records.jsonl: one JSON line per evaluated question; appending, crash repair, reading, run config."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterable

from assistant.errors import InputError
from assistant.protocol import Answerer

RECORDS_FILE = "records.jsonl"
_SECRET_KEYS = {"endpoint_key", "ui_auth", "api_token", "api_key", "password", "token"}


def records_path(out_dir: str | Path) -> Path:
    return Path(out_dir) / RECORDS_FILE


def load_records(path: str | Path) -> list[dict[str, Any]]:
    """Read records.jsonl (or a run directory), one record per question id.

    A truncated or unparsable *last* line (a crash mid-write) is ignored; a bad line elsewhere is an
    InputError. When an id appears twice (a later run in another mode), the later line wins but
    keeps the position of the first, so the order stays the question order.
    """
    path = Path(path)
    if path.is_dir():
        path = records_path(path)
    if not path.exists():
        raise InputError(f"no records file: {path}", hint="run the evaluation first")
    by_id: dict[str, dict[str, Any]] = {}
    for record in _parse_lines(path):
        by_id[str(record.get("id"))] = record
    return list(by_id.values())


def _parse_lines(path: Path) -> list[dict[str, Any]]:
    """Parse every line; tolerate only a broken final line."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    records = []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if line_no == len(lines):
                break
            raise InputError(f"{path}:{line_no}: corrupt record ({exc.msg})") from exc
        if not isinstance(record, dict) or "id" not in record:
            raise InputError(f"{path}:{line_no}: not a record (expected an object with \"id\")")
        records.append(record)
    return records


def repair_records_file(path: str | Path) -> list[dict[str, Any]]:
    """Before appending: cut a half-written last line off the file, then return its records."""
    path = Path(path)
    if not path.exists():
        return []
    data = path.read_bytes()
    keep = len(data)
    if data and not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
    else:
        last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        if last.strip() and not _is_json(last):
            keep = data.rstrip(b"\n").rfind(b"\n") + 1
    if keep != len(data):
        with open(path, "r+b") as fh:
            fh.truncate(keep)
    return load_records(path)


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
        return True
    except ValueError:
        return False


def append_record(fh: IO[str], record: dict[str, Any]) -> None:
    """Write one record as one line and flush, so a crash loses at most the line being written."""
    fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    fh.flush()


def rewrite_records(path: str | Path, records: Iterable[dict[str, Any]]) -> None:
    """Replace the file atomically (write a sibling, then rename), so it is valid at every moment."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def run_config(assistant: Answerer) -> dict[str, Any]:
    """What produced a record: `assistant.describe()`, the settings snapshot and the git commit.

    Secrets (endpoint keys, UI passwords) are masked so records can be shared.
    """
    config = dict(assistant.describe())
    settings = getattr(assistant, "settings", None)
    if "settings" not in config and hasattr(settings, "model_dump"):
        config["settings"] = settings.model_dump(mode="json")
    config.setdefault("git_commit", git_commit())
    return mask_secrets(config)


def mask_secrets(value: Any) -> Any:
    """Replace the value of any secret-looking key with "***" (recursively)."""
    if isinstance(value, dict):
        return {k: ("***" if k in _SECRET_KEYS and v else mask_secrets(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


def git_commit(repo_dir: str | Path | None = None) -> str | None:
    """HEAD of the checkout holding this code, with "-dirty" if tracked files changed; None outside git."""
    cwd = Path(repo_dir) if repo_dir else Path(__file__).resolve().parent
    try:
        head = _git(cwd, "rev-parse", "HEAD")
        dirty = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}-dirty" if dirty else head


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10,
                          check=True)
    return done.stdout.strip()


def utc_now() -> str:
    """ISO-8601 UTC timestamp to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()

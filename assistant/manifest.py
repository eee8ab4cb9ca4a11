"""The stored papers' content hashes as one small JSON file beside the store, so an ingest of
unchanged input is answered without loading the embedder, Chroma or BM25.

The file is a snapshot taken after a complete ingest (store written, BM25 saved). Every write to
the store removes it first (`PaperStore` calls `invalidate`), so a crashed or foreign write can
only make the next ingest take the slow, exact path, never trust a stale snapshot.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.types import Paper

MANIFEST_VERSION = 1


def manifest_path(data_dir: Path, collection: str) -> Path:
    return Path(data_dir) / "manifests" / f"{collection}.json"


@dataclass
class Manifest:
    """paper_id -> content hash of every completely stored paper, and the store's fingerprint."""

    hashes: dict[str, str]
    fingerprint: str

    def covers(self, papers: list[Paper]) -> bool:
        """True when every paper is stored with exactly this content (nothing new or changed).

        >>> Manifest({"p": "h1"}, "f").covers([])
        True
        """
        return all(self.hashes.get(p.paper_id) == p.content_hash for p in papers)


def load(path: Path) -> Manifest | None:
    """The snapshot, or None when there is none (never written, or invalidated by a write)."""
    try:
        data = json.loads(path.read_text())
        if data.get("version") != MANIFEST_VERSION:
            return None
        return Manifest(dict(data["hashes"]), str(data["fingerprint"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(path: Path, manifest: Manifest) -> None:
    """Write atomically (temp file + rename): a reader sees the old snapshot or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"version": MANIFEST_VERSION, "fingerprint": manifest.fingerprint,
                               "hashes": manifest.hashes}))
    os.replace(tmp, path)


def invalidate(path: Path) -> None:
    path.unlink(missing_ok=True)


# -- how far a running (or interrupted) ingest got ------------------------------------------------
def progress_path(data_dir: Path, collection: str) -> Path:
    return Path(data_dir) / "manifests" / f"{collection}.progress.json"


def write_progress(path: Path, searchable: int, complete: int, todo: int) -> None:
    """Of the papers this ingest writes: how many are searchable, and how many complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "papers_searchable": searchable, "papers_complete": complete,
                               "papers_todo": todo, "updated": time.time()}))
    os.replace(tmp, path)


def read_progress(path: Path) -> dict | None:
    """{"state": "running" | "interrupted", "papers_searchable", "papers_complete", "papers_todo",
    "updated"}, or None when no ingest is under way; "interrupted" when the process that wrote it is
    gone (rerun to finish)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    data["state"] = "running" if alive(int(data.pop("pid", 0))) else "interrupted"
    return data


def alive(pid: int) -> bool:
    """Whether a process with this id is running (a progress record's or a build lock's owner)."""
    try:
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return pid > 0

"""Saved chats: one JSON file per chat under `<data dir>/chats/`, written atomically.

A chat is a plain dict {"id", "title", "updated", "turns": [...]}; the turns are whatever
`ui.chat.Turn.to_dict` makes of them. Nothing here knows about gradio or the Assistant.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from assistant.errors import StoreError

_ID = re.compile(r"^[0-9a-z-]{6,64}$")


def new_chat_id() -> str:
    """A sortable, unguessable id: creation time, then random hex."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"


def _entry(path: Path) -> dict[str, Any] | None:
    """{"id", "title", "updated"} of one chat file, or None when it is not a readable chat."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a half-copied or foreign file is not a chat
    if not (isinstance(data, dict) and data.get("id") == path.stem):
        return None
    return {"id": path.stem, "title": data.get("title") or "(untitled)", "updated": data.get("updated", 0)}


class ChatStore:
    """List, read, write and delete saved chats in one directory."""

    def __init__(self, root: Path):
        self.root = Path(root)
        # what list() read of each file, keyed by its name, with the (inode, mtime, size) it had then: a page
        # lists every chat after every answer, and reading each whole chat for its title made that cost
        # grow with the history (18 ms a listing at 307 chats, 9.9 MB of JSON; 1.2 ms with this)
        self._listed: dict[str, tuple[tuple[int, int, int], dict[str, Any] | None]] = {}
        self._lock = threading.Lock()

    def path(self, chat_id: str) -> Path:
        if not _ID.match(chat_id or ""):
            raise StoreError(f"'{chat_id}' is not a chat id")
        return self.root / f"{chat_id}.json"

    def list(self) -> list[dict[str, Any]]:
        """{"id", "title", "updated"} of every readable chat, most recently updated first."""
        if not self.root.is_dir():
            return []
        with self._lock:
            seen = {}
            for path in self.root.glob("*.json"):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # a save writes a new file (a new inode)
                known = self._listed.get(path.name)
                seen[path.name] = known if known and known[0] == key else (key, _entry(path))
            self._listed = seen  # deleted chats drop out
            chats = [entry for _, entry in seen.values() if entry is not None]
        return sorted(chats, key=lambda c: c["updated"], reverse=True)

    def load(self, chat_id: str) -> dict[str, Any] | None:
        """The chat, or None if it does not exist (deleted in another tab)."""
        try:
            data = json.loads(self.path(chat_id).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read chat {chat_id}: {exc}") from exc
        return data if isinstance(data, dict) else None

    def save(self, chat_id: str, turns: list[dict[str, Any]]) -> None:
        """Write the chat (titled by its first question) via a temp file and a rename, so a crash
        never leaves half a file."""
        title = (turns[0].get("question") or "")[:80] if turns else ""
        data = {"id": chat_id, "title": title, "updated": time.time(), "turns": turns}
        target = self.path(chat_id)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".chat-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False)
            os.replace(tmp, target)
        except OSError as exc:
            raise StoreError(f"cannot save the chat in {self.root}: {exc.strerror or exc}",
                             hint="make the data directory writable, or export the chat as Markdown") from exc

    def delete(self, chat_id: str) -> None:
        try:
            self.path(chat_id).unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot delete chat {chat_id}: {exc.strerror or exc}") from exc

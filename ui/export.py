"""Exports for the UI: papers as BibTeX, RIS or CSL-JSON (text to copy and a file), a chat as Markdown."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import time
from pathlib import Path

from assistant.references import format_reference, format_references
from assistant.types import Paper
from ui.chat import Turn

FORMATS = {"BibTeX": ("bibtex", ".bib"), "RIS": ("ris", ".ris"), "CSL-JSON": ("csljson", ".json")}
# Gradio copies a returned file into its own cache at once, so an export is only needed for moments;
# older ones are removed, and the whole folder when the process exits: a server that runs for weeks
# does not leave a temp folder per click behind
EXPORT_MAX_AGE_S = 3600.0

_root: Path | None = None
_root_lock = threading.Lock()


def export_dir(prefix: str) -> Path:
    """A fresh folder for one export (concurrent sessions never overwrite each other's download),
    inside this process's export folder, after removing exports older than EXPORT_MAX_AGE_S."""
    global _root
    with _root_lock:
        if _root is None or not _root.is_dir():
            _root = Path(tempfile.mkdtemp(prefix="ra-exports-"))
            atexit.register(shutil.rmtree, _root, True)
        cutoff = time.time() - EXPORT_MAX_AGE_S
        for old in _root.iterdir():
            try:
                if old.stat().st_mtime < cutoff:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                pass  # removed by another process's cleanup meanwhile
        return Path(tempfile.mkdtemp(prefix=prefix, dir=_root))


def export_references(papers: list[Paper], label: str = "BibTeX") -> tuple[str, str | None]:
    """(text, path of a fresh temp file holding it); no papers gives ("", None)."""
    if not papers:
        return "", None
    fmt, suffix = FORMATS.get(label, FORMATS["BibTeX"])
    text = format_references(papers, fmt)
    path = export_dir("refs-") / f"references{suffix}"
    path.write_text(text, encoding="utf-8")
    return text, str(path)


def chat_markdown(turns: list[Turn], title: str = "Chat") -> str:
    """The chat as Markdown: each question, its checked answer (or what happened instead), and
    the papers its citation numbers refer to, as reference lines with a link."""
    lines = [f"# {title}", ""]
    for turn in turns:
        lines += [f"## {turn.question}", ""]
        if turn.text is not None:
            lines += [turn.text.strip(), ""]
        elif turn.stopped:
            lines += ["*Stopped before the answer was checked; no answer.*", ""]
        elif turn.error:
            lines += [f"*Could not answer: {turn.error}*", ""]
        if turn.references:
            lines += ["References:", ""]
            for n, paper in turn.references:
                link = paper.url or (f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else "")
                lines.append(f"[{n}] {format_reference(paper, 'text')}" + (f" <{link}>" if link else ""))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def export_chat(turns: list[Turn], title: str = "Chat") -> str | None:
    """The chat as a Markdown file in a fresh temp directory; None for an empty chat."""
    if not turns:
        return None
    path = export_dir("chat-") / "chat.md"
    path.write_text(chat_markdown(turns, title), encoding="utf-8")
    return str(path)

"""Reference export for the UI: BibTeX or RIS text to copy, and the same text as a file to download."""

from __future__ import annotations

import tempfile
from pathlib import Path

from assistant.references import format_references
from assistant.types import Paper

FORMATS = {"BibTeX": ("bibtex", ".bib"), "RIS": ("ris", ".ris")}


def export_references(papers: list[Paper], label: str = "BibTeX") -> tuple[str, str | None]:
    """(text, path of a fresh temp file holding it); no papers gives ("", None)."""
    if not papers:
        return "", None
    fmt, suffix = FORMATS.get(label, FORMATS["BibTeX"])
    text = format_references(papers, fmt)
    # a directory per export so concurrent sessions never overwrite each other's download
    path = Path(tempfile.mkdtemp(prefix="ra-refs-")) / f"references{suffix}"
    path.write_text(text, encoding="utf-8")
    return text, str(path)

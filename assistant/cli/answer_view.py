"""How `ask` shows an answer in a terminal: the evidence first, the model's draft while it streams
(on a terminal only, erased once the checked answer is ready), then the answer once, with its
numbered references.
"""

from __future__ import annotations

import re
import shutil
import sys
from typing import TextIO

from assistant.types import Answer, AnswerEvent, Hit

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_DIM, _BOLD_ON, _RESET = "\x1b[2m", "\x1b[1m", "\x1b[0m"


class TerminalAnswer:
    """Consumes `ask_stream` events and writes them to `out` (status lines to `err`)."""

    def __init__(self, out: TextIO = sys.stdout, err: TextIO = sys.stderr, tty: bool | None = None):
        self.out, self.err = out, err
        self.tty = out.isatty() if tty is None else tty
        self.draft = ""

    def show(self, event: AnswerEvent) -> None:
        if event.kind == "status":
            print(f"… {event.text}", file=self.err, flush=True)
        elif event.kind == "evidence":
            self.write(evidence_text(event.sources) + "\n")
        elif event.kind == "token" and self.tty:
            self.draft += event.text
            self.out.write(_DIM + event.text + _RESET)
            self.out.flush()
        elif event.kind == "answer" and event.answer is not None:
            self._erase_draft()
            self.write(answer_text(event.answer))

    def write(self, text: str) -> None:
        if self.tty:
            text = _BOLD.sub(lambda m: f"{_BOLD_ON}{m.group(1)}{_RESET}", text)
        print(text, file=self.out, flush=True)

    def _erase_draft(self) -> None:
        """Move back over the streamed draft and clear it, so the answer appears once."""
        if not self.draft:
            return
        width = max(20, shutil.get_terminal_size().columns)
        rows = sum(max(1, -(-len(line) // width)) for line in self.draft.split("\n"))
        self.out.write(f"\r\x1b[{rows - 1}A\x1b[J" if rows > 1 else "\r\x1b[J")
        self.out.flush()
        self.draft = ""


def evidence_text(sources: list[Hit]) -> str:
    """The retrieved papers with their sentences that match the question, before any model runs."""
    lines = ["Evidence (the papers' own sentences):"]
    for hit in sources:
        year = f" ({hit.paper.year})" if hit.paper.year else ""
        lines.append(f"• **{hit.paper.title}**{year}")
        lines += [f"    “{sentence}”" for sentence in hit.evidence]
    return "\n".join(lines)


def answer_text(answer: Answer) -> str:
    """The checked answer, what the checker removed, and the numbered references without gaps."""
    if answer.abstained:
        closest = [f"  - {h.paper.title}" for h in answer.retrieved[:3]]
        return "\n".join(["", answer.text, *closest])
    lines = ["", answer.text]
    weak = [s for s in answer.sentences if s.label != "supported"]
    if weak:
        lines.append(f"\n({len(weak)} sentence(s) only weakly supported by the cited paper)")
    if answer.dropped:
        lines.append(f"({len(answer.dropped)} sentence(s) of the model's text not shown: "
                     + "; ".join(sorted({(s.note or '').removeprefix('dropped: ') for s in answer.dropped})) + ")")
    references = answer.references()
    if references:
        lines.append("\nReferences:")
        for hit in references:
            date = f" ({hit.paper.date})" if hit.paper.date else ""
            link = f" {hit.paper.url}" if hit.paper.url else ""
            lines.append(f"[{hit.rank}] {hit.paper.title}{date}{link}")
    return "\n".join(lines)

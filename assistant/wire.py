"""The JSON shapes of search hits, citations, papers and answers: one copy for `--json` output, the HTTP
API and the MCP server, so a client sees the same keys wherever it asks."""

from __future__ import annotations

from typing import Any

from assistant.types import Answer, Hit, Paper


def search_hit(hit: Hit) -> dict[str, Any]:
    """A ranked paper as `search --json` prints it."""
    return hit.brief() | {"rank": hit.rank, "date": hit.paper.date, "evidence": hit.evidence}


def cite_hit(hit: Hit) -> dict[str, Any]:
    """A matching paper as `cite --format json` prints it, with its formatted reference."""
    from assistant.references import format_reference
    return hit.brief() | {"rank": hit.rank, "evidence": hit.evidence,
                          "reference": format_reference(hit.paper, "text")}


def paper_record(p: Paper) -> dict[str, Any]:
    """One paper's record, with its formatted reference."""
    from assistant.references import format_reference
    return p.to_dict() | {"reference": format_reference(p, "text")}


def references(answer: Answer) -> list[dict[str, Any]]:
    """The cited papers in citation-number order, each with its number and formatted reference."""
    from assistant.references import format_reference
    by_id = {h.paper.paper_id: h.paper for h in answer.sources}
    return [{"n": c.n, "paper_id": c.paper_id, "title": c.title, "url": by_id[c.paper_id].url,
             "reference": format_reference(by_id[c.paper_id], "text")}
            for c in sorted(answer.citations, key=lambda c: c.n) if c.paper_id in by_id]


def answer_record(a: Answer) -> dict[str, Any]:
    """An answer as `ask --json` prints it, plus its references."""
    return a.to_dict() | {"references": references(a)}


def references_block(refs: list[dict[str, Any]]) -> str:
    """The references as text under an answer, for clients that show only the message.

    >>> references_block([{"n": 1, "reference": "A. Author (2020). A title."}])
    '\\n\\nReferences:\\n[1] A. Author (2020). A title.'
    """
    if not refs:
        return ""
    return "\n\nReferences:\n" + "\n".join(f"[{r['n']}] {r['reference']}" for r in refs)

"""Papers as CSL-JSON, the format Zotero, Pandoc and citeproc read and write.

An arXiv preprint without a DOI is typed `article` with `number: "arXiv:ID"` and `publisher: "arXiv"`,
as Zotero exports preprints; a published paper keeps its arXiv id in `note` ("arXiv: ID").
"""

from __future__ import annotations

import json
from typing import Any

from assistant.references.keys import missing_fields, paper_url, split_name, unique_keys
from assistant.text import normalize_space
from assistant.types import Paper


def csl_json(papers: list[Paper]) -> str:
    items = [_item(p, key) for p, key in zip(papers, unique_keys(papers))]
    return json.dumps(items, ensure_ascii=False, indent=2)


def _item(paper: Paper, key: str) -> dict[str, Any]:
    item: dict[str, Any] = {"id": key, "type": "article-journal" if paper.doi else "article",
                            "title": normalize_space(paper.title)}
    if paper.authors:
        item["author"] = [_name(a) for a in paper.authors]
    if paper.date and paper.year:
        item["issued"] = {"date-parts": [[int(part) for part in paper.date.split("-")[:3] if part.isdigit()]]}
    notes = []
    if paper.arxiv_id and not paper.doi:
        item["number"], item["publisher"] = f"arXiv:{paper.arxiv_id}", "arXiv"
    elif paper.arxiv_id:
        notes.append(f"arXiv: {paper.arxiv_id}")
    if paper.doi:
        item["DOI"] = paper.doi
    if url := paper_url(paper):
        item["URL"] = url
    if paper.abstract:
        item["abstract"] = normalize_space(paper.abstract)
    if missing := missing_fields(paper):
        notes.append(f"Fields missing: {', '.join(missing)}")
    if notes:
        item["note"] = "\n".join(notes)
    return item


def _name(name: str) -> dict[str, str]:
    family, given = split_name(normalize_space(name))
    return {"family": family, "given": given} if given else {"literal": family}

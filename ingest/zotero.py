"""A Zotero library read straight from its `zotero.sqlite`, optionally one collection (with its subcollections).

Zotero keeps the database locked while it runs, so the file (and its `-wal`, which holds the latest
changes) is copied to a temporary folder first and the copy is opened read-only; the library itself
is never touched. Items in the trash, notes, attachments and annotations are left out. The tables
and columns read are Zotero 5-7's: items, itemTypes, itemData, itemDataValues, fields, creators,
itemCreators, creatorTypes, collections, collectionItems, deletedItems.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from assistant.types import Skipped

from ingest.fields import iso_date, normalize_arxiv_id, normalize_doi
from ingest.raw import FileParse
from ingest.records import record_from_row

_NEEDED = ("items", "itemTypes", "itemData", "itemDataValues", "fields", "creators", "itemCreators",
           "creatorTypes")
_NOT_PAPERS = ("note", "attachment", "annotation")
# Zotero stores dates as "SQL date + original": "2023-05-01 May 1, 2023", "2017-00-00 2017"
_MULTIPART = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) ")
# ids Zotero keeps in Extra for item types without a field for them: "arXiv: 2305.12345", "DOI: 10.1/x"
_EXTRA_ID = re.compile(r"^\s*(arXiv|DOI)\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def parse_zotero(path: Path, source: str, collection: str | None = None) -> FileParse:
    """Papers from a Zotero database: every regular item, or those in `collection` and its subcollections."""
    with tempfile.TemporaryDirectory(prefix="ra-zotero-") as folder:
        copy = Path(folder) / "zotero.sqlite"
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        connection = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)
        try:
            return _read(connection, source, collection)
        except sqlite3.DatabaseError as error:
            return FileParse(skipped=[Skipped(source, None, f"not a readable SQLite database ({error})")])
        finally:
            connection.close()


def _read(db: sqlite3.Connection, source: str, collection: str | None) -> FileParse:
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if missing := [t for t in _NEEDED if t not in tables]:
        return FileParse(skipped=[Skipped(source, None, f"not a Zotero database (no table {', '.join(missing)})")])
    items = _item_ids(db, tables, collection)
    if isinstance(items, str):
        return FileParse(skipped=[Skipped(source, None, items)])
    values, creators = _values(db), _creators(db)
    result = FileParse()
    for item_id, key in items:
        outcome = record_from_row(_row(values[item_id], creators[item_id], key), source, item_id)
        if isinstance(outcome, str):
            title = (values[item_id].get("title") or "")[:60]
            result.skipped.append(Skipped(source, item_id, f"{outcome} (item {key}, {title!r})"))
        else:
            result.records.append(outcome)
    return result


def _item_ids(db: sqlite3.Connection, tables: set[str], collection: str | None) -> list[tuple[int, str]] | str:
    """(itemID, key) of the regular items to read, in the order they were added; or why there are none."""
    query = ("SELECT i.itemID, i.key FROM items i JOIN itemTypes t ON t.itemTypeID = i.itemTypeID "
             f"WHERE t.typeName NOT IN ({', '.join('?' * len(_NOT_PAPERS))})")
    params: list[Any] = list(_NOT_PAPERS)
    for table in ("deletedItems", "itemNotes", "itemAttachments"):
        if table in tables:
            query += f" AND i.itemID NOT IN (SELECT itemID FROM {table})"
    if collection is not None:
        ids = _collection_ids(db, tables, collection)
        if isinstance(ids, str):
            return ids
        query += (f" AND i.itemID IN (SELECT itemID FROM collectionItems WHERE collectionID IN "
                  f"({', '.join('?' * len(ids))}))")
        params += ids
    return [(int(item_id), str(key)) for item_id, key in db.execute(query + " ORDER BY i.itemID", params)]


def _collection_ids(db: sqlite3.Connection, tables: set[str], name: str) -> list[int] | str:
    """The collections called `name` (exact, else ignoring case) and every collection below them."""
    if not {"collections", "collectionItems"} <= tables:
        return "this Zotero database has no collections table"
    rows = db.execute("SELECT collectionID, collectionName, parentCollectionID FROM collections").fetchall()
    chosen = [cid for cid, cname, _ in rows if cname == name] or \
             [cid for cid, cname, _ in rows if str(cname).casefold() == name.casefold()]
    if not chosen:
        names = sorted({str(cname) for _, cname, _ in rows})
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        return f"no collection named {name!r} (collections: {shown or 'none'})"
    children = defaultdict(list)
    for cid, _, parent in rows:
        children[parent].append(cid)
    found, todo = set(), list(chosen)
    while todo:  # a set guards against a parent loop in a damaged database
        cid = todo.pop()
        if cid not in found:
            found.add(cid)
            todo += children[cid]
    return sorted(found)


def _values(db: sqlite3.Connection) -> dict[int, dict[str, str]]:
    values: dict[int, dict[str, str]] = defaultdict(dict)
    query = ("SELECT d.itemID, f.fieldName, v.value FROM itemData d JOIN fields f ON f.fieldID = d.fieldID "
             "JOIN itemDataValues v ON v.valueID = d.valueID")
    for item_id, field, value in db.execute(query):
        values[item_id][str(field)] = str(value) if value is not None else ""
    return values


def _creators(db: sqlite3.Connection) -> dict[int, list[tuple[str, str]]]:
    """Per item, (creator type, name) in Zotero's order; a one-field name (fieldMode 1) is the last name alone."""
    creators: dict[int, list[tuple[str, str]]] = defaultdict(list)
    query = ("SELECT ic.itemID, ct.creatorType, c.firstName, c.lastName, c.fieldMode FROM itemCreators ic "
             "JOIN creators c ON c.creatorID = ic.creatorID "
             "JOIN creatorTypes ct ON ct.creatorTypeID = ic.creatorTypeID "
             "ORDER BY ic.itemID, ic.orderIndex")
    for item_id, kind, first, last, mode in db.execute(query):
        parts = [last] if mode == 1 else [first, last]
        creators[item_id].append((str(kind), " ".join(str(p).strip() for p in parts if p and str(p).strip())))
    return creators


def _row(values: dict[str, str], creators: list[tuple[str, str]], key: str) -> dict[str, Any]:
    """An item as the row `record_from_row` reads: authors, else its other creators (an edited book's editors)."""
    extra = {kind.lower(): value for kind, value in _EXTRA_ID.findall(values.get("extra", ""))}
    authors = [name for kind, name in creators if kind == "author"] or [name for _, name in creators]
    url = values.get("url")
    arxiv = next(filter(None, map(normalize_arxiv_id, (values.get("archiveID"), extra.get("arxiv"), url))), None)
    return {"title": values.get("title"), "abstract": values.get("abstractNote"), "authors": authors,
            "date": zotero_date(values.get("date", "")),
            "doi": normalize_doi(values.get("DOI")) or normalize_doi(extra.get("doi")),
            "arxiv_id": arxiv, "url": url, "id": key}


def zotero_date(value: str) -> str | None:
    """ISO text from Zotero's stored date; unknown parts (00) are left off.

    >>> zotero_date("2023-05-01 May 1, 2023"), zotero_date("2017-00-00 2017"), zotero_date("0000-00-00 Spring")
    ('2023-05-01', '2017', None)
    """
    match = _MULTIPART.match(value)
    if not match:
        return iso_date(value)
    year, month, day = match.groups()
    if year == "0000":
        return None
    parts = [year] + ([month] + ([day] if day != "00" else []) if month != "00" else [])
    return iso_date("-".join(parts))

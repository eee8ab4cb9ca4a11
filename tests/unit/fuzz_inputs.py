"""Hostile input files for every ingest format, each with good records mixed in (issue #14).

`generate(seed, n)` yields FuzzInputs: a file name (its suffix picks the parser), its bytes, and
the titles of the good records in it, which must all come out as papers whatever surrounds them.
Good records are well-formed by their format's own rules, so a parser that loses one has a bug;
the hostile rest is built from what broke ingest before: line and paragraph separators, NUL and
control characters, lone surrogates, superscript digits, 5,000-digit integers, deep nesting,
8,000 unclosed LaTeX groups, fields past csv's 131,072-character limit, values of every JSON
type in every field, truncated lines and arrays.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import io
import json
import random
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMATS = ("jsonl", "json", "csv", "tsv", "bib", "txt", "csljson", "ris", "sqlite")
SUFFIXES = {".jsonl", ".json", ".csv", ".tsv", ".bib", ".txt", ".ris", ".sqlite"}  # csljson is .json
CSL_KEYS = ["type", "title", "abstract", "author", "issued", "DOI", "URL", "note", "number", "id", "container-title"]
RIS_TAGS = ["TY", "TI", "T1", "AU", "A1", "PY", "DA", "Y1", "AB", "N2", "DO", "UR", "ID", "N1", "ER", "KW", "XX"]
ZOTERO_FIELDS = ["title", "abstractNote", "date", "DOI", "url", "extra", "archiveID"]
# characters that change nothing a reader sees, yet once split records or broke the tokenizer
SAFE_NOISE = ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x00", "\x07", "\x7f",
              "\x9b", "\ufeff", "\u200b", "\u202e", "\u0301", "²", "³", "٣", "½", "🙂", "é", "ß", "\t", "  "]
# what a hostile value is made of, beside the noise and plain words
PIECES = SAFE_NOISE + [
    "{", "}", "\\", "$", "$$", "%", "&", "~", "^", "_", "#", "\\textbf{", "\\href{", "\\frac{", "\\sqrt{", "\\em ",
    "\\'", "\\c ", "\\\\", "https://", "http://x.org/p", "{label}", '"', "'", ",", ";", " and ", "et al.", "@article{",
    "@", "=", "[", "]", ":", "null", "1e999", "-0", "NaN", ". ", "e.g. ", "•", "·", "Dec 24, 2022 1", "7 authors",
    "\r", "\n", "\r\n", "Subscribe", "Daily Papers", "10.1000/x", "arXiv:2101.00001", "\\ud800"]
WORDS = "model data learning graph neural attention we show results method layer training paper".split()
FIELDS = ["title", "abstract", "summary", "authors", "author", "date", "year", "published", "versions",
          "update_date", "upvotes", "n_authors", "url", "doi", "arxiv_id", "arxiv", "id", "categories", "extra"]
REPEATS = (1_000, 8_000, 30_000)  # the sizes that showed quadratic time
DEEP = "__deep__"  # a value written as that many nested arrays (json.dumps would recurse)
_DEEP_VALUE = re.compile(rf'"{DEEP}(\d+)"')


@dataclass
class FuzzInput:
    """One generated file and the titles that must come out of it."""

    name: str
    data: bytes
    good_titles: list[str] = field(default_factory=list)


class Hostile:
    """Random hostile strings and JSON values; most are short, a few are huge or deep."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def text(self, noise_only: bool = False) -> str:
        rng = self.rng
        if not noise_only and rng.random() < 0.03:
            return rng.choice(PIECES) * rng.choice(REPEATS)
        if not noise_only and rng.random() < 0.01:
            return "x" * rng.choice((131_073, 140_000))
        palette = SAFE_NOISE if noise_only else PIECES
        parts = [rng.choice(palette) if rng.random() < 0.5 else rng.choice(WORDS) for _ in range(rng.randint(0, 12))]
        return " ".join(parts) if rng.random() < 0.5 else "".join(parts)

    def value(self, depth: int = 0) -> Any:
        rng = self.rng
        kind = rng.randrange(12)
        if kind == 0 and depth < 3:
            return [self.value(depth + 1) for _ in range(rng.randint(0, 3))]
        if kind == 1 and depth < 3:
            return {rng.choice(FIELDS + ["name", "given", "family", "created"]): self.value(depth + 1)
                    for _ in range(rng.randint(0, 3))}
        if kind == 2:
            return rng.choice([None, True, False, 0, -1, 2.5, float("inf"), 10 ** 30, [], {}, [[]], [{}]])
        if kind == 3:
            return f"{DEEP}{rng.choice((10, 63, 70, 200, 3000))}"
        if kind == 4:
            return rng.choice(["³", "1²", "٣", "12", "1,204", " 7 ", "-3", "9" * 5000])
        return self.text()

    def record(self) -> dict[str, Any]:
        """A row with random fields holding random values (title and abstract often strings)."""
        rng = self.rng
        row = {name: self.value() for name in rng.sample(FIELDS, rng.randint(0, 6))}
        if rng.random() < 0.6:
            row["title"], row["abstract"] = self.text(), self.text()
        return row


class Generator:
    """Builds one file per call, in the format asked, numbering good records across the run."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.hostile = Hostile(self.rng)
        self.serial = 0

    def good(self, long: bool = False, escapes: bool = False) -> dict[str, Any]:
        """A well-formed paper: a unique title and abstract, with harmless noise after the marker."""
        self.serial += 1
        noise = self.hostile.text(noise_only=True).replace("\t", " ")
        if escapes and self.rng.random() < 0.3:
            noise += "\ud800"  # only JSON can carry a lone surrogate (as an escape)
        title = f"Fuzzgood {self.serial}: {self.rng.choice(WORDS)} {noise}".strip()
        sentences = " ".join(f"We study {self.rng.choice(WORDS)} number {self.serial}."
                             for _ in range(12 if long else 2))
        row = {"title": title, "abstract": f"{sentences} {noise}"}
        if self.rng.random() < 0.5:
            row["authors"] = ["Ann Lee", "Bo Li"][: self.rng.randint(1, 2)]
            row["date"] = self.rng.choice(["2021-03-04", "Dec 24, 2022", "2020"])
        return row

    def make(self, fmt: str) -> FuzzInput:
        build = getattr(self, f"_{fmt}")
        return build()

    def _mix(self, escapes: bool = False, long: bool = False) -> list[tuple[bool, Any]]:
        """(is_good, row) in random order: 0-5 good records among 0-5 hostile ones."""
        items = [(True, self.good(long, escapes)) for _ in range(self.rng.randint(0, 5))]
        items += [(False, self.hostile.record()) for _ in range(self.rng.randint(0, 5))]
        self.rng.shuffle(items)
        return items

    def _jsonl(self) -> FuzzInput:
        lines, good = [], []
        for is_good, row in self._mix(escapes=True):
            if is_good:
                good.append(row["title"])
                lines.append(_json_line(row, ascii_only=self.rng.random() < 0.5))
            elif self.rng.random() < 0.3:
                lines.append(self.hostile.text())  # a raw broken line, whatever it holds
            else:
                lines.append(_json_line(row, ascii_only=self.rng.random() < 0.5))
        newline = self.rng.choice(["\n", "\r\n", "\r"])
        bom = "\ufeff" if self.rng.random() < 0.1 else ""
        return FuzzInput("papers.jsonl", _utf8(bom + newline.join(lines) + newline), good)

    def _json(self) -> FuzzInput:
        mix = self._mix(escapes=True)
        good = [row["title"] for is_good, row in mix if is_good]
        layout = self.rng.randrange(3)
        if layout == 0:  # compact, one line: only well-formed elements, as a real exporter writes
            text = "[" + ", ".join(_json_line(row, True) for _, row in mix) + "]"
        elif layout == 1:  # one element per line, some of them broken beyond repair
            elements = [_json_line(row, True) if is_good or self.rng.random() < 0.6 else
                        self.hostile.text().replace("\n", " ").replace("\r", " ") for is_good, row in mix]
            text = "[\n" + ",\n".join("  " + e for e in elements) + "\n]\n"
            if self.rng.random() < 0.2:
                text = text.rstrip().rstrip("]")  # never closed
        else:  # JSON Lines under a .json name, or an array on the first line and objects after it
            head = [_json_line(row, True) for _, row in mix[:2]]
            rest = [_json_line(row, True) for _, row in mix[2:]]
            first = "[" + ", ".join(head) + "]\n" if self.rng.random() < 0.5 else "\n".join(head) + "\n"
            text = first + "\n".join(rest)
        return FuzzInput("papers.json", _utf8(text), good)

    def _csv(self, delimiter: str = ",", name: str = "papers.csv") -> FuzzInput:
        columns = self.rng.sample(FIELDS, self.rng.randint(0, 5))
        header = [self.rng.choice(["title", "Title", "TITLE"]), self.rng.choice(["abstract", "Summary", "ABSTRACT"])]
        header += [c for c in columns if c not in ("title", "abstract", "summary")]
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator=self.rng.choice(["\n", "\r\n"]))
        writer.writerow(header)
        good = []
        for is_good, row in self._mix():
            if is_good:
                good.append(row["title"])
                values = [row["title"], row["abstract"]] + [_cell(row.get(c)) for c in header[2:]]
            else:
                values = [_cell(self.hostile.value()) for _ in range(self.rng.randint(0, len(header) + 2))]
            writer.writerow(values)
        return FuzzInput(name, _utf8(out.getvalue()), good)

    def _tsv(self) -> FuzzInput:
        return self._csv("\t", "papers.tsv")

    def _bib(self) -> FuzzInput:
        entries, good = [], []
        for n, (is_good, row) in enumerate(self._mix()):
            if is_good:
                good.append(row["title"])
                fields = {"title": row["title"], "abstract": row["abstract"], "year": "2021"}
            else:
                fields = {name: _balanced(self.hostile.text()) for name in
                          self.rng.sample(["title", "abstract", "author", "year", "month", "doi", "eprint"], 3)}
            body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
            key = f"good{n}" if is_good else f"hostile{n}"
            entries.append(f"@article{{{key},\n{body}\n}}")
            if not is_good and self.rng.random() < 0.2:
                entries.append(self.rng.choice(["@comment{x}", "@string{s = {v}}", "% a comment",
                                                "@misc{dup, title = {No abstract}}", "@"]))
        return FuzzInput("refs.bib", _utf8("\n\n".join(entries) + "\n"), good)

    def _txt(self) -> FuzzInput:
        blocks = self.rng.random() < 0.5
        units: list[str] = ["Daily Papers"] if self.rng.random() < 0.7 else []
        good = []
        for is_good, row in self._mix(long=True):
            if is_good:
                title, abstract = (_one_line(row["title"]), _one_line(row["abstract"]))
                good.append(row["title"])
                units += [title, abstract]
                if blocks and self.rng.random() < 0.5:
                    units.append(f"  • {self.rng.randint(1, 9)} authors\n·\nDec {self.rng.randint(1, 28)}, 2022 "
                                 f"{self.rng.randint(0, 99)}")
            elif self.rng.random() < 0.5:
                units.append(f"junk {_one_line(self.hostile.text())}")  # stray units between papers
        text = ("\n\n" if blocks else "\n").join(units) + "\n"
        return FuzzInput("page.txt", _utf8(text), good)


    def _csljson(self) -> FuzzInput:
        """A CSL-JSON array (as Zotero exports it): good items among items with hostile values in CSL's keys."""
        items, good = [], []
        for is_good, row in self._mix(escapes=True):
            if is_good:
                good.append(row["title"])
                items.append({"id": f"item{self.serial}", "type": "article-journal", "title": row["title"],
                              "abstract": row["abstract"], "author": [{"family": "Lee", "given": "Ann"}],
                              "issued": {"date-parts": [[self.rng.choice([2021, "2021"]), 3]]}})
            else:
                item = {key: self.hostile.value() for key in self.rng.sample(CSL_KEYS, self.rng.randint(1, 6))}
                item.setdefault("type", "article")
                if self.rng.random() < 0.5:
                    value = self.hostile.value
                    item["author"] = [self.rng.choice([{"family": value()}, {"literal": value()}, value()])]
                    item["issued"] = self.rng.choice([{"date-parts": value()}, {"date-parts": [[value()]]},
                                                      {"raw": value()}])
                items.append(item)
        return FuzzInput("library.json", _utf8("[\n" + ",\n".join(_json_line(i, True) for i in items) + "\n]\n"), good)

    def _ris(self) -> FuzzInput:
        """RIS records (Zotero's "Last, First" authors): good ones among records of random tags and stray lines."""
        records, good = [], []
        for is_good, row in self._mix():
            if is_good:
                good.append(row["title"])
                lines = ["TY  - JOUR", f"TI  - {_one_line(row['title'])}", "AU  - Lee, Ann", "PY  - 2021///",
                         f"AB  - {_one_line(row['abstract'])}", "ER  - "]
            else:
                lines = ["TY  - GEN"] if self.rng.random() < 0.8 else []
                for _ in range(self.rng.randint(0, 6)):
                    tag = self.rng.choice(RIS_TAGS + [""])
                    text = _one_line(self.hostile.text())
                    lines.append(f"{tag}  - {text}" if tag else text)  # a bare line continues the last tag
                if self.rng.random() < 0.7:
                    lines.append("ER  - ")
            records.append("\n".join(lines))
        return FuzzInput("library.ris", _utf8("\n\n".join(records) + "\n"), good)

    def _sqlite(self) -> FuzzInput:
        """A zotero.sqlite with Zotero's tables: good items among items holding any SQLite value in any
        field and creator; now and then a truncated database, which is one skipped file (no good items)."""
        db = sqlite3.connect(":memory:")
        db.executescript(_zotero_schema())
        db.executemany("INSERT INTO itemTypes (itemTypeID, typeName) VALUES (?, ?)",
                       [(1, "journalArticle"), (2, "note"), (3, self.hostile.text())])
        db.executemany("INSERT INTO fields (fieldID, fieldName) VALUES (?, ?)", list(enumerate(ZOTERO_FIELDS, 1)))
        db.execute("INSERT INTO creatorTypes VALUES (8, 'author')")
        good = []
        for item_id, (is_good, row) in enumerate(self._mix(escapes=False), 1):
            if is_good:
                good.append(row["title"])
                values = {"title": row["title"], "abstractNote": row["abstract"], "date": "2021-03-00 March 2021"}
                creators = [("Ann", "Lee", 0)]
            else:
                values = {name: self._sqlite_value() for name in self.rng.sample(ZOTERO_FIELDS, self.rng.randint(0, 5))}
                creators = [(self._sqlite_value(), self._sqlite_value(), self.rng.choice([0, 1, None, 7]))
                            for _ in range(self.rng.randint(0, 3))]
            db.execute("INSERT INTO items (itemID, itemTypeID, libraryID, key) VALUES (?, ?, 1, ?)",
                       (item_id, 1 if is_good else self.rng.choice([1, 1, 2, 3, 99]), f"K{item_id}"))
            for name, value in values.items():
                db.execute("INSERT OR IGNORE INTO itemDataValues (value) VALUES (?)", (value,))  # values are shared
                (value_id,) = db.execute("SELECT valueID FROM itemDataValues WHERE value IS ?", (value,)).fetchone()
                db.execute("INSERT INTO itemData VALUES (?, ?, ?)", (item_id, ZOTERO_FIELDS.index(name) + 1, value_id))
            for order, (first, last, mode) in enumerate(creators):
                creator_id = db.execute("INSERT OR IGNORE INTO creators (firstName, lastName, fieldMode) "
                                        "VALUES (?, ?, ?)", (first, last, mode)).lastrowid
                db.execute("INSERT INTO itemCreators VALUES (?, ?, 8, ?)", (item_id, creator_id, order))
        db.commit()
        data = db.serialize()
        if self.rng.random() < 0.05:
            return FuzzInput("zotero.sqlite", data[: self.rng.randrange(len(data))], [])
        return FuzzInput("zotero.sqlite", data, good)

    def _sqlite_value(self) -> Any:
        value = self.hostile.value()
        if isinstance(value, str):
            return value.encode("utf-8", "replace").decode("utf-8") if self.rng.random() < 0.9 else value.encode(
                "utf-8", "replace")  # a BLOB now and then
        return value if isinstance(value, (int, float)) and abs(value) < 2 ** 63 else json.dumps(value)


@functools.cache
def _zotero_schema() -> str:
    """The CREATE TABLE statements of tests/fixtures/zotero/make_zotero_sqlite.py."""
    path = Path(__file__).resolve().parents[1] / "fixtures" / "zotero" / "make_zotero_sqlite.py"
    spec = importlib.util.spec_from_file_location("make_zotero_sqlite", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SCHEMA


def generate(seed: int, n: int) -> Iterator[FuzzInput]:
    """n inputs, cycling through every format."""
    generator = Generator(seed)
    for i in range(n):
        yield generator.make(FORMATS[i % len(FORMATS)])


def _json_line(row: dict[str, Any], ascii_only: bool) -> str:
    text = _DEEP_VALUE.sub(lambda m: "[" * int(m.group(1)) + "0" + "]" * int(m.group(1)),
                           json.dumps(row, ensure_ascii=ascii_only))
    return text if ascii_only else text.encode("utf-8", "replace").decode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _balanced(text: str) -> str:
    """BibTeX values must balance their braces (else the entry legitimately runs on)."""
    return text.replace("{", "(").replace("}", ")").replace("\\", "/").replace("@", "at") or "x"


def _one_line(text: str) -> str:
    """Text for one Daily Papers line: the only line breaks a page has are \\n, \\r\\n and \\r."""
    return " ".join(text.replace("\r", " ").replace("\n", " ").split(" ")).strip()


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "replace")  # a lone surrogate in a raw file would make it non-UTF-8

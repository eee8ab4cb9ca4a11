"""The vector store: a Chroma collection written through llama-index (its node records) and
searched with Chroma directly (ids and distances only); no Chroma or llama-index type leaves this module.

Layout of one collection (named after the embedder and chunking settings):
- `window` chunks: a few overlapping sentences of an abstract (with the title),
- `abstract` chunks: the whole paper, whose metadata also holds the paper record, its content
  hash and `complete`: a paper is searchable once this record is written, and stored (skipped by
  the next ingest) only once its windows and sentences are there too and `complete` is set,
- a sibling `<name>__sent` collection with one vector per abstract sentence, for evidence
  selection and support scoring. It is only ever read by paper id, never searched by vector, so
  its HNSW graph is built as cheaply as Chroma allows (SENTENCE_INDEX).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

import numpy as np

from assistant import manifest
from assistant.config import Settings
from assistant.chunking import chunk_kind, chunk_paper_id
from assistant.dates import check_date_range
from assistant.errors import StoreError
from assistant.heap import release_free_memory
from assistant.sentence_cache import SentenceCache
from assistant.text import split_sentences
from assistant.types import Chunk, Paper

SCHEMA_VERSION = 1
ADD_ROWS = 4096  # rows per Chroma write: a local Chroma refuses more than 5,461 in one call
SPARE_SENTENCE_IDS = 4  # sentence ids asked for past an abstract's count, in case a splitter changed
GET_PAGE = 5000  # rows per Chroma read: one read of more than ~32k rows fails ("too many SQL variables")


@dataclass
class DenseMatch:
    chunk_id: str
    paper_id: str
    kind: str
    score: float  # cosine similarity


@dataclass
class Filters:
    """Metadata filters; None means unbounded."""

    date_from: str | None = None  # ISO date or year
    date_to: str | None = None
    sources: list[str] | None = None
    min_authors: int | None = None
    max_authors: int | None = None

    def __post_init__(self) -> None:  # a bad date is an error here, not "no matching papers" later
        check_date_range(self.date_from, self.date_to)

    def is_empty(self) -> bool:
        return all(v in (None, [], "") for v in vars(self).values())

    def accepts(self, paper: Paper) -> bool:
        """Python-side check, used for the lexical side and for papers without the field."""
        num = _date_num(paper.date)
        if self.date_from and (num is None or num < _date_num(self.date_from, end=False)):
            return False
        if self.date_to and (num is None or num > _date_num(self.date_to, end=True)):
            return False
        if self.sources and not any(s in (paper.source or "") for s in self.sources):
            return False
        if self.min_authors is not None and (paper.n_authors or 0) < self.min_authors:
            return False
        if self.max_authors is not None and (paper.n_authors is None or paper.n_authors > self.max_authors):
            return False
        return True


def _date_num(date: str | None, end: bool = False) -> int | None:
    """'2023-07-26' -> 20230726; a bare year or month is widened to its first (or last) day."""
    if not date:
        return None
    digits = re.sub(r"\D", "", date)[:8]
    if len(digits) < 4:
        return None
    pad = "1231" if end else "0101"
    digits = digits + (pad[len(digits) - 4:] if len(digits) < 8 else "")
    if len(digits) == 6:
        digits += "31" if end else "01"
    return int(digits[:8])


# HNSW build settings of the sentence collection (Chroma builds a graph for every collection; this one is
# never queried by vector). 40,000 sentence-like rows: 26.8 CPU s to add with Chroma's defaults
# (ef_construction 100, 16 neighbours), 7.0 with these. A collection keeps the settings it was made with.
SENTENCE_INDEX = {"hnsw": {"space": "cosine", "ef_construction": 10, "max_neighbors": 4}}


def collection_name(embedder_name: str, window: int, stride: int, late: tuple[str, ...] = ()) -> str:
    """Name the collection after the embedder, the chunking and which vector kinds are pooled
    from one pass (late chunking), so vectors made two ways never mix.

    >>> collection_name("all-MiniLM-L6-v2", 3, 2, ("sentence", "window"))
    'papers-all-minilm-l6-v2-w3s2-latesw-v1'
    """
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", Path(embedder_name).name).strip("-").lower()[:40]
    late_tag = f"-late{''.join(kind[0] for kind in sorted(late))}" if late else ""
    return f"papers-{slug}-w{window}s{stride}{late_tag}-v{SCHEMA_VERSION}"


def store_name(settings: Settings, embedder_name: str) -> str:
    """The collection these settings read and write."""
    from assistant.embedding import late_chunking_kinds
    r = settings.retrieval
    return collection_name(embedder_name, r.window_sentences, r.window_stride, late_chunking_kinds(settings))


def manifest_file(settings: Settings, collection: str) -> Path | None:
    """Where the hash snapshot of a local store lives; None for a Chroma server, which other
    machines may write to behind this one's back."""
    return None if settings.chroma_url else manifest.manifest_path(settings.data_dir, collection)


def _split_sentence(sentences: list[str], i: int, meta: dict | None) -> str | None:
    """Sentence `i` of its abstract split again, for a row written without its text; None when the
    split no longer gives that sentence (its stored length differs), so a vector never gets the
    wrong text."""
    text = sentences[i] if i < len(sentences) else None
    return text if text is not None and (meta or {}).get("chars") == len(text) else None


def _clean_meta(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meta.items() if v is not None and v != ""}


class PaperStore:
    """Persistent chunks and paper records for one embedder + chunking configuration."""

    def __init__(self, settings: Settings, embedder_name: str, dim: int):
        self.settings = settings
        self.embedder_name = embedder_name
        self.dim = dim
        self.name = store_name(settings, embedder_name)
        self._manifest = manifest_file(settings, self.name)
        self.progress_file = manifest.progress_path(settings.data_dir, self.name)  # while an ingest runs
        self._client = self._open_client()
        meta = {"embedder": embedder_name, "dim": dim, "hnsw:space": "cosine",
                "window_sentences": settings.retrieval.window_sentences,
                "window_stride": settings.retrieval.window_stride, "schema": SCHEMA_VERSION}
        try:
            self._chunks = self._client.get_or_create_collection(self.name, metadata=meta,
                                                                 embedding_function=None)
            self._sentences = self._client.get_or_create_collection(
                self.name + "__sent", metadata=meta, configuration=SENTENCE_INDEX, embedding_function=None)
        except Exception as exc:  # chromadb raises many types; all mean "store unusable"
            raise StoreError(f"cannot open collection {self.name} at {self.location}: {exc}") from exc
        stored_dim = (self._chunks.metadata or {}).get("dim")
        if stored_dim is not None and int(stored_dim) != dim:
            raise StoreError(f"collection {self.name} holds {stored_dim}-d vectors, but the embedder "
                             f"'{embedder_name}' makes {dim}-d ones",
                             hint="a different model answers under this name; use another data dir or --rebuild")
        from llama_index.vector_stores.chroma import ChromaVectorStore
        self._vector_store = ChromaVectorStore(chroma_collection=self._chunks)
        self._papers: dict[str, Paper] | None = None
        self._incomplete: set[str] = set()  # searchable, finer vectors not written yet
        self._fingerprint: str | None = None  # both taken once per papers() load: every search asks
        self._count: int | None = None
        self._sentence_cache = SentenceCache()

    # -- opening ---------------------------------------------------------------------------
    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.chroma_dir)

    def _open_client(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        try:
            if self.settings.chroma_url:
                url = urlparse(self.settings.chroma_url)
                client = chromadb.HttpClient(host=url.hostname or "localhost", port=url.port or 8000,
                                             ssl=url.scheme == "https", settings=chroma_settings)
                client.heartbeat()
                return client
            self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(self.settings.chroma_dir), settings=chroma_settings)
        except Exception as exc:
            raise StoreError(f"cannot open the Chroma store at {self.location}: {exc}",
                             hint="is the Chroma server running?" if self.settings.chroma_url else None) from exc

    def drop(self) -> None:
        """Delete this configuration's collections (for --rebuild)."""
        self._forget_manifest()
        for name in (self.name, self.name + "__sent"):
            try:
                self._client.delete_collection(name)
            except Exception:  # missing collection: nothing to drop
                pass
        self.__init__(self.settings, self.embedder_name, self.dim)

    # -- papers ------------------------------------------------------------------------------
    def papers(self) -> dict[str, Paper]:
        """Every searchable paper by id, complete or not (cached until the next write)."""
        if self._papers is None:
            self._fingerprint = self._count = None
            self._papers, self._incomplete = {}, set()
            # page by page, each page's freed memory handed back (iter_pages): a record's metadata also
            # holds llama-index's node JSON; on a 20,000-paper store this read raised RSS by 790 MB, 280 now
            for got in iter_pages(self._chunks, where={"kind": "abstract"}, include=["metadatas"]):
                for meta in got["metadatas"] or []:
                    paper = Paper.from_dict(json.loads(meta["paper_json"]))
                    self._papers[paper.paper_id] = paper
                    if meta.get("complete") is False:  # records older than the flag are complete
                        self._incomplete.add(paper.paper_id)
        return self._papers

    def stored_hashes(self) -> dict[str, str]:
        """Content hash of every completely stored paper: an incomplete one is indexed again."""
        return {pid: p.content_hash for pid, p in self.papers().items() if pid not in self._incomplete}

    def incomplete(self) -> set[str]:
        """Searchable papers whose window and sentence vectors are not written yet."""
        self.papers()
        return set(self._incomplete)

    def fingerprint(self) -> str:
        """Changes whenever any paper is added, changed or removed."""
        self.papers()  # (re)loads the papers first, which resets the cached value
        if self._fingerprint is None:
            items = [sorted(self.stored_hashes().items()), sorted(self._incomplete)]
            self._fingerprint = hashlib.sha256(json.dumps(items).encode()).hexdigest()[:16]
        return self._fingerprint

    def count_chunks(self) -> int:
        """Chunks in the collection."""
        self.papers()  # (re)loads the papers first, which resets the cached count
        if self._count is None:
            self._count = self._chunks.count()
        return self._count

    # -- writing -------------------------------------------------------------------------------
    def save_manifest(self) -> None:
        """The ingest is complete (BM25 saved too): snapshot the stored hashes for the next unchanged
        ingest, and drop the progress record."""
        if self._manifest is not None:
            manifest.save(self._manifest, manifest.Manifest(self.stored_hashes(), self.fingerprint()))
        self.progress_file.unlink(missing_ok=True)

    def indexing_progress(self) -> dict | None:
        """How far a running or interrupted ingest got (None when none is under way)."""
        return manifest.read_progress(self.progress_file)

    def _forget_manifest(self) -> None:
        if self._manifest is not None:
            manifest.invalidate(self._manifest)

    def delete_papers(self, paper_ids: list[str]) -> None:
        """Remove every chunk and sentence of these papers (also half-written ones)."""
        self._forget_manifest()
        for start in range(0, len(paper_ids), 500):
            batch = paper_ids[start:start + 500]
            where = {"paper_id": {"$in": batch}}
            self._chunks.delete(where=where)
            self._sentences.delete(where=where)
        self._papers = None
        self._sentence_cache.drop(paper_ids)

    def write(self, papers: list[Paper], chunks: list[Chunk], chunk_vectors: np.ndarray,
              sentences: list[tuple[str, int, str]], sentence_vectors: np.ndarray, complete: bool = True) -> None:
        """Write a batch: sentences, then windows, then the whole-abstract records last.

        `sentences` are (paper_id, index, text). Callers delete the papers' old rows first, so
        a rerun after a crash rewrites a paper instead of duplicating it. `complete=False` writes
        records that are searchable but still wait for their windows and sentences (`mark_complete`).
        """
        self._forget_manifest()
        by_id = {p.paper_id: p for p in papers}
        # a sentence row holds no text: `sentences_of` splits the stored abstract again (checked by the
        # length kept here), since Chroma indexes every document for full-text search, which made the
        # sentence rows the dearest write of a batch (256 papers into a 50,000-paper store: 1.05 s, 0.39 s so)
        for start in range(0, len(sentences), ADD_ROWS):
            part = sentences[start:start + ADD_ROWS]
            self._sentences.add(
                ids=[f"{pid}#s{i}" for pid, i, _ in part],
                metadatas=[{"paper_id": pid, "i": i, "chars": len(t)} for pid, i, t in part],
                embeddings=sentence_vectors[start:start + ADD_ROWS])  # rows as arrays, as chromadb keeps them
        windows = [i for i, c in enumerate(chunks) if c.kind == "window"]
        records = [i for i, c in enumerate(chunks) if c.kind == "abstract"]
        for group in (windows, records):
            for start in range(0, len(group), ADD_ROWS):
                self._vector_store.add([self._node(chunks[i], by_id[chunks[i].paper_id], chunk_vectors[i], complete)
                                        for i in group[start:start + ADD_ROWS]])
        self._papers = None

    def mark_complete(self, paper_ids: list[str]) -> None:
        """Their windows and sentences are written: the papers count as stored from now on."""
        self._forget_manifest()
        got = self._chunks.get(ids=[f"{pid}#a" for pid in paper_ids], include=[])
        if got["ids"]:  # Chroma merges an update's keys into the record: the paper's JSON is not written again
            self._chunks.update(ids=got["ids"], metadatas=[{"complete": True}] * len(got["ids"]))
        self._papers = None

    @staticmethod
    def _node(chunk: Chunk, paper: Paper, vector: np.ndarray, complete: bool = True):
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
        meta = _clean_meta({
            "paper_id": paper.paper_id, "kind": chunk.kind, "position": chunk.position,
            "title": paper.title, "date_num": _date_num(paper.date), "year": paper.year,
            "n_authors": paper.n_authors, "source": paper.source,
            "content_hash": paper.content_hash,
            "paper_json": json.dumps(paper.to_dict()) if chunk.kind == "abstract" else None,
            "complete": complete if chunk.kind == "abstract" else None,
        })
        node = TextNode(id_=chunk.chunk_id, text=chunk.text, metadata=meta, embedding=vector.tolist(),
                        excluded_embed_metadata_keys=list(meta), excluded_llm_metadata_keys=list(meta))
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=paper.paper_id)
        return node

    # -- reading -------------------------------------------------------------------------------
    def all_chunk_texts(self) -> tuple[list[str], list[str], list[str]]:
        """(chunk_ids, paper_ids, texts) of every chunk."""
        ids, pids, texts = [], [], []
        for cid, pid, text in self.iter_chunk_texts():
            ids.append(cid)
            pids.append(pid)
            texts.append(text)
        return ids, pids, texts

    def iter_chunk_texts(self) -> Iterator[tuple[str, str, str]]:
        """(chunk_id, paper_id, text) of every chunk, read a page at a time, for the lexical index.
        Only the texts are read: the paper id is in the chunk id, and the records' metadata (each
        row's node JSON repeats its text) would be read for nothing."""
        for got in iter_pages(self._chunks, include=["documents"]):
            for cid, doc in zip(got["ids"], got["documents"] or []):
                yield cid, chunk_paper_id(cid), doc or ""

    def dense_query(self, vector: np.ndarray, n: int, filters: Filters | None = None) -> list[DenseMatch]:
        """Nearest chunks by cosine similarity. Only ids and distances are read: the paper and the
        kind are in the chunk id, and parsing each hit's stored node (llama-index's way) cost more
        than the search itself (50,000 papers: 11.8 ms a query through llama-index, 2.8 ms so)."""
        total = self.count_chunks()
        if total == 0:
            return []
        where = self._where(filters)
        got = self._chunks.query(query_embeddings=[vector.tolist()], n_results=min(n, total),
                                 include=["distances"], **({"where": where} if where else {}))
        return [DenseMatch(cid, chunk_paper_id(cid), chunk_kind(cid), 1.0 - float(distance))
                for cid, distance in zip(got["ids"][0], got["distances"][0])]

    def _where(self, filters: Filters | None) -> dict | None:
        """The Chroma `where` clause of a search's filters (the same rules as Filters.accepts)."""
        if filters is None or filters.is_empty():
            return None
        conds = []
        if filters.date_from:
            conds.append({"date_num": {"$gte": _date_num(filters.date_from)}})
        if filters.date_to:
            conds.append({"date_num": {"$lte": _date_num(filters.date_to, end=True)}})
        if filters.min_authors is not None:
            conds.append({"n_authors": {"$gte": filters.min_authors}})
        if filters.max_authors is not None:
            conds.append({"n_authors": {"$lte": filters.max_authors}})
        if filters.sources:  # a given name matches the stored paths containing it
            stored = {p.source for p in self.papers().values() if p.source}
            wanted = sorted(s for s in stored if any(given in s for given in filters.sources)) or [""]
            conds.append({"source": {"$in": wanted}})
        return conds[0] if len(conds) == 1 else {"$and": conds}

    def sentences_of(self, paper_ids: list[str]) -> dict[str, tuple[list[str], np.ndarray]]:
        """Each paper's abstract sentences and their vectors (the recently used ones cached).

        Read by row id (`{paper_id}#s{i}`, one per sentence its abstract splits into, plus a few
        spare ids that cost nothing when absent), not by a metadata filter: 50 papers of a
        50,000-paper store took 72 ms through `where paper_id $in`, 14 ms by id."""
        found = {pid: self._sentence_cache.get(pid) for pid in paper_ids}
        missing = [pid for pid, entry in found.items() if entry is None]
        if missing:
            papers = self.papers()
            split = {pid: paper_sentences(papers[pid]) for pid in missing if pid in papers}
            ids = [f"{pid}#s{i}" for pid, texts in split.items() for i in range(len(texts) + SPARE_SENTENCE_IDS)]
            rows: dict[str, list[tuple[int, str, Any]]] = {pid: [] for pid in missing}
            for start in range(0, len(ids), GET_PAGE):
                got = self._sentences.get(ids=ids[start:start + GET_PAGE],
                                          include=["documents", "metadatas", "embeddings"])
                for sid, doc, meta, vec in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"]):
                    pid, i = sid.rsplit("#s", 1)
                    text = doc if doc is not None else _split_sentence(split[pid], int(i), meta)
                    if text is not None:
                        rows[pid].append((int(i), text, vec))
            for pid, items in rows.items():
                if not items:  # maybe still waiting for its sentences: ask again next time
                    continue
                items.sort(key=lambda r: r[0])
                vecs = np.asarray([r[2] for r in items], dtype=np.float32).reshape(len(items), self.dim)
                found[pid] = ([r[1] for r in items], vecs)
                self._sentence_cache.put(pid, *found[pid])
        empty = ([], np.zeros((0, self.dim), dtype=np.float32))
        return {pid: found[pid] or empty for pid in paper_ids}

    def abstract_vectors(self, paper_ids: list[str]) -> np.ndarray:
        """The whole-abstract vectors of these papers (rows in no particular order)."""
        if not paper_ids:
            return np.zeros((0, self.dim), dtype=np.float32)
        got = self._chunks.get(ids=[f"{pid}#a" for pid in paper_ids], include=["embeddings"])  # by id: fast
        return np.asarray(got["embeddings"], dtype=np.float32).reshape(-1, self.dim)

    def known_sentence_vectors(self) -> dict[str, np.ndarray]:
        """Sentence text -> stored vector, for the papers whose sentences are cached (a snapshot)."""
        return self._sentence_cache.known_vectors()

    def indexes(self) -> list[dict[str, Any]]:
        """Every paper collection in this store (one per embedder and chunking), with what made it."""
        out = []
        for collection in self._client.list_collections():
            name = getattr(collection, "name", collection)
            if not name.startswith("papers-") or name.endswith("__sent"):
                continue
            meta = (collection.metadata if hasattr(collection, "metadata") else None) or {}
            out.append({"name": name, "embedder": meta.get("embedder"),
                        "window_sentences": meta.get("window_sentences"), "window_stride": meta.get("window_stride")})
        return sorted(out, key=lambda i: i["name"])

    def side_collection(self, name: str, metadata: dict[str, Any]):
        """Another collection in this store's client (the quality index keeps its vectors there)."""
        try:
            return self._client.get_or_create_collection(name, metadata={**metadata, "hnsw:space": "cosine"},
                                                         embedding_function=None)
        except Exception as exc:
            raise StoreError(f"cannot open collection {name} at {self.location}: {exc}") from exc

    def size_bytes(self) -> int | None:
        if self.settings.chroma_url:
            return None
        return sum(f.stat().st_size for f in Path(self.settings.chroma_dir).rglob("*") if f.is_file())


def paper_sentences(paper: Paper) -> list[str]:
    return split_sentences(paper.abstract)


def get_all(collection, **kwargs) -> dict[str, list]:
    """`collection.get(**kwargs)` for any number of rows, read a page at a time (`iter_pages`)."""
    keys = ["ids", *kwargs.get("include", [])]
    out: dict[str, list] = {key: [] for key in keys}
    for got in iter_pages(collection, **kwargs):
        for key in keys:
            out[key].extend(got[key] if got[key] is not None else [])
    return out


def iter_pages(collection, **kwargs) -> Iterator[dict]:
    """`collection.get(**kwargs)`, GET_PAGE rows at a time: Chroma's SQLite refuses a single read of
    more than about 32,000 rows, which a library of some 7,000 papers reaches."""
    offset = 0
    while True:
        got = collection.get(limit=GET_PAGE, offset=offset, **kwargs)
        yield got
        release_free_memory()  # what Chroma's threads freed of this page (assistant/heap.py)
        if len(got["ids"]) < GET_PAGE:
            return
        offset += GET_PAGE

"""The project's own vocabulary: Paper, Chunk, Hit, Citation, SentenceSupport, Answer, IngestReport."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Paper:
    """One paper: cleaned title/abstract for display and indexing, originals kept beside them."""

    paper_id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    n_authors: int | None = None
    date: str | None = None  # ISO: YYYY-MM-DD, YYYY-MM or YYYY
    upvotes: int | None = None
    url: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    categories: tuple[str, ...] = ()
    source: str | None = None  # file the record came from
    source_line: int | None = None
    raw_title: str | None = None
    raw_abstract: str | None = None

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that is indexed or shown changes."""
        parts = [self.title, self.abstract, "|".join(self.authors), str(self.n_authors),
                 str(self.date), str(self.upvotes), str(self.url), str(self.doi),
                 str(self.arxiv_id), "|".join(self.categories)]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("authors", "categories"):
            values[key] = tuple(values.get(key) or ())
        return cls(**values)


ChunkKind = Literal["window", "abstract"]


@dataclass(frozen=True)
class Chunk:
    """A piece of one paper that is embedded: a sentence window, or the whole abstract."""

    chunk_id: str
    paper_id: str
    text: str
    kind: ChunkKind
    position: int  # index of the first sentence (0 for the whole abstract)


@dataclass
class Hit:
    """A retrieved paper with its fused score, rank (1-based) and best-matching sentences."""

    paper: Paper
    score: float
    rank: int
    evidence: list[str] = field(default_factory=list)
    dense_score: float | None = None
    lexical_score: float | None = None

    def brief(self) -> dict[str, Any]:
        return {"paper_id": self.paper.paper_id, "title": self.paper.title,
                "score": round(float(self.score), 6)}


@dataclass(frozen=True)
class Citation:
    """A source number shown in an answer, mapped to a paper that was retrieved."""

    n: int
    paper_id: str
    title: str

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "paper_id": self.paper_id, "title": self.title}


SupportLabel = Literal["supported", "weak", "uncited"]


@dataclass
class SentenceSupport:
    """One answer sentence, the sources it cites, and how well those sources back it."""

    text: str
    cited: list[int]
    score: float | None
    label: SupportLabel
    evidence: str | None = None  # the best-matching source sentence

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """What `ask` returns: the text, real citations, abstention, sources and timings."""

    question: str
    text: str
    citations: list[Citation]
    abstained: bool
    retrieved: list[Hit]
    sentences: list[SentenceSupport] = field(default_factory=list)
    sources: list[Hit] = field(default_factory=list)  # the numbered papers the model saw
    removed_citations: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    standalone_query: str | None = None
    intent: str | None = None
    abstain_reason: str | None = None
    draft: str | None = None  # the model's own text when the pipeline withheld or replaced it

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "abstained": self.abstained,
            "abstain_reason": self.abstain_reason,
            "draft": self.draft,
            "retrieved": [h.brief() for h in self.retrieved],
            "support": [s.to_dict() for s in self.sentences],
            "removed_citations": self.removed_citations,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "tokens": self.tokens,
            "standalone_query": self.standalone_query,
            "intent": self.intent,
        }


@dataclass(frozen=True)
class Skipped:
    """A record or file that was not ingested, and why."""

    file: str
    line: int | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "reason": self.reason}


@dataclass
class ParseResult:
    """What the readers of `ingest/` hand to the core: papers plus what they skipped."""

    papers: list[Paper] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    records_read: int = 0
    duplicates_merged: int = 0


@dataclass
class IngestReport:
    """Summary of one ingest run, printed as text or as one JSON object."""

    papers_total: int = 0
    papers_new: int = 0
    papers_changed: int = 0
    papers_unchanged: int = 0
    duplicates_merged: int = 0
    records_read: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    chunks_written: int = 0
    chunks_deleted: int = 0
    seconds: float = 0.0
    collection: str = ""

    @property
    def partial(self) -> bool:
        return bool(self.skipped)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [s.to_dict() for s in self.skipped]
        data["partial"] = self.partial
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass
class AnswerEvent:
    """One step of a streamed answer: a status line, a token, or the final Answer."""

    kind: Literal["status", "token", "answer"]
    text: str = ""
    answer: Answer | None = None

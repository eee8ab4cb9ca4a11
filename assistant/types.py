"""The project's own vocabulary: Paper, Chunk, Hit, Message, Query, Citation, SentenceSupport, Answer,
IngestReport."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Literal


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


@dataclass
class Source:
    """A numbered paper an answer may cite: its hit (whose `evidence` holds the quotes shown for this
    question), every sentence of its abstract, and how well each sentence matches the question."""

    n: int
    hit: Hit
    sentences: list[str] = field(default_factory=list)
    relevance: list[float] = field(default_factory=list)

    @property
    def paper(self) -> Paper:
        return self.hit.paper


Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One turn of a chat, as earlier turns are handed to `ask`."""

    role: Role
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


def as_messages(history: Iterable[Message | dict[str, Any]] | None) -> tuple[Message, ...]:
    """Chat history from Messages or {"role", "content"} dicts (JSON files, gradio); other roles
    and empty turns are dropped.

    >>> as_messages([{"role": "user", "content": "hi"}, {"role": "system", "content": "x"}])
    (Message(role='user', content='hi'),)
    """
    out = []
    for item in history or ():
        role, content = (item.role, item.content) if isinstance(item, Message) else (
            item.get("role"), item.get("content"))
        if role in ("user", "assistant") and isinstance(content, str) and content.strip():
            out.append(Message(role, content))
    return tuple(out)


Intent = Literal["lookup", "compare", "topic", "fact"]


@dataclass(frozen=True)
class Query:
    """A question worked out once: what was asked, what it asks for, and what retrieval searches."""

    text: str
    intent: Intent
    history: tuple[Message, ...] = ()
    search_text: str = ""  # the question with the chat turns it refers to
    standalone: str | None = None  # the LLM's standalone rewrite of a follow-up, when enabled

    @property
    def is_followup(self) -> bool:
        return bool(self.history)


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
    """One answer sentence, the sources it cites, and how well those sources back it.

    `scores` holds the support of every source (by number), so a reader or the eval can see
    whether the cited paper is the one that says it; `note` says what the checker changed.
    """

    text: str
    cited: list[int]
    score: float | None
    label: SupportLabel
    evidence: str | None = None  # the best-matching source sentence
    scores: dict[int, float] = field(default_factory=dict)
    named: list[int] = field(default_factory=list)  # sources the sentence names (title words)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["scores"] = {str(n): round(v, 4) for n, v in self.scores.items()}
        return data


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
    draft: str | None = None  # the model's own text, before the checks
    dropped: list[SentenceSupport] = field(default_factory=list)  # generated sentences not shown

    def references(self) -> list[Hit]:
        """The cited papers in citation-number order ([1] first)."""
        by_id = {h.paper.paper_id: h for h in self.sources}
        return [by_id[c.paper_id] for c in sorted(self.citations, key=lambda c: c.n) if c.paper_id in by_id]

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
            "evidence": [{"n": i, "paper_id": h.paper.paper_id, "title": h.paper.title,
                          "quotes": list(h.evidence)} for i, h in enumerate(self.sources, start=1)],
            "dropped": [s.to_dict() for s in self.dropped],
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
    """One step of a streamed answer: a status line, the evidence (the sources with their matching
    sentences, before any model runs), a token of the model's draft, or the final checked Answer."""

    kind: Literal["status", "evidence", "token", "answer"]
    text: str = ""
    answer: Answer | None = None
    sources: list[Hit] = field(default_factory=list)

"""What the edges (UI, eval harness, HTTP and MCP servers) use of the Assistant, as Protocols, so each
edge is typed against the interface and a test fake can be checked to really implement it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Protocol, runtime_checkable

from assistant.types import Answer, AnswerEvent, Hit, IngestReport, Message, Paper, ParseResult

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.store import Filters

History = Iterable[Message | dict[str, Any]] | None


@runtime_checkable
class Answerer(Protocol):
    """Search and answer, and say what with: all the eval harness needs."""

    def search(self, query: str, *, k: int | None = None, history: History = None,
               filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]: ...

    def ask(self, question: str, *, history: History = None, filters: Filters | None = None,
            k: int | None = None) -> Answer: ...

    def describe(self) -> dict[str, Any]: ...


@runtime_checkable
class AssistantAPI(Answerer, Protocol):
    """Everything the UI and the servers use: the answer streamed, citation lookup, one paper, the
    index's statistics, ingest, and the settings it runs with."""

    settings: Settings

    def ask_stream(self, question: str, *, history: History = None, filters: Filters | None = None,
                   k: int | None = None) -> Iterator[AnswerEvent]: ...

    def cite(self, description: str, *, k: int = 3, filters: Filters | None = None) -> list[Hit]: ...

    def get_paper(self, paper_id: str) -> Paper | None: ...

    def stats(self) -> dict[str, Any]: ...

    def ingest(self, parsed: ParseResult, *, rebuild: bool = False,
               progress: Callable[[int, int], None] | None = None) -> IngestReport: ...

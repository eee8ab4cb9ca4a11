"""The MCP server (stdio): search, cite and ask as tools for agent clients, over the same Assistant and with
the same JSON shapes as the HTTP API."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from assistant import wire
from assistant.errors import AssistantError
from assistant.protocol import AssistantAPI
from assistant.query import require_query
from assistant.types import Answer

INSTRUCTIONS = ("Tools over the user's indexed research papers (titles and abstracts). `search` ranks papers, "
                "`cite` finds a half-remembered paper, `ask` answers a question with citations [n] that always "
                "refer to real papers, listed in `references`.")


def build_server(assistant: AssistantAPI):
    """An MCPServer with the three tools; AssistantErrors reach the client as tool errors it can read."""
    try:
        from mcp.server.mcpserver import MCPServer
        from mcp.server.mcpserver.exceptions import ToolError
    except ImportError as exc:
        raise AssistantError("the MCP server needs the 'mcp' package",
                             hint='pip install -e ".[mcp]"') from exc
    server = MCPServer("research-assistant", instructions=INSTRUCTIONS, log_level="WARNING")

    @contextmanager
    def tool_errors() -> Iterator[None]:
        try:
            yield
        except AssistantError as error:
            raise ToolError(error.friendly()) from error

    @server.tool(description="Ranked papers for a query: id, title, score, date and the best-matching sentences.")
    def search(query: str, k: int = 10) -> list[dict[str, Any]]:
        with tool_errors():
            require_query(query)
            return [wire.search_hit(h) for h in assistant.search(query, k=k)]

    @server.tool(description="The paper(s) best matching a half-remembered description, with formatted references.")
    def cite(description: str, k: int = 3) -> list[dict[str, Any]]:
        with tool_errors():
            require_query(description, "description")
            return [wire.cite_hit(h) for h in assistant.cite(description, k=k)]

    @server.tool(description="An answer from the papers: text with [n] citations and the references they point "
                             "to; 'abstained' when the papers do not cover the question.")
    def ask(question: str) -> dict[str, Any]:
        with tool_errors():
            require_query(question, "question")
            return _brief_answer(assistant.ask(question))

    return server


def _brief_answer(answer: Answer) -> dict[str, Any]:
    references = wire.references(answer)
    return {"answer": answer.text + wire.references_block(references), "abstained": answer.abstained,
            "citations": [c.to_dict() for c in answer.citations], "references": references}


def run_stdio(assistant: AssistantAPI) -> None:
    build_server(assistant).run("stdio")

"""The HTTP API over one Assistant (the object the CLI and UI use): search, cite, one paper, an answer
streamed as server-sent events, and an OpenAI-compatible chat endpoint that keeps the citations."""

from __future__ import annotations

import json
import threading
from typing import Any, Iterator

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from assistant import wire
from assistant.access import token_matches
from assistant.errors import AssistantError, ConfigError, IndexEmptyError, InputError
from assistant.protocol import AssistantAPI
from assistant.query import require_query
from assistant.server.openai_chat import ChatRequest, ChunkStream, completion, question_and_history
from assistant.store import Filters
from assistant.types import AnswerEvent

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class Turn(BaseModel):
    role: str = Field(description="user or assistant")
    content: str


class AskRequest(BaseModel):
    question: str = Field(description="the question, answered from the indexed papers")
    history: list[Turn] = Field(default_factory=list, description="earlier turns of this chat, oldest first")
    k: int | None = Field(None, ge=1, le=100, description="papers to retrieve")
    date_from: str | None = Field(None, description="earliest date (YYYY or YYYY-MM-DD)")
    date_to: str | None = Field(None, description="latest date (YYYY or YYYY-MM-DD)")
    sources: list[str] | None = Field(None, description="only papers from files whose name contains one of these")
    min_authors: int | None = None
    max_authors: int | None = None


def filter_params(date_from: str | None = Query(None, description="earliest date (YYYY or YYYY-MM-DD)"),
                  date_to: str | None = Query(None, description="latest date (YYYY or YYYY-MM-DD)"),
                  source: list[str] | None = Query(None, description="only papers from this file (repeatable)"),
                  min_authors: int | None = None, max_authors: int | None = None) -> Filters:
    return Filters(date_from=date_from, date_to=date_to, sources=source, min_authors=min_authors,
                   max_authors=max_authors)


def build_app(assistant: AssistantAPI, *, token: str | None = None, concurrency: int = 2) -> FastAPI:
    """The API; with a token every route but the docs wants `Authorization: Bearer <token>`. At most
    `concurrency` answers are generated at once; the other askers wait their turn."""
    app = FastAPI(title="Research assistant", version="1",
                  description="Search, cite and ask over your indexed papers; every citation is a real paper.",
                  dependencies=[Depends(_bearer_check(token))])
    answering = threading.BoundedSemaphore(concurrency)
    _add_error_handlers(app)

    @app.get("/search", summary="Ranked papers for a query")
    def search(q: str = Query(description="the query"), k: int = Query(10, ge=1, le=100),
               mode: str = Query("hybrid", pattern="^(hybrid|dense|lexical)$"),
               filters: Filters = Depends(filter_params)) -> list[dict[str, Any]]:
        require_query(q, "query")
        return [wire.search_hit(h) for h in assistant.search(q, k=k, filters=filters, mode=mode)]

    @app.get("/cite", summary="The paper(s) matching a half-remembered description")
    def cite(q: str = Query(description="the description"), k: int = Query(3, ge=1, le=100),
             filters: Filters = Depends(filter_params)) -> list[dict[str, Any]]:
        require_query(q, "description")
        return [wire.cite_hit(h) for h in assistant.cite(q, k=k, filters=filters)]

    @app.get("/papers/{paper_id}", summary="One paper's record")
    def paper(paper_id: str) -> dict[str, Any]:
        found = assistant.get_paper(paper_id)
        if found is None:
            raise HTTPException(404, f"no paper with id '{paper_id}' in the index")
        return wire.paper_record(found)

    @app.post("/ask", summary="An answer as server-sent events: status, evidence, tokens, then the checked answer",
              response_class=StreamingResponse)
    def ask(request: AskRequest) -> StreamingResponse:
        require_query(request.question, "question")
        filters = Filters(date_from=request.date_from, date_to=request.date_to, sources=request.sources,
                          min_authors=request.min_authors, max_authors=request.max_authors)
        history = [t.model_dump() for t in request.history]
        events = assistant.ask_stream(request.question, history=history, filters=filters, k=request.k)
        return StreamingResponse(_one_at_a_time(answering, _sse_events(events)), media_type="text/event-stream",
                                 headers=SSE_HEADERS)

    @app.get("/v1/models", summary="The model answering (OpenAI-compatible)")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": assistant.settings.models.llm, "object": "model",
                                            "created": 0, "owned_by": "local"}]}

    @app.post("/v1/chat/completions", summary="OpenAI-compatible chat; the reply carries citations and references")
    def chat(request: ChatRequest):
        question, history = question_and_history(request.messages)
        model = assistant.settings.models.llm
        if not request.stream:
            with answering:
                return completion(assistant.ask(question, history=history), model)
        chunks = ChunkStream(model)

        def stream() -> Iterator[str]:
            yield _data(chunks.opening())
            answer = assistant.ask(question, history=history)
            yield from (_data(c) for c in chunks.closing(answer))
            yield "data: [DONE]\n\n"

        return StreamingResponse(_one_at_a_time(answering, _guarded(stream())), media_type="text/event-stream",
                                 headers=SSE_HEADERS)

    return app


def serve(app: FastAPI, host: str, port: int) -> None:
    import uvicorn
    uvicorn.run(app, host=host, port=port, log_level="warning")


# -- pieces ---------------------------------------------------------------------------------------
def _bearer_check(token: str | None):
    bearer = HTTPBearer(auto_error=False, description="the token `serve` was started with")

    def check(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        if token is not None and not token_matches(credentials.credentials if credentials else None, token):
            raise HTTPException(401, "missing or wrong token", headers={"WWW-Authenticate": "Bearer"})
    return check


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _data(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _sse_events(events: Iterator[AnswerEvent]) -> Iterator[str]:
    """status {text}, evidence {sources}, token {text}, answer {the `ask --json` object with references}."""
    for event in _guarded_events(events):
        if isinstance(event, str):
            yield event
        elif event.kind == "evidence":
            yield _sse("evidence", {"sources": [wire.search_hit(h) for h in event.sources]})
        elif event.kind == "answer":
            yield _sse("answer", wire.answer_record(event.answer))
        else:
            yield _sse(event.kind, {"text": event.text})


def _guarded_events(events: Iterator[AnswerEvent]) -> Iterator[AnswerEvent | str]:
    """The events; an error once the stream has started becomes a last `error` event."""
    try:
        yield from events
    except AssistantError as exc:
        yield _sse("error", _error_body(exc)["error"])


def _guarded(chunks: Iterator[str]) -> Iterator[str]:
    try:
        yield from chunks
    except AssistantError as exc:
        yield _data(_error_body(exc))


def _one_at_a_time(gate: threading.BoundedSemaphore, chunks: Iterator[str]) -> Iterator[str]:
    """Hold one of the answer slots while the stream runs; a client that leaves frees it."""
    with gate:
        yield from chunks


# -- errors as {"error": {...}} -------------------------------------------------------------------
def _status_of(exc: AssistantError) -> int:
    if isinstance(exc, IndexEmptyError):
        return 503
    if exc.exit_code == 2 or isinstance(exc, (ConfigError, InputError)):
        return 400
    return 500


def _error_body(exc: AssistantError) -> dict[str, Any]:
    return {"error": {"type": type(exc).__name__, "message": str(exc), "hint": exc.hint}}


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        return JSONResponse(_error_body(exc), status_code=_status_of(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        kind = {401: "Unauthorized", 404: "NotFound"}.get(exc.status_code, "HTTPError")
        return JSONResponse({"error": {"type": kind, "message": exc.detail, "hint": None}},
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"error": {"type": "InvalidRequest", "message": problems, "hint": None}},
                            status_code=400)

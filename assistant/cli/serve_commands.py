"""`serve` (the HTTP API) and `mcp` (the MCP server on stdio): the same Assistant as every other command."""

from __future__ import annotations

import sys

from assistant.access import require_guard
from assistant.heap import cap_arenas
from assistant.ports import require_free_port

EXIT_OK = 0


def cmd_serve(args) -> int:
    from assistant.cli.commands import settings_from
    from assistant.cli.quality_commands import start_in_background
    settings = settings_from(args)
    token = args.token or settings.api_token
    require_guard(args.host, guarded=bool(token), allow_open=args.insecure_no_auth, what="the API", guard="a token",
                  hint="set ASSISTANT_API_TOKEN (clients send 'Authorization: Bearer <token>'), "
                       "or pass --insecure-no-auth to serve it open anyway")
    require_free_port(args.host, args.port)  # before any model or the web stack is loaded
    cap_arenas()  # before the web stack starts its worker threads (assistant/heap.py)
    from assistant.pipeline import Assistant
    from assistant.server.http import build_app, serve
    assistant = Assistant(settings)
    start_in_background(args, assistant)  # finish a quality build an earlier ingest left
    app = build_app(assistant, token=token, concurrency=args.concurrency)
    print(f"API on http://{args.host}:{args.port} (docs at /docs){' - token required' if token else ''}",
          file=sys.stderr, flush=True)
    serve(app, args.host, args.port)
    return EXIT_OK


def cmd_mcp(args) -> int:
    from assistant.cli.commands import settings_from
    from assistant.pipeline import Assistant
    from assistant.server.mcp import run_stdio
    run_stdio(Assistant(settings_from(args)))
    return EXIT_OK

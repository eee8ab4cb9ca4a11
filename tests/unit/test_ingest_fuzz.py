"""Ingest fuzzing (issue #14): over 10,000 generated files in every format, good records mixed with
hostile ones, through the real `read_paths`.

For every input: no exception escapes, every good record comes out as a paper, no record is lost
to the last-line guards (which would mean a parser met something it did not handle), and parsing
stays within a time budget. The seed is fixed so a failure reproduces; INGEST_FUZZ_SEED explores
others. Counts are printed in the terminal summary (tests/unit/conftest.py).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from fuzz_inputs import SUFFIXES, FuzzInput, generate

from ingest import read_paths

SEED = int(os.environ.get("INGEST_FUZZ_SEED", "14"))
INPUTS = int(os.environ.get("INGEST_FUZZ_INPUTS", "10200"))  # issue #14 asks for >= 10,000 a run
# CPU seconds (parsing is single-threaded, so a busy machine does not count): the slowest input
# takes ~0.1 s; quadratic parsing took 6-60 s
PARSE_BUDGET_S = 3.0
GUARD_REASONS = ("unreadable record", "could not be parsed")


def marker(title: str) -> str:
    """The part of a good title that survives any cleaning: "Fuzzgood 17"."""
    return title.split(":", 1)[0]


def check(fuzz: FuzzInput, path: Path) -> tuple[list[str], float, int]:
    """(problems, seconds, papers) for one input file."""
    started = time.process_time()
    try:
        result = read_paths([path])
    except Exception as error:  # noqa: BLE001 - the point is to report it with its input
        return [f"raised {type(error).__name__}: {error}"], time.process_time() - started, 0
    seconds = time.process_time() - started
    kept = {marker(p.title) for p in result.papers}
    problems = [f"lost good record {title!r}" for title in fuzz.good_titles if marker(title) not in kept]
    problems += [f"guard fired at line {s.line}: {s.reason}" for s in result.skipped
                 if any(guard in s.reason for guard in GUARD_REASONS)]
    if seconds > PARSE_BUDGET_S:
        problems.append(f"took {seconds:.2f} s")
    return problems, seconds, len(result.papers)


def test_every_format_survives_hostile_input_and_keeps_every_good_record(tmp_path, fuzz_counts):
    inputs, papers, good = Counter(), 0, 0
    slowest = (0.0, "")
    failures = []
    for i, fuzz in enumerate(generate(SEED, INPUTS)):
        path = tmp_path / f"{i:05d}-{fuzz.name}"
        path.write_bytes(fuzz.data)
        problems, seconds, kept = check(fuzz, path)
        inputs[path.suffix] += 1
        papers += kept
        good += len(fuzz.good_titles)
        slowest = max(slowest, (seconds, path.name))
        if problems:
            failures.append(f"{path} (seed {SEED}, input {i}): {'; '.join(problems)[:300]}")
        else:
            path.unlink()
    fuzz_counts["read_paths, every format"] = {
        "seed": SEED, "inputs": sum(inputs.values()), "good records": good, "records kept": papers,
        "max parse time": f"{slowest[0] * 1000:.0f} ms ({slowest[1]})"}
    assert set(inputs) == SUFFIXES
    assert not failures, f"{len(failures)} of {INPUTS} inputs failed; first ones:\n" + "\n".join(failures[:5])

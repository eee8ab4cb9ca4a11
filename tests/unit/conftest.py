"""Unit-test hooks: the ingest fuzz suite's counts go to the terminal summary, so CI output shows them."""

from __future__ import annotations

import pytest

FUZZ_COUNTS = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def fuzz_counts(request) -> dict[str, dict]:
    """Per suite: {"inputs": n, "records kept": n, ...}, printed at the end of the run."""
    return request.config.stash.setdefault(FUZZ_COUNTS, {})


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    counts = config.stash.get(FUZZ_COUNTS, None)
    if not counts:
        return
    terminalreporter.write_sep("-", "ingest fuzz (issue #14)")
    for suite, numbers in counts.items():
        shown = ", ".join(f"{key} {value:,}" if isinstance(value, int) else f"{key} {value}"
                          for key, value in numbers.items())
        terminalreporter.write_line(f"{suite}: {shown}")

"""`python -m benchmarks.traced_server <assistant args>`: the assistant's CLI with Python's allocation
tracer on, for the soaks' `--trace` memory diagnosis.

The first SIGUSR1 starts the tracer (once the server is up and warm: tracing its imports would take
minutes, and growth is what is looked for); each later one writes a snapshot to
`$SOAK_TRACE_DIR/snapshot-<k>.bin` (k = 1, 2, …), after a full garbage collection so that only live
objects are counted. The tracer costs time on every allocation; traced runs are for finding what
grows, not for their latency.
"""

from __future__ import annotations

import gc
import itertools
import os
import signal
import sys
import tracemalloc
from pathlib import Path

FRAMES = 12


def main() -> None:
    out = Path(os.environ["SOAK_TRACE_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    counter = itertools.count(1)

    def dump(_signum, _frame) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(FRAMES)
            return
        gc.collect()
        tracemalloc.take_snapshot().dump(str(out / f"snapshot-{next(counter)}.bin"))

    signal.signal(signal.SIGUSR1, dump)
    from assistant.offline import apply_offline_env
    apply_offline_env()
    from assistant.cli import main as cli
    sys.argv = ["assistant", *sys.argv[1:]]
    raise SystemExit(cli())


if __name__ == "__main__":
    main()

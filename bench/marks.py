"""Boundaries between the measured parts of a benchmark child (bench/callgrind.py).

`mark()` calls `os.getpgrp()`, which callgrind dumps its counters before; in a native (quick) run,
where `BENCH_MARKS` names a file, it also appends the wall clock (ns) to it. Imports only what the
interpreter has loaded at startup, so importing it adds nothing to what an init measures.
"""

from __future__ import annotations

import os
import time

_FILE = os.environ.get("BENCH_MARKS")


def mark() -> None:
    os.getpgrp()
    if _FILE:
        with open(_FILE, "a", encoding="ascii") as f:
            f.write(f"{time.time_ns()}\n")

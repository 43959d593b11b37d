"""Instruction counts with `valgrind --tool=callgrind`: deterministic, unlike wall time on a shared VM.

A measured program marks the boundaries of what it measures by calling `marks.mark()`
(`os.getpgrp()`, which nothing else in the interpreter calls): callgrind dumps its counters before each call
(`--dump-before=os_getpgrp`), so part k is what ran between mark k-1 and mark k (part 1: from
process start to the first mark). `run` returns the instruction count of each part in order,
plus the remainder after the last mark.

    python -c "from marks import mark; setup(); mark(); work(); mark()"

PYTHONHASHSEED is fixed by `run` so that set and dict orders, hence counts, repeat exactly.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

MARK_FUNCTION = "os_getpgrp"  # the C function behind os.getpgrp in CPython
_PART = re.compile(r"^part:\s*(\d+)\s*$", re.M)
_SUMMARY = re.compile(r"^summary:\s*(\d+)\s*$", re.M)


def available() -> bool:
    return shutil.which("valgrind") is not None


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    native: bool = False,
) -> list[int]:
    """Instructions per part of `argv` (a whole process) under callgrind; raises on failure.
    `native`: no valgrind; wall nanoseconds per part instead (the quick mode: noisy, a smoke test)."""
    if native:
        return _native(argv, env=env, cwd=cwd)
    with tempfile.TemporaryDirectory(prefix="callgrind-") as out:
        child_env = dict(os.environ if env is None else env)
        child_env.setdefault("PYTHONHASHSEED", "0")
        proc = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}/cg.out",
                f"--dump-before={MARK_FUNCTION}",
                "--dump-instr=no",
                "--compress-strings=no",
                *argv,
            ],
            env=child_env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            tail = proc.stderr[-3000:]
            raise RuntimeError(f"{' '.join(argv)} failed under callgrind ({proc.returncode}):\n{tail}")
        parts: dict[int, int] = {}
        for path in Path(out).iterdir():
            text = path.read_text(encoding="utf-8", errors="replace")
            part, summary = _PART.search(text), _SUMMARY.search(text)
            if part and summary:
                parts[int(part.group(1))] = int(summary.group(1))
    return [parts[k] for k in sorted(parts)]


def _native(argv: Sequence[str], *, env: Mapping[str, str] | None, cwd: str | Path | None) -> list[int]:
    with tempfile.TemporaryDirectory(prefix="marks-") as out:
        marks = Path(out) / "marks"
        child_env = dict(os.environ if env is None else env)
        child_env["BENCH_MARKS"] = str(marks)
        started = time.time_ns()
        proc = subprocess.run(
            list(argv),
            env=child_env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        ended = time.time_ns()
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        stamps = [int(x) for x in marks.read_text(encoding="ascii").split()] if marks.exists() else []
    edges = [started, *stamps, ended]
    return [b - a for a, b in itertools.pairwise(edges)]

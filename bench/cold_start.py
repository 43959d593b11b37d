"""Cold start: a fresh interpreter importing `bot.handler` vs one importing `lex_helper`.

Each run is `python -c "import X"` in a new process (cwd = repo root, no Lambda variables), its
wall time from spawn to exit and its own peak RSS (`os.wait4` gives the rusage of that one child;
`getrusage(RUSAGE_CHILDREN)` would be the maximum over all children so far). Runs alternate
A B / B A so drift on a noisy VM hits both sides alike; two discarded warm-up runs each first.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

from benchlib import ROOT, median

# What Lambda's init imports for the reference bot: the handler and the app BOT_APP names
# (bot.handler builds it at import under Lambda; building then needs Secrets Manager and DynamoDB).
OURS = "import bot.handler, intents.app"
THEIRS = "import lex_helper"

_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s*\|\s*(\d+)\s*\|(\s*)(\S+)\s*$")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "PYTHON"))}
    env.update(extra)
    return env


def run_once(
    code: str, *, args: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> tuple[float, int]:
    """(wall ms, peak RSS KiB) of one fresh interpreter running `code`."""
    started = time.perf_counter_ns()
    proc = subprocess.Popen(
        [sys.executable, *args, "-c", code],
        cwd=ROOT,
        env=env or _env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed_ms = (time.perf_counter_ns() - started) / 1e6
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{code!r} failed ({proc.returncode}): {stderr.decode(errors='replace')[-2000:]}")
    return elapsed_ms, int(usage.ru_maxrss)


def interleaved(
    a: str, b: str, runs: int, *, args: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> dict[str, Any]:
    for _ in range(2):  # warm the page cache and __pycache__; discarded
        run_once(a, args=args, env=env)
        run_once(b, args=args, env=env)
    samples: dict[str, list[tuple[float, int]]] = {a: [], b: []}
    for i in range(runs):
        order = (a, b) if i % 2 == 0 else (b, a)
        for code in order:
            samples[code].append(run_once(code, args=args, env=env))
    out: dict[str, Any] = {"runs": runs}
    for key, code in (("ours", a), ("theirs", b)):
        times = [t for t, _ in samples[code]]
        rss = [r for _, r in samples[code]]
        out[key] = {
            "code": code,
            "wall_ms_median": median(times),
            "wall_ms_min": min(times),
            "rss_kib_median": median([float(r) for r in rss]),
            "wall_ms": times,
            "rss_kib": rss,
        }
    out["time_ratio"] = out["ours"]["wall_ms_median"] / out["theirs"]["wall_ms_median"]
    out["rss_ratio"] = out["ours"]["rss_kib_median"] / out["theirs"]["rss_kib_median"]
    return out


def importtime(code: str) -> dict[str, int]:
    """Self time (µs) per module from one `-X importtime` run."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    selfs: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match:
            selfs[match.group(4)] = int(match.group(1))
    return selfs


def added_modules(runs: int) -> dict[str, Any]:
    """Modules `import bot.handler, intents.app` loads that `import lex_helper` does not, by
    median self time."""
    theirs = set(importtime(THEIRS))
    per_module: dict[str, list[int]] = defaultdict(list)
    totals: list[int] = []
    for _ in range(runs):
        ours = importtime(OURS)
        added = {name: us for name, us in ours.items() if name not in theirs}
        totals.append(sum(added.values()))
        for name, us in added.items():
            per_module[name].append(us)
    medians = {name: median([float(v) for v in values]) for name, values in per_module.items()}
    top = sorted(medians.items(), key=lambda kv: kv[1], reverse=True)
    return {
        "runs": runs,
        "added_count": len(medians),
        "added_self_ms_median": median([float(t) for t in totals]) / 1000,
        "top": [{"module": name, "self_ms": us / 1000} for name, us in top[:5]],
        "ours_packages": sorted({n.split(".")[0] for n in medians}),
    }


def run(runs: int, importtime_runs: int, nopyc_runs: int) -> dict[str, Any]:
    result: dict[str, Any] = {"import": interleaved(OURS, THEIRS, runs)}
    result["added_modules"] = added_modules(importtime_runs)
    if nopyc_runs:
        # The SAM artifact ships no .pyc (pip --no-compile, __pycache__ removed) and /var/task is
        # read-only, so Lambda compiles every module of the artifact at each cold start (the
        # runtime's stdlib has its bytecode). Approximate that: the child ignores cached bytecode
        # for files under site-packages and the repo, and writes none.
        result["import_no_pyc"] = interleaved(
            _no_pyc(OURS), _no_pyc(THEIRS), nopyc_runs, env=_env(PYTHONDONTWRITEBYTECODE="1")
        )
    return result


def _no_pyc(code: str) -> str:
    roots = (str(ROOT), *sorted({p for p in sys.path if p.endswith("site-packages")}))
    return (
        "import importlib._bootstrap_external as be\n"
        "_cfs = be.cache_from_source\n"
        f"_roots = {roots!r}\n"
        "def cache_from_source(path, *a, **k):\n"
        "    if path.startswith(_roots):\n"
        "        raise NotImplementedError  # SourceLoader.get_code then compiles and writes nothing\n"
        "    return _cfs(path, *a, **k)\n"
        "be.cache_from_source = cache_from_source\n"
        f"{code}\n"
    )


# -- Lambda init from the artifact copy, in instructions (callgrind) ---------------------------


def _child_env(*path: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON", "BOT_"))}
    env.update({"PYTHONPATH": os.pathsep.join(path), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"})
    return env


def init_instructions(paths: dict[str, str], *, native: bool = False) -> dict[str, Any]:
    """Init in a fresh interpreter (`python -S`, the read-only copies only on its path): process
    start to the end of init. Ours: `bench/lambda_init.py ours` (the fulfillment function's
    environment; `bot.handler` builds the app: two Secrets Manager reads, the DynamoDB client,
    logging; network stubbed). lex-helper: `import lex_helper`, as SAM's default Python builder
    ships it (no bytecode) and compiled."""
    import callgrind

    python = getattr(sys, "_base_executable", sys.executable)
    script = os.path.join(paths["drivers"], "lambda_init.py")
    runs = {
        "ours": (["ours"], (paths["ours"], paths["runtime"], paths["drivers"])),
        "lex_helper_sam": (["lex_helper"], (paths["peer"], paths["runtime"], paths["drivers"])),
        "lex_helper_pyc": (["lex_helper"], (paths["peer_pyc"], paths["runtime"], paths["drivers"])),
    }
    out: dict[str, Any] = {"unit": "ns (native, quick)" if native else "instructions"}
    for name, (args, path) in runs.items():
        parts = callgrind.run([python, "-S", script, *args], env=_child_env(*path), native=native)
        out[name] = parts[0]
    out["ratio_sam"] = out["ours"] / out["lex_helper_sam"]
    out["ratio_pyc"] = out["ours"] / out["lex_helper_pyc"]
    out["top"] = _init_modules(python, script, paths)
    return out


def _init_modules(python: str, script: str, paths: dict[str, str]) -> list[dict[str, Any]]:
    """The biggest imports of our init (`-X importtime`, cumulative, one native run)."""
    proc = subprocess.run(
        [python, "-S", "-X", "importtime", script, "ours"],
        env=_child_env(paths["ours"], paths["runtime"], paths["drivers"]),
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in proc.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match and len(match.group(3)) <= 3:  # top-level imports and their direct children
            rows.append({"module": match.group(4), "cumulative_ms": int(match.group(2)) / 1000})
    return sorted(rows, key=lambda r: r["cumulative_ms"], reverse=True)[:8]

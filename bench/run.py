"""The benchmark suite: `bash scripts/bench.sh` (or `.venv/bin/python bench/run.py`).

Measures what Lambda runs: the fulfillment artifact is built (`make build-FulfillmentFunction`, the
recipe `sam build` runs, with this machine's wheels: the target's aarch64 ones cannot run here),
copied read-only as /var/task is, and every figure comes from fresh interpreters running that
copy, counted in instructions by `valgrind --tool=callgrind` (deterministic; wall time on a
shared 2-core VM is not). Each figure with a peer is a ratio against the peer measured in the same
run. Prints a Markdown report and writes bench/results/latest.md and latest.json.

    --quick   a smoke test: an offline build from this venv's wheels, native wall time instead of
              callgrind, few calls, small SQLite files; written to bench/results/quick.*.tmp
              (tests/functional/test_bench.py runs it; nothing asserts a time)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # puts the repo root (bot/, intents/) and bench/ (lexhelper_bot/) on sys.path
from benchlib import RESULTS, SCRATCH

GOALS = {"init": 0.60, "warm": 1.0, "dynamodb": 1.0, "sqlite_flat": 1.10}
FULL = {
    "calls": 40,
    "warmup": 30,
    "sqlite_sizes": (1_000, 10_000, 100_000),
    "make": True,
    "native": False,
    "profile_calls": 300,
}
QUICK = {
    "calls": 3,
    "warmup": 2,
    "sqlite_sizes": (100, 1_000),
    "make": False,
    "native": True,
    "profile_calls": 10,
}


def _isolated_environment() -> None:
    """Fake AWS credentials for moto, no Lambda variables, no user AWS config files; this
    process's EMF lines go to /dev/null."""
    from bot import metrics

    metrics.output = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    for name in list(os.environ):
        if name.startswith("AWS_") or name in {"BOT_STORE", "PAYMENT_GATEWAY", "SESSION_TABLE"}:
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )


def _step(name: str, started: float) -> None:
    print(f"== {name} ({time.monotonic() - started:.0f}s)", file=sys.stderr, flush=True)


def collect(params: dict[str, Any]) -> dict[str, Any]:
    import artifact
    import cold_start
    import listing
    import warm_turn

    started = time.monotonic()
    results: dict[str, Any] = {"machine": benchlib.machine_info(), "params": dict(params)}
    _step(f"artifact (read-only copy under {artifact.LAMBDA})", started)
    built = artifact.prepare(use_make=params["make"])
    paths = built["paths"]
    results["artifact"] = {"how": built["how"], **built["ours"]}
    _step("init", started)
    results["init"] = cold_start.init_instructions(paths, native=params["native"])
    _step("warm turns and the DynamoDB path", started)
    results["turns"] = warm_turn.instructions(
        paths, calls=params["calls"], warmup=params["warmup"], native=params["native"]
    )
    _step("SQLite per-turn cost at each size", started)
    results["sqlite_turns"] = warm_turn.sqlite_turns(
        paths, params["sqlite_sizes"], calls=params["calls"], warmup=params["warmup"], native=params["native"]
    )
    _step("SQLite listing (bench/store_sqlite.py)", started)
    results["sqlite_listing"] = listing.sqlite(params["sqlite_sizes"])
    _step("DynamoDB listing Queries", started)
    results["dynamodb_listing"] = listing.dynamodb_queries()
    _step("profile of the warm turns (cProfile, shares)", started)
    results["profile"] = warm_turn.profile(params["profile_calls"], "memory")
    artifact.cleanup()
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    _step("done", started)
    return results


# -- rendering -------------------------------------------------------------------------------


def _status(ratio: float, goal: float) -> str:
    return "met" if ratio <= goal else f"**missed** by {ratio - goal:.2f}×"


def _n(value: float, native: bool) -> str:
    if native:
        return f"{value / 1e3:,.0f} µs"
    return f"{value / 1e6:,.2f} M" if value >= 1e6 else f"{value / 1e3:,.0f} k"


def verdicts(r: dict[str, Any]) -> dict[str, Any]:
    """Every goal, its ratio and whether it is met (also written to latest.json)."""
    init = r["init"]
    out: dict[str, Any] = {"init": {"ratio": init["ratio_sam"], "goal": GOALS["init"]}}
    out["warm"] = {
        row["scenario"]: {"ratio": row["ratio"], "goal": GOALS["warm"]} for row in r["turns"]["memory"]
    }
    out["dynamodb"] = {
        row["scenario"]: {"ratio": row["ratio"], "goal": GOALS["dynamodb"]} for row in r["turns"]["dynamodb"]
    }
    sizes = r["sqlite_listing"]["sizes"]
    keys = sorted(sizes, key=int)
    if len(keys) >= 2:
        a, b = sizes[keys[-2]]["v3"], sizes[keys[-1]]["v3"]
        out["sqlite_flat"] = {
            "ratio": b["page_vm_steps"] / max(a["page_vm_steps"], 1),
            "goal": GOALS["sqlite_flat"],
            "from": keys[-2],
            "to": keys[-1],
        }
    dyn = r["dynamodb_listing"]
    year = next(row for row in dyn["rows"] if row["days"] == 366)
    out["dynamodb_listing"] = {"queries": year["queries"], "goal": dyn["retention_days"] + 1}
    for group in ("warm", "dynamodb"):
        for v in out[group].values():
            v["met"] = v["ratio"] <= v["goal"]
    out["init"]["met"] = out["init"]["ratio"] <= out["init"]["goal"]
    if "sqlite_flat" in out:
        out["sqlite_flat"]["met"] = out["sqlite_flat"]["ratio"] <= out["sqlite_flat"]["goal"]
    out["dynamodb_listing"]["met"] = year["queries"] <= out["dynamodb_listing"]["goal"]
    return out


def main_table(r: dict[str, Any]) -> list[str]:
    native = r["params"]["native"]
    unit = "wall time (quick run: native, noisy)" if native else "instructions (callgrind)"
    v = r["verdicts"]
    init = r["init"]
    rows = [
        f"All counts are {unit}.",
        "",
        "| # | benchmark | ours | peer | ratio | goal | status |",
        "|---|---|---|---|---|---|---|",
        f"| 1 | Lambda init, fresh interpreter, read-only artifact: ours as shipped (bytecode) vs "
        f"`import lex_helper` as SAM's default builder ships it (no bytecode) | {_n(init['ours'], native)} | "
        f"{_n(init['lex_helper_sam'], native)} | {init['ratio_sam']:.2f}× | ≤ {GOALS['init']:.2f}× | "
        f"{_status(init['ratio_sam'], GOALS['init'])} |",
        "| 1 | the same, vs `import lex_helper` compiled (unchecked-hash "
        f"bytecode) | {_n(init['ours'], native)} | "
        f"{_n(init['lex_helper_pyc'], native)} | {init['ratio_pyc']:.2f}× | — | info |",
    ]
    for row in r["turns"]["memory"]:
        rows.append(
            f"| 2 | warm turn, {row['scenario']}: Lambda logging, {row['window']}-entry window, memory store "
            f"vs lex-helper | {_n(row['ours'], native)} | {_n(row['lex_helper'], native)} | "
            f"{row['ratio']:.2f}× | ≤ {GOALS['warm']:.1f}× | {_status(row['ratio'], GOALS['warm'])} |"
        )
    for row in r["turns"]["memory"]:
        if row["window"] > 1 and "ours_window_1" in row:
            share = 1 - row["ours_window_1"] / row["ours"]
            what = (
                f"the window is {share:.0%} of the turn"
                if share >= 0.02
                else f"the window costs nothing measurable ({share:+.0%}: nothing reads it this turn)"
            )
            rows.append(
                f"| 2 | the same turn, {row['scenario']}, with a 1-entry window (HISTORY_WINDOW=1) | "
                f"{_n(row['ours_window_1'], native)} | {_n(row['lex_helper'], native)} | "
                f"{row['ours_window_1'] / row['lex_helper']:.2f}× | — | info: {what} |"
            )
    floor = r["turns"].get("floor")
    if floor:
        rows.append(
            "| 2 | the framework's floor: the appointments example's FallbackIntent (no opt-in parts, "
            "no card data; the turn's path only), same setup, vs lex-helper's FallbackIntent | "
            f"{_n(floor['ours'], native)} | {_n(floor['lex_helper'], native)} | "
            f"{floor['ratio']:.2f}× | — | info |"
        )
    for row in r["turns"]["dynamodb"]:
        ours_req = " + ".join(f"{n} {k.rsplit('.', 1)[-1]}" for k, n in row["ours_requests"].items())
        rows.append(
            f"| 3 | DynamoDB-path turn, {row['scenario']} ({ours_req}) vs lex-helper + session manager "
            f"(GetItem + PutItem), network replayed | {_n(row['ours'], native)} "
            f"| {_n(row['anchor'], native)} | "
            f"{row['ratio']:.2f}× | ≤ {GOALS['dynamodb']:.1f}× | {_status(row['ratio'], GOALS['dynamodb'])} |"
        )
    for size, row in sorted(r["sqlite_turns"]["sizes"].items(), key=lambda kv: int(kv[0])):
        rows.append(
            f"| 4 | SQLite warm turn, CollectCard, file of {int(size):,} sessions (90% expired) | "
            f"{_n(row, native)} | — | — | — | info |"
        )
    flat = v.get("sqlite_flat")
    if flat:
        sizes = r["sqlite_listing"]["sizes"]
        a, b = sizes[flat["from"]]["v3"], sizes[flat["to"]]["v3"]
        rows.append(
            f"| 4 | SQLite listing, first page of a day, {int(flat['from']):,} "
            f"→ {int(flat['to']):,} sessions "
            f"(90% expired), SQLite VM steps | {b['page_vm_steps']:,} | {a['page_vm_steps']:,} (at "
            f"{int(flat['from']):,}) | {flat['ratio']:.2f}× | ≤ {GOALS['sqlite_flat']:.2f}× (flat) | "
            f"{_status(flat['ratio'], GOALS['sqlite_flat'])} |"
        )
    dyn = v["dynamodb_listing"]
    counts = ", ".join(f"{row['days']} d: {row['queries']}" for row in r["dynamodb_listing"]["rows"])
    rows.append(
        f"| 5 | DynamoDB time listing, Query requests ({counts}) | {dyn['queries']} (366 days) | — | — | "
        f"≤ {dyn['goal']:.0f} (retention + 1) | {'met' if dyn['met'] else '**missed**'} |"
    )
    art = r["artifact"]
    rows.append(
        f"| 6 | artifact size, unzipped ({art['how']}) | {art['bytes'] / 1e6:.1f} "
        f"MB, {art['files']:,} files, "
        f"{art['pyc_files']:,} `.pyc` | — | — | — | info |"
    )
    return rows


def details(r: dict[str, Any]) -> list[str]:
    out = ["", "**Biggest imports of our init** (`-X importtime`, cumulative, native, one run):", ""]
    out.append(", ".join(f"`{m['module']}` {m['cumulative_ms']:.0f} ms" for m in r["init"]["top"]) + ".")
    p = r["profile"]
    out += [
        "",
        f"**Where a warm turn goes** (cProfile of our App over the five scenarios, {p['calls']} calls, "
        "memory store, Lambda logging, full window, repository "
        "code; shares of the turn, `Pipeline._attempt`):",
        "",
        "| step | share | inside it |",
        "|---|---|---|",
    ]
    for b in p["breakdown"][:8]:
        inner = "; ".join(f"`{c['function']}` {c['share']:.0%}" for c in b["children"][:4])
        out.append(f"| `{b['function']}` | {b['share']:.0%} | {inner} |")
    top = "; ".join(f"`{t['function']}` {t['self_share']:.0%}" for t in p["top_self"][:6])
    out += ["", f"Top self time: {top}."]
    m = r["machine"]
    out += [
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['implementation']} {m['python']} ({m['platform']}); "
        + ", ".join(f"{k} {val}" for k, val in m["packages"].items())
        + f"; {m['date']}; suite ran in {r['elapsed_s']:.0f} s.",
    ]
    return out


def method_notes(r: dict[str, Any]) -> list[str]:
    p = r["params"]
    return [
        "",
        "Method:",
        "",
        "- Every child is `python -S` (no site-packages) with only read-only copies on `PYTHONPATH`: the "
        "artifact (ours), lex-helper's wheels (peer), and boto3/botocore as the python3.13 runtime provides "
        "them, compiled, for both sides (SAM would ship lex-helper's boto3 dependency uncompiled in its "
        "artifact; taking it from the runtime favours lex-helper). `PYTHONHASHSEED=0`, no bytecode writes.",
        "- Counts are callgrind's, split at `os.getpgrp()` marks (`--dump-before`, bench/callgrind.py): init "
        "is process start to the end of init; a turn is the instructions between two marks divided by the "
        f"calls between them ({p['calls']} timed calls after {p['warmup']} warm-up calls per scenario).",
        "- Init, ours: bench/lambda_init.py sets the fulfillment function's environment (template.yaml) and "
        "imports `bot.handler`, which builds the app at import "
        "under Lambda: two Secrets Manager reads (signing key, user-token secret), the "
        "DynamoDB client, logging; botocore's HTTP send answers from memory. Peer: `import lex_helper`.",
        "- Warm turns: bench/turn_driver.py; ours with logging "
        "as `get_app()` configures it under Lambda (one "
        "JSON line per turn) and EMF flushed every turn, to /dev/null; each call a new session seeded "
        "(untimed) with the conversation's state and a full history window (the real turns so far, older "
        "ones small talk), its event carrying the attributes our previous turn signed. WalletAddress is a "
        "session's first turn (nothing to seed). lex-helper: its handler (bench/lexhelper_bot) with the "
        "python runtime's default logging (a text line per INFO record: lex-helper logs one per turn).",
        "- DynamoDB path: the same turns through the production `DynamoDBStore`, and lex-helper wrapped in "
        "the seeds' session manager (bench/lexhelper_bot/session_manager.py: one GetItem + one PutItem "
        "through boto3's client, the item holding the attributes and a 10-turn history). The HTTP "
        "responses a moto table gave each turn are recorded first and replayed in the child at botocore's "
        "HTTP session: everything above the socket (signing, serialization, parsing, retries) runs.",
        "- SQLite: per-turn cost of CollectCard on a file seeded with N sessions, 90% expired "
        "(bench/store_sqlite.py's seeding); listing from bench/store_sqlite.py (`v3`: this schema's "
        "index), in SQLite VM steps. DynamoDB listing: moto in-process, Query requests counted with "
        "botocore's `before-call` hook over every page.",
        "- The artifact is built from the committed tree (`git archive HEAD`), not the working tree.",
    ]


def render(r: dict[str, Any]) -> str:
    lines = ["# Benchmarks", "", "`bash scripts/bench.sh` — lex-payment-bot vs lex-helper, same run.", ""]
    lines += main_table(r)
    lines += details(r)
    lines += method_notes(r)
    return "\n".join(lines) + "\n"


def rerender(path: Path = RESULTS / "latest.json") -> str:
    """The report again from a results file (after a change to the rendering only)."""
    results = json.loads(path.read_text(encoding="utf-8"))
    results["verdicts"] = verdicts(results)
    return render(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke test: native, offline, few calls")
    args = parser.parse_args(argv)
    os.chdir(benchlib.ROOT)
    _isolated_environment()
    params = dict(QUICK if args.quick else FULL)
    if not params["native"]:
        import callgrind

        if not callgrind.available():
            parser.error("valgrind is not installed (scripts/bench.sh installs Debian's)")
    SCRATCH.mkdir(parents=True, exist_ok=True)
    try:
        results = collect(params)
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    results["quick"] = args.quick
    results["verdicts"] = verdicts(results)
    report = render(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    # A --quick run never replaces the published figures (and *.tmp is git-ignored).
    md, js = ("quick.md.tmp", "quick.json.tmp") if args.quick else ("latest.md", "latest.json")
    (RESULTS / md).write_text(report, encoding="utf-8")
    (RESULTS / js).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(report)
    print(f"written: bench/results/{md}, bench/results/{js}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

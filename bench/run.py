"""The benchmark suite: `bash scripts/bench.sh` (or `.venv/bin/python bench/run.py`).

Prints a Markdown report and writes it to bench/results/latest.md, with every raw figure in
bench/results/latest.json. Each figure with a lex-helper counterpart is a ratio against lex-helper
measured in the same run. Scratch files live under .local/bench (git-ignored) and are removed.

    --with-build   run `bash scripts/check-template.sh` (sam build) first, for a fresh artifact
    --quick        fewer runs, written to bench/results/quick.*.tmp (a smoke test, not for publishing)
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
from benchlib import RESULTS, SCRATCH, fmt_ms, fmt_ratio, fmt_us

GOALS = {"cold_time": 1.10, "cold_rss": 1.15, "warm": 1.0, "artifact_mb": 25.0}
FULL = {
    "cold_runs": 31,
    "importtime_runs": 7,
    "nopyc_runs": 7,
    "batch": 500,
    "batches": 7,
    "warmup": 200,
    "log_batch": 400,
    "log_batches": 6,
    "profile_calls": 400,
    "latency_invocations": 1000,
}
QUICK = {
    "cold_runs": 15,
    "importtime_runs": 2,
    "nopyc_runs": 2,
    "batch": 100,
    "batches": 5,
    "warmup": 50,
    "log_batch": 100,
    "log_batches": 2,
    "profile_calls": 100,
    "latency_invocations": 1000,
}


def _isolated_environment() -> None:
    """Fake AWS credentials for moto, no Lambda variables, no user AWS config files; the bot's
    per-invocation EMF metric lines are still serialized and written, to /dev/null instead of the
    report."""
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


def collect(params: dict[str, int], with_build: bool) -> dict[str, Any]:
    import artifact
    import cold_start
    import dynamo
    import warm_turn

    started = time.monotonic()
    results: dict[str, Any] = {"machine": benchlib.machine_info(), "params": params}
    if with_build:
        _step("sam build (scripts/check-template.sh)", started)
        artifact.build()
    _step("cold start", started)
    results["cold_start"] = cold_start.run(
        params["cold_runs"], params["importtime_runs"], params["nopyc_runs"]
    )
    _step("warm turn", started)
    results["warm_turn"] = warm_turn.run(params["batch"], params["batches"], params["warmup"])
    results["warm_turn"]["logging"] = warm_turn.logging_cost(params["log_batch"], params["log_batches"])
    _step("profiles", started)
    profiles = []
    for row in results["warm_turn"]["scenarios"]:
        if row["ratio_memory"] > GOALS["warm"]:
            profiles.append(warm_turn.profile(params["profile_calls"], "memory", (row["scenario"],)))
    if any(row["ratio_sqlite"] > GOALS["warm"] for row in results["warm_turn"]["scenarios"]):
        profiles.append(warm_turn.profile(params["profile_calls"], "sqlite"))
    results["warm_turn"]["profiles"] = profiles
    _step("DynamoDB requests per invocation (moto in-process)", started)
    results["store_trips"] = dynamo.store_trips()
    _step("latency against moto's server", started)
    results["latency"] = dynamo.latency(params["latency_invocations"])
    _step("artifact", started)
    results["artifact"] = artifact.measure()
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    _step("done", started)
    return results


# -- rendering -------------------------------------------------------------------------------


def _status(ratio: float, goal: float) -> str:
    return "met" if ratio <= goal else f"**missed** by {ratio - goal:.2f}×"


def _mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def main_table(r: dict[str, Any]) -> list[str]:
    cold = r["cold_start"]["import"]
    ours, theirs = cold["ours"], cold["theirs"]
    rows = [
        "| # | benchmark | ours | lex-helper | ratio | goal | status |",
        "|---|---|---|---|---|---|---|",
        "| 1 | cold start: fresh interpreter, `import bot.handler, intents.app` vs `import lex_helper`, "
        f"wall "
        f"(median of {cold['runs']}, interleaved) | {fmt_ms(ours['wall_ms_median'])} | "
        f"{fmt_ms(theirs['wall_ms_median'])} | {fmt_ratio(cold['time_ratio'])} | "
        f"≤ {GOALS['cold_time']:.2f}× | {_status(cold['time_ratio'], GOALS['cold_time'])} |",
        f"| 1 | cold start: peak RSS of that child (median) | {_mib(ours['rss_kib_median'])} | "
        f"{_mib(theirs['rss_kib_median'])} | {fmt_ratio(cold['rss_ratio'])} | "
        f"≤ {GOALS['cold_rss']:.2f}× | {_status(cold['rss_ratio'], GOALS['cold_rss'])} |",
    ]
    nopyc = r["cold_start"].get("import_no_pyc")
    if nopyc:
        rows.append(
            f"| 1 | cold start without cached bytecode, as the SAM artifact ships "
            f"(median of {nopyc['runs']}) | {fmt_ms(nopyc['ours']['wall_ms_median'])} | "
            f"{fmt_ms(nopyc['theirs']['wall_ms_median'])} | {fmt_ratio(nopyc['time_ratio'])} | — | info |"
        )
    for row in r["warm_turn"]["scenarios"]:
        theirs_ns = row["lex-helper"]["ns_per_call_median"]
        for store, key in (("memory", "ratio_memory"), ("SQLite", "ratio_sqlite")):
            ours_ns = row[f"ours ({store.lower()})"]["ns_per_call_median"]
            rows.append(
                f"| 2 | warm turn, {row['scenario']}, {store} store | {fmt_us(ours_ns)} | "
                f"{fmt_us(theirs_ns)} | {fmt_ratio(row[key])} | ≤ {GOALS['warm']:.1f}× | "
                f"{_status(row[key], GOALS['warm'])} |"
            )
    trips = r["store_trips"]
    ok = trips["max_reads"] <= 1 and trips["max_writes"] <= 1
    rows.append(
        f"| 3 | DynamoDB requests per code-hook invocation (moto in-process, payment conversation, "
        f"{trips['invocations']} invocations) | {trips['reads_per_invocation']:.2f} read + "
        f"{trips['writes_per_invocation']:.2f} write (max {trips['max_reads']} + {trips['max_writes']}) | "
        f"— (no persistence) | — | ≤ 1 + 1 | {'met' if ok else '**missed**'} |"
    )
    lat = r["latency"]["dynamodb_server"]
    rows.append(
        f"| 4 | handler latency, {lat['invocations']:,} invocations ({lat['conversations']} conversations) "
        f"against moto's server on 127.0.0.1 | p50 {fmt_ms(lat['p50_ms'])} · p99 {fmt_ms(lat['p99_ms'])} · "
        f"max {fmt_ms(lat['max_ms'])} | — (no persistence) | — | — | info |"
    )
    art = r["artifact"]
    if art["present"]:
        over = art["bytes"] - art["goal_bytes"]
        status = "met" if over <= 0 else f"**missed** by {_mb(over)} (+{over / art['goal_bytes']:.0%})"
        rows.append(
            f"| 5 | artifact size, unzipped (`{art['path']}`, built {art['built']}) | {_mb(art['bytes'])} | "
            f"— | — | ≤ {GOALS['artifact_mb']:.0f} MB | {status} |"
        )
    else:
        rows.append(
            f"| 5 | artifact size, unzipped | not built (`{art['path']}` missing; "
            "run with `--with-build`) | — | — | ≤ 25 MB | not measured |"
        )
    return rows


def details(r: dict[str, Any]) -> list[str]:
    out: list[str] = []
    added = r["cold_start"]["added_modules"]
    out += [
        "",
        f"**What `import bot.handler, intents.app` adds to `import lex_helper`** (`-X importtime`, median of "
        f"{added['runs']} runs): {added['added_count']} modules, {added['added_self_ms_median']:.1f} ms "
        f"self time in all; top 5:",
        "",
        "| module | self time |",
        "|---|---|",
        *[f"| `{m['module']}` | {m['self_ms']:.1f} ms |" for m in added["top"]],
    ]
    log = r["warm_turn"]["logging"]
    out += [
        "",
        f'**Per-turn JSON log line** (Lambda\'s `configure_logging("INFO")`, written to /dev/null; '
        f"`build_app` alone leaves logging unconfigured, as in the table): {log['scenario']} goes from "
        f"{fmt_us(log['plain_ns'])} to {fmt_us(log['logged_ns'])} per call (+{fmt_us(log['extra_ns'])}).",
    ]
    for p in r["warm_turn"]["profiles"]:
        which = ", ".join(p["scenarios"]) if len(p["scenarios"]) < 5 else "all five scenarios"
        out += [
            "",
            f"**cProfile, ours ({p['store']} store), {which}** — {p['calls']} calls, "
            f"{p['profiled_us_per_call']:.0f} µs per call under the profiler; share of `App.handle`:",
            "",
            "| step (direct callee of `App.handle`) | share | inside it |",
            "|---|---|---|",
        ]
        for b in p["breakdown"][:7]:
            inner = "; ".join(_nested(c) for c in b["children"])
            out.append(f"| `{b['function']}` | {b['share']:.0%} | {inner} |")
        top = "; ".join(f"`{t['function']}` {t['self_share']:.0%}" for t in p["top_self"][:5])
        out += ["", f"Top self time: {top}."]
    trips = r["store_trips"]
    out += [
        "",
        f"**DynamoDB requests** over the payment conversation ({trips['user_inputs']} user inputs, "
        f"{trips['invocations']} code-hook invocations): "
        + ", ".join(
            f"{i['intent']}/{i['source'].removesuffix('CodeHook')} "
            + "+".join(f"{n} {op}" for op, n in i["operations"].items())
            for i in trips["per_invocation"]
        )
        + f"; {trips['http_requests_per_invocation']:.2f} HTTP requests per invocation (no retries).",
    ]
    lat, mem = r["latency"]["dynamodb_server"], r["latency"]["memory"]
    out += [
        "",
        f"**Latency** (same conversations): moto server p50 {fmt_ms(lat['p50_ms'])}, p90 "
        f"{fmt_ms(lat['p90_ms'])}, p99 {fmt_ms(lat['p99_ms'])}, max {fmt_ms(lat['max_ms'])}; the memory "
        f"store, for comparison: p50 {fmt_ms(mem['p50_ms'])}, p99 {fmt_ms(mem['p99_ms'])}, max "
        f"{fmt_ms(mem['max_ms'])}. The server runs on a thread of the benchmark process, so its request "
        "handling shares the GIL with the handler being timed.",
    ]
    art = r["artifact"]
    if art["present"]:
        out += [
            "",
            f"**Artifact**: {art['files']:,} files, {art['pyc_files']} `.pyc`; top 5 distributions:",
            "",
            "| distribution | unzipped | biggest parts |",
            "|---|---|---|",
        ]
        for p in art["packages"][:5]:
            parts = "; ".join(
                f"`{d['path']}` {_mb(d['bytes'])}" for d in art["largest_inside"].get(p["package"], [])
            )
            out.append(f"| {p['package']} | {_mb(p['bytes'])} | {parts} |")
    m = r["machine"]
    out += [
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['implementation']} {m['python']} "
        f"({m['platform']}); " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + f"; {m['date']}; "
        f"suite ran in {r['elapsed_s']:.0f} s.",
    ]
    return out


def _nested(node: dict[str, Any]) -> str:
    inside = ", ".join(_nested(c) for c in node.get("inside", []))
    return f"`{node['function']}` {node['share']:.0%}" + (f" (→ {inside})" if inside else "")


def method_notes(r: dict[str, Any]) -> list[str]:
    p = r["params"]
    return [
        "",
        "Method:",
        "",
        '- Cold start: `python -c "import …"` in a fresh process, wall time spawn-to-exit and the '
        "child's own `ru_maxrss` (`os.wait4`); runs alternate A B / B A after two discarded warm-ups. "
        "`bot.handler` imports lex-helper (the session model extends its `SessionAttributes`), so its "
        "import set is a superset of lex-helper's. The no-bytecode row ignores cached `.pyc` for files "
        "under site-packages and the repo (the runtime's stdlib keeps its bytecode), as on Lambda, "
        "where the artifact has none and /var/task is read-only.",
        f"- Warm turn: real events from `events/`; {p['batches']} batches of {p['batch']} calls per "
        f"variant, interleaved, after a {p['warmup']}-call warm-up; median of the batch means. Every "
        "call gets a pre-built copy of the event and, for ours, a fresh pre-generated sessionId whose "
        "store record is seeded (untimed) with the state the conversation has at that point and whose "
        "event carries the attributes our previous turn signed for it; so each call does the full "
        "read-verify-handle-sign-write path and never sees a record written by a timed call. "
        "lex-helper's event carries the attributes its own previous turn would have returned. Ours: "
        "`build_app(...)`, offline gateway, logging unconfigured. lex-helper: module-level "
        "`LexHelper`, handlers in `bench/lexhelper_bot/intents/` doing the same dialog without "
        "signing, sealing, a store, Luhn/expiry/EIP-55 validation or tokenization.",
        "- DynamoDB: `build_app` with `BOT_STORE=dynamodb` (the production `DynamoDBStore`), "
        "requests counted with botocore's `before-call.dynamodb.*` (and `before-send`) hooks per "
        "code-hook invocation.",
        "- Artifact: sum of file sizes under the build directory, attributed to distributions by "
        "their `RECORD`; MB = 10^6 bytes.",
    ]


def render(r: dict[str, Any]) -> str:
    lines = ["# Benchmarks", "", "`bash scripts/bench.sh` — lex-payment-bot vs lex-helper, same run.", ""]
    lines += main_table(r)
    lines += details(r)
    lines += method_notes(r)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--with-build", action="store_true", help="run scripts/check-template.sh first")
    parser.add_argument("--quick", action="store_true", help="fewer runs: a smoke test, not for publishing")
    args = parser.parse_args(argv)
    os.chdir(benchlib.ROOT)
    _isolated_environment()
    params = dict(QUICK if args.quick else FULL)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    try:
        results = collect(params, args.with_build)
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    results["quick"] = args.quick
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

"""Shared helpers for the benchmarks: paths, the App under test, events, statistics, machine info."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import uuid
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
EVENTS = ROOT / "events"
RESULTS = BENCH / "results"
# Scratch files (git-ignored; removed at the end of a run). BENCH_SCRATCH moves them (a test's tmp).
SCRATCH = Path(os.environ.get("BENCH_SCRATCH") or ROOT / ".local" / "bench")

# A fixed, benchmark-only master secret (never a default anywhere in bot/).
SECRET = "bench-secret-" + "b" * 40
EXPIRY = f"12/{(datetime.now(UTC).year + 3) % 100:02d}"
WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"

for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)


def settings(store: str = "memory", **extra: str) -> Any:
    """Local settings: offline gateway, the bench secret, scratch files under .local/bench."""
    from bot.config import Settings

    env = {
        "BOT_STORE": store,
        "PAYMENT_GATEWAY": "offline",
        "BOT_SIGNING_KEY": SECRET,
        "BOT_LOCAL_DIR": str(SCRATCH),
        "BOT_SQLITE_PATH": str(SCRATCH / "warm.sqlite3"),
    }
    env.update(extra)
    return Settings.from_env(env)


def load_event(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def new_session_id() -> str:
    return str(uuid.uuid4())


def payment_script(client: Any) -> None:
    """The README's reference conversation (with its Luhn-invalid card), then a wallet turn."""
    client.say("I'd like to make a payment", intent="CollectName")
    client.say("John")
    client.say("Smith")
    client.say("4242 4242 4242 4241")
    client.say("4242 4242 4242 4242")
    client.say(EXPIRY)
    client.say("123")
    done = client.say("yes")
    if done.text_reply != "Done — your Visa ending 4242 is saved.":
        raise RuntimeError(f"the reference conversation went off script: {done.text_reply!r}")
    wallet = client.say(f"my wallet is {WALLET}", intent="WalletAddress", slots={"WalletAddress": WALLET})
    if not wallet.text_reply.startswith("Saved"):
        raise RuntimeError(f"the wallet turn went off script: {wallet.text_reply!r}")


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 1,000 samples is the 990th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return float(ordered[int(rank) - 1])


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "packages": {
            name: package_version(name) for name in ("lex-helper", "pydantic", "boto3", "moto", "stripe")
        },
    }


def fmt_us(ns: float) -> str:
    return f"{ns / 1000:,.0f} µs"


def fmt_ms(ms: float) -> str:
    return f"{ms:,.1f} ms" if ms < 100 else f"{ms:,.0f} ms"


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"

"""The benchmark's quick mode runs end to end (build, init, warm turns, the DynamoDB path, the
stores' listings, the report): a smoke test of the harness. No figure is asserted: the quick mode
measures wall time on whatever machine runs the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_quick_benchmark_runs_and_reports_every_goal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "BOT_"))}
    env["BENCH_SCRATCH"] = str(tmp_path / "bench")
    proc = subprocess.run(
        [sys.executable, "bench/run.py", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = json.loads((ROOT / "bench" / "results" / "quick.json.tmp").read_text(encoding="utf-8"))
    verdicts = results["verdicts"]
    assert set(verdicts) >= {"init", "warm", "dynamodb", "sqlite_flat", "dynamodb_listing"}
    scenarios = {
        "CollectName",
        "CollectCard (card number)",
        "Confirm (fulfillment)",
        "WalletAddress",
        "FallbackIntent",
    }
    assert set(verdicts["warm"]) == scenarios
    assert set(verdicts["dynamodb"]) == scenarios
    assert verdicts["init"]["ratio"] > 0
    assert all(v["ratio"] > 0 for v in verdicts["warm"].values())
    assert [row["days"] for row in results["dynamodb_listing"]["rows"]] == [1, 30, 366]
    for row in results["turns"]["dynamodb"]:  # both sides really talked to (replayed) DynamoDB
        assert sum(row["ours_requests"].values()) >= 2
        assert row["anchor_requests"] == {"DynamoDB_20120810.GetItem": 1, "DynamoDB_20120810.PutItem": 1}
    assert all(
        row["window"] == 10 for row in results["turns"]["memory"] if row["scenario"] != "WalletAddress"
    )
    floor = results["turns"]["floor"]  # the appointments example ran from the artifact's copy
    assert floor["scenario"] == "FallbackIntent"
    assert floor["ours"] > 0
    memory = results["turns"]["memory"]
    peer = next(row["lex_helper"] for row in memory if row["scenario"] == "FallbackIntent")
    assert floor["lex_helper"] == peer
    report = proc.stdout
    assert "framework's floor" in report
    assert "| 1 | Lambda init" in report
    assert "goal" in report
    assert not (tmp_path / "bench-lambda").exists()  # scratch removed

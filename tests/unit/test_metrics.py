"""EMF metrics: the documents CloudWatch expects, one flush per invocation, never card data."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest

from bot import metrics


@pytest.fixture(autouse=True)
def _clean() -> None:
    metrics.discard()


def test_documents_have_the_structure_powertools_metrics_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_lambda_powertools.metrics import Metrics, MetricUnit

    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", metrics.NAMESPACE)
    theirs = Metrics(service=metrics.SERVICE)
    theirs.add_dimension(name="slot", value="CardNumber")
    theirs.add_metric(name="ValidationFailures", unit=MetricUnit.Count, value=1)
    expected = theirs.serialize_metric_set()
    theirs.clear_metrics()

    metrics.add("ValidationFailures", slot="CardNumber")
    [ours] = metrics.documents(now_ms=expected["_aws"]["Timestamp"])
    assert ours == expected


def test_one_document_per_dimension_set_and_values_accumulate() -> None:
    metrics.add("ValidationFailures", slot="CardNumber")
    metrics.add("ValidationFailures", slot="CardNumber")
    metrics.add("ValidationFailures", slot="SecurityCode")
    metrics.add("SessionSeconds", 42, unit="Seconds", outcome="completed")
    docs = metrics.documents(now_ms=1)
    by_dims = {(d.get("slot"), d.get("outcome")): d for d in docs}
    assert by_dims[("CardNumber", None)]["ValidationFailures"] == [1.0, 1.0]
    assert by_dims[("SecurityCode", None)]["ValidationFailures"] == [1.0]
    seconds = by_dims[(None, "completed")]
    assert seconds["SessionSeconds"] == [42.0]
    directive: Any = seconds["_aws"]
    assert directive["CloudWatchMetrics"][0]["Metrics"] == [{"Name": "SessionSeconds", "Unit": "Seconds"}]
    assert metrics.pending() == 0


def test_flush_writes_json_lines_and_forgets() -> None:
    metrics.add("Turns", intent="CollectCard")
    out = io.StringIO()
    assert metrics.flush(out) == 1
    assert json.loads(out.getvalue())["Turns"] == [1.0]
    assert metrics.flush(out) == 0


def test_each_thread_flushes_only_its_own_metrics() -> None:
    metrics.add("Turns", intent="main")
    seen: list[int] = []

    def worker() -> None:
        seen.append(metrics.pending())
        metrics.add("Turns", intent="worker")
        seen.append(metrics.pending())
        metrics.discard()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [0, 1]
    assert metrics.pending() == 1

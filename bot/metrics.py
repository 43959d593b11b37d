"""CloudWatch metrics in Embedded Metric Format (EMF): JSON log lines CloudWatch turns into metrics.

Counters are collected during one invocation and written by `flush()` at its end, one EMF
document per distinct set of dimension values, to stdout (Lambda ships stdout to CloudWatch Logs).
The documents follow the EMF specification exactly as Powertools Metrics writes them (a test
checks that both produce the same structure); Powertools itself is not imported at run time: its
metrics module alone costs ~40 ms of cold start and 7 MB of artifact for what is one JSON line.

Metric names, dimension names and values are fixed vocabularies chosen in code (intent and slot
names, outcomes, event kinds), never user input, so no card data can reach a metric.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from typing import IO, Literal

NAMESPACE = "LexPaymentBot"
SERVICE = "fulfillment"
Unit = Literal["Count", "Seconds", "Milliseconds"]
_MAX_VALUE_LEN = 64

_Buffer = dict[tuple[tuple[str, str], ...], dict[str, tuple[Unit, list[float]]]]
_local = threading.local()  # one buffer per thread: an invocation's metrics are flushed by that invocation


def _buffer() -> _Buffer:
    """(dimensions as a sorted tuple of pairs) -> metric name -> (unit, values)."""
    buffer: _Buffer | None = getattr(_local, "buffer", None)
    if buffer is None:
        buffer = _local.buffer = {}
    return buffer


def add(name: str, value: float = 1, *, unit: Unit = "Count", **dimensions: str) -> None:
    """Record one value of metric `name` under `dimensions` (at most 9, fixed vocabularies)."""
    dims = tuple(sorted((k, str(v)[:_MAX_VALUE_LEN]) for k, v in dimensions.items()))
    unit_values = _buffer().setdefault(dims, {}).setdefault(name, (unit, []))
    unit_values[1].append(float(value))


def pending() -> int:
    return sum(len(metrics) for metrics in _buffer().values())


def documents(
    *, namespace: str = NAMESPACE, service: str = SERVICE, now_ms: int | None = None
) -> list[dict[str, object]]:
    """The EMF documents for everything recorded since the last flush (and forget it)."""
    timestamp = int(time.time() * 1000) if now_ms is None else now_ms
    out: list[dict[str, object]] = []
    buffer = _buffer()
    for dims, metrics in buffer.items():
        names = [*(k for k, _ in dims), "service"]
        doc: dict[str, object] = {
            "_aws": {
                "Timestamp": timestamp,
                "CloudWatchMetrics": [
                    {
                        "Namespace": namespace,
                        "Dimensions": [names],
                        "Metrics": [{"Name": name, "Unit": unit} for name, (unit, _) in metrics.items()],
                    }
                ],
            },
            "service": service,
            **dict(dims),
        }
        for name, (_, values) in metrics.items():
            doc[name] = list(values)
        out.append(doc)
    buffer.clear()
    return out


# Where `flush()` writes when not told: None = sys.stdout at the time of the flush (what Lambda
# ships to CloudWatch). Benchmarks and tools may point it elsewhere.
output: IO[str] | None = None


def flush(stream: IO[str] | None = None, *, namespace: str = NAMESPACE, service: str = SERVICE) -> int:
    """Write the pending metrics as EMF lines; returns how many documents were written.

    Each line is exactly `json.dumps(doc, separators=(",", ":"))` of the matching `documents()`
    entry, written directly: the structure is fixed, so only its strings need JSON's escaping."""
    buffer = _buffer()
    if not buffer:
        return 0
    timestamp = int(time.time() * 1000)
    target = stream or output or sys.stdout
    target.write(
        "".join(_line(dims, metrics, timestamp, namespace, service) for dims, metrics in buffer.items())
    )
    target.flush()
    count = len(buffer)
    buffer.clear()
    return count


_quote = json.encoder.encode_basestring_ascii  # what json.dumps uses for str (ensure_ascii=True)


def _number(value: float) -> str:
    return float.__repr__(value) if math.isfinite(value) else json.dumps(value)  # NaN, Infinity


def _line(
    dims: tuple[tuple[str, str], ...],
    metrics: dict[str, tuple[Unit, list[float]]],
    timestamp: int,
    namespace: str,
    service: str,
) -> str:
    names = ",".join([*(_quote(k) for k, _ in dims), '"service"'])
    declared = ",".join(
        f'{{"Name":{_quote(name)},"Unit":{_quote(unit)}}}' for name, (unit, _) in metrics.items()
    )
    # Keys in documents() order: _aws, service, the dimensions, the metric values (a later key
    # of the same name replaces an earlier one's value in place, as in a dict).
    fields: dict[str, str] = {"service": _quote(service)}
    for k, v in dims:
        fields[k] = _quote(v)
    for name, (_, values) in metrics.items():
        fields[name] = "[" + ",".join(map(_number, values)) + "]"
    body = ",".join(f"{_quote(k)}:{v}" for k, v in fields.items())
    return (
        f'{{"_aws":{{"Timestamp":{timestamp},"CloudWatchMetrics":[{{"Namespace":{_quote(namespace)},'
        f'"Dimensions":[[{names}]],"Metrics":[{declared}]}}]}},{body}}}\n'
    )


def discard() -> None:
    _buffer().clear()

"""DynamoDB: store requests per code-hook invocation (moto in-process), and handler latency over
1,000 invocations against moto's server on 127.0.0.1.

Both run the production wiring: `build_app(Settings(BOT_STORE=dynamodb, ...))`, so the store is
the `DynamoDBStore` that `make_store` builds (botocore standard retries, timeouts), driven by
`LexTestClient` through the README's payment conversation plus a wallet turn.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

from benchlib import median, payment_script, percentile, settings

TABLE = "bench-sessions"
REGION = "us-east-1"
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


def _app(**extra: str) -> Any:
    from bot.handler import build_app

    return build_app(settings("dynamodb", SESSION_TABLE=TABLE, AWS_REGION=REGION, **extra))


def store_trips() -> dict[str, Any]:
    """Requests per invocation, counted with botocore's before-call / before-send hooks."""
    import boto3
    from moto import mock_aws

    from bot.dev.testing import LexTestClient
    from bot.store.dynamodb import create_table

    with mock_aws():
        create_table(boto3.client("dynamodb", region_name=REGION), TABLE)
        app = _app()
        client = app.store.client
        calls: Counter[str] = Counter()
        sends: list[int] = [0]
        client.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.update([model.name]))
        client.meta.events.register("before-send.dynamodb.*", lambda **_: sends.__setitem__(0, sends[0] + 1))
        invocations: list[dict[str, Any]] = []

        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            calls.clear()
            sends[0] = 0
            response = app.handle(event, context)
            invocations.append(
                {
                    "intent": event["sessionState"]["intent"]["name"],
                    "source": event["invocationSource"],
                    "reads": sum(n for op, n in calls.items() if op in READS),
                    "writes": sum(n for op, n in calls.items() if op in WRITES),
                    "other": sum(n for op, n in calls.items() if op not in READS | WRITES),
                    "http_requests": sends[0],
                    "operations": dict(calls),
                }
            )
            return response

        lex = LexTestClient(handler)
        payment_script(lex)
    n = len(invocations)
    return {
        "user_inputs": len(lex.history),
        "invocations": n,
        "reads_per_invocation": sum(i["reads"] for i in invocations) / n,
        "writes_per_invocation": sum(i["writes"] for i in invocations) / n,
        "max_reads": max(i["reads"] for i in invocations),
        "max_writes": max(i["writes"] for i in invocations),
        "other_requests": sum(i["other"] for i in invocations),
        "http_requests_per_invocation": sum(i["http_requests"] for i in invocations) / n,
        "per_invocation": invocations,
    }


def _conversations(handle: Any, target: int) -> tuple[list[float], int]:
    """Play conversations through `handle` until `target` invocations were timed (ms each)."""
    from bot.dev.testing import LexTestClient

    samples: list[float] = []

    def timed(event: dict[str, Any], context: Any) -> dict[str, Any]:
        started = time.perf_counter_ns()
        response: dict[str, Any] = handle(event, context)
        samples.append((time.perf_counter_ns() - started) / 1e6)
        return response

    conversations = 0
    while len(samples) < target:
        payment_script(LexTestClient(timed))
        conversations += 1
    return samples[:target], conversations


def _summary(samples: list[float], conversations: int) -> dict[str, Any]:
    return {
        "invocations": len(samples),
        "conversations": conversations,
        "p50_ms": percentile(samples, 50),
        "p90_ms": percentile(samples, 90),
        "p99_ms": percentile(samples, 99),
        "max_ms": max(samples),
        "mean_ms": sum(samples) / len(samples),
        "median_ms": median(samples),
    }


def latency(invocations: int) -> dict[str, Any]:
    """p50/p99/max of `App.handle` against moto's ThreadedMotoServer on 127.0.0.1 (port 0)."""
    import boto3
    from moto.server import ThreadedMotoServer

    from bot.handler import build_app
    from bot.store.dynamodb import create_table

    werkzeug = logging.getLogger("werkzeug")
    previous = werkzeug.level
    werkzeug.setLevel(logging.WARNING)  # not one INFO line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        create_table(boto3.client("dynamodb", endpoint_url=url, region_name=REGION), TABLE)
        app = _app(DYNAMODB_ENDPOINT_URL=url)
        _conversations(app.handle, 24)  # warm-up: connection pool, first-use imports; discarded
        samples, conversations = _conversations(app.handle, invocations)
    finally:
        server.stop()
        werkzeug.setLevel(previous)
    result = {"dynamodb_server": _summary(samples, conversations), "samples_ms": samples}
    memory_app = build_app(settings("memory"))
    _conversations(memory_app.handle, 24)
    result["memory"] = _summary(*_conversations(memory_app.handle, invocations))
    return result

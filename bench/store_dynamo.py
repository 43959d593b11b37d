"""DynamoDB store: CPU per turn with the network stubbed, and time-listing Query counts.

    .venv/bin/python -m bench.store_dynamo [--turns 2000] [--window 10]

`turn_cpu()` — one turn is what a code hook asks of the store: `load` (one Query: the record and
the newest `window` history entries) then `save` (one TransactWriteItems: the record and the new
entry). The client is a real botocore client (retries, parameter validation if on, serialisation,
signing, response parsing); only the HTTP send is replaced, by a `before-send` hook answering
from a dict that keeps what the writes sent (conditions are not evaluated), so the items read are
exactly the items this code writes. CPU (`time.process_time`) and wall time per turn over a
round of turns, median of `rounds` rounds; the memory store's turn is there for the ratio.
For a deterministic count: `--plain-turns N` runs 30 warm-up turns and N turns, untimed, for
valgrind --tool=callgrind (per-turn instructions = the difference of N and 0, divided by N).

`listing_queries()` — Query requests of a time listing over 1, 30 and 366 days (moto in-process),
with and without the store's retention, and the results of both (they must be the same).

Both return dicts, for bench/run.py to print.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

T0 = 1_800_000_000
DAY = 86_400
REGION = "us-east-1"
TABLE = "bench-store"


def _state(turn: int) -> dict[str, str]:
    """A session model's wire form of the reference bot's size (a signed str -> str map)."""
    return {
        "schema": "3",
        "intent": "CollectCard",
        "step": "card" if turn % 2 else "amount",
        "amount": "42.50",
        "currency": "EUR",
        "invoice": "INV-20931",
        "name": "Ada Lovelace",
        "locale": "en_GB",
        "attempts": str(turn % 3),
        "last4": "4242",
        "channel": "voice",
        "turn": str(turn),
        "mac": "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c",
    }


class _FakeTable:
    """Answers the hot path's requests (Query on the key, PutItem, TransactWriteItems), cheaply:
    its own cost is inside the measured turn, so it keeps each partition's keys sorted."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, list[str]] = {}

    def answer(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        if operation == "Query":
            pk = body["ExpressionAttributeValues"][":pk"]["S"]
            keys = self.keys.get(pk, [])
            limit = body.get("Limit", len(keys))
            chosen = keys[::-1][:limit] if not body.get("ScanIndexForward", True) else keys[:limit]
            page = [self.items[pk + "|" + sk] for sk in chosen]
            answer: dict[str, Any] = {"Items": page, "Count": len(page), "ScannedCount": len(page)}
            if len(page) < len(keys):
                answer["LastEvaluatedKey"] = {"pk": page[-1]["pk"], "sk": page[-1]["sk"]}
            return answer
        if operation == "PutItem":
            self._put(body["Item"])
            return {}
        if operation == "TransactWriteItems":
            for action in body["TransactItems"]:
                if "Put" in action:
                    self._put(action["Put"]["Item"])
            return {}
        raise ValueError(f"not on the hot path: {operation}")

    def _put(self, item: dict[str, Any]) -> None:
        import bisect

        pk, sk = item["pk"]["S"], item["sk"]["S"]
        if pk + "|" + sk not in self.items:
            bisect.insort(self.keys.setdefault(pk, []), sk)
        self.items[pk + "|" + sk] = item


def stubbed_client() -> Any:
    """A botocore DynamoDB client (the store's own config) whose HTTP sends never leave."""
    import botocore.session
    from botocore.awsrequest import AWSResponse

    from bot.store.dynamodb import client_config

    session = botocore.session.Session()
    client = session.create_client(
        "dynamodb",
        region_name=REGION,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=client_config(),
    )
    table = _FakeTable()

    class _Raw:
        def __init__(self, payload: bytes) -> None:
            self._payload = payload

        def stream(self, **_: Any) -> Any:
            yield self._payload

    def send(request: Any, **_: Any) -> AWSResponse:
        operation = request.headers["X-Amz-Target"].decode().rsplit(".", 1)[-1]
        answer = table.answer(operation, json.loads(request.body))
        payload = json.dumps(answer).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "bench"}
        return AWSResponse(request.url, 200, headers, _Raw(payload))

    client.meta.events.register("before-send.dynamodb.*", send)
    return client


def _turns(store: Any, turns: int, window: int, prefix: str) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per turn over `turns` turns: load, then save the record
    forward with one new entry. Timed over the whole loop: the CPU clock ticks coarsely here."""
    from bot.store.base import MessageRecord, SessionRecord
    from bot.store.layout import copy_record

    sid = f"{prefix}-session-0001"
    store.save(SessionRecord(sid, _state(0), expires_at=T0 + DAY), expected_version=0, now=T0)
    cpu, wall = time.process_time(), time.perf_counter()
    for turn in range(1, turns + 1):
        now = T0 + turn
        record, history = store.load(sid, now=now, window=window)
        assert record is not None
        assert len(history) == min(window, turn - 1)
        entry = MessageRecord(
            sid,
            record.message_count,
            now * 1000,
            "my card number is •••• 4242",
            ["Thanks. What's the expiry date?"],
            intent="CollectCard",
            source="DialogCodeHook",
            slot="Expiry",
            signature="c2lnbmF0dXJlLW9mLXRoaXMtZW50cnktMzItYnl0ZXM",
            expires_at=now + DAY,
        )
        changed = copy_record(record, state=_state(turn), message_count=record.message_count + 1)
        store.save(changed, expected_version=record.version, now=now, messages=[entry])
    return (time.process_time() - cpu) / turns, (time.perf_counter() - wall) / turns


def turn_cpu(turns: int = 2000, window: int = 10, rounds: int = 5) -> dict[str, Any]:
    """Per-turn CPU and wall time (µs) of the DynamoDB store with the network stubbed, and of
    the memory store (the same turns), medians of `rounds` rounds of `turns` turns."""
    from bot.store.dynamodb import DynamoDBStore
    from bot.store.memory import MemoryStore

    runs: dict[str, list[tuple[float, float]]] = {"dynamodb": [], "memory": []}
    for n in range(rounds):
        for name, store in (
            ("dynamodb", DynamoDBStore(TABLE, client=stubbed_client())),
            ("memory", MemoryStore()),
        ):
            _turns(store, 50, window, f"warm{n}")
            runs[name].append(_turns(store, turns, window, f"r{n}"))
    result: dict[str, Any] = {"turns": turns, "window": window, "rounds": rounds}
    for name, samples in runs.items():
        result[f"{name}_cpu_us"] = round(statistics.median(c for c, _ in samples) * 1e6, 1)
        result[f"{name}_wall_us"] = round(statistics.median(w for _, w in samples) * 1e6, 1)
    result["ratio_cpu"] = round(result["dynamodb_cpu_us"] / result["memory_cpu_us"], 2)
    return result


def listing_queries(spans_days: tuple[int, ...] = (1, 30, 366), retention_days: int = 30) -> dict[str, Any]:
    """Query requests per time listing (moto in-process), without and with the retention."""
    import os

    import boto3
    from moto import mock_aws

    from bot.store.base import SessionRecord
    from bot.store.dynamodb import DynamoDBStore, client_config, create_table

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    retention = retention_days * DAY
    now = T0 - T0 % DAY + 7 * 3600 + 11  # mid-morning: the retention horizon cuts a day
    results: dict[str, Any] = {"retention_days": retention_days, "spans": {}}
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION, config=client_config())
        create_table(client, TABLE)
        plain = DynamoDBStore(TABLE, client=client)
        clamped = DynamoDBStore(TABLE, client=client, retention_seconds=retention)
        for i in range(120):  # one session every ~half day over 60 days, kept 1 to 30 days
            at = now - i * (DAY // 2) - 97 * i
            plain.put(
                SessionRecord(f"s-{i:04d}", {"k": "v"}, expires_at=at + DAY * (1 + (i * 7) % retention_days)),
                expected_version=0,
                now=at,
            )
        queries = [0]
        client.meta.events.register(
            "before-call.dynamodb.Query", lambda **_: queries.__setitem__(0, queries[0] + 1)
        )
        for span in spans_days:
            row: dict[str, Any] = {}
            listed: dict[str, list[str]] = {}
            for name, store in (("unclamped", plain), ("clamped", clamped)):
                queries[0] = 0
                page = store.list_by_time(start=now + 1 - span * DAY, end=now + 1, now=now, limit=250)
                listed[name] = [r.session_id for r in page.items]
                row[name] = {"queries": queries[0], "sessions": len(page.items)}
            row["same_results"] = listed["unclamped"] == listed["clamped"]
            results["spans"][str(span)] = row
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-listing", action="store_true")
    parser.add_argument("--plain-turns", type=int, default=None, help="untimed turns (for callgrind)")
    args = parser.parse_args()
    if args.plain_turns is not None:
        from bot.store.dynamodb import DynamoDBStore

        store = DynamoDBStore(TABLE, client=stubbed_client())
        _turns(store, 30, args.window, "warm")
        if args.plain_turns:
            _turns(store, args.plain_turns, args.window, "run")
        return
    out: dict[str, Any] = {"turn_cpu": turn_cpu(args.turns, args.window, args.rounds)}
    if not args.skip_listing:
        out["listing_queries"] = listing_queries()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

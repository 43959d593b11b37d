"""Warm turns in one process, for callgrind: `python turn_driver.py SPEC.json`.

Runs from a read-only copy of the artifact (PYTHONPATH: artifact, then the runtime's boto3), never
from the repository, so it imports nothing but the standard library before the artifact's code.
SPEC (written by bench/warm_turn.py) says which side and which scenarios:

- `ours`: the artifact's `bot.handler.build_app` with the memory store (or `sqlite`), offline
  gateway, and logging as `get_app()` configures it under Lambda (`configure_logging(LOG_LEVEL)`:
  one JSON line per turn), EMF lines flushed every turn; both written to /dev/null. Every timed
  call gets its own session, seeded (untimed) with the state the conversation had at that point
  and a full history window (HISTORY_WINDOW signed entries), and an event whose attributes are
  those our previous response signed for it.
- `dynamodb`: the same app with the production `DynamoDBStore`; botocore's HTTP send is replaced
  by a replay of the responses a real (moto) table gave for that turn, recorded untimed in this
  process first: everything above the socket runs as deployed.
- `lex_helper` / `lex_helper_dynamodb`: lex-helper's handler (bench/lexhelper_bot), the latter
  with the seed's session manager (one GetItem + one PutItem per turn), network replayed the same
  way; logging as Lambda's runtime sets it up (a text line per INFO record).

For each scenario: `warmup` calls, then `mark()`, `calls` calls, `mark()`: callgrind's part
between the two marks, divided by `calls`, is the scenario's instructions per turn.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
import time
import uuid
from typing import Any

from marks import mark  # bench/marks.py

__all__ = ["mark"]


def _devnull() -> Any:
    return open(os.devnull, "w", encoding="utf-8")


def _lambda_runtime_logging() -> None:
    """What the python3.13 runtime installs for a function that configures nothing: a root handler
    writing one text line per record at INFO (the JSON-format default level)."""
    handler = logging.StreamHandler(_devnull())
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


# -- ours -------------------------------------------------------------------------------------


def _our_app(spec: dict[str, Any], store: str) -> Any:
    from bot import metrics
    from bot.config import Settings
    from bot.handler import build_app
    from bot.logs import configure_logging

    env = dict(spec["env"])
    env["BOT_STORE"] = store
    settings = Settings.from_env(env)
    configure_logging(settings.log_level, stream=_devnull())
    metrics.output = _devnull()
    if spec.get("app"):  # another bot (bench/warm_turn.py's floor: the appointments example)
        from bot.loader import load_app

        return build_app(settings, app=load_app(spec["app"]))
    return build_app(settings)


def _seeder(app: Any, scenario: dict[str, Any]) -> Any:
    """A function making one ready event: a new session seeded with the scenario's state and
    window (untimed)."""
    from bot.history import new_entry
    from bot.security import records, signing
    from bot.store.base import SessionRecord

    keys = app.services.keys
    state: dict[str, str] = scenario["state"]
    entries: list[dict[str, Any]] = scenario["history"]
    count: int = scenario.get("message_count", len(entries))  # the window's last index + 1
    context: str = scenario.get("context", "")
    extra: dict[str, str] = scenario.get("extra", {})
    template = scenario["event"]

    def make() -> dict[str, Any]:
        now = int(time.time())
        sid = str(uuid.uuid4())
        event = copy.deepcopy(template)
        event["sessionId"] = sid
        event["sessionState"]["sessionAttributes"] = {}
        if state:
            messages = [
                new_entry(
                    keys.history[0],
                    session_id=sid,
                    index=count - len(entries) + i,
                    at_ms=(now - 60 * (len(entries) - i)) * 1000,
                    expires_at=now + 3600 + 86400,
                    **entry,
                )
                for i, entry in enumerate(entries)
            ]
            record = SessionRecord(
                sid,
                dict(state),
                expires_at=now + 3600,
                extra=dict(extra),
                message_count=count,
                context=context,
            )
            records.seal(keys.signing, record)
            app.store.save(record, expected_version=0, now=now, messages=messages)
            attributes = dict(state)
            binding = signing.Binding(version=1, expires_at=now + 3600)
            attributes[signing.SIGNATURE_KEY] = signing.sign(keys.signing, sid, state, binding)
            event["sessionState"]["sessionAttributes"] = attributes
        return event

    return make


def _ours(spec: dict[str, Any], store: str) -> None:
    app = _our_app(spec, store)
    for scenario in spec["scenarios"]:
        make = _seeder(app, scenario)
        warm = [make() for _ in range(spec["warmup"])]
        timed = [make() for _ in range(spec["calls"])]
        for event in warm:
            app.handle(event, None)
        _check(app.handle(make(), None), scenario)
        handle = app.handle
        mark()
        for event in timed:
            handle(event, None)
        mark()


# -- lex-helper --------------------------------------------------------------------------------


def _theirs(spec: dict[str, Any]) -> None:
    from lexhelper_bot import make_helper

    _lambda_runtime_logging()
    helper = make_helper()
    for scenario in spec["scenarios"]:
        template = scenario["lex_helper_event"]
        warm = [copy.deepcopy(template) for _ in range(spec["warmup"])]
        timed = [copy.deepcopy(template) for _ in range(spec["calls"])]
        for event in warm:
            helper.handler(event, None)
        _check(helper.handler(copy.deepcopy(template), None), scenario)
        handler = helper.handler
        mark()
        for event in timed:
            handler(event, None)
        mark()


def _check(response: dict[str, Any], scenario: dict[str, Any]) -> None:
    action = response["sessionState"]["dialogAction"]
    got = [action["type"], action.get("slotToElicit")]
    if got != scenario["expect"]:
        raise SystemExit(f"{scenario['label']}: expected {scenario['expect']}, got {got}")


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as f:
        spec = json.load(f)
    side = spec["side"]
    if side in ("ours", "sqlite"):
        _ours(spec, "memory" if side == "ours" else "sqlite")
    elif side == "lex_helper":
        _theirs(spec)
    elif side in ("dynamodb", "lex_helper_dynamodb"):
        import dynamo_driver

        dynamo_driver.run(spec, sys.modules[__name__])
    elif side == "record":
        import dynamo_driver

        recorded = dynamo_driver.record(spec, sys.modules[__name__])
        with open(spec["out"], "w", encoding="utf-8") as f:
            json.dump(recorded, f)
    else:
        raise SystemExit(f"unknown side {side!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The DynamoDB-path sides of bench/turn_driver.py: ours with `DynamoDBStore`, lex-helper with the
seeds' session manager. botocore's HTTP send is replaced by a replay of the responses a moto
table gave for the same turn (recorded by bench/warm_turn.py, passed in the spec): signing,
serialization, parsing and retries run as deployed; no socket is opened.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import time
from typing import Any


def _replay(recorded: dict[str, list[dict[str, Any]]]) -> None:
    from botocore.awsrequest import AWSResponse
    from botocore.httpsession import URLLib3Session

    class _Raw:
        def __init__(self, body: bytes) -> None:
            self._body = body

        def stream(self, *_: object, **__: object) -> Any:
            yield self._body

    answers = {
        target: [(r["status"], r["headers"], base64.b64decode(r["body"])) for r in responses]
        for target, responses in recorded.items()
    }
    turn = dict.fromkeys(answers, 0)

    def send(self: object, request: Any) -> AWSResponse:
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else str(target)
        options = answers[target]
        status, headers, body = options[turn[target] % len(options)]
        turn[target] += 1
        return AWSResponse(request.url, status, headers, _Raw(body))

    URLLib3Session.send = send  # type: ignore[method-assign]


def run(spec: dict[str, Any], driver: Any) -> None:
    if spec["side"] == "dynamodb":
        handle = driver._our_app(spec, "dynamodb").handle
    else:
        import boto3
        from lexhelper_bot import make_helper
        from lexhelper_bot.session_manager import with_sessions

        driver._lambda_runtime_logging()
        handle = with_sessions(
            make_helper().handler, boto3.client("dynamodb", region_name=spec["env"]["AWS_REGION"])
        )
    for scenario in spec["scenarios"]:
        _replay(scenario["responses"])
        template = scenario["event"]
        warm = [copy.deepcopy(template) for _ in range(spec["warmup"])]
        timed = [copy.deepcopy(template) for _ in range(spec["calls"])]
        for event in warm:
            handle(event, None)
        driver._check(handle(copy.deepcopy(template), None), scenario)
        driver.mark()
        for event in timed:
            handle(event, None)
        driver.mark()


def record(spec: dict[str, Any], driver: Any) -> list[dict[str, Any]]:
    """Per scenario, for ours and for the lex-helper anchor: the event of one turn and the HTTP
    responses a moto table gave it (the children replay them). Ours: a session seeded as for the
    memory store, through the production `DynamoDBStore`. The anchor: an item holding the
    attributes lex-helper's previous turn returned and a full window of history."""
    import base64

    import boto3
    from lexhelper_bot import make_helper, previous_attributes
    from lexhelper_bot import session_manager as anchor
    from moto import mock_aws

    from bot.store.dynamodb import create_table

    def recorder(client: Any) -> dict[str, list[dict[str, Any]]]:
        seen: dict[str, list[dict[str, Any]]] = {}

        def after_call(http_response: Any, model: Any, **_: Any) -> None:
            target = f"DynamoDB_20120810.{model.name}"
            seen.setdefault(target, []).append(
                {
                    "status": http_response.status_code,
                    "headers": dict(http_response.headers),
                    "body": base64.b64encode(http_response.content).decode(),
                }
            )

        client.meta.events.register("after-call.dynamodb.*", after_call, unique_id="bench-recorder")
        return seen

    def stop(client: Any) -> None:
        client.meta.events.unregister("after-call.dynamodb.*", unique_id="bench-recorder")

    out = []
    scenarios = spec["scenarios"]
    env = {**spec["env"], "BOT_STORE": "dynamodb"}
    saved = {k: os.environ.get(k) for k in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    os.environ.update({"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"})
    try:
        with mock_aws():
            raw = boto3.client("dynamodb", region_name="us-east-1")
            create_table(raw, env["SESSION_TABLE"])
            anchor.create_table(raw)
            from bot.config import Settings
            from bot.handler import build_app

            app = build_app(Settings.from_env(env))
            from bot import metrics

            metrics.output = driver._devnull()
            helper = make_helper()
            for scenario in scenarios:
                event = driver._seeder(app, scenario)()
                seen = recorder(app.store.client)
                app.handle(copy.deepcopy(event), None)
                stop(app.store.client)
                ours = {"event": event, "responses": dict(seen)}
                # the anchor: its stored item at the same point, then one recorded turn
                client = boto3.client("dynamodb", region_name="us-east-1")
                theirs = copy.deepcopy(scenario["lex_helper_event"])
                attrs = previous_attributes(**scenario["lh_attrs"])
                window = [
                    {
                        "M": {
                            "user": {"S": h["user"]},
                            "bot": {"S": " ".join(h["bot"])},
                            "at": {"N": "1800000000"},
                        }
                    }
                    for h in scenario["history"]
                ]
                client.put_item(
                    TableName=anchor.TABLE,
                    Item={
                        "session_id": {"S": theirs["sessionId"]},
                        "attributes": {"S": json.dumps(attrs, separators=(",", ":"))},
                        "step": {"S": attrs.get("step", "")},
                        "history": {"L": window},
                        "ttl": {"N": str(int(time.time()) + 3600)},
                    },
                )
                seen = recorder(client)
                anchor.with_sessions(helper.handler, client)(copy.deepcopy(theirs), None)
                out.append({"ours": ours, "theirs": {"event": theirs, "responses": dict(seen)}})
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out

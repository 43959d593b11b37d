"""The seeds' DynamoDB session manager around a lex-helper handler: the anchor of the DynamoDB-path
benchmark. One GetItem before the handler (the stored attributes and history), one PutItem after
it (attributes, step, the last HISTORY turns, a 1-hour TTL), through boto3's low-level client —
cheaper than the `Table` resource the seeds' snippets use, so the anchor is the stricter one.
"""

from __future__ import annotations

import json
import time
from typing import Any

TABLE = "bench-lexhelper-sessions"
HISTORY = 10
TTL_SECONDS = 3600


def create_table(client: Any) -> None:
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "session_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "session_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def with_sessions(handler: Any, client: Any) -> Any:
    """`handler(event, context)` wrapped with the per-turn GetItem + PutItem."""

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        sid = event["sessionId"]
        item = client.get_item(TableName=TABLE, Key={"session_id": {"S": sid}}).get("Item")
        history: list[Any] = []
        if item is not None:
            attributes = json.loads(item["attributes"]["S"])
            event["sessionState"]["sessionAttributes"] = {
                **event["sessionState"].get("sessionAttributes", {}),
                **attributes,
            }
            history = item.get("history", {}).get("L", [])
        response: dict[str, Any] = handler(event, context)
        attributes = response["sessionState"].get("sessionAttributes") or {}
        now = int(time.time())
        said = " ".join(str(m.get("content", "")) for m in response.get("messages") or [])
        history = [
            *history,
            {
                "M": {
                    "user": {"S": event.get("inputTranscript", "")},
                    "bot": {"S": said},
                    "at": {"N": str(now)},
                }
            },
        ][-HISTORY:]
        client.put_item(
            TableName=TABLE,
            Item={
                "session_id": {"S": sid},
                "attributes": {"S": json.dumps(attributes, separators=(",", ":"))},
                "step": {"S": str(attributes.get("step", ""))},
                "history": {"L": history},
                "updated_at": {"N": str(now)},
                "ttl": {"N": str(now + TTL_SECONDS)},
            },
        )
        return response

    return handle

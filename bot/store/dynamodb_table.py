"""DynamoDB table management: the table (pk/sk, gsi1, gsi2, TTL), created or completed in place."""

from __future__ import annotations

import time
from typing import Any

from bot.store.dynamodb_codec import TTL_ATTRIBUTE
from bot.store.layout import GSI_TIME, GSI_USER

INDEX_WAIT_S = 3600  # create_table: how long to wait for a new GSI to become ACTIVE
INDEXES = {GSI_USER: ("gsi1pk", "gsi1sk"), GSI_TIME: ("gsi2pk", "gsi2sk")}
_sleep = time.sleep  # tests replace it


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code if isinstance(code, str) else None


def index_spec(name: str) -> dict[str, Any]:
    hash_key, range_key = INDEXES[name]
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }


def wait_for_index(client: Any, table_name: str, index: str) -> None:
    deadline = time.monotonic() + INDEX_WAIT_S
    while True:
        table = client.describe_table(TableName=table_name)["Table"]
        statuses = {g["IndexName"]: g.get("IndexStatus") for g in table.get("GlobalSecondaryIndexes", [])}
        if table.get("TableStatus") == "ACTIVE" and statuses.get(index) == "ACTIVE":
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"index {index!r} of table {table_name!r} did not become ACTIVE")
        _sleep(5)


def create_table(client: Any, table_name: str) -> None:
    """Create the single table (on-demand, pk/sk strings, gsi1 and gsi2 with all attributes
    projected) and enable TTL on `expires_at`.

    Idempotent: an existing table is fine; an index it lacks is added with UpdateTable (one at a
    time, waiting until ACTIVE), and TTL is only switched on when it is not already.
    """
    from botocore.exceptions import ClientError

    key_attributes = ["pk", "sk", *(name for pair in INDEXES.values() for name in pair)]
    try:
        client.create_table(
            TableName=table_name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in key_attributes],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[index_spec(name) for name in INDEXES],
        )
    except ClientError as exc:
        if _error_code(exc) != "ResourceInUseException":
            raise
    client.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )

    for index, index_keys in INDEXES.items():
        table = client.describe_table(TableName=table_name)["Table"]
        if any(g["IndexName"] == index for g in table.get("GlobalSecondaryIndexes", [])):
            wait_for_index(client, table_name, index)  # may still be backfilling from an earlier run
            continue
        definitions = {d["AttributeName"]: d for d in table.get("AttributeDefinitions", [])}
        for name in index_keys:
            definitions.setdefault(name, {"AttributeName": name, "AttributeType": "S"})
        client.update_table(
            TableName=table_name,
            AttributeDefinitions=list(definitions.values()),
            GlobalSecondaryIndexUpdates=[{"Create": index_spec(index)}],
        )
        wait_for_index(client, table_name, index)

    ttl = client.describe_time_to_live(TableName=table_name).get("TimeToLiveDescription", {})
    status = ttl.get("TimeToLiveStatus", "DISABLED")
    if status in ("ENABLED", "ENABLING"):
        if ttl.get("AttributeName") != TTL_ATTRIBUTE:
            raise ValueError(
                f"table {table_name!r} already has TTL on {ttl.get('AttributeName')!r}, not {TTL_ATTRIBUTE!r}"
            )
        return
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )

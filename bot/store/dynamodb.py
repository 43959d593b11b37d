"""DynamoDB session store: one GetItem per read, one conditional PutItem per write.

Item layout (single table, see `bot.store.layout`):

    pk          S   "SESSION#<session_id>"
    sk          S   "STATE"
    version     N   optimistic-concurrency counter (1 after the first write)
    expires_at  N   epoch seconds; the table's TTL attribute
    updated_at  N   epoch seconds
    state       M   str -> S, the session's wire-form map
    extra       M   str -> S
    owner       S   only present when set
    wtok        S   random token of the write that produced this item (see `put`)

`state` is a native map rather than a JSON string: it stays readable in the console and in
exports, and a later feature can update or project single keys (`SET #state.#k = :v`) without
rewriting the blob. The cost is DynamoDB's rule that map keys are non-empty, which
`layout.check_record` enforces for every backend.

DynamoDB's TTL deletes expired items up to ~48 h late, so expiry is decided on read and in
the write condition, both against the caller's `now`: an item with `expires_at <= now` is
absent for `get` and counts as version 0 for `put`.
"""

from __future__ import annotations

import secrets
from typing import Any

from bot.store.base import SessionRecord, StoreUnavailable, VersionConflict
from bot.store.layout import STATE_SK, check_record, copy_record, session_id_from_pk, session_pk

TTL_ATTRIBUTE = "expires_at"
TOTAL_MAX_ATTEMPTS = 3  # a Lex code hook has 30 s; 3 tries x (2 s connect + 3 s read) + backoff fits
CONNECT_TIMEOUT_S = 2
READ_TIMEOUT_S = 3

# Client errors that mean "the caller sent something invalid" (a bug, e.g. an item over
# 400 KB): re-raised unchanged rather than disguised as an outage.
_CALLER_ERRORS = frozenset({"ValidationException", "SerializationException"})
_CONDITION_FAILED = "ConditionalCheckFailedException"

# expected_version == 0: no item, or an expired one that TTL has not removed yet.
_CONDITION_NEW = "attribute_not_exists(#pk) OR #exp <= :now"
# expected_version > 0: a live item that still carries the version the caller read.
_CONDITION_VERSION = "#ver = :expected AND #exp > :now"


def client_config() -> Any:
    """The botocore Config used for clients this module creates."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": TOTAL_MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
    )


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _string_map(values: dict[str, str]) -> dict[str, Any]:
    return {"M": {key: {"S": value} for key, value in values.items()}}


def _from_string_map(attr: dict[str, Any] | None) -> dict[str, str]:
    if not attr:
        return {}
    return {key: value["S"] for key, value in attr["M"].items()}


def _record_from_item(item: dict[str, Any]) -> SessionRecord:
    owner = item.get("owner")
    return SessionRecord(
        session_id=session_id_from_pk(item["pk"]["S"]),
        state=_from_string_map(item.get("state")),
        version=int(item["version"]["N"]),
        expires_at=int(item[TTL_ATTRIBUTE]["N"]),
        updated_at=int(item["updated_at"]["N"]),
        owner=None if owner is None else owner["S"],
        extra=_from_string_map(item.get("extra")),
    )


class DynamoDBStore:
    """A `SessionStore` on one DynamoDB table (key schema pk/sk, both S)."""

    def __init__(
        self,
        table_name: str,
        *,
        client: Any | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        if not table_name:
            raise ValueError("table_name is required")
        if client is None:
            import boto3  # lazy: keeps `import bot.store` cheap on cold start

            client = boto3.client(
                "dynamodb", endpoint_url=endpoint_url, region_name=region, config=client_config()
            )
        elif endpoint_url is not None or region is not None:
            raise ValueError("pass either client or endpoint_url/region, not both")
        self._client = client
        self._table = table_name

    @property
    def table_name(self) -> str:
        return self._table

    @property
    def client(self) -> Any:
        return self._client

    def _unavailable(self, operation: str, exc: Exception) -> StoreUnavailable:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            what = f"{error.get('Code') or 'unknown error'} (HTTP {status})"
        else:
            what = type(exc).__name__
        return StoreUnavailable(f"DynamoDB {operation} on table {self._table!r} failed: {what}")

    def _key(self, session_id: str) -> dict[str, Any]:
        return {"pk": {"S": session_pk(session_id)}, "sk": {"S": STATE_SK}}

    def get(self, session_id: str, *, now: int) -> SessionRecord | None:
        from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

        try:
            response = self._client.get_item(
                TableName=self._table, Key=self._key(session_id), ConsistentRead=True
            )
        except ParamValidationError:
            raise
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _CALLER_ERRORS:
                raise
            raise self._unavailable("GetItem", exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable("GetItem", exc) from exc
        item = response.get("Item")
        if item is None or int(item[TTL_ATTRIBUTE]["N"]) <= now:
            return None  # TTL deletes late: an expired item is absent
        return _record_from_item(item)

    def put(self, record: SessionRecord, *, expected_version: int, now: int) -> SessionRecord:
        """One conditional PutItem.

        botocore retries a PutItem whose response was lost (timeout, 5xx); if the first attempt
        had landed, the retry fails its condition. Each write therefore carries a random token
        and asks for the current item on condition failure (no extra request): finding our own
        token means our write is the one stored, so it is reported as the success it was.
        """
        from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

        check_record(record, expected_version=expected_version)
        stored = copy_record(record, version=expected_version + 1, updated_at=now)
        token = secrets.token_hex(16)
        item: dict[str, Any] = {
            **self._key(record.session_id),
            "version": _n(stored.version),
            TTL_ATTRIBUTE: _n(stored.expires_at),
            "updated_at": _n(now),
            "state": _string_map(stored.state),
            "extra": _string_map(stored.extra),
            "wtok": {"S": token},
        }
        if stored.owner is not None:
            item["owner"] = {"S": stored.owner}
        if expected_version == 0:
            condition = _CONDITION_NEW
            names = {"#pk": "pk", "#exp": TTL_ATTRIBUTE}
            values = {":now": _n(now)}
        else:
            condition = _CONDITION_VERSION
            names = {"#ver": "version", "#exp": TTL_ATTRIBUTE}
            values = {":expected": _n(expected_version), ":now": _n(now)}
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ParamValidationError:
            raise
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == _CONDITION_FAILED:
                current = exc.response.get("Item") or {}
                if current.get("wtok", {}).get("S") == token:
                    return copy_record(stored)  # an earlier attempt of this call was applied
                raise VersionConflict(
                    f"session was changed concurrently (expected version {expected_version})"
                ) from None
            if code in _CALLER_ERRORS:
                raise
            raise self._unavailable("PutItem", exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable("PutItem", exc) from exc
        return copy_record(stored)

    def delete(self, session_id: str) -> None:
        """Remove the session record (idempotent). Later item kinds under the pk are not touched."""
        from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

        try:
            self._client.delete_item(TableName=self._table, Key=self._key(session_id))
        except ParamValidationError:
            raise
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _CALLER_ERRORS:
                raise
            raise self._unavailable("DeleteItem", exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable("DeleteItem", exc) from exc


def create_table(client: Any, table_name: str) -> None:
    """Create the single table (on-demand, pk/sk strings) and enable TTL on `expires_at`.

    Idempotent: an existing table is fine, and TTL is only switched on when it is not already.
    Waits for the table to become ACTIVE (TTL cannot be changed while it is being created).
    """
    from botocore.exceptions import ClientError

    try:
        client.create_table(
            TableName=table_name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise
    client.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )

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

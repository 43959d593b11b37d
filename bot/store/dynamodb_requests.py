"""DynamoDB requests: the client's configuration, one call with its failures mapped, paged Queries.

botocore retries throttling and 5xx inside one call (standard mode, 3 attempts, short timeouts:
a Lex code hook has 30 s). Whatever still fails is `StoreUnavailable`, with a message naming the
operation, the table and the error code, never the data; only the codes a caller asks for
(conditional-check failures, transaction cancellations) come back as `ClientError`.
"""

from __future__ import annotations

import re
from typing import Any

from bot.store.base import StoreUnavailable

Item = dict[str, Any]

TOTAL_MAX_ATTEMPTS = 3  # a Lex code hook has 30 s; 3 tries x (2 s connect + 3 s read) + backoff fits
CONNECT_TIMEOUT_S = 2
READ_TIMEOUT_S = 3
CONDITION_FAILED = "ConditionalCheckFailedException"
CANCELED = "TransactionCanceledException"


def client_config() -> Any:
    """The botocore Config used for clients this module creates."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": TOTAL_MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
    )


def unvalidated(client: Any) -> Any:
    """The same client without botocore's client-side parameter validation, for the turn's hot
    path (its parameters are built here from records the store's checks already passed; DynamoDB
    validates them again). Everything else is shared: configuration, retries, credentials, the
    connection pool and the event hooks (request counters see both). A client of another shape
    (a stub, a botocore that changed) is returned as it is: validation stays on."""
    try:
        from botocore.validate import ParamValidationDecorator

        decorated = client.__dict__.get("_serializer")
        inner = (
            getattr(decorated, "_serializer", None)
            if isinstance(decorated, ParamValidationDecorator)
            else None
        )
        if inner is None or not hasattr(inner, "serialize_to_request"):
            return client
        hot = object.__new__(type(client))
        hot.__dict__.update(client.__dict__)
        hot.__dict__["_serializer"] = inner
    except (ImportError, AttributeError, TypeError):
        return client
    return hot


def error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return code if isinstance(code, str) else None


def cancellation_codes(exc: Exception) -> list[str]:
    """The per-action codes of a TransactionCanceledException ("None" for actions that passed)."""
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    return [str(reason.get("Code") or "None") for reason in reasons]


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


class Requests:
    """One table's requests on one client."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def unavailable(self, operation: str, exc: Exception) -> StoreUnavailable:
        response = getattr(exc, "response", None)
        if isinstance(response, dict):
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            what = f"{error_code(exc) or 'unknown error'} (HTTP {status})"
            reasons = [code for code in cancellation_codes(exc) if code != "None"]
            if reasons:
                what += f" reasons {reasons}"
        else:
            what = type(exc).__name__
        return StoreUnavailable(f"DynamoDB {operation} on table {self.table!r} failed: {what}")

    def call(self, operation: str, *, passthrough: frozenset[str] = frozenset(), **params: Any) -> Any:
        """One API call; a failure that survives botocore's retries becomes StoreUnavailable,
        except the error codes in `passthrough` (re-raised as ClientError)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, _snake(operation))(**params)
        except ClientError as exc:
            if error_code(exc) in passthrough:
                raise
            raise self.unavailable(operation, exc) from exc
        except BotoCoreError as exc:
            raise self.unavailable(operation, exc) from exc

    def query_all(self, **params: Any) -> list[Item]:
        """Every item of a Query (following LastEvaluatedKey)."""
        items: list[Item] = []
        while True:
            response = self.call("Query", TableName=self.table, **params)
            items.extend(response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last:
                return items
            params["ExclusiveStartKey"] = last

    def query_some(self, need: int, start_key: Item | None, **params: Any) -> tuple[list[Item], bool]:
        """Up to `need` items of a (filtered) Query, and whether more may follow the last one.

        Pages are read with a Limit; when `need` is reached mid-page the caller continues from
        the last returned item, not from DynamoDB's LastEvaluatedKey."""
        items: list[Item] = []
        page_limit = max(min(need * 2, 1000), 10)
        while True:
            if start_key:
                params["ExclusiveStartKey"] = start_key
            response = self.call("Query", TableName=self.table, Limit=page_limit, **params)
            page = response.get("Items", [])
            start_key = response.get("LastEvaluatedKey")
            for position, item in enumerate(page):
                items.append(item)
                if len(items) == need:
                    return items, position < len(page) - 1 or bool(start_key)
            if not start_key:
                return items, False

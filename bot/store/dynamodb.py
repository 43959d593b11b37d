"""DynamoDB store: one Query per `load`, one write request per `save`, listings on two GSIs.

Item layout (single table, keys from `bot.store.layout`):

    STATE    pk = SESSION#<id>  sk = STATE
        version N, expires_at N (the table's TTL attribute), updated_at N, created_at N,
        message_count N, state M (str -> S), extra M (str -> S), has_feedback BOOL, has_review BOOL,
        owner S / title S                        only when set
        feedback M {rating S, comment S, at N}   only when set
        review M {reviewer S, verdict S, notes S, at N}   only when set
        gsi2pk S = DAY#<day of updated_at>, gsi2sk S = <updated_at>#<id>   always
        gsi1pk S = USER#<owner>, gsi1sk S = <updated_at>#<id>              only with an owner
        wtok S   random token of the write that produced the item (see `save`)
    MSG      pk = SESSION#<id>  sk = MSG#<index:010d>
        gen N (the record's created_at when written), at_ms N, user S, bot L of S, sig S,
        expires_at N, intent S / source S / slot S / feedback M   only when set
    PROFILE  pk = USER#<user_id>  sk = PROFILE
        data M (str -> S), version N, expires_at N, updated_at N

`state` is a native map rather than a JSON string: it stays readable in the console and in
exports. The cost is DynamoDB's rule that map keys are non-empty, which `layout.check_record`
enforces for every backend. A message's index lives only in its sort key.

DynamoDB's TTL deletes expired items up to ~48 h late, so expiry is decided on read and in the
write conditions, both against the caller's `now`. Messages of an earlier generation of the
session (an expired record replaced under the same id) are told apart by `gen`.

Requests: load = 1 Query; save = 1 PutItem, or 1 TransactWriteItems with messages or a profile;
get = 1 GetItem; delete = Query + BatchWriteItem per 25 keys; messages = GetItem + Query;
set_message_feedback = GetItem + TransactWriteItems; listings = Query on gsi1 / one per day on
gsi2; backfill_ttl is the only Scan.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from bot.store.base import (
    BackfillReport,
    Feedback,
    InvalidCursor,
    MessageRecord,
    Page,
    ProfileRecord,
    Review,
    SessionRecord,
    StoreUnavailable,
    VersionConflict,
)
from bot.store.layout import (
    GSI_TIME,
    GSI_USER,
    MSG_INDEX_WIDTH,
    MSG_PREFIX,
    PROFILE_SK,
    SESSION_PREFIX,
    STATE_SK,
    USER_PREFIX,
    activity_sk,
    check_feedback,
    check_id,
    check_int,
    check_new_messages,
    check_profile,
    check_record,
    copy_profile,
    copy_record,
    day_pk,
    days_between,
    decode_cursor,
    encode_cursor,
    message_sk,
    session_id_from_pk,
    session_pk,
    time_params,
    user_pk,
)

Item = dict[str, Any]

TTL_ATTRIBUTE = "expires_at"
TOTAL_MAX_ATTEMPTS = 3  # a Lex code hook has 30 s; 3 tries x (2 s connect + 3 s read) + backoff fits
CONNECT_TIMEOUT_S = 2
READ_TIMEOUT_S = 3
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit
FEEDBACK_ATTEMPTS = 5  # set_message_feedback: re-reads after a concurrent version change
BATCH_ATTEMPTS = 8  # BatchWriteItem: tries while DynamoDB returns UnprocessedItems
INDEX_WAIT_S = 3600  # create_table: how long to wait for a new GSI to become ACTIVE
_MAX_INDEX = 10**MSG_INDEX_WIDTH - 1
_sleep = time.sleep  # tests replace it
_DAY_S = 86400

# Client errors that mean "the caller sent something invalid" (a bug, e.g. an item over
# 400 KB): re-raised unchanged rather than disguised as an outage.
_CALLER_ERRORS = frozenset(
    {"ValidationException", "SerializationException", "IdempotentParameterMismatchException"}
)
_CONDITION_FAILED = "ConditionalCheckFailedException"
_CANCELED = "TransactionCanceledException"
_CONFLICT_REASONS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})

# expected_version == 0: no item, or an expired one that TTL has not removed yet.
_CONDITION_NEW = "attribute_not_exists(#pk) OR #exp <= :now"
# expected_version > 0: a live item that still carries the version the caller read.
_CONDITION_VERSION = "#ver = :expected AND #exp > :now"
# A message index is free when no item is there, or only one of another generation or expired.
_CONDITION_MESSAGE_FREE = "attribute_not_exists(#pk) OR #gen <> :gen OR #exp <= :now"

_ACTIVITY_KEY = re.compile(r"\A(\d{12})#(.+)\Z", re.DOTALL)


def client_config() -> Any:
    """The botocore Config used for clients this module creates."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": TOTAL_MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
    )


# --- attribute values ----------------------------------------------------------------------------


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _int(item: Item, name: str, default: int = 0) -> int:
    value = item.get(name)
    return default if value is None else int(value["N"])


def _str(item: Item, name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value["S"])


def _string_map(values: dict[str, str]) -> dict[str, Any]:
    return {"M": {key: {"S": value} for key, value in values.items()}}


def _from_string_map(attr: dict[str, Any] | None) -> dict[str, str]:
    if not attr:
        return {}
    return {key: value["S"] for key, value in attr["M"].items()}


def _feedback_attr(feedback: Feedback) -> dict[str, Any]:
    return {"M": {"rating": _s(feedback.rating), "comment": _s(feedback.comment), "at": _n(feedback.at)}}


def _feedback_from(attr: dict[str, Any] | None) -> Feedback | None:
    if attr is None:
        return None
    values = attr["M"]
    return Feedback(
        rating=values["rating"]["S"], comment=_str(values, "comment") or "", at=_int(values, "at")
    )


def _review_from(attr: dict[str, Any] | None) -> Review | None:
    if attr is None:
        return None
    values = attr["M"]
    return Review(
        reviewer=values["reviewer"]["S"],
        verdict=values["verdict"]["S"],
        notes=_str(values, "notes") or "",
        at=_int(values, "at"),
    )


# --- items ---------------------------------------------------------------------------------------


def _state_key(session_id: str) -> Item:
    return {"pk": _s(session_pk(session_id)), "sk": _s(STATE_SK)}


def _profile_key(user_id: str) -> Item:
    return {"pk": _s(user_pk(user_id)), "sk": _s(PROFILE_SK)}


def _state_item(record: SessionRecord, token: str) -> Item:
    item: Item = {
        **_state_key(record.session_id),
        "version": _n(record.version),
        TTL_ATTRIBUTE: _n(record.expires_at),
        "updated_at": _n(record.updated_at),
        "created_at": _n(record.created_at),
        "message_count": _n(record.message_count),
        "state": _string_map(record.state),
        "extra": _string_map(record.extra),
        "has_feedback": {"BOOL": record.has_feedback},
        "has_review": {"BOOL": record.review is not None},
        "gsi2pk": _s(day_pk(record.updated_at)),
        "gsi2sk": _s(activity_sk(record.updated_at, record.session_id)),
        "wtok": _s(token),
    }
    if record.owner is not None:
        item["owner"] = _s(record.owner)
        item["gsi1pk"] = _s(user_pk(record.owner))
        item["gsi1sk"] = _s(activity_sk(record.updated_at, record.session_id))
    if record.title is not None:
        item["title"] = _s(record.title)
    if record.feedback is not None:
        item["feedback"] = _feedback_attr(record.feedback)
    if record.review is not None:
        review = record.review
        item["review"] = {
            "M": {
                "reviewer": _s(review.reviewer),
                "verdict": _s(review.verdict),
                "notes": _s(review.notes),
                "at": _n(review.at),
            }
        }
    return item


def _record_from_item(item: Item) -> SessionRecord:
    has_feedback = item.get("has_feedback")
    return SessionRecord(
        session_id=session_id_from_pk(item["pk"]["S"]),
        state=_from_string_map(item.get("state")),
        version=_int(item, "version"),
        expires_at=_int(item, TTL_ATTRIBUTE),
        updated_at=_int(item, "updated_at"),
        owner=_str(item, "owner"),
        extra=_from_string_map(item.get("extra")),
        created_at=_int(item, "created_at"),
        message_count=_int(item, "message_count"),
        title=_str(item, "title"),
        feedback=_feedback_from(item.get("feedback")),
        review=_review_from(item.get("review")),
        has_feedback=bool(has_feedback and has_feedback.get("BOOL")),
    )


def _message_item(message: MessageRecord, generation: int) -> Item:
    item: Item = {
        "pk": _s(session_pk(message.session_id)),
        "sk": _s(message_sk(message.index)),
        "gen": _n(generation),
        "at_ms": _n(message.at_ms),
        "user": _s(message.user),
        "bot": {"L": [_s(text) for text in message.bot]},
        "sig": _s(message.signature),
        TTL_ATTRIBUTE: _n(message.expires_at),
    }
    for name in ("intent", "source", "slot"):
        value = getattr(message, name)
        if value is not None:
            item[name] = _s(value)
    if message.feedback is not None:
        item["feedback"] = _feedback_attr(message.feedback)
    return item


def _message_from_item(item: Item) -> MessageRecord:
    return MessageRecord(
        session_id=session_id_from_pk(item["pk"]["S"]),
        index=int(item["sk"]["S"][len(MSG_PREFIX) :]),  # the index comes from the key only
        at_ms=_int(item, "at_ms"),
        user=_str(item, "user") or "",
        bot=[part["S"] for part in item.get("bot", {}).get("L", [])],
        intent=_str(item, "intent"),
        source=_str(item, "source"),
        slot=_str(item, "slot"),
        signature=_str(item, "sig") or "",
        expires_at=_int(item, TTL_ATTRIBUTE),
        feedback=_feedback_from(item.get("feedback")),
    )


def _is_current_message(item: Item, generation: int, now: int) -> bool:
    return (
        item["sk"]["S"].startswith(MSG_PREFIX)
        and _int(item, "gen", -1) == generation
        and _int(item, TTL_ATTRIBUTE) > now
    )


def _profile_from_item(item: Item) -> ProfileRecord:
    return ProfileRecord(
        user_id=item["pk"]["S"][len(USER_PREFIX) :],
        data=_from_string_map(item.get("data")),
        version=_int(item, "version"),
        expires_at=_int(item, TTL_ATTRIBUTE),
        updated_at=_int(item, "updated_at"),
    )


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return code if isinstance(code, str) else None


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _activity_key(value: object) -> tuple[int, str]:
    """(updated_at, session_id) of a gsi sort key taken from a cursor; InvalidCursor otherwise."""
    match = _ACTIVITY_KEY.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidCursor("invalid cursor")
    return int(match.group(1)), match.group(2)


class DynamoDBStore:
    """A `SessionStore` on one DynamoDB table (key schema pk/sk, both S; GSIs gsi1 and gsi2)."""

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

    # -- requests -----------------------------------------------------------------------------

    def _unavailable(self, operation: str, exc: Exception) -> StoreUnavailable:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            what = f"{error.get('Code') or 'unknown error'} (HTTP {status})"
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons") or []]
            if reasons:
                what += f" reasons {[r for r in reasons if r and r != 'None']}"
        else:
            what = type(exc).__name__
        return StoreUnavailable(f"DynamoDB {operation} on table {self._table!r} failed: {what}")

    def _request(self, operation: str, *, passthrough: frozenset[str] = frozenset(), **params: Any) -> Any:
        """One API call (botocore retries inside it); failures that survive the retries become
        StoreUnavailable, except invalid input (re-raised) and the codes in `passthrough`."""
        from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

        try:
            return getattr(self._client, _snake(operation))(**params)
        except ParamValidationError:
            raise
        except ClientError as exc:
            code = _error_code(exc)
            if code in _CALLER_ERRORS or code in passthrough:
                raise
            raise self._unavailable(operation, exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable(operation, exc) from exc

    def _query_all(self, **params: Any) -> list[Item]:
        """Every item of a Query (following LastEvaluatedKey)."""
        items: list[Item] = []
        while True:
            response = self._request("Query", TableName=self._table, **params)
            items.extend(response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last:
                return items
            params["ExclusiveStartKey"] = last

    def _query_some(self, need: int, start_key: Item | None, **params: Any) -> tuple[list[Item], bool]:
        """Up to `need` items of a (filtered) Query, and whether more may follow the last one.

        Pages are read with a Limit; when `need` is reached mid-page the caller continues from
        the last returned item, not from DynamoDB's LastEvaluatedKey."""
        items: list[Item] = []
        page_limit = max(min(need * 2, 1000), 10)
        while True:
            if start_key:
                params["ExclusiveStartKey"] = start_key
            response = self._request("Query", TableName=self._table, Limit=page_limit, **params)
            page = response.get("Items", [])
            start_key = response.get("LastEvaluatedKey")
            for position, item in enumerate(page):
                items.append(item)
                if len(items) == need:
                    return items, position < len(page) - 1 or bool(start_key)
            if not start_key:
                return items, False

    # -- the turn's hot path ------------------------------------------------------------------

    def load(
        self, session_id: str, *, now: int, window: int
    ) -> tuple[SessionRecord | None, list[MessageRecord]]:
        """One Query, newest first: STATE (it sorts after every MSG#) and then `window` messages.

        Leftover messages of an expired predecessor with higher indices can fill the page; only
        then (rare, until TTL removes them) a second Query reads the current generation's index
        range [0, message_count).
        """
        check_id("session_id", session_id)
        check_int("window", window)
        response = self._request(
            "Query",
            TableName=self._table,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": "pk"},
            ExpressionAttributeValues={":pk": _s(session_pk(session_id))},
            ScanIndexForward=False,
            ConsistentRead=True,
            Limit=window + 1,
        )
        items: list[Item] = response.get("Items", [])
        if not items or items[0]["sk"]["S"] != STATE_SK:
            return None, []
        record = _record_from_item(items[0])
        if record.expires_at <= now:
            return None, []
        page = items[1:]
        live = [item for item in page if _is_current_message(item, record.created_at, now)]
        # Expired messages of this generation mean older ones are expired too; but leftovers of
        # an earlier generation (higher indices, not yet removed by TTL) may hide live messages.
        leftovers = any(_int(item, "gen", -1) != record.created_at for item in page)
        if leftovers and response.get("LastEvaluatedKey") and len(live) < min(window, record.message_count):
            live = self._newest_messages(record, now=now, window=window)
        messages = [_message_from_item(item) for item in live]
        messages.reverse()
        return record, messages

    def _newest_messages(self, record: SessionRecord, *, now: int, window: int) -> list[Item]:
        """The newest `window` current-generation live messages, newest first (load's fallback)."""
        if record.message_count <= 0:
            return []
        items, _ = self._query_some(
            window,
            None,
            KeyConditionExpression="#pk = :pk AND #sk BETWEEN :lo AND :hi",
            FilterExpression="#gen = :gen AND #exp > :now",
            ExpressionAttributeNames={"#pk": "pk", "#sk": "sk", "#gen": "gen", "#exp": TTL_ATTRIBUTE},
            ExpressionAttributeValues={
                ":pk": _s(session_pk(record.session_id)),
                ":lo": _s(message_sk(0)),
                ":hi": _s(message_sk(min(record.message_count - 1, _MAX_INDEX))),
                ":gen": _n(record.created_at),
                ":now": _n(now),
            },
            ScanIndexForward=False,
            ConsistentRead=True,
        )
        return items

    def save(
        self,
        record: SessionRecord,
        *,
        expected_version: int,
        now: int,
        messages: tuple[MessageRecord, ...] | list[MessageRecord] = (),
        profile: ProfileRecord | None = None,
    ) -> SessionRecord:
        """One request: a conditional PutItem, or with messages/profile one TransactWriteItems.

        botocore retries a write whose response was lost (timeout, 5xx). For the transaction the
        ClientRequestToken makes DynamoDB answer such a retry with the first attempt's success.
        Both kinds also carry a random token in the STATE item and ask for the current item on a
        failed condition (no extra request): finding our own token means our write is the one
        stored, so it is reported as the success it was.
        """
        check_record(record, expected_version=expected_version)
        check_int("now", now)
        batch = list(messages)
        check_new_messages(record.session_id, batch)
        if profile is not None:
            check_profile(profile)
        if len(batch) + 2 > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"at most {MAX_TRANSACTION_ITEMS - 2} messages per save")

        created_at = now if expected_version == 0 else record.created_at
        stored = copy_record(record, version=expected_version + 1, updated_at=now, created_at=created_at)
        token = secrets.token_hex(16)
        state_put: Item = {"TableName": self._table, "Item": _state_item(stored, token)}
        if expected_version == 0:
            state_put["ConditionExpression"] = _CONDITION_NEW
            state_put["ExpressionAttributeNames"] = {"#pk": "pk", "#exp": TTL_ATTRIBUTE}
            state_put["ExpressionAttributeValues"] = {":now": _n(now)}
        else:
            state_put["ConditionExpression"] = _CONDITION_VERSION
            state_put["ExpressionAttributeNames"] = {"#ver": "version", "#exp": TTL_ATTRIBUTE}
            state_put["ExpressionAttributeValues"] = {":expected": _n(expected_version), ":now": _n(now)}
        state_put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"

        if not batch and profile is None:
            self._put_state(state_put, token, expected_version)
        else:
            self._transact_save(
                state_put=state_put,
                token=token,
                expected_version=expected_version,
                stored=stored,
                batch=batch,
                profile=profile,
                now=now,
            )
        return copy_record(stored)

    def _put_state(self, state_put: Item, token: str, expected_version: int) -> None:
        from botocore.exceptions import ClientError

        try:
            self._request("PutItem", passthrough=frozenset({_CONDITION_FAILED}), **state_put)
        except ClientError as exc:
            if _error_code(exc) != _CONDITION_FAILED:
                raise
            current = exc.response.get("Item") or {}
            if current.get("wtok", {}).get("S") == token:
                return  # an earlier attempt of this call was applied
            raise VersionConflict(
                f"session was changed concurrently (expected version {expected_version})"
            ) from None

    def _transact_save(
        self,
        *,
        state_put: Item,
        token: str,
        expected_version: int,
        stored: SessionRecord,
        batch: list[MessageRecord],
        profile: ProfileRecord | None,
        now: int,
    ) -> None:
        from botocore.exceptions import ClientError

        actions: list[Item] = [{"Put": state_put}]
        for message in batch:
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": _message_item(message, stored.created_at),
                        "ConditionExpression": _CONDITION_MESSAGE_FREE,
                        "ExpressionAttributeNames": {"#pk": "pk", "#gen": "gen", "#exp": TTL_ATTRIBUTE},
                        "ExpressionAttributeValues": {":gen": _n(stored.created_at), ":now": _n(now)},
                    }
                }
            )
        if profile is not None:
            # Last writer wins; the transaction cannot read the old version, so it counts up in place.
            actions.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": _profile_key(profile.user_id),
                        "UpdateExpression": "SET #data = :data, #exp = :exp, #upd = :now, "
                        "#ver = if_not_exists(#ver, :zero) + :one",
                        "ExpressionAttributeNames": {
                            "#data": "data",
                            "#exp": TTL_ATTRIBUTE,
                            "#upd": "updated_at",
                            "#ver": "version",
                        },
                        "ExpressionAttributeValues": {
                            ":data": _string_map(profile.data),
                            ":exp": _n(profile.expires_at),
                            ":now": _n(now),
                            ":zero": _n(0),
                            ":one": _n(1),
                        },
                    }
                }
            )
        try:
            self._request(
                "TransactWriteItems",
                passthrough=frozenset({_CANCELED}),
                TransactItems=actions,
                ClientRequestToken=token,
            )
        except ClientError as exc:
            if _error_code(exc) != _CANCELED:
                raise
            reasons: list[Item] = exc.response.get("CancellationReasons") or []
            if reasons and (reasons[0].get("Item") or {}).get("wtok", {}).get("S") == token:
                return  # an earlier attempt of this call was applied (all of it: a transaction)
            codes = {reason.get("Code") for reason in reasons}
            if codes & _CONFLICT_REASONS:
                raise VersionConflict(
                    f"session was changed concurrently (expected version {expected_version})"
                ) from None
            if "ValidationError" in codes:
                raise
            raise self._unavailable("TransactWriteItems", exc) from exc

    # -- single items -------------------------------------------------------------------------

    def get(self, session_id: str, *, now: int) -> SessionRecord | None:
        """One strongly consistent GetItem."""
        check_id("session_id", session_id)
        item = self._get_state(session_id)
        if item is None or _int(item, TTL_ATTRIBUTE) <= now:
            return None  # TTL deletes late: an expired item is absent
        return _record_from_item(item)

    def _get_state(self, session_id: str) -> Item | None:
        response = self._request(
            "GetItem", TableName=self._table, Key=_state_key(session_id), ConsistentRead=True
        )
        item: Item | None = response.get("Item")
        return item

    def put(self, record: SessionRecord, *, expected_version: int, now: int) -> SessionRecord:
        """`save` without messages or profile: one conditional PutItem."""
        return self.save(record, expected_version=expected_version, now=now)

    def delete(self, session_id: str) -> int:
        """Query every key under the session (all generations), then BatchWriteItem deletes."""
        check_id("session_id", session_id)
        keys = self._query_all(
            KeyConditionExpression="#pk = :pk",
            ProjectionExpression="#pk, #sk",
            ExpressionAttributeNames={"#pk": "pk", "#sk": "sk"},
            ExpressionAttributeValues={":pk": _s(session_pk(session_id))},
            ConsistentRead=True,
        )
        for start in range(0, len(keys), 25):
            self._batch_delete([{"pk": key["pk"], "sk": key["sk"]} for key in keys[start : start + 25]])
        return len(keys)

    def _batch_delete(self, keys: list[Item]) -> None:
        pending: dict[str, Any] = {self._table: [{"DeleteRequest": {"Key": key}} for key in keys]}
        for attempt in range(BATCH_ATTEMPTS):
            response = self._request("BatchWriteItem", RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                return
            _sleep(min(0.05 * 2**attempt, 1.0))
        raise StoreUnavailable(
            f"DynamoDB BatchWriteItem on table {self._table!r} failed: items still unprocessed"
        )

    # -- history ------------------------------------------------------------------------------

    def messages(
        self, session_id: str, *, now: int, after: int = -1, limit: int = 100
    ) -> list[MessageRecord]:
        """GetItem for the record's liveness and generation, then a Query over the index range."""
        check_id("session_id", session_id)
        check_int("after", after, minimum=-1)
        check_int("limit", limit)
        if limit == 0 or after >= _MAX_INDEX:
            return []
        state = self._get_state(session_id)
        if state is None or _int(state, TTL_ATTRIBUTE) <= now:
            return []
        items, _ = self._query_some(
            limit,
            None,
            KeyConditionExpression="#pk = :pk AND #sk BETWEEN :lo AND :hi",
            FilterExpression="#gen = :gen AND #exp > :now",
            ExpressionAttributeNames={"#pk": "pk", "#sk": "sk", "#gen": "gen", "#exp": TTL_ATTRIBUTE},
            ExpressionAttributeValues={
                ":pk": _s(session_pk(session_id)),
                ":lo": _s(message_sk(after + 1)),
                ":hi": _s(message_sk(_MAX_INDEX)),
                ":gen": _n(_int(state, "created_at")),
                ":now": _n(now),
            },
            ScanIndexForward=True,
            ConsistentRead=True,
        )
        return [_message_from_item(item) for item in items]

    def set_message_feedback(self, session_id: str, index: int, feedback: Feedback, *, now: int) -> bool:
        """Read STATE, then one transaction: the message's feedback + the record's has_feedback,
        version + 1 and new activity keys. A concurrent version change re-reads and retries."""
        from botocore.exceptions import ClientError

        check_id("session_id", session_id)
        check_int("index", index)
        if index > _MAX_INDEX:
            return False
        check_feedback(feedback, "feedback")
        for _ in range(FEEDBACK_ATTEMPTS):
            state = self._get_state(session_id)
            if state is None or _int(state, TTL_ATTRIBUTE) <= now:
                return False
            version = _int(state, "version")
            token = secrets.token_hex(16)
            names = {
                "#ver": "version",
                "#exp": TTL_ATTRIBUTE,
                "#hf": "has_feedback",
                "#upd": "updated_at",
                "#g2pk": "gsi2pk",
                "#g2sk": "gsi2sk",
                "#tok": "wtok",
            }
            values: Item = {
                ":v": _n(version),
                ":v1": _n(version + 1),
                ":now": _n(now),
                ":true": {"BOOL": True},
                ":day": _s(day_pk(now)),
                ":act": _s(activity_sk(now, session_id)),
                ":tok": _s(token),
            }
            update = "SET #hf = :true, #ver = :v1, #upd = :now, #g2pk = :day, #g2sk = :act, #tok = :tok"
            if "owner" in state:
                names["#g1sk"] = "gsi1sk"
                update += ", #g1sk = :act"
            actions = [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": _state_key(session_id),
                        "UpdateExpression": update,
                        "ConditionExpression": "#ver = :v AND #exp > :now",
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": _s(session_pk(session_id)), "sk": _s(message_sk(index))},
                        "UpdateExpression": "SET #fb = :fb",
                        "ConditionExpression": "attribute_exists(#pk) AND #gen = :gen AND #exp > :now",
                        "ExpressionAttributeNames": {
                            "#fb": "feedback",
                            "#pk": "pk",
                            "#gen": "gen",
                            "#exp": TTL_ATTRIBUTE,
                        },
                        "ExpressionAttributeValues": {
                            ":fb": _feedback_attr(feedback),
                            ":gen": _n(_int(state, "created_at")),
                            ":now": _n(now),
                        },
                    }
                },
            ]
            try:
                self._request(
                    "TransactWriteItems",
                    passthrough=frozenset({_CANCELED}),
                    TransactItems=actions,
                    ClientRequestToken=token,
                )
                return True
            except ClientError as exc:
                if _error_code(exc) != _CANCELED:
                    raise
                reasons: list[Item] = exc.response.get("CancellationReasons") or []
                codes = [reason.get("Code") for reason in reasons] + ["None", "None"]
                if reasons and (reasons[0].get("Item") or {}).get("wtok", {}).get("S") == token:
                    return True  # a retried attempt found its own write
                if codes[0] == "ConditionalCheckFailed" or "TransactionConflict" in codes:
                    continue  # the record changed meanwhile: read it again
                if codes[1] == "ConditionalCheckFailed":
                    return False  # no such message in the live generation
                if "ValidationError" in codes:
                    raise
                raise self._unavailable("TransactWriteItems", exc) from exc
        raise VersionConflict("session kept changing while setting message feedback")

    def retain(self, session_id: str, *, until: int, now: int) -> int:
        """Raise the expiry of the live record and its live current-generation messages to
        `until` (one UpdateItem per item that needs it; the record's version is unchanged)."""
        from botocore.exceptions import ClientError

        check_id("session_id", session_id)
        check_int("until", until)
        items = self._query_all(
            KeyConditionExpression="#pk = :pk",
            ProjectionExpression="#pk, #sk, #exp, #gen, #cre",
            ExpressionAttributeNames={
                "#pk": "pk",
                "#sk": "sk",
                "#exp": TTL_ATTRIBUTE,
                "#gen": "gen",
                "#cre": "created_at",
            },
            ExpressionAttributeValues={":pk": _s(session_pk(session_id))},
            ConsistentRead=True,
        )
        state = next((item for item in items if item["sk"]["S"] == STATE_SK), None)
        if state is None or _int(state, TTL_ATTRIBUTE) <= now:
            return 0
        generation = _int(state, "created_at")
        targets = [state] if _int(state, TTL_ATTRIBUTE) < until else []
        targets += [
            item
            for item in items
            if _is_current_message(item, generation, now) and _int(item, TTL_ATTRIBUTE) < until
        ]
        updated = 0
        for item in targets:
            names = {"#exp": TTL_ATTRIBUTE}
            values = {":until": _n(until), ":now": _n(now)}
            condition = "#exp < :until AND #exp > :now"
            if item is not state:
                names["#gen"], values[":gen"] = "gen", _n(generation)
                condition += " AND #gen = :gen"
            try:
                self._request(
                    "UpdateItem",
                    passthrough=frozenset({_CONDITION_FAILED}),
                    TableName=self._table,
                    Key={"pk": item["pk"], "sk": item["sk"]},
                    UpdateExpression="SET #exp = :until",
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
            except ClientError as exc:
                if _error_code(exc) != _CONDITION_FAILED:
                    raise
                continue  # changed meanwhile (expired, replaced or already extended)
            updated += 1
        return updated

    # -- profiles -----------------------------------------------------------------------------

    def get_profile(self, user_id: str, *, now: int) -> ProfileRecord | None:
        check_id("user_id", user_id)
        response = self._request(
            "GetItem", TableName=self._table, Key=_profile_key(user_id), ConsistentRead=True
        )
        item: Item | None = response.get("Item")
        if item is None or _int(item, TTL_ATTRIBUTE) <= now:
            return None
        return _profile_from_item(item)

    def put_profile(self, profile: ProfileRecord, *, now: int) -> ProfileRecord:
        """An UpdateItem counting up a live profile's version; absent or expired: a PutItem at 1."""
        from botocore.exceptions import ClientError

        check_profile(profile)
        try:
            response = self._request(
                "UpdateItem",
                passthrough=frozenset({_CONDITION_FAILED}),
                TableName=self._table,
                Key=_profile_key(profile.user_id),
                UpdateExpression="SET #data = :data, #exp = :exp, #upd = :now, #ver = #ver + :one",
                ConditionExpression="#exp > :now",
                ExpressionAttributeNames={
                    "#data": "data",
                    "#exp": TTL_ATTRIBUTE,
                    "#upd": "updated_at",
                    "#ver": "version",
                },
                ExpressionAttributeValues={
                    ":data": _string_map(profile.data),
                    ":exp": _n(profile.expires_at),
                    ":now": _n(now),
                    ":one": _n(1),
                },
                ReturnValues="UPDATED_NEW",
            )
            version = _int(response.get("Attributes", {}), "version", 1)
        except ClientError as exc:
            if _error_code(exc) != _CONDITION_FAILED:
                raise
            version = 1
            self._request(
                "PutItem",
                TableName=self._table,
                Item={
                    **_profile_key(profile.user_id),
                    "data": _string_map(profile.data),
                    "version": _n(version),
                    TTL_ATTRIBUTE: _n(profile.expires_at),
                    "updated_at": _n(now),
                },
            )
        return copy_profile(profile, version=version, updated_at=now)

    def delete_profile(self, user_id: str) -> None:
        check_id("user_id", user_id)
        self._request("DeleteItem", TableName=self._table, Key=_profile_key(user_id))

    # -- listings (Query on a GSI, never a Scan) -----------------------------------------------

    def list_by_user(
        self, user_id: str, *, now: int, limit: int = 15, cursor: str | None = None
    ) -> Page[SessionRecord]:
        """Query gsi1 (USER#<owner>), newest activity first, skipping expired records."""
        check_id("user_id", user_id)
        check_int("limit", limit, minimum=1)
        start_key: Item | None = None
        if cursor is not None:
            payload = decode_cursor(cursor)
            if set(payload) != {"u", "k"} or payload["u"] != user_id:
                raise InvalidCursor("cursor was issued for another listing")
            _, session_id = _activity_key(payload["k"])
            start_key = {
                **_state_key(session_id),
                "gsi1pk": _s(user_pk(user_id)),
                "gsi1sk": _s(payload["k"]),
            }
        items, more = self._query_some(
            limit,
            start_key,
            IndexName=GSI_USER,
            KeyConditionExpression="#g1pk = :user",
            FilterExpression="#exp > :now",
            ExpressionAttributeNames={"#g1pk": "gsi1pk", "#exp": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":user": _s(user_pk(user_id)), ":now": _n(now)},
            ScanIndexForward=False,
        )
        next_cursor = encode_cursor({"u": user_id, "k": items[-1]["gsi1sk"]["S"]}) if more else None
        return Page(items=[_record_from_item(item) for item in items], cursor=next_cursor)

    def list_by_time(
        self,
        *,
        start: int,
        end: int,
        now: int,
        limit: int = 250,
        cursor: str | None = None,
        has_feedback: bool | None = None,
        has_review: bool | None = None,
    ) -> Page[SessionRecord]:
        """One gsi2 Query per UTC day of [start, end), newest first; filters run server-side."""
        query = time_params(start, end, has_feedback, has_review)
        check_int("limit", limit, minimum=1)
        days = days_between(start, end)
        first_day, start_sk = 0, None
        if cursor is not None:
            payload = decode_cursor(cursor)
            if set(payload) != {"q", "d", "k"} or payload["q"] != query or payload["d"] not in days:
                raise InvalidCursor("cursor was issued for another listing")
            first_day, start_sk = days.index(payload["d"]), payload["k"]

        names = {"#g2pk": "gsi2pk", "#g2sk": "gsi2sk", "#exp": TTL_ATTRIBUTE}
        filters = ["#exp > :now"]
        flag_values: Item = {}
        if has_feedback is not None:
            names["#hf"] = "has_feedback"
            if has_feedback:
                filters.append("#hf = :true")
                flag_values[":true"] = {"BOOL": True}
            else:
                filters.append("(attribute_not_exists(#hf) OR #hf = :false)")
                flag_values[":false"] = {"BOOL": False}
        if has_review is not None:
            names["#rv"] = "review"
            filters.append("attribute_exists(#rv)" if has_review else "attribute_not_exists(#rv)")

        found: list[Item] = []
        for position in range(first_day, len(days)):
            day = days[position]
            day_start = (end - 1) - (end - 1) % _DAY_S - position * _DAY_S
            lower, upper = max(start, day_start), min(end - 1, day_start + _DAY_S - 1)
            start_key: Item | None = None
            if start_sk is not None:
                updated_at, session_id = _activity_key(start_sk)
                if not lower <= updated_at <= upper:
                    raise InvalidCursor("cursor was issued for another listing")
                start_key = {**_state_key(session_id), "gsi2pk": _s(day), "gsi2sk": _s(start_sk)}
                start_sk = None
            items, more = self._query_some(
                limit - len(found),
                start_key,
                IndexName=GSI_TIME,
                KeyConditionExpression="#g2pk = :day AND #g2sk BETWEEN :lo AND :hi",
                FilterExpression=" AND ".join(filters),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    ":day": _s(day),
                    ":lo": _s(activity_sk(lower, "")),
                    # "$" follows "#": above every key of second `upper`, whatever the session id.
                    ":hi": _s(activity_sk(upper, "")[:-1] + "$"),
                    ":now": _n(now),
                    **flag_values,
                },
                ScanIndexForward=False,
            )
            found.extend(items)
            if len(found) == limit:
                if more:
                    next_cursor = {"q": query, "d": day, "k": items[-1]["gsi2sk"]["S"]}
                elif position + 1 < len(days):
                    next_cursor = {"q": query, "d": days[position + 1], "k": None}
                else:
                    break
                return Page(
                    items=[_record_from_item(item) for item in found], cursor=encode_cursor(next_cursor)
                )
        return Page(items=[_record_from_item(item) for item in found], cursor=None)

    # -- upkeep -------------------------------------------------------------------------------

    def backfill_ttl(self, *, now: int, session_ttl: int, profile_ttl: int, dry_run: bool) -> BackfillReport:
        """Scan (maintenance only) for items without expires_at; each gets one with a conditional
        UpdateItem, so an item written meanwhile keeps the expiry its writer gave it.
        Items of unknown kind are counted as "other" and left alone."""
        from botocore.exceptions import ClientError

        check_int("now", now)
        check_int("session_ttl", session_ttl)
        check_int("profile_ttl", profile_ttl)
        if not isinstance(dry_run, bool):
            raise TypeError("dry_run must be a bool")
        report = BackfillReport()
        params: Item = {
            "TableName": self._table,
            "FilterExpression": "attribute_not_exists(#exp)",
            "ProjectionExpression": "#pk, #sk, #upd, #at",
            "ExpressionAttributeNames": {
                "#exp": TTL_ATTRIBUTE,
                "#pk": "pk",
                "#sk": "sk",
                "#upd": "updated_at",
                "#at": "at_ms",
            },
        }
        while True:
            response = self._request("Scan", **params)
            report.scanned += int(response.get("ScannedCount", 0))
            for item in response.get("Items", []):
                kind, expires_at = _backfill_expiry(item, now, session_ttl, profile_ttl)
                report.missing[kind] = report.missing.get(kind, 0) + 1
                if dry_run or expires_at is None:
                    continue
                try:
                    self._request(
                        "UpdateItem",
                        passthrough=frozenset({_CONDITION_FAILED}),
                        TableName=self._table,
                        Key={"pk": item["pk"], "sk": item["sk"]},
                        UpdateExpression="SET #exp = :exp",
                        ConditionExpression="attribute_not_exists(#exp)",
                        ExpressionAttributeNames={"#exp": TTL_ATTRIBUTE},
                        ExpressionAttributeValues={":exp": _n(expires_at)},
                    )
                except ClientError as exc:
                    if _error_code(exc) != _CONDITION_FAILED:
                        raise
                    continue  # given an expiry meanwhile
                report.updated += 1
            last = response.get("LastEvaluatedKey")
            if not last:
                return report
            params["ExclusiveStartKey"] = last


def _backfill_expiry(item: Item, now: int, session_ttl: int, profile_ttl: int) -> tuple[str, int | None]:
    """(kind, expiry) of an item without one; a missing timestamp counts as activity at `now`."""
    pk, sk = item["pk"].get("S", ""), item["sk"].get("S", "")
    if pk.startswith(SESSION_PREFIX) and sk == STATE_SK:
        kind, last, ttl = "session", _int(item, "updated_at", now), session_ttl
    elif pk.startswith(SESSION_PREFIX) and sk.startswith(MSG_PREFIX):
        at_ms = _int(item, "at_ms", -1)
        kind, last, ttl = "message", now if at_ms < 0 else at_ms // 1000, session_ttl
    elif pk.startswith(USER_PREFIX) and sk == PROFILE_SK:
        kind, last, ttl = "profile", _int(item, "updated_at", now), profile_ttl
    else:
        return "other", None
    return kind, max(last + ttl, now)


# --- table setup ---------------------------------------------------------------------------------

_INDEXES = {GSI_USER: ("gsi1pk", "gsi1sk"), GSI_TIME: ("gsi2pk", "gsi2sk")}


def _index_spec(name: str) -> Item:
    hash_key, range_key = _INDEXES[name]
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }


def _wait_for_index(client: Any, table_name: str, index: str) -> None:
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

    key_attributes = ["pk", "sk", *(name for pair in _INDEXES.values() for name in pair)]
    try:
        client.create_table(
            TableName=table_name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in key_attributes],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[_index_spec(name) for name in _INDEXES],
        )
    except ClientError as exc:
        if _error_code(exc) != "ResourceInUseException":
            raise
    client.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )

    for index, index_keys in _INDEXES.items():
        table = client.describe_table(TableName=table_name)["Table"]
        if any(g["IndexName"] == index for g in table.get("GlobalSecondaryIndexes", [])):
            _wait_for_index(client, table_name, index)  # may still be backfilling from an earlier run
            continue
        definitions = {d["AttributeName"]: d for d in table.get("AttributeDefinitions", [])}
        for name in index_keys:
            definitions.setdefault(name, {"AttributeName": name, "AttributeType": "S"})
        client.update_table(
            TableName=table_name,
            AttributeDefinitions=list(definitions.values()),
            GlobalSecondaryIndexUpdates=[{"Create": _index_spec(index)}],
        )
        _wait_for_index(client, table_name, index)

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

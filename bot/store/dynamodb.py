"""DynamoDB store: one Query per `load`, one write request per `save`, listings on two GSIs.

Only primitives live here (what to send when, and what the answers mean); the semantics are
`bot.store.core`'s. The item layout is in `bot.store.dynamodb_codec`, each request's parameters
(conditions, filters) in `bot.store.dynamodb_params`, the client and its failures in
`bot.store.dynamodb_requests`, table management in `bot.store.dynamodb_table` (`create_table`,
`client_config` and `TTL_ATTRIBUTE` are re-exported here).

DynamoDB's TTL deletes expired items up to ~48 h late, so expiry is decided on read (by the
core) and in the write conditions, both against the caller's `now`; conditions and filters
express the rules of `bot.store.items` (`LIVE`: no TTL attribute, or one in the future).

The turn's two requests (load's Query, save's PutItem / TransactWriteItems) go through a view of
the client without botocore's client-side parameter validation (`unvalidated`): the store's
checks ran first, and DynamoDB validates again. Scalar attribute values are serialized and parsed
as they are (`bot.store.dynamodb_wire`: the same bytes and the same result as botocore's, for
less). Everything else is validated, serialized and parsed as usual.

Requests: load = 1 Query; save = 1 PutItem, or 1 TransactWriteItems with messages or a profile;
get = 1 GetItem; delete = Query + BatchWriteItem per 25 keys; messages = GetItem + Query;
set_message_feedback = GetItem + TransactWriteItems; retain = Query + UpdateItem per item;
listings = Query on gsi1 / one per day on gsi2; backfill_ttl is the only Scan.

The time listing reads UTC days newest first and stops as soon as the page is full. With a
`retention_seconds` (the longest a session record stays live after its last activity: the
bot's max(SESSION_TTL_SECONDS, REVIEW_RETENTION_SECONDS)), it skips the days whose records can
no longer be live: a listing of any range costs at most retention-days + 1 day Queries (plus
continuation pages of a day). The store holds writers to that promise: a save whose expiry is
beyond now + retention is a ValueError (nothing is sent), and `retain` extends a record to at
most its last activity + retention (its messages as asked). Records written without an expiry
(before TTL; see `backfill_ttl`) and last active before the horizon are then not listed by time.
Without a retention every day asked for is queried.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from bot.store import codec
from bot.store import dynamodb_params as params
from bot.store.base import SessionRecord, StoreUnavailable, VersionConflict
from bot.store.core import StoreCore
from bot.store.dynamodb_codec import (
    TTL_ATTRIBUTE,
    message_from,
    n,
    plain,
    profile_item,
    profile_key,
    state_from,
    state_key,
    write_token,
)
from bot.store.dynamodb_codec import from_item as _plain_item
from bot.store.dynamodb_requests import (
    CANCELED,
    CONDITION_FAILED,
    Requests,
    cancellation_codes,
    client_config,
    unvalidated,
)
from bot.store.dynamodb_table import create_table
from bot.store.dynamodb_wire import fast_wire
from bot.store.items import NoSuchMessage, is_live, is_visible
from bot.store.layout import (
    MAX_MESSAGE_INDEX,
    STATE_SK,
    copy_profile,
    day_pk,
    days_between,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.store.base import MessageRecord, ProfileRecord
    from bot.store.items import (
        ExpiryTarget,
        FeedbackWrite,
        MessageWrite,
        Position,
        StateWrite,
        Stored,
        TimeQuery,
    )

__all__ = ["TTL_ATTRIBUTE", "DynamoDBStore", "client_config", "create_table"]

Item = dict[str, Any]

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit
BATCH_ATTEMPTS = 8  # BatchWriteItem: tries while DynamoDB returns UnprocessedItems
PROFILE_ATTEMPTS = 3  # save: tries while a profile in the transaction expires or comes back
_sleep = time.sleep  # tests replace it
_DAY_S = 86400
_CONFLICTS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class DynamoDBStore(StoreCore):
    """A `SessionStore` on one DynamoDB table (key schema pk/sk, both S; GSIs gsi1 and gsi2)."""

    backend = "DynamoDB"
    max_messages_per_save = MAX_TRANSACTION_ITEMS - 2  # + the record + a profile

    def __init__(
        self,
        table_name: str,
        *,
        client: Any | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        retention_seconds: int | None = None,
    ) -> None:
        if not table_name:
            raise ValueError("table_name is required")
        if retention_seconds is not None and (
            isinstance(retention_seconds, bool)
            or not isinstance(retention_seconds, int)
            or retention_seconds < 1
        ):
            raise ValueError("retention_seconds must be a positive int or None")
        self._retention = retention_seconds
        if client is None:
            from bot import aws  # lazy: keeps `import bot.store` cheap on cold start

            client = aws.client(
                "dynamodb", endpoint_url=endpoint_url, region_name=region, config=client_config()
            )
        elif endpoint_url is not None or region is not None:
            raise ValueError("pass either client or endpoint_url/region, not both")
        self._requests = Requests(client, table_name)
        # load's Query and save's write: no client-side validation, responses parsed for less
        self._hot = Requests(fast_wire(unvalidated(client)), table_name)
        self._table = table_name

    @property
    def table_name(self) -> str:
        return self._table

    @property
    def client(self) -> Any:
        return self._requests.client

    @property
    def retention_seconds(self) -> int | None:
        return self._retention

    def save(
        self,
        record: SessionRecord,
        *,
        expected_version: int,
        now: int,
        messages: tuple[MessageRecord, ...] | list[MessageRecord] = (),
        profile: ProfileRecord | None = None,
    ) -> SessionRecord:
        retention = self._retention
        if retention is not None and isinstance(record, SessionRecord):
            expires_at, at = record.expires_at, now
            if _is_int(expires_at) and _is_int(at) and expires_at > at + retention:
                raise ValueError(
                    f"SessionRecord.expires_at is more than the store's retention ({retention} s) after now"
                )
        return super().save(
            record, expected_version=expected_version, now=now, messages=messages, profile=profile
        )

    def _call(self, operation: str, *, passthrough: frozenset[str] = frozenset(), **request: Any) -> Any:
        return self._requests.call(operation, passthrough=passthrough, **request)

    def _query_messages(
        self, state: Stored[SessionRecord], *, lo: int, hi: int, need: int, now: int, newest_first: bool
    ) -> list[Stored[MessageRecord]]:
        """Up to `need` visible messages with lo <= index <= hi."""
        query = params.messages_query(state, lo=lo, hi=hi, now=now, newest_first=newest_first)
        items, _ = self._requests.query_some(need, None, **query)
        return [message_from(_plain_item(item)) for item in items]

    # -- reads -----------------------------------------------------------------------------------

    def _read_session(
        self, session_id: str, *, now: int, window: int
    ) -> tuple[Stored[SessionRecord] | None, list[Stored[MessageRecord]]]:
        """One Query, newest first: STATE (it sorts after every MSG#) and then `window` messages.

        Leftover messages of an expired predecessor with higher indices can fill the page; only
        then (rare, until TTL removes them) a second Query reads the current generation's index
        range [0, message_count).
        """
        response = self._hot.call("Query", **params.load_query(self._table, session_id, window))
        items = [_plain_item(item) for item in response.get("Items", [])]
        if not items or items[0]["sk"] != STATE_SK:
            return None, []
        state = state_from(items[0])
        if not is_live(state, now):
            return state, []
        page = [message_from(item) for item in items[1:] if codec.is_message_key(item["sk"])]
        visible = sum(1 for message in page if is_visible(message, state, now))
        # Expired messages of this generation mean older ones are expired too; but leftovers of
        # an earlier generation (higher indices, not yet removed by TTL) may hide live messages.
        leftovers = any(message.gen != state.gen for message in page)
        count = min(state.value.message_count, MAX_MESSAGE_INDEX + 1)
        if leftovers and response.get("LastEvaluatedKey") and visible < min(window, count):
            page = self._query_messages(state, lo=0, hi=count - 1, need=window, now=now, newest_first=True)
        return state, page

    def _get(self, key: Item) -> Item | None:
        item = self._call("GetItem", TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        return None if item is None else _plain_item(item)

    def _read_state(self, session_id: str) -> Stored[SessionRecord] | None:
        item = self._get(state_key(session_id))
        return None if item is None else state_from(item)

    def _read_messages(
        self, session_id: str, *, now: int, after: int, limit: int
    ) -> tuple[Stored[SessionRecord] | None, list[Stored[MessageRecord]]]:
        """GetItem for the record's liveness and generation, then a Query over the index range."""
        state = self._read_state(session_id)
        if state is None or not is_live(state, now):
            return state, []
        found = self._query_messages(
            state, lo=after + 1, hi=MAX_MESSAGE_INDEX, need=limit, now=now, newest_first=False
        )
        return state, found

    def _read_expiries(
        self, session_id: str
    ) -> tuple[Stored[SessionRecord] | None, list[Stored[MessageRecord]]]:
        items = self._requests.query_all(**params.expiries_query(session_id))
        state: Stored[SessionRecord] | None = None
        found: list[Stored[MessageRecord]] = []
        for item in map(_plain_item, items):
            if item["sk"] == STATE_SK:
                state = state_from(item)
            elif codec.is_message_key(item["sk"]):
                found.append(message_from(item))
        return state, found

    def _read_profile(self, user_id: str) -> Stored[ProfileRecord] | None:
        item = self._get(profile_key(user_id))
        return None if item is None else codec.profile_from(item)

    # -- listings (Query on a GSI, never a Scan) -------------------------------------------------

    def _list_by_user(
        self, user_id: str, *, now: int, after: Position | None, limit: int
    ) -> tuple[list[Stored[SessionRecord]], bool]:
        """Query gsi1 (USER#<owner>), newest activity first, continuing after the position."""
        start_key, query = params.user_listing(user_id, now, after)
        items, more = self._requests.query_some(limit, start_key, **query)
        return [state_from(_plain_item(item)) for item in items], more

    def _list_by_time(
        self, query: TimeQuery, *, now: int, after: Position | None, limit: int
    ) -> tuple[list[Stored[SessionRecord]], bool]:
        """One gsi2 Query per UTC day of [start, end), newest first; filters run server-side."""
        start, end = query.start, query.end
        if self._retention is not None:  # live => expires_at > now and expires_at <= updated_at + retention
            start = max(start, now - self._retention + 1)
            if start >= end:
                return [], False
        days = days_between(start, end)
        if after is not None and day_pk(after[0]) not in days:
            return [], False  # the cursor's day has passed the retention horizon since it was issued
        first = 0 if after is None else days.index(day_pk(after[0]))
        found: list[Item] = []
        for position in range(first, len(days)):
            day = days[position]
            day_start = (end - 1) - (end - 1) % _DAY_S - position * _DAY_S
            lower, upper = max(start, day_start), min(end - 1, day_start + _DAY_S - 1)
            start_key = params.time_start_key(day, after) if after is not None and position == first else None
            items, more = self._requests.query_some(
                limit - len(found), start_key, **params.time_listing(query, day, lower, upper, now)
            )
            found.extend(items)
            if len(found) == limit:
                return [state_from(_plain_item(i)) for i in found], more or position + 1 < len(days)
        return [state_from(_plain_item(i)) for i in found], False

    # -- writes ----------------------------------------------------------------------------------

    def _commit(
        self, state: StateWrite, messages: list[MessageWrite], profile: ProfileRecord | None, *, now: int
    ) -> None:
        """One request: a conditional PutItem, or with messages/profile one TransactWriteItems.

        botocore retries a write whose response was lost (timeout, 5xx). For the transaction the
        ClientRequestToken makes DynamoDB answer such a retry with the first attempt's success.
        Both kinds also carry a random token in the STATE item and ask for the current item on a
        failed condition (no extra request): finding our own token means our write is the one
        stored, so it is reported as the success it was. A profile that expired (but TTL has not
        deleted yet) fails its condition: a second transaction replaces it at version 1.
        """
        from botocore.exceptions import ClientError

        conflict = f"session was changed concurrently (expected version {state.expected})"
        if not messages and profile is None:
            token = secrets.token_hex(16)
            try:
                self._hot.call(
                    "PutItem",
                    passthrough=frozenset({CONDITION_FAILED}),
                    **params.state_put(self._table, state, token, now),
                )
            except ClientError as exc:
                if write_token(getattr(exc, "response", {}).get("Item")) == token:
                    return  # an earlier attempt of this call was applied
                raise VersionConflict(conflict) from None
            return
        puts = [params.message_put(self._table, write, now) for write in messages]
        profile_expired = False
        for _ in range(PROFILE_ATTEMPTS):
            token = secrets.token_hex(16)
            actions = [{"Put": params.state_put(self._table, state, token, now)}, *puts]
            if profile is not None:
                actions.append(params.profile_action(self._table, profile, now, expired=profile_expired))
            codes = self._transact(actions, token, hot=True)
            if codes is None:
                return
            if set(codes[: len(puts) + 1]) & _CONFLICTS or "TransactionConflict" in codes:
                raise VersionConflict(conflict)
            profile_expired = not profile_expired  # it expired (or came back) since it was written
        raise VersionConflict("the profile kept changing while saving")

    def _transact(self, actions: list[Item], token: str, *, hot: bool = False) -> list[str] | None:
        """TransactWriteItems; None if it was applied (by this or an earlier attempt), else the
        cancellation codes of a failed condition. Any other failure is StoreUnavailable."""
        from botocore.exceptions import ClientError

        try:
            (self._hot if hot else self._requests).call(
                "TransactWriteItems",
                passthrough=frozenset({CANCELED}),
                TransactItems=actions,
                ClientRequestToken=token,
            )
        except ClientError as exc:
            reasons = getattr(exc, "response", {}).get("CancellationReasons") or [{}]
            if write_token(reasons[0].get("Item")) == token:
                return None  # an earlier attempt of this call was applied (all of it)
            codes = cancellation_codes(exc)
            failed = {code for code in codes if code != "None"}
            if len(codes) != len(actions) or not failed <= _CONFLICTS:
                raise self._requests.unavailable("TransactWriteItems", exc) from exc
            return codes
        return None

    def _commit_feedback(self, write: FeedbackWrite, *, now: int) -> None:
        """One transaction: the message's feedback and the record's has_feedback and version."""
        token = secrets.token_hex(16)
        codes = self._transact(params.feedback_actions(self._table, write, token, now), token)
        if codes is None:
            return
        if codes[0] != "None" or "TransactionConflict" in codes:
            raise VersionConflict("session was changed concurrently")
        raise NoSuchMessage  # the message is not there, expired or of another generation

    def _put_profile(self, profile: ProfileRecord, *, now: int) -> int:
        """An UpdateItem counting up a live profile's version; absent or expired: a PutItem at 1."""
        from botocore.exceptions import ClientError

        try:
            response = self._call(
                "UpdateItem",
                passthrough=frozenset({CONDITION_FAILED}),
                **params.profile_update(self._table, profile, now),
            )
        except ClientError:
            item = profile_item(copy_profile(profile, version=1, updated_at=now))
            self._call("PutItem", TableName=self._table, Item=item)
            return 1
        return int(plain(response.get("Attributes", {}).get("version", n(1))))

    def _raise_expiry(self, session_id: str, targets: list[ExpiryTarget], *, until: int, now: int) -> int:
        """One conditional UpdateItem per target (the record's version is unchanged)."""
        from botocore.exceptions import ClientError

        updated = 0
        for target in targets:
            update = params.expiry_update(self._table, session_id, target, until, now)
            if self._retention is not None and not target.message:
                params.within_retention(update, until - self._retention)
            try:
                self._call("UpdateItem", passthrough=frozenset({CONDITION_FAILED}), **update)
            except ClientError:
                continue  # changed meanwhile (expired, replaced or already extended)
            updated += 1
        return updated

    def _delete_session(self, session_id: str) -> int:
        """Query every key under the session (all generations), then BatchWriteItem deletes."""
        keys = self._requests.query_all(**params.keys_query(session_id))
        for start in range(0, len(keys), 25):
            self._batch_delete([{"pk": key["pk"], "sk": key["sk"]} for key in keys[start : start + 25]])
        return len(keys)

    def _batch_delete(self, keys: list[Item]) -> None:
        pending: dict[str, Any] = {self._table: [{"DeleteRequest": {"Key": key}} for key in keys]}
        for attempt in range(BATCH_ATTEMPTS):
            response = self._call("BatchWriteItem", RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                return
            _sleep(min(0.05 * 2**attempt, 1.0))
        raise StoreUnavailable(
            f"DynamoDB BatchWriteItem on table {self._table!r} failed: items still unprocessed"
        )

    def _delete_profile(self, user_id: str) -> None:
        self._call("DeleteItem", TableName=self._table, Key=profile_key(user_id))

    # -- upkeep ----------------------------------------------------------------------------------

    def _scan_without_expiry(self) -> Iterator[tuple[int, list[Item]]]:
        """Scan (maintenance only) for items without expires_at."""
        scan = params.backfill_scan(self._table)
        while True:
            response = self._call("Scan", **scan)
            yield (
                int(response.get("ScannedCount", 0)),
                [_plain_item(item) for item in response.get("Items", [])],
            )
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            scan["ExclusiveStartKey"] = last

    def _give_expiry(self, updates: list[tuple[str, str, int]]) -> int:
        """A conditional UpdateItem each: an item written meanwhile keeps the expiry its writer gave it."""
        from botocore.exceptions import ClientError

        updated = 0
        for pk, sk, expires_at in updates:
            try:
                self._call(
                    "UpdateItem",
                    passthrough=frozenset({CONDITION_FAILED}),
                    **params.give_expiry(self._table, pk, sk, expires_at),
                )
            except ClientError:
                continue  # given an expiry meanwhile
            updated += 1
        return updated

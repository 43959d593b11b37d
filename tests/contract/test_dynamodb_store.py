"""DynamoDB-specific behaviour: requests per operation, error mapping, retries, item layout,
transactions, listings on the GSIs, backfill and table setup. The shared behaviour of every
backend is in the *_contract.py files."""

from __future__ import annotations

import json
import socket
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest

from bot.store import SessionRecord, StoreUnavailable, VersionConflict
from bot.store.base import Feedback, InvalidCursor, MessageRecord, ProfileRecord, Review
from bot.store.layout import copy_record, encode_cursor

from .conftest import new_client, unique_table_name

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from bot.store.dynamodb import DynamoDBStore

NOW = 1_700_000_000  # 2023-11-14T22:13:20Z
DAY = 86_400
SECRET = "do-not-leak-7f3a"  # marker: must never appear in error messages


def record(session_id: str = "s-1", **changes: Any) -> SessionRecord:
    values: dict[str, Any] = {
        "session_id": session_id,
        "state": {"step": "collect", "marker": SECRET},
        "expires_at": NOW + 3600,
    }
    values.update(changes)
    return SessionRecord(**values)


def message(session_id: str = "s-1", index: int = 0, **changes: Any) -> MessageRecord:
    values: dict[str, Any] = {
        "session_id": session_id,
        "index": index,
        "at_ms": NOW * 1000 + index,
        "user": f"user {index}",
        "bot": [f"bot {index}"],
        "intent": "CollectName",
        "source": "DialogCodeHook",
        "signature": f"sig-{index}",
        "expires_at": NOW + 3600,
    }
    values.update(changes)
    return MessageRecord(**values)


def profile(user_id: str = "user-9", **changes: Any) -> ProfileRecord:
    values: dict[str, Any] = {"user_id": user_id, "data": {"wallet": "0xabc"}, "expires_at": NOW + 30 * DAY}
    values.update(changes)
    return ProfileRecord(**values)


def few_attempts(attempts: int) -> Any:
    """At most `attempts` HTTP requests per call (botocore's `max_attempts` counts retries only)."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": attempts}, connect_timeout=1, read_timeout=1
    )


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def json_response(request: Any, status: int, payload: dict[str, Any]) -> Any:
    from botocore.awsrequest import AWSResponse

    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "test"}
    return AWSResponse(request.url, status, headers, _RawBody(json.dumps(payload).encode()))


def error_response(request: Any, status: int, code: str, **extra: Any) -> Any:
    payload = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected", **extra}
    return json_response(request, status, payload)


class Sent:
    """Counts HTTP attempts per DynamoDB operation (botocore emits before-send once per attempt)."""

    def __init__(self, client: Any) -> None:
        self.operations: list[str] = []
        client.meta.events.register("before-send.dynamodb.*", self)

    def __call__(self, event_name: str, **_: Any) -> None:
        self.operations.append(event_name.rsplit(".", 1)[-1])


class Calls:
    """The parameters of every API call (once per call, not per retry)."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        client.meta.events.register("provide-client-params.dynamodb.*", self)

    def __call__(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        self.calls.append((event_name.rsplit(".", 1)[-1], dict(params)))

    @property
    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without sleeping (standard mode would wait up to 1 s, 2 s, ... on throttling)."""
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.fixture(params=["moto", "server"])
def client_and_table(request: pytest.FixtureRequest) -> tuple[Any, str]:
    if request.param == "moto":
        client, table = request.getfixturevalue("moto_table")
        return client, table
    endpoint = request.getfixturevalue("moto_endpoint")
    return new_client(endpoint), request.getfixturevalue("server_table")


@pytest.fixture
def moto_store(moto_table: tuple[Any, str]) -> DynamoDBStore:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    return DynamoDBStore(table, client=client)


def raw_items(client: Any, table: str, pk: str) -> dict[str, dict[str, Any]]:
    """Every item under a partition key, by sort key (straight from the table)."""
    response = client.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )
    return {item["sk"]["S"]: item for item in response["Items"]}


def start(
    store: DynamoDBStore, session_id: str = "s-1", *, count: int = 2, now: int = NOW, **changes: Any
) -> SessionRecord:
    rec = record(session_id, message_count=count, **changes)
    msgs = [message(session_id, i, expires_at=rec.expires_at) for i in range(count)]
    return store.save(rec, expected_version=0, now=now, messages=msgs)


# --- one request per operation -----------------------------------------------------------------


def test_hot_path_is_one_request_each(client_and_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = client_and_table
    store = DynamoDBStore(table, client=client)
    sent = Sent(client)

    def requests_for(operation: Callable[[], object]) -> list[str]:
        sent.operations.clear()
        operation()
        return list(sent.operations)

    assert requests_for(lambda: store.load("s-1", now=NOW, window=5)) == ["Query"]
    first = record(message_count=2)
    assert requests_for(
        lambda: store.save(
            first,
            expected_version=0,
            now=NOW,
            messages=[message(index=0), message(index=1)],
            profile=profile(),
        )
    ) == ["TransactWriteItems"]
    assert requests_for(lambda: store.load("s-1", now=NOW, window=5)) == ["Query"]
    assert requests_for(lambda: store.save(record(), expected_version=1, now=NOW)) == ["PutItem"]
    assert requests_for(lambda: store.save(record(), expected_version=2, now=NOW, profile=profile())) == [
        "TransactWriteItems"
    ]
    assert requests_for(lambda: store.get("s-1", now=NOW)) == ["GetItem"]
    assert requests_for(lambda: store.put(record(), expected_version=3, now=NOW)) == ["PutItem"]
    with pytest.raises(VersionConflict):
        requests_for(lambda: store.put(record(), expected_version=3, now=NOW))
    assert sent.operations == ["PutItem"]  # a conflict is not retried
    with pytest.raises(VersionConflict):
        requests_for(
            lambda: store.save(
                record(created_at=NOW), expected_version=4, now=NOW, messages=[message(index=1)]
            )
        )
    assert sent.operations == ["TransactWriteItems"]
    assert requests_for(lambda: store.delete("s-1")) == ["Query", "BatchWriteItem"]
    assert requests_for(lambda: store.delete("s-1")) == ["Query"]


def test_load_is_one_consistent_newest_first_query(moto_store: DynamoDBStore) -> None:
    start(moto_store, count=4)
    calls = Calls(moto_store.client)

    loaded, messages = moto_store.load("s-1", now=NOW, window=2)

    assert calls.operations == ["Query"]
    params = calls.calls[0][1]
    assert (params["ScanIndexForward"], params["ConsistentRead"], params["Limit"]) == (False, True, 3)
    assert params["KeyConditionExpression"] == "#pk = :pk"  # no sort-key range: STATE comes first
    assert loaded is not None
    assert [m.index for m in messages] == [2, 3]  # the newest two, oldest first


def test_get_is_strongly_consistent(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    seen: list[Any] = []
    client.meta.events.register(
        "provide-client-params.dynamodb.GetItem", lambda params, **_: seen.append(params)
    )
    DynamoDBStore(table, client=client).get("s-1", now=NOW)

    assert seen[0]["ConsistentRead"] is True


def test_save_sends_one_transaction_with_the_documented_conditions(moto_store: DynamoDBStore) -> None:
    calls = Calls(moto_store.client)
    moto_store.save(
        record(message_count=1), expected_version=0, now=NOW, messages=[message()], profile=profile()
    )

    ((operation, params),) = calls.calls
    assert operation == "TransactWriteItems"
    assert 1 <= len(params["ClientRequestToken"]) <= 36
    state, msg, prof = params["TransactItems"]
    assert state["Put"]["ConditionExpression"] == "attribute_not_exists(#pk) OR #exp <= :now"
    assert state["Put"]["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert msg["Put"]["ConditionExpression"] == (
        "attribute_not_exists(#pk) OR attribute_not_exists(#gen) OR #gen <> :gen OR #exp <= :now"
    )
    # The profile is last-writer-wins: no version condition, only "absent or live" (an expired
    # profile is replaced at version 1 by a second transaction, see the expiry contract).
    assert prof["Update"]["ConditionExpression"] == (
        "attribute_not_exists(#pk) OR (attribute_not_exists(#exp) OR #exp > :now)"
    )
    assert "if_not_exists(#ver, :zero) + :one" in prof["Update"]["UpdateExpression"]


def test_each_save_uses_a_new_client_request_token(moto_store: DynamoDBStore) -> None:
    calls = Calls(moto_store.client)
    moto_store.save(record(message_count=1), expected_version=0, now=NOW, messages=[message()])
    moto_store.save(record(message_count=2), expected_version=1, now=NOW, messages=[message(index=1)])

    tokens = [params["ClientRequestToken"] for _, params in calls.calls]
    assert len(set(tokens)) == 2


# --- item layout ---------------------------------------------------------------------------------


def test_state_item_layout(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    store.put(record(state={"a": "1"}, extra={"e": "x"}), expected_version=0, now=NOW)
    store.put(
        record(
            "s-2",
            owner="user-9",
            title="Refund",
            feedback=Feedback("down", "slow", at=NOW - 5),
            review=Review("ops", "ok", notes="fine", at=NOW - 1),
            has_feedback=True,
            message_count=3,
        ),
        expected_version=0,
        now=NOW,
    )

    item = raw_items(client, table, "SESSION#s-1")["STATE"]
    assert item.pop("wtok")["S"]
    assert item == {
        "pk": {"S": "SESSION#s-1"},
        "sk": {"S": "STATE"},
        "version": {"N": "1"},
        "expires_at": {"N": str(NOW + 3600)},
        "updated_at": {"N": str(NOW)},
        "created_at": {"N": str(NOW)},
        "message_count": {"N": "0"},
        "state": {"S": '{"a":"1"}'},  # one attribute each: JSON text of the map
        "extra": {"S": '{"e":"x"}'},
        "has_feedback": {"BOOL": False},
        "has_review": {"BOOL": False},
        "gsi2pk": {"S": "DAY#2023-11-14"},
        "gsi2sk": {"S": f"00{NOW}#s-1"},
    }  # no owner: no owner, gsi1pk or gsi1sk (gsi1 is sparse); no title/feedback/review
    owned = raw_items(client, table, "SESSION#s-2")["STATE"]
    owned.pop("wtok")
    assert owned == {
        "pk": {"S": "SESSION#s-2"},
        "sk": {"S": "STATE"},
        "version": {"N": "1"},
        "expires_at": {"N": str(NOW + 3600)},
        "updated_at": {"N": str(NOW)},
        "created_at": {"N": str(NOW)},
        "message_count": {"N": "3"},
        "state": {"S": json.dumps({"step": "collect", "marker": SECRET}, separators=(",", ":"))},
        "extra": {"S": "{}"},
        "owner": {"S": "user-9"},
        "title": {"S": "Refund"},
        "feedback": {"M": {"rating": {"S": "down"}, "comment": {"S": "slow"}, "at": {"N": str(NOW - 5)}}},
        "review": {
            "M": {
                "reviewer": {"S": "ops"},
                "verdict": {"S": "ok"},
                "notes": {"S": "fine"},
                "at": {"N": str(NOW - 1)},
            }
        },
        "has_feedback": {"BOOL": True},
        "has_review": {"BOOL": True},
        "gsi1pk": {"S": "USER#user-9"},
        "gsi1sk": {"S": f"00{NOW}#s-2"},
        "gsi2pk": {"S": "DAY#2023-11-14"},
        "gsi2sk": {"S": f"00{NOW}#s-2"},
    }


def test_message_and_profile_item_layout(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    store.save(
        record(message_count=2),
        expected_version=0,
        now=NOW,
        messages=[
            message(index=0, user="", bot=[], intent=None, source=None, slot=None, signature="s0"),
            message(index=1, slot="Name", feedback=Feedback("up", at=NOW)),
        ],
        profile=profile(data={"wallet": "0xabc", "name": "Ana"}),
    )

    items = raw_items(client, table, "SESSION#s-1")
    assert items["MSG#0000000000"] == {
        "pk": {"S": "SESSION#s-1"},
        "sk": {"S": "MSG#0000000000"},
        "gen": {"N": str(NOW)},
        "at_ms": {"N": str(NOW * 1000)},
        "msg": {"S": '{"user":"","bot":[],"sig":"s0"}'},  # the content: one attribute
        "expires_at": {"N": str(NOW + 3600)},
    }  # no index attribute: the index is the sort key; unset optional fields are absent
    assert items["MSG#0000000001"] == {
        "pk": {"S": "SESSION#s-1"},
        "sk": {"S": "MSG#0000000001"},
        "gen": {"N": str(NOW)},
        "at_ms": {"N": str(NOW * 1000 + 1)},
        "msg": {
            "S": '{"user":"user 1","bot":["bot 1"],"sig":"sig-1",'
            '"intent":"CollectName","source":"DialogCodeHook","slot":"Name"}'
        },
        "expires_at": {"N": str(NOW + 3600)},
        "feedback": {"M": {"rating": {"S": "up"}, "comment": {"S": ""}, "at": {"N": str(NOW)}}},
    }
    assert raw_items(client, table, "USER#user-9") == {
        "PROFILE": {
            "pk": {"S": "USER#user-9"},
            "sk": {"S": "PROFILE"},
            "data": {"M": {"wallet": {"S": "0xabc"}, "name": {"S": "Ana"}}},
            "version": {"N": "1"},
            "expires_at": {"N": str(NOW + 30 * DAY)},
            "updated_at": {"N": str(NOW)},
        }
    }


def test_the_message_index_comes_from_the_sort_key(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    start(store, count=1)
    moved = raw_items(client, table, "SESSION#s-1")["MSG#0000000000"]
    moved["sk"] = {"S": "MSG#0000000007"}
    moved["index"] = {"N": "0"}  # a body field claiming another index is ignored
    client.put_item(TableName=table, Item=moved)

    _, messages = store.load("s-1", now=NOW, window=10)
    assert [(m.index, m.signature) for m in messages] == [(0, "sig-0"), (7, "sig-0")]


def test_profile_version_counts_up_in_save_and_put_profile(moto_store: DynamoDBStore) -> None:
    moto_store.save(
        record(message_count=1), expected_version=0, now=NOW, messages=[message()], profile=profile()
    )
    moto_store.save(record(), expected_version=1, now=NOW + 1, profile=profile(data={"wallet": "0xdef"}))
    stored = moto_store.get_profile("user-9", now=NOW + 2)
    assert stored is not None
    assert (stored.version, stored.updated_at, stored.data) == (2, NOW + 1, {"wallet": "0xdef"})

    assert moto_store.put_profile(profile(), now=NOW + 3).version == 3
    # An expired profile starts again at version 1 (put_profile reads nothing first: an
    # UpdateItem conditioned on liveness, then a PutItem).
    calls = Calls(moto_store.client)
    again = moto_store.put_profile(profile(), now=NOW + 31 * DAY)
    assert again.version == 1
    assert calls.operations == ["UpdateItem", "PutItem"]


def test_a_save_over_an_expired_profile_takes_a_second_transaction(moto_store: DynamoDBStore) -> None:
    """A transaction cannot read the old version: the profile's Update is conditioned on the
    profile being absent or live; only when it is expired (and not yet deleted by TTL) does the
    save send a second transaction that replaces it at version 1."""
    moto_store.put_profile(profile(expires_at=NOW + 10), now=NOW)
    moto_store.put_profile(profile(expires_at=NOW + 10), now=NOW + 1)  # version 2
    calls = Calls(moto_store.client)

    moto_store.save(record(), expected_version=0, now=NOW + 20, profile=profile(data={"wallet": "0xdef"}))

    assert calls.operations == ["TransactWriteItems", "TransactWriteItems"]
    first, second = (params["TransactItems"][-1] for _, params in calls.calls)
    assert "Update" in first
    assert second["Put"]["ConditionExpression"] == "#exp <= :now"
    assert second["Put"]["Item"]["version"] == {"N": "1"}
    stored = moto_store.get_profile("user-9", now=NOW + 21)
    assert stored is not None
    assert (stored.version, stored.data) == (1, {"wallet": "0xdef"})


# --- generations and leftovers ---------------------------------------------------------------------


def test_leftover_messages_of_an_expired_generation_never_show(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    start(store, count=6, expires_at=NOW + 100)  # messages 0..5 of the first generation
    later = NOW + 200  # expired; TTL has not removed anything (moto never does)
    store.save(
        record(message_count=2, expires_at=later + 3600),
        expected_version=0,
        now=later,
        messages=[
            message(index=0, user="new 0", expires_at=later + 3600),
            message(index=1, user="new 1", expires_at=later + 3600),
        ],
    )
    assert len(raw_items(client, table, "SESSION#s-1")) == 7  # STATE + 2 new + 4 leftovers

    sent = Sent(client)
    loaded, messages = store.load("s-1", now=later, window=2)
    assert loaded is not None
    assert [m.user for m in messages] == ["new 0", "new 1"]
    # The newest page held only leftovers (MSG#5, #4): one more Query reads the generation's range.
    assert sent.operations == ["Query", "Query"]

    sent.operations.clear()
    _, messages = store.load("s-1", now=later, window=10)
    assert [m.user for m in messages] == ["new 0", "new 1"]
    assert sent.operations == ["Query"]  # the page reached the end: no second request

    assert [m.user for m in store.messages("s-1", now=later)] == ["new 0", "new 1"]
    assert store.retain("s-1", until=later + 9000, now=later) == 3  # STATE + the 2 current messages
    assert store.delete("s-1") == 7  # every generation's items


def test_expired_messages_of_the_live_generation_cost_no_extra_request(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    store.save(
        record(message_count=6, expires_at=NOW + 9000),
        expected_version=0,
        now=NOW,
        messages=[message(index=i, expires_at=NOW + (10 if i < 4 else 9000)) for i in range(6)],
    )
    sent = Sent(client)

    _, messages = store.load("s-1", now=NOW + 100, window=4)

    assert [m.index for m in messages] == [4, 5]
    assert sent.operations == ["Query"]


def test_messages_without_a_state_item_are_not_loaded(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    start(store, count=2)
    client.delete_item(TableName=table, Key={"pk": {"S": "SESSION#s-1"}, "sk": {"S": "STATE"}})

    assert store.load("s-1", now=NOW, window=5) == (None, [])
    assert store.messages("s-1", now=NOW) == []
    assert store.set_message_feedback("s-1", 0, Feedback("up"), now=NOW) is False
    assert store.retain("s-1", until=NOW + 9000, now=NOW) == 0


def test_expired_item_still_in_the_table_reads_as_absent(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    start(store, count=1, expires_at=NOW + 1)

    assert "Item" in client.get_item(
        TableName=table, Key={"pk": {"S": "SESSION#s-1"}, "sk": {"S": "STATE"}}
    )  # TTL has not deleted it (moto never does)
    assert store.get("s-1", now=NOW + 1) is None
    assert store.load("s-1", now=NOW + 1, window=5) == (None, [])
    assert store.put(record(), expected_version=0, now=NOW + 1).version == 1


# --- transactions: conflicts, retries, outages ------------------------------------------------------


def test_a_message_index_taken_in_this_generation_conflicts_and_writes_nothing(
    moto_table: tuple[Any, str],
) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    stored = start(store, count=1)
    before = raw_items(client, table, "SESSION#s-1")

    with pytest.raises(VersionConflict):
        store.save(
            copy_record(stored, state={"step": "other"}),
            expected_version=stored.version,  # the version is right; message 0 exists
            now=NOW + 1,
            messages=[message(index=0, user="again")],
            profile=profile(),
        )
    assert raw_items(client, table, "SESSION#s-1") == before
    assert store.get_profile("user-9", now=NOW + 1) is None


def _transact_canceled(reasons: list[dict[str, Any]]) -> Callable[..., Any]:
    def hook(request: Any, **_: Any) -> Any:
        return error_response(request, 400, "TransactionCanceledException", CancellationReasons=reasons)

    return hook


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        ([{"Code": "None"}, {"Code": "TransactionConflict", "Message": "x"}], VersionConflict),
        ([{"Code": "ConditionalCheckFailed", "Message": "x"}, {"Code": "None"}], VersionConflict),
        ([{"Code": "ThrottlingError", "Message": "x"}, {"Code": "None"}], StoreUnavailable),
        ([{"Code": "ProvisionedThroughputExceeded", "Message": "x"}, {"Code": "None"}], StoreUnavailable),
        ([{"Code": "None"}, {"Code": "ValidationError", "Message": "x"}], StoreUnavailable),
    ],
)
def test_cancellation_reasons_are_mapped(
    moto_endpoint: str, server_table: str, no_backoff: None, reasons: list[dict[str, Any]], expected: Any
) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client = new_client(moto_endpoint)
    sent = Sent(client)
    client.meta.events.register("before-send.dynamodb.TransactWriteItems", _transact_canceled(reasons))
    store = DynamoDBStore(server_table, client=client)

    with pytest.raises(expected) as raised:
        store.save(record(message_count=1), expected_version=0, now=NOW, messages=[message()])
    assert sent.operations == ["TransactWriteItems"]  # botocore does not retry a cancellation
    if expected is StoreUnavailable:
        assert next(r["Code"] for r in reasons if r["Code"] != "None") in str(raised.value)
        assert SECRET not in str(raised.value)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "ProvisionedThroughputExceededException"),
        (400, "ThrottlingException"),
        (400, "RequestLimitExceeded"),
        (400, "TransactionInProgressException"),
        (500, "InternalServerError"),
        (503, "ServiceUnavailable"),
    ],
)
def test_transient_throttling_of_a_transaction_is_retried(
    moto_endpoint: str, server_table: str, no_backoff: None, status: int, code: str
) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client = new_client(moto_endpoint)
    sent = Sent(client)
    failures = [1]

    def throttle_once(request: Any, **_: Any) -> Any:
        if failures:
            failures.pop()
            return error_response(request, status, code)
        return None

    client.meta.events.register("before-send.dynamodb.TransactWriteItems", throttle_once)
    stored = DynamoDBStore(server_table, client=client).save(
        record(message_count=1), expected_version=0, now=NOW, messages=[message()], profile=profile()
    )

    assert sent.operations == ["TransactWriteItems", "TransactWriteItems"]
    fresh = DynamoDBStore(server_table, client=new_client(moto_endpoint))
    assert fresh.load("s-1", now=NOW, window=5) == (stored, [message()])
    assert fresh.get_profile("user-9", now=NOW) is not None


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "ProvisionedThroughputExceededException"),
        (400, "ThrottlingException"),
        (400, "RequestLimitExceeded"),
        (500, "InternalServerError"),
        (503, "ServiceUnavailable"),
    ],
)
def test_throttling_and_server_errors_become_store_unavailable(
    moto_endpoint: str, server_table: str, no_backoff: None, status: int, code: str
) -> None:
    from bot.store.dynamodb import DynamoDBStore

    table = server_table
    client = new_client(moto_endpoint, config=few_attempts(3))
    sent = Sent(client)
    client.meta.events.register(
        "before-send.dynamodb", lambda request, **_: error_response(request, status, code)
    )
    store = DynamoDBStore(table, client=client)

    with pytest.raises(StoreUnavailable) as raised:
        store.put(record(), expected_version=0, now=NOW)
    assert sent.operations == ["PutItem"] * 3  # retried up to max_attempts, then gave up
    assert code in str(raised.value)
    assert table in str(raised.value)
    assert SECRET not in str(raised.value)
    assert SECRET not in str(raised.value.__cause__)

    sent.operations.clear()
    with pytest.raises(StoreUnavailable) as raised:
        store.save(
            record(message_count=1), expected_version=0, now=NOW, messages=[message()], profile=profile()
        )
    assert sent.operations == ["TransactWriteItems"] * 3
    assert SECRET not in str(raised.value)

    # Nothing was written (a fresh client, no injected failures).
    fresh = DynamoDBStore(table, client=new_client(moto_endpoint))
    assert fresh.load("s-1", now=NOW, window=5) == (None, [])
    assert fresh.get_profile("user-9", now=NOW) is None
    assert raw_items(fresh.client, table, "SESSION#s-1") == {}

    sent.operations.clear()
    with pytest.raises(StoreUnavailable):
        store.get("s-1", now=NOW)
    with pytest.raises(StoreUnavailable):
        store.load("s-1", now=NOW, window=5)
    with pytest.raises(StoreUnavailable):
        store.delete("s-1")
    assert sent.operations == ["GetItem"] * 3 + ["Query"] * 3 + ["Query"] * 3


def test_default_config_sends_three_attempts(moto_endpoint: str, server_table: str, no_backoff: None) -> None:
    from bot.store.dynamodb import DynamoDBStore, client_config

    table = server_table
    client = new_client(moto_endpoint, config=client_config())
    sent = Sent(client)
    client.meta.events.register(
        "before-send.dynamodb",
        lambda request, **_: error_response(request, 400, "ProvisionedThroughputExceededException"),
    )

    with pytest.raises(StoreUnavailable):
        DynamoDBStore(table, client=client).get("s-1", now=NOW)
    assert sent.operations == ["GetItem"] * 3  # total_max_attempts=3: the first try and two retries


def test_read_timeouts_become_store_unavailable(
    moto_endpoint: str, server_table: str, no_backoff: None
) -> None:
    from botocore.exceptions import ReadTimeoutError

    from bot.store.dynamodb import DynamoDBStore

    table = server_table
    client = new_client(moto_endpoint, config=few_attempts(2))
    sent = Sent(client)

    def timeout(request: Any, **_: Any) -> None:
        raise ReadTimeoutError(endpoint_url=request.url)

    client.meta.events.register("before-send.dynamodb", timeout)

    with pytest.raises(StoreUnavailable, match="ReadTimeoutError"):
        DynamoDBStore(table, client=client).load("s-1", now=NOW, window=1)
    assert sent.operations == ["Query", "Query"]


def test_unreachable_endpoint_becomes_store_unavailable(aws_env: None, no_backoff: None) -> None:
    from bot.store.dynamodb import DynamoDBStore

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = new_client(f"http://127.0.0.1:{port}", config=few_attempts(2))
    sent = Sent(client)

    with pytest.raises(StoreUnavailable, match="EndpointConnectionError"):
        DynamoDBStore("t", client=client).put(record(), expected_version=0, now=NOW)
    assert sent.operations == ["PutItem", "PutItem"]


def test_missing_table_becomes_store_unavailable(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, _ = moto_table
    store = DynamoDBStore("no-such-table", client=client)
    with pytest.raises(StoreUnavailable, match="ResourceNotFoundException"):
        store.get("s-1", now=NOW)
    with pytest.raises(StoreUnavailable, match="ResourceNotFoundException"):
        store.load("s-1", now=NOW, window=1)


def test_validation_errors_are_unavailable_and_name_the_error_not_the_data(
    moto_table: tuple[Any, str],
) -> None:
    """Every backend error but a failed condition is StoreUnavailable: a caller (a turn, the
    admin service) has one exception to handle, whose message names the error code."""
    from botocore.exceptions import ClientError

    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    too_big = record(state={"blob": SECRET + "x" * 410_000})  # DynamoDB items are limited to 400 KB

    with pytest.raises(StoreUnavailable, match=r"PutItem.*ValidationException") as raised:
        store.put(too_big, expected_version=0, now=NOW)
    assert SECRET not in str(raised.value)
    assert isinstance(raised.value.__cause__, ClientError)
    assert raised.value.__cause__.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(StoreUnavailable, match="TransactWriteItems") as raised:
        store.save(
            record(message_count=1), expected_version=0, now=NOW, messages=[message(user=SECRET * 50_000)]
        )
    assert SECRET not in str(raised.value)
    assert store.load("s-1", now=NOW, window=5) == (None, [])


def test_input_the_transaction_cannot_take_is_refused_before_any_request(moto_store: DynamoDBStore) -> None:
    calls = Calls(moto_store.client)
    with pytest.raises(ValueError, match="appears twice"):
        moto_store.save(record(), expected_version=0, now=NOW, messages=[message(index=0), message(index=0)])
    with pytest.raises(ValueError, match="at most 98"):
        moto_store.save(record(), expected_version=0, now=NOW, messages=[message(index=i) for i in range(99)])
    with pytest.raises(TypeError):
        moto_store.save(record(title=5), expected_version=0, now=NOW)
    assert calls.calls == []
    # 98 messages + record + profile is the largest transaction DynamoDB accepts.
    moto_store.save(
        record(message_count=98),
        expected_version=0,
        now=NOW,
        messages=[message(index=i) for i in range(98)],
        profile=profile(),
    )
    assert len(moto_store.messages("s-1", now=NOW)) == 98


# --- a retried write whose first attempt landed ------------------------------------------------


def _forward_then_time_out(attempts: list[bytes]) -> Callable[..., None]:
    """First attempt: deliver the request to the server, then lose the response."""
    from botocore.exceptions import ReadTimeoutError

    def hook(request: Any, **_: Any) -> None:
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        attempts.append(body)
        if len(attempts) == 1:
            forwarded = urllib.request.Request(request.url, data=body, headers=dict(request.headers.items()))
            with urllib.request.urlopen(forwarded, timeout=5) as response:
                assert response.status == 200
            raise ReadTimeoutError(endpoint_url=request.url)

    return hook


@pytest.mark.parametrize("expected_version", [0, 1])
def test_retry_of_a_put_that_landed_reports_success(
    moto_endpoint: str, server_table: str, no_backoff: None, expected_version: int
) -> None:
    from bot.store.dynamodb import DynamoDBStore

    setup = DynamoDBStore(server_table, client=new_client(moto_endpoint))
    if expected_version:
        setup.put(record(state={"step": "before"}), expected_version=0, now=NOW)
    client = new_client(moto_endpoint)
    attempts: list[bytes] = []
    client.meta.events.register("before-send.dynamodb.PutItem", _forward_then_time_out(attempts))

    stored = DynamoDBStore(server_table, client=client).put(
        record(state={"step": "after"}), expected_version=expected_version, now=NOW
    )

    assert len(attempts) == 2  # the retry failed its condition on our own write
    assert stored.version == expected_version + 1
    assert setup.get("s-1", now=NOW) == stored


@pytest.mark.parametrize("expected_version", [0, 1])
def test_retry_of_a_transaction_that_landed_reports_success(
    moto_endpoint: str, server_table: str, no_backoff: None, expected_version: int
) -> None:
    """Real DynamoDB answers the retry from its ClientRequestToken; moto ignores the token, so
    here the retry is cancelled and the STATE item's write token identifies our own write."""
    from bot.store.dynamodb import DynamoDBStore

    setup = DynamoDBStore(server_table, client=new_client(moto_endpoint))
    if expected_version:
        setup.save(record(message_count=1), expected_version=0, now=NOW, messages=[message(index=0)])
    client = new_client(moto_endpoint)
    attempts: list[bytes] = []
    client.meta.events.register("before-send.dynamodb.TransactWriteItems", _forward_then_time_out(attempts))
    new = message(index=expected_version)

    stored = DynamoDBStore(server_table, client=client).save(
        record(message_count=expected_version + 1),
        expected_version=expected_version,
        now=NOW,
        messages=[new],
        profile=profile(),
    )

    assert len(attempts) == 2
    assert attempts[0] == attempts[1]  # the same request, ClientRequestToken included
    assert json.loads(attempts[0])["ClientRequestToken"]
    assert stored.version == expected_version + 1
    loaded, messages = setup.load("s-1", now=NOW, window=5)
    assert loaded == stored
    assert messages[-1] == new
    stored_profile = setup.get_profile("user-9", now=NOW)
    assert stored_profile is not None
    assert stored_profile.version == 1  # applied once


def test_retry_does_not_hide_a_real_conflict(moto_endpoint: str, server_table: str, no_backoff: None) -> None:
    from botocore.exceptions import ReadTimeoutError

    from bot.store.dynamodb import DynamoDBStore

    other = DynamoDBStore(server_table, client=new_client(moto_endpoint))
    client = new_client(moto_endpoint)
    attempts: list[str] = []

    def lost_then_raced(request: Any, **_: Any) -> None:
        attempts.append("sent")
        if len(attempts) == 1:  # our first attempt never arrives; meanwhile another writer wins
            other.save(
                record(state={"step": "theirs"}, message_count=1),
                expected_version=0,
                now=NOW,
                messages=[message()],
            )
            raise ReadTimeoutError(endpoint_url=request.url)

    client.meta.events.register("before-send.dynamodb.TransactWriteItems", lost_then_raced)

    with pytest.raises(VersionConflict):
        DynamoDBStore(server_table, client=client).save(
            record(message_count=1), expected_version=0, now=NOW, messages=[message(user="ours")]
        )
    assert attempts == ["sent", "sent"]
    stored, messages = other.load("s-1", now=NOW, window=5)
    assert stored is not None
    assert stored.state == {"step": "theirs"}
    assert [m.user for m in messages] == ["user 0"]


# --- delete ------------------------------------------------------------------------------------------


def test_delete_pages_through_keys_and_batches_by_25(moto_store: DynamoDBStore) -> None:
    start(moto_store, count=60)
    calls = Calls(moto_store.client)

    assert moto_store.delete("s-1") == 61
    assert calls.operations == ["Query", "BatchWriteItem", "BatchWriteItem", "BatchWriteItem"]
    query = calls.calls[0][1]
    assert query["ProjectionExpression"] == "#pk, #sk"
    assert [len(params["RequestItems"][moto_store.table_name]) for _, params in calls.calls[1:]] == [
        25,
        25,
        11,
    ]
    assert raw_items(moto_store.client, moto_store.table_name, "SESSION#s-1") == {}


def test_delete_retries_unprocessed_items(
    moto_endpoint: str, server_table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.store import dynamodb

    slept: list[float] = []
    monkeypatch.setattr(dynamodb, "_sleep", slept.append)
    store = dynamodb.DynamoDBStore(server_table, client=new_client(moto_endpoint))
    start(store, count=3)
    sent = Sent(store.client)
    unprocessed = [2]

    def push_back(request: Any, **_: Any) -> Any:
        if unprocessed:  # DynamoDB did nothing and hands the whole batch back
            unprocessed.pop()
            return json_response(request, 200, {"UnprocessedItems": json.loads(request.body)["RequestItems"]})
        return None

    store.client.meta.events.register("before-send.dynamodb.BatchWriteItem", push_back)

    assert store.delete("s-1") == 4
    assert sent.operations == ["Query", "BatchWriteItem", "BatchWriteItem"]
    assert len(slept) == 1
    assert store.load("s-1", now=NOW, window=5) == (None, [])


def test_delete_gives_up_when_items_stay_unprocessed(
    moto_endpoint: str, server_table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.store import dynamodb

    monkeypatch.setattr(dynamodb, "_sleep", lambda seconds: None)
    store = dynamodb.DynamoDBStore(server_table, client=new_client(moto_endpoint))
    start(store, count=1)
    sent = Sent(store.client)
    store.client.meta.events.register(
        "before-send.dynamodb.BatchWriteItem",
        lambda request, **_: json_response(
            request, 200, {"UnprocessedItems": json.loads(request.body)["RequestItems"]}
        ),
    )

    with pytest.raises(StoreUnavailable, match="unprocessed"):
        store.delete("s-1")
    assert sent.operations.count("BatchWriteItem") == dynamodb.BATCH_ATTEMPTS


# --- history admin ----------------------------------------------------------------------------------


def test_messages_reads_the_state_then_the_index_range(moto_store: DynamoDBStore) -> None:
    start(moto_store, count=5)
    calls = Calls(moto_store.client)

    assert [m.index for m in moto_store.messages("s-1", now=NOW, after=1, limit=2)] == [2, 3]
    assert calls.operations == ["GetItem", "Query"]
    query = calls.calls[1][1]
    assert query["ConsistentRead"] is True
    assert query["ExpressionAttributeValues"][":lo"] == {"S": "MSG#0000000002"}
    assert query["ExpressionAttributeValues"][":hi"] == {"S": "MSG#9999999999"}


def test_set_message_feedback_is_one_transaction_that_moves_the_activity_keys(
    moto_table: tuple[Any, str],
) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    start(store, count=2, owner="user-9")
    calls = Calls(client)

    assert store.set_message_feedback("s-1", 1, Feedback("down", "wrong", at=NOW + 50), now=NOW + 60)
    assert calls.operations == ["GetItem", "TransactWriteItems"]
    items = raw_items(client, table, "SESSION#s-1")
    state = items["STATE"]
    assert (state["version"], state["updated_at"], state["has_feedback"]) == (
        {"N": "2"},
        {"N": str(NOW + 60)},
        {"BOOL": True},
    )
    assert state["gsi1sk"] == state["gsi2sk"] == {"S": f"00{NOW + 60}#s-1"}
    assert items["MSG#0000000001"]["feedback"] == {
        "M": {"rating": {"S": "down"}, "comment": {"S": "wrong"}, "at": {"N": str(NOW + 50)}}
    }
    assert "feedback" not in items["MSG#0000000000"]
    assert store.list_by_time(start=NOW + 60, end=NOW + 61, now=NOW + 61).items[0].session_id == "s-1"

    calls.calls.clear()
    assert store.set_message_feedback("s-1", 2, Feedback("up"), now=NOW + 70) is False
    assert calls.operations == ["GetItem", "TransactWriteItems"]
    assert raw_items(client, table, "SESSION#s-1")["STATE"]["version"] == {"N": "2"}


def test_set_message_feedback_rereads_after_a_concurrent_write(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    other = DynamoDBStore(table, client=new_client())
    start(store, count=1)
    raced: list[int] = []

    def race(**_: Any) -> None:
        if not raced:  # between our GetItem and our transaction another writer saves a turn
            current = other.get("s-1", now=NOW + 5)
            assert current is not None
            raced.append(
                other.put(
                    copy_record(current, state={"step": "raced"}), expected_version=1, now=NOW + 5
                ).version
            )

    client.meta.events.register("before-call.dynamodb.TransactWriteItems", race)
    calls = Calls(client)

    assert store.set_message_feedback("s-1", 0, Feedback("up"), now=NOW + 6)
    assert calls.operations == ["GetItem", "TransactWriteItems", "GetItem", "TransactWriteItems"]
    stored = store.get("s-1", now=NOW + 7)
    assert stored is not None
    assert (stored.version, stored.state, stored.has_feedback) == (3, {"step": "raced"}, True)


def test_retain_updates_expiry_only(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    start(store, count=3)
    before = raw_items(client, table, "SESSION#s-1")
    calls = Calls(client)

    assert store.retain("s-1", until=NOW + 90 * DAY, now=NOW) == 4
    assert calls.operations == ["Query"] + ["UpdateItem"] * 4
    after = raw_items(client, table, "SESSION#s-1")
    for sk, item in after.items():
        assert item.pop("expires_at") == {"N": str(NOW + 90 * DAY)}
        before[sk].pop("expires_at")
        assert item == before[sk]  # the version, activity keys and write token are unchanged

    calls.calls.clear()
    assert store.retain("s-1", until=NOW + DAY, now=NOW) == 0  # never lowers an expiry
    assert calls.operations == ["Query"]


# --- listings: Query on the right index, never a Scan ---------------------------------------------


def seed_listing(store: DynamoDBStore) -> None:
    """Sessions of user-9 a minute apart (s-0 oldest), every third one expired."""
    for i in range(12):
        store.put(
            record(f"s-{i}", owner="user-9", expires_at=NOW + (10 if i % 3 == 0 else 9000)),
            expected_version=0,
            now=NOW + 60 * i,
        )
    store.put(record("anon"), expected_version=0, now=NOW + 5)  # no owner: not in gsi1


def test_list_by_user_queries_gsi1_and_continues_after_the_last_returned_item(
    moto_store: DynamoDBStore,
) -> None:
    seed_listing(moto_store)
    calls = Calls(moto_store.client)
    now = NOW + 3600
    live = [f"s-{i}" for i in reversed(range(12)) if i % 3]

    pages: list[list[str]] = []
    cursor = None
    while True:
        page = moto_store.list_by_user("user-9", now=now, limit=3, cursor=cursor)
        pages.append([r.session_id for r in page.items])
        if page.cursor is None:
            break
        cursor = page.cursor
    assert [s for p in pages for s in p] == live
    assert all(len(p) == 3 for p in pages[:-1])

    assert {operation for operation, _ in calls.calls} == {"Query"}
    for _, params in calls.calls:
        assert params["IndexName"] == "gsi1"
        assert params["ScanIndexForward"] is False
        assert params["Limit"] <= 1000
        assert "#exp > :now" in params["FilterExpression"]
    # The second page starts right after the first page's last item, not at LastEvaluatedKey.
    assert calls.calls[1][1]["ExclusiveStartKey"] == {
        "pk": {"S": "SESSION#s-8"},
        "sk": {"S": "STATE"},
        "gsi1pk": {"S": "USER#user-9"},
        "gsi1sk": {"S": f"00{NOW + 480}#s-8"},
    }


def test_list_by_user_rejects_cursors_of_another_user_or_shape(moto_store: DynamoDBStore) -> None:
    seed_listing(moto_store)
    page = moto_store.list_by_user("user-9", now=NOW, limit=2)
    assert page.cursor is not None

    with pytest.raises(InvalidCursor):
        moto_store.list_by_user("user-8", now=NOW, cursor=page.cursor)
    for bad in (
        encode_cursor({"u": "user-9", "k": "not-a-key"}),
        encode_cursor({"u": "user-9", "k": 5}),
        encode_cursor({"u": "user-9"}),
        encode_cursor({"u": "user-9", "k": f"00{NOW}#s-1", "x": 1}),
        "%%%",
    ):
        with pytest.raises(InvalidCursor):
            moto_store.list_by_user("user-9", now=NOW, cursor=bad)


def test_list_by_time_queries_gsi2_one_day_at_a_time(moto_store: DynamoDBStore) -> None:
    day0 = NOW - NOW % DAY
    for i, at in enumerate([day0 - 2 * DAY + 5, day0 - DAY + 5, day0 + 5, day0 + 6]):
        moto_store.put(record(f"t-{i}", expires_at=day0 + 30 * DAY), expected_version=0, now=at)
    calls = Calls(moto_store.client)

    page = moto_store.list_by_time(start=day0 - 3 * DAY, end=day0 + DAY, now=day0 + DAY)

    assert [r.session_id for r in page.items] == ["t-3", "t-2", "t-1", "t-0"]
    assert page.cursor is None
    assert [
        (op, params["IndexName"], params["ExpressionAttributeValues"][":day"]["S"])
        for op, params in calls.calls
    ] == [
        ("Query", "gsi2", "DAY#2023-11-14"),
        ("Query", "gsi2", "DAY#2023-11-13"),
        ("Query", "gsi2", "DAY#2023-11-12"),
        ("Query", "gsi2", "DAY#2023-11-11"),
    ]
    assert all(params["ScanIndexForward"] is False for _, params in calls.calls)

    calls.calls.clear()
    first = moto_store.list_by_time(start=day0 - 3 * DAY, end=day0 + DAY, now=day0 + DAY, limit=2)
    assert [r.session_id for r in first.items] == ["t-3", "t-2"]
    assert first.cursor is not None
    assert len(calls.calls) == 1  # a full page from the first day's Query
    rest = moto_store.list_by_time(
        start=day0 - 3 * DAY, end=day0 + DAY, now=day0 + DAY, limit=2, cursor=first.cursor
    )
    assert [r.session_id for r in rest.items] == ["t-1", "t-0"]


def test_list_by_time_bounds_are_start_inclusive_end_exclusive(moto_store: DynamoDBStore) -> None:
    t = NOW - NOW % DAY + 3600
    ids = {
        "at-start": t,
        "before": t - 1,
        "last-second": t + 99,
        "at-end": t + 100,
        "last-second-2": t + 99,
    }
    for session_id, at in ids.items():
        moto_store.put(record(session_id, expires_at=t + DAY), expected_version=0, now=at)

    page = moto_store.list_by_time(start=t, end=t + 100, now=t + 200)

    assert {r.session_id for r in page.items} == {"at-start", "last-second", "last-second-2"}


def test_list_by_time_filters_run_in_the_query(moto_store: DynamoDBStore) -> None:
    moto_store.put(record("plain"), expected_version=0, now=NOW)
    moto_store.put(record("fb", has_feedback=True), expected_version=0, now=NOW + 1)
    moto_store.put(record("rv", review=Review("ops", "ok")), expected_version=0, now=NOW + 2)
    calls = Calls(moto_store.client)

    def ids(**filters: Any) -> list[str]:
        return [
            r.session_id for r in moto_store.list_by_time(start=NOW, end=NOW + 10, now=NOW, **filters).items
        ]

    assert ids() == ["rv", "fb", "plain"]
    assert ids(has_feedback=True) == ["fb"]
    assert ids(has_feedback=False) == ["rv", "plain"]
    assert ids(has_review=True) == ["rv"]
    assert ids(has_review=False, has_feedback=False) == ["plain"]
    assert {op for op, _ in calls.calls} == {"Query"}
    assert "attribute_not_exists(#rv)" in calls.calls[-1][1]["FilterExpression"]


def test_list_by_time_rejects_long_ranges_and_foreign_cursors(moto_store: DynamoDBStore) -> None:
    for i in range(3):
        moto_store.put(record(f"c-{i}"), expected_version=0, now=NOW + i)
    with pytest.raises(ValueError, match="366"):
        moto_store.list_by_time(start=NOW - 367 * DAY, end=NOW, now=NOW)
    moto_store.list_by_time(start=NOW - 366 * DAY, end=NOW, now=NOW)  # the longest allowed range

    page = moto_store.list_by_time(start=NOW, end=NOW + 10, now=NOW, limit=1)
    assert page.cursor is not None
    for changed in (
        {"start": NOW - 1},
        {"end": NOW + 11},
        {"has_feedback": True},
        {"has_review": False},
    ):
        query: dict[str, Any] = {"start": NOW, "end": NOW + 10, "now": NOW, "cursor": page.cursor, **changed}
        with pytest.raises(InvalidCursor):
            moto_store.list_by_time(**query)
    outside = encode_cursor(
        {"q": [NOW, NOW + 10, None, None], "d": "DAY#2023-11-14", "k": f"00{NOW + 50}#c-1"}
    )
    with pytest.raises(InvalidCursor):
        moto_store.list_by_time(start=NOW, end=NOW + 10, now=NOW, cursor=outside)
    other_day = encode_cursor({"q": [NOW, NOW + 10, None, None], "d": "DAY#2023-11-13", "k": None})
    with pytest.raises(InvalidCursor):
        moto_store.list_by_time(start=NOW, end=NOW + 10, now=NOW, cursor=other_day)


def test_no_operation_but_backfill_scans(moto_store: DynamoDBStore) -> None:
    calls = Calls(moto_store.client)
    start(moto_store, count=2, owner="user-9")
    moto_store.load("s-1", now=NOW, window=5)
    moto_store.messages("s-1", now=NOW)
    moto_store.set_message_feedback("s-1", 0, Feedback("up"), now=NOW)
    moto_store.retain("s-1", until=NOW + DAY, now=NOW)
    moto_store.list_by_user("user-9", now=NOW)
    moto_store.list_by_time(start=NOW - DAY, end=NOW + DAY, now=NOW)
    moto_store.put_profile(profile(), now=NOW)
    moto_store.get_profile("user-9", now=NOW)
    moto_store.delete_profile("user-9")
    moto_store.delete("s-1")
    assert "Scan" not in calls.operations

    moto_store.backfill_ttl(now=NOW, session_ttl=DAY, profile_ttl=DAY, dry_run=True)
    assert calls.operations[-1] == "Scan"


# --- backfill ---------------------------------------------------------------------------------------


def put_legacy_items(client: Any, table: str) -> None:
    """Items from before expiry existed (no expires_at), plus one that already has it."""
    legacy = [
        {"pk": "SESSION#old", "sk": "STATE", "version": {"N": "3"}, "updated_at": {"N": str(NOW - 100)}},
        {"pk": "SESSION#old", "sk": "MSG#0000000000", "at_ms": {"N": str((NOW - 200) * 1000)}},
        {
            "pk": "SESSION#ancient",
            "sk": "STATE",
            "version": {"N": "1"},
            "updated_at": {"N": str(NOW - 90 * DAY)},
        },
        {"pk": "USER#u-1", "sk": "PROFILE", "updated_at": {"N": str(NOW - 10)}},
        {
            "pk": "SESSION#fresh",
            "sk": "STATE",
            "updated_at": {"N": str(NOW)},
            "expires_at": {"N": str(NOW + 5)},
        },
    ]
    for item in legacy:
        client.put_item(
            TableName=table,
            Item={name: {"S": value} if isinstance(value, str) else value for name, value in item.items()},
        )


def expiry(client: Any, table: str, pk: str, sk: str) -> int | None:
    item = client.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}})["Item"]
    return int(item["expires_at"]["N"]) if "expires_at" in item else None


def test_backfill_dry_run_then_real_run_then_nothing_left(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    put_legacy_items(client, table)
    calls = Calls(client)

    dry = store.backfill_ttl(now=NOW, session_ttl=30 * DAY, profile_ttl=60 * DAY, dry_run=True)
    assert (dry.scanned, dry.missing, dry.updated) == (5, {"session": 2, "message": 1, "profile": 1}, 0)
    assert calls.operations == ["Scan"]
    assert expiry(client, table, "SESSION#old", "STATE") is None

    real = store.backfill_ttl(now=NOW, session_ttl=30 * DAY, profile_ttl=60 * DAY, dry_run=False)
    assert (real.scanned, real.missing, real.updated) == (5, {"session": 2, "message": 1, "profile": 1}, 4)
    assert expiry(client, table, "SESSION#old", "STATE") == NOW - 100 + 30 * DAY
    assert expiry(client, table, "SESSION#old", "MSG#0000000000") == NOW - 200 + 30 * DAY
    assert expiry(client, table, "SESSION#ancient", "STATE") == NOW  # already past: now
    assert expiry(client, table, "USER#u-1", "PROFILE") == NOW - 10 + 60 * DAY
    assert expiry(client, table, "SESSION#fresh", "STATE") == NOW + 5  # untouched

    again = store.backfill_ttl(now=NOW, session_ttl=30 * DAY, profile_ttl=60 * DAY, dry_run=False)
    assert (again.scanned, again.missing, again.updated) == (5, {}, 0)


def test_backfill_pages_through_the_scan_and_leaves_unknown_items_alone(
    moto_table: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    for i in range(30):
        client.put_item(
            TableName=table,
            Item={"pk": {"S": f"SESSION#m-{i}"}, "sk": {"S": "STATE"}, "updated_at": {"N": str(NOW)}},
        )
    client.put_item(TableName=table, Item={"pk": {"S": "CONFIG#x"}, "sk": {"S": "ANY"}})
    original = client.scan
    monkeypatch.setattr(client, "scan", lambda **params: original(Limit=7, **params))  # small pages
    calls = Calls(client)

    report = store.backfill_ttl(now=NOW, session_ttl=DAY, profile_ttl=DAY, dry_run=False)

    assert (report.scanned, report.missing, report.updated) == (31, {"session": 30, "other": 1}, 30)
    assert calls.operations.count("Scan") == 5
    scan = calls.calls[0][1]
    assert scan["FilterExpression"] == "attribute_not_exists(#exp)"
    assert scan["ProjectionExpression"] == "#pk, #sk, #upd, #at"
    item = client.get_item(TableName=table, Key={"pk": {"S": "CONFIG#x"}, "sk": {"S": "ANY"}})["Item"]
    assert "expires_at" not in item


# --- table setup ----------------------------------------------------------------------------------


def describe_indexes(client: Any, table: str) -> dict[str, Any]:
    described = client.describe_table(TableName=table)["Table"]
    return {
        index["IndexName"]: (
            [(key["AttributeName"], key["KeyType"]) for key in index["KeySchema"]],
            index["Projection"]["ProjectionType"],
        )
        for index in described.get("GlobalSecondaryIndexes", [])
    }


EXPECTED_INDEXES = {
    "gsi1": ([("gsi1pk", "HASH"), ("gsi1sk", "RANGE")], "ALL"),
    "gsi2": ([("gsi2pk", "HASH"), ("gsi2sk", "RANGE")], "ALL"),
}


def test_create_table_is_idempotent_with_both_indexes_and_ttl(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import create_table

    client, table = moto_table  # created once by the fixture
    create_table(client, table)
    create_table(client, table)

    described = client.describe_table(TableName=table)["Table"]
    assert described["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert describe_indexes(client, table) == EXPECTED_INDEXES
    ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")


@pytest.mark.parametrize("existing", [[], ["gsi1"]])
def test_create_table_adds_missing_indexes_to_an_older_table(
    moto_table: tuple[Any, str], existing: list[str]
) -> None:
    from bot.store.dynamodb import DynamoDBStore, create_table

    client, _ = moto_table
    table = unique_table_name()
    definitions = ["pk", "sk"] + [name for index in existing for name in (f"{index}pk", f"{index}sk")]
    extra: dict[str, Any] = {}
    if existing:
        extra["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": f"{index}pk", "KeyType": "HASH"},
                    {"AttributeName": f"{index}sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in existing
        ]
    client.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in definitions],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        **extra,
    )
    calls = Calls(client)

    create_table(client, table)

    assert calls.operations.count("UpdateTable") == 2 - len(existing)  # one index per UpdateTable
    for _, params in calls.calls:
        if params.get("GlobalSecondaryIndexUpdates"):
            assert len(params["GlobalSecondaryIndexUpdates"]) == 1
    assert describe_indexes(client, table) == EXPECTED_INDEXES
    # The new indexes work: a listing on each finds a session written afterwards.
    store = DynamoDBStore(table, client=client)
    store.put(record(owner="user-9"), expected_version=0, now=NOW)
    assert [r.session_id for r in store.list_by_user("user-9", now=NOW).items] == ["s-1"]
    assert [r.session_id for r in store.list_by_time(start=NOW, end=NOW + 1, now=NOW).items] == ["s-1"]


def test_create_table_refuses_a_table_with_ttl_on_another_attribute(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import create_table

    client, _ = moto_table
    other = unique_table_name()
    create_table(client, other)
    client.update_time_to_live(
        TableName=other, TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires_at"}
    )
    client.update_time_to_live(
        TableName=other, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )

    with pytest.raises(ValueError, match="ttl"):
        create_table(client, other)


# --- construction ------------------------------------------------------------------------------


def test_builds_its_client_with_standard_retries_and_short_timeouts(
    aws_env: None, moto_endpoint: str
) -> None:
    from bot.store.dynamodb import DynamoDBStore

    store = DynamoDBStore("t", endpoint_url=moto_endpoint, region="eu-west-1")
    config = store.client.meta.config

    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (config.connect_timeout, config.read_timeout) == (2, 3)
    assert store.client.meta.region_name == "eu-west-1"
    assert store.client.meta.endpoint_url == moto_endpoint


def test_client_and_endpoint_are_exclusive() -> None:
    from bot.store.dynamodb import DynamoDBStore

    with pytest.raises(ValueError, match="either client"):
        DynamoDBStore("t", client=object(), endpoint_url="http://127.0.0.1:1")

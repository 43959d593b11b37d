"""The turn's two DynamoDB requests skip botocore's parameter validation (the store's checks ran
first) and marshal the session state as one attribute; everything else is as before, and items
written in the older layout (state and extra as maps) still load."""

from __future__ import annotations

from typing import Any

import pytest

from bot.store.base import SessionRecord
from bot.store.dynamodb import DynamoDBStore
from bot.store.dynamodb_requests import unvalidated
from bot.store.layout import activity_sk, copy_record, day_pk

from .conftest import DAY, T0, make_message


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The operations botocore validated the parameters of."""
    from botocore.validate import ParamValidator

    seen: list[str] = []
    original = ParamValidator.validate

    def counting(self: Any, params: Any, shape: Any) -> Any:
        seen.append(shape.name)
        return original(self, params, shape)

    monkeypatch.setattr(ParamValidator, "validate", counting)
    return seen


def test_a_turn_sends_its_two_requests_unvalidated(
    moto_table: tuple[Any, str], validations: list[str]
) -> None:
    client, name = moto_table
    store = DynamoDBStore(name, client=client)
    sent: list[str] = []
    client.meta.events.register("before-call.dynamodb.*", lambda model, **_: sent.append(model.name))

    saved = store.save(SessionRecord("s-1", {"a": "b"}, expires_at=T0 + DAY), expected_version=0, now=T0)
    record, _ = store.load("s-1", now=T0, window=5)
    assert record == saved
    store.save(
        copy_record(record, message_count=1),
        expected_version=1,
        now=T0 + 1,
        messages=[make_message("s-1", 0)],
    )
    assert sent == ["PutItem", "Query", "TransactWriteItems"]  # the hooks on store.client see them
    assert validations == []

    assert store.get("s-1", now=T0 + 1) is not None  # not the hot path: validated as before
    assert validations == ["GetItemInput"]


def test_unvalidated_shares_the_client_but_its_validation() -> None:
    import botocore.session
    from botocore.exceptions import ParamValidationError

    client = botocore.session.Session().create_client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    hot = unvalidated(client)
    assert hot is not client
    assert hot.meta is client.meta
    assert hot._endpoint is client._endpoint
    bodies: list[bytes] = []

    def stop(request: Any, **_: Any) -> None:
        bodies.append(request.body)
        raise RuntimeError("not sent")

    client.meta.events.register("before-send.dynamodb.Query", stop)
    with pytest.raises(ParamValidationError):
        client.query(TableName="t", Limit="ten")
    with pytest.raises(RuntimeError, match="not sent"):
        hot.query(TableName="t", Limit="ten")  # goes out as given; DynamoDB would refuse it
    assert bodies == [b'{"TableName": "t", "Limit": "ten"}']


@pytest.mark.parametrize("other", [object(), None, "client"])
def test_a_client_of_another_shape_is_used_as_it_is(other: Any) -> None:
    assert unvalidated(other) is other


def test_items_of_the_older_layout_load_and_are_rewritten_in_the_new(moto_table: tuple[Any, str]) -> None:
    client, name = moto_table
    store = DynamoDBStore(name, client=client)
    activity = activity_sk(T0, "old-1")
    client.put_item(
        TableName=name,
        Item={
            "pk": {"S": "SESSION#old-1"},
            "sk": {"S": "STATE"},
            "version": {"N": "2"},
            "expires_at": {"N": str(T0 + DAY)},
            "updated_at": {"N": str(T0)},
            "created_at": {"N": str(T0 - 50)},
            "message_count": {"N": "0"},
            "state": {"M": {"step": {"S": "collect"}, "名前": {"S": "山田"}}},
            "extra": {"M": {"channel": {"S": "voice"}}},
            "has_feedback": {"BOOL": False},
            "has_review": {"BOOL": False},
            "gsi2pk": {"S": day_pk(T0)},
            "gsi2sk": {"S": activity},
        },
    )
    record, _ = store.load("old-1", now=T0 + 1, window=3)
    assert record is not None
    assert (record.state, record.extra, record.version) == (
        {"step": "collect", "名前": "山田"},
        {"channel": "voice"},
        2,
    )
    assert [r.session_id for r in store.list_by_time(start=T0, end=T0 + 1, now=T0 + 1).items] == ["old-1"]

    store.save(copy_record(record, state={**record.state, "step": "done"}), expected_version=2, now=T0 + 2)
    raw = client.get_item(TableName=name, Key={"pk": {"S": "SESSION#old-1"}, "sk": {"S": "STATE"}})["Item"]
    assert raw["state"] == {"S": '{"step":"done","名前":"山田"}'}
    assert raw["extra"] == {"S": '{"channel":"voice"}'}
    again = store.get("old-1", now=T0 + 2)
    assert again is not None
    assert again.state == {"step": "done", "名前": "山田"}


@pytest.mark.parametrize(
    "stored",
    [{"S": "[1, 2]"}, {"S": '{"a": 1}'}, {"M": {"a": {"N": "1"}}}, {"N": "5"}],
)
def test_a_state_that_is_not_a_text_map_is_unavailable(
    moto_table: tuple[Any, str], stored: dict[str, Any]
) -> None:
    from bot.store.base import StoreUnavailable

    client, name = moto_table
    store = DynamoDBStore(name, client=client)
    client.put_item(
        TableName=name,
        Item={
            "pk": {"S": "SESSION#bad"},
            "sk": {"S": "STATE"},
            "state": stored,
            "expires_at": {"N": str(T0 + DAY)},
        },
    )
    with pytest.raises(StoreUnavailable, match="DynamoDB"):
        store.load("bad", now=T0, window=1)


def test_messages_of_both_layouts_load_side_by_side(moto_table: tuple[Any, str]) -> None:
    client, name = moto_table
    store = DynamoDBStore(name, client=client)
    saved = store.save(
        SessionRecord("mixed", {}, expires_at=T0 + DAY, message_count=1), expected_version=0, now=T0
    )
    client.put_item(  # index 0 as the older layout wrote it
        TableName=name,
        Item={
            "pk": {"S": "SESSION#mixed"},
            "sk": {"S": "MSG#0000000000"},
            "gen": {"N": str(saved.created_at)},
            "at_ms": {"N": str(T0 * 1000)},
            "user": {"S": "old user"},
            "bot": {"L": [{"S": "old bot"}]},
            "sig": {"S": "sig-old"},
            "intent": {"S": "CollectName"},
            "expires_at": {"N": str(T0 + DAY)},
        },
    )
    store.save(
        copy_record(saved, message_count=2),
        expected_version=1,
        now=T0 + 1,
        messages=[make_message("mixed", 1, expires_at=T0 + DAY)],
    )
    _, window = store.load("mixed", now=T0 + 2, window=5)
    assert [(m.index, m.user, m.bot, m.signature, m.intent) for m in window] == [
        (0, "old user", ["old bot"], "sig-old", "CollectName"),
        (1, "user says 1", ["bot says 1", "second line"], "sig-1", "CollectName"),
    ]
    assert store.messages("mixed", now=T0 + 2) == window


@pytest.mark.parametrize(
    "packed",
    [{"S": "not json"}, {"S": '{"user": 5}'}, {"S": '{"bot": "x"}'}, {"S": '{"other": "x"}'}, {"N": "1"}],
)
def test_a_message_that_is_not_in_the_layout_is_unavailable(
    moto_table: tuple[Any, str], packed: dict[str, Any]
) -> None:
    from bot.store.base import StoreUnavailable

    client, name = moto_table
    store = DynamoDBStore(name, client=client)
    saved = store.save(
        SessionRecord("bad-m", {}, expires_at=T0 + DAY, message_count=1), expected_version=0, now=T0
    )
    client.put_item(
        TableName=name,
        Item={
            "pk": {"S": "SESSION#bad-m"},
            "sk": {"S": "MSG#0000000000"},
            "gen": {"N": str(saved.created_at)},
            "msg": packed,
            "expires_at": {"N": str(T0 + DAY)},
        },
    )
    with pytest.raises(StoreUnavailable, match="DynamoDB"):
        store.load("bad-m", now=T0, window=1)


def test_a_content_attribute_added_beside_msg_wins_so_tampering_is_seen(moto_table: tuple[Any, str]) -> None:
    """Our writes never put both; an edit in the table that adds `bot` must reach the entry's
    signature check (which drops and logs it) rather than be hidden behind `msg`."""
    client, name = moto_table
    store = DynamoDBStore(name, client=client)
    record = SessionRecord("edited", {}, expires_at=T0 + DAY, message_count=1)
    store.save(record, expected_version=0, now=T0, messages=[make_message("edited", 0, expires_at=T0 + DAY)])
    client.update_item(
        TableName=name,
        Key={"pk": {"S": "SESSION#edited"}, "sk": {"S": "MSG#0000000000"}},
        UpdateExpression="SET #b = :b",
        ExpressionAttributeNames={"#b": "bot"},
        ExpressionAttributeValues={":b": {"L": [{"S": "forged"}]}},
    )
    _, window = store.load("edited", now=T0, window=1)
    assert window[0].bot == ["forged"]
    assert window[0].user == "user says 0"  # the rest still comes from `msg`


def test_the_client_the_store_builds_itself_gets_the_unvalidated_view(aws_env: None) -> None:
    from botocore.validate import ParamValidationDecorator

    from bot.store import make_store

    store = make_store("dynamodb", table_name="t", region="us-east-1")
    assert isinstance(store, DynamoDBStore)
    assert isinstance(store.client._serializer, ParamValidationDecorator)  # admin requests: validated
    assert not isinstance(store._hot.client._serializer, ParamValidationDecorator)
    assert store._hot.client.meta is store.client.meta

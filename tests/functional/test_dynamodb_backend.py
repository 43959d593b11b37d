"""The whole bot on the DynamoDB backend (moto): one read and one write per turn."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.store.dynamodb import DynamoDBStore, create_table
from tests.conftest import TEST_SECRET, checked
from tests.contract.conftest import moto_endpoint, server_table

__all__ = ["moto_endpoint", "server_table"]  # fixtures

EXPIRY = f"12/{(datetime.now(UTC).year + 3) % 100:02d}"


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "sessions")
        yield client


def test_a_payment_conversation_on_dynamodb_reads_once_and_writes_once_per_turn(
    dynamodb: Any, tmp_path: Path
) -> None:
    settings = Settings.from_env(
        {
            "BOT_STORE": "dynamodb",
            "SESSION_TABLE": "sessions",
            "BOT_SIGNING_KEY": TEST_SECRET,
            "BOT_LOCAL_DIR": str(tmp_path),
            "AWS_REGION": "us-east-1",
        }
    )
    store = DynamoDBStore("sessions", client=dynamodb)
    app = build_app(settings, store=store)
    calls: Counter[str] = Counter()
    dynamodb.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.update([model.name]))
    client = LexTestClient(checked(app.handle))
    script = ["payment", "John", "Smith", "4242424242424242", EXPIRY, "123", "yes"]
    client.say(script[0], intent="CollectName")
    for text in script[1:]:
        client.say(text)
    assert client.last.text_reply == "Done — your Visa ending 4242 is saved."
    invocations = sum(len(e.responses) for e in client.history)  # "yes" runs two code hooks
    # one Query (session + recent history) and one atomic write (session + history entry) per invocation
    assert calls == {"Query": invocations, "TransactWriteItems": invocations}
    item = dynamodb.get_item(
        TableName="sessions", Key={"pk": {"S": f"SESSION#{client.session_id}"}, "sk": {"S": "STATE"}}
    )["Item"]
    assert int(item["expires_at"]["N"]) > datetime.now(UTC).timestamp()
    assert "4242424242424242" not in str(item)


def test_a_signed_in_user_costs_one_extra_read_per_session_for_the_profile(
    dynamodb: Any, tmp_path: Path
) -> None:
    import time

    import jwt

    secret = "user-token-secret-" + "d" * 32
    settings = Settings.from_env(
        {
            "BOT_STORE": "dynamodb",
            "SESSION_TABLE": "sessions",
            "BOT_SIGNING_KEY": TEST_SECRET,
            "USER_TOKEN_SECRET": secret,
            "BOT_LOCAL_DIR": str(tmp_path),
            "AWS_REGION": "us-east-1",
        }
    )
    app = build_app(settings, store=DynamoDBStore("sessions", client=dynamodb))
    calls: Counter[str] = Counter()
    dynamodb.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.update([model.name]))
    token = jwt.encode({"sub": "user-42", "exp": int(time.time()) + 600}, secret, algorithm="HS256")
    client = LexTestClient(checked(app.handle), request_attributes={"user_token": token})
    wallet = "0x52908400098527886E0F7030069857D2E4169EE7"
    client.say(f"my wallet is {wallet}", intent="WalletAddress", slots={"WalletAddress": wallet})
    client.say("payment", intent="CollectName")
    client.say("John")
    invocations = sum(len(e.responses) for e in client.history)
    assert calls == {"GetItem": 1, "Query": invocations, "TransactWriteItems": invocations}
    profile = dynamodb.get_item(
        TableName="sessions", Key={"pk": {"S": "USER#user-42"}, "sk": {"S": "PROFILE"}}
    )
    assert profile["Item"]["data"]["M"]["wallet_address"]["S"] == wallet


def test_persistent_throttling_gets_a_graceful_message_and_writes_nothing(
    moto_endpoint: str, server_table: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore retries a throttled write (standard mode); when throttling persists, the user is
    told to try again, the turn's write (session + history entry) did not half-land, and the
    conversation continues from the last saved state once DynamoDB recovers.

    Runs against moto's HTTP server: in-process moto would apply the request whatever a
    before-send hook answers, so only a real endpoint shows that nothing was written."""
    from bot.texts import Texts

    sorry_later = Texts().sorry_later
    from tests.contract.conftest import new_client
    from tests.contract.test_dynamodb_store import error_response

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env(
        {
            "BOT_STORE": "dynamodb",
            "SESSION_TABLE": server_table,
            "BOT_SIGNING_KEY": TEST_SECRET,
            "BOT_LOCAL_DIR": str(tmp_path),
            "AWS_REGION": "us-east-1",
        }
    )
    dynamodb = new_client(moto_endpoint)  # the bot's client configuration (retries, timeouts)
    store = DynamoDBStore(server_table, client=dynamodb)
    app = build_app(settings, store=store)
    client = LexTestClient(checked(app.handle))
    client.say("payment", intent="CollectName")
    before = client.say("John")
    saved, saved_messages = store.load(client.session_id, now=int(datetime.now(UTC).timestamp()), window=50)
    assert saved is not None

    attempts: Counter[str] = Counter()
    throttling = {"on": True}

    def throttle(request: Any, **_: Any) -> Any:
        if throttling["on"] and b"TransactWriteItems" in request.headers.get("X-Amz-Target", b""):
            attempts.update(["TransactWriteItems"])
            return error_response(request, 400, "ThrottlingException")
        return None

    dynamodb.meta.events.register("before-send.dynamodb", throttle)
    reply = client.say("Smith")
    assert reply.text_reply == sorry_later
    assert reply.slot_to_elicit == "LastName"
    assert reply.attributes == before.attributes
    assert attempts["TransactWriteItems"] == 3  # botocore's standard mode: 3 attempts in all
    fresh = DynamoDBStore(server_table, client=new_client(moto_endpoint))
    record, messages = fresh.load(client.session_id, now=int(datetime.now(UTC).timestamp()), window=50)
    assert record is not None
    assert (record.version, record.message_count) == (saved.version, saved.message_count)
    assert len(messages) == len(saved_messages)

    throttling["on"] = False
    assert client.say("Smith").text_reply == "Thanks John. What's the card number?"

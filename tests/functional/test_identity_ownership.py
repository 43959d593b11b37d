"""A session created by a verified user belongs to that user; nobody else can continue it."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.pipeline import Pipeline as App
from bot.store.memory import MemoryStore
from bot.texts import Texts
from tests.conftest import TEST_SECRET, checked

NOTICE_EXPIRED, NOTICE_FOREIGN, NOTICE_INVALID = (
    Texts().sign_in_expired,
    Texts().foreign_session,
    Texts().sign_in_invalid,
)

TOKEN_SECRET = "user-token-secret-" + "u" * 32


def token(sub: str, *, exp_in: int = 600) -> str:
    return jwt.encode({"sub": sub, "exp": int(time.time()) + exp_in}, TOKEN_SECRET, algorithm="HS256")


@pytest.fixture
def owned_app(tmp_path: Path, store: MemoryStore) -> App:
    settings = Settings.from_env(
        {
            "BOT_STORE": "memory",
            "BOT_SIGNING_KEY": TEST_SECRET,
            "USER_TOKEN_SECRET": TOKEN_SECRET,
            "BOT_LOCAL_DIR": str(tmp_path),
        }
    )
    return build_app(settings, store=store)


def started_by(app: App, user: str) -> LexTestClient:
    client = LexTestClient(
        checked(app.handle), session_id="shared-session-01", request_attributes={"user_token": token(user)}
    )
    client.say("payment", intent="CollectName")
    client.say("Alice")
    return client


def stored(store: MemoryStore) -> Any:
    return store.get("shared-session-01", now=int(time.time()))


def events(lines: io.StringIO) -> list[str]:
    return [
        e["security_event"] for e in map(json.loads, lines.getvalue().splitlines()) if "security_event" in e
    ]


def test_a_verified_users_session_is_bound_to_them(owned_app: App, store: MemoryStore) -> None:
    client = started_by(owned_app, "alice")
    assert stored(store).owner == "alice"
    assert client.say("Smith").text_reply == "Thanks Alice. What's the card number?"


@pytest.mark.parametrize(
    ("intruder", "notice"),
    [
        ({"user_token": token("mallory")}, NOTICE_FOREIGN),
        ({}, NOTICE_FOREIGN),
        ({"user_token": token("alice", exp_in=-3600)}, NOTICE_EXPIRED),
        ({"user_token": "garbage.token.value"}, NOTICE_INVALID),
    ],
    ids=["foreign user", "anonymous", "expired token", "invalid token"],
)
def test_anyone_else_is_refused_and_the_owner_is_untouched(
    owned_app: App, store: MemoryStore, log_lines: io.StringIO, intruder: dict[str, str], notice: str
) -> None:
    owner = started_by(owned_app, "alice")
    before = stored(store)
    other = LexTestClient(
        checked(owned_app.handle), session_id="shared-session-01", request_attributes=intruder
    )
    other.set_session_attributes(owner.session_attributes)  # even with the owner's signed attributes
    reply = other.say("Smith", intent="CollectName", slots={"LastName": "Smith"})
    assert reply.messages[0] == notice
    assert "Alice" not in json.dumps(reply.responses)
    assert "first_name" not in reply.attributes
    assert stored(store) == before
    assert "foreign_session" in events(log_lines)
    # the owner carries on where they were
    assert owner.say("Smith").text_reply == "Thanks Alice. What's the card number?"


def test_anonymous_sessions_work_without_tokens(owned_app: App, store: MemoryStore) -> None:
    client = LexTestClient(checked(owned_app.handle), session_id="anon-session-01")
    client.say("payment", intent="CollectName")
    assert client.say("Bob").slot_to_elicit == "LastName"
    record = store.get("anon-session-01", now=int(time.time()))
    assert record is not None
    assert record.owner is None


def test_a_user_id_in_session_or_request_attributes_is_never_trusted(
    owned_app: App, store: MemoryStore
) -> None:
    client = LexTestClient(
        checked(owned_app.handle),
        session_id="anon-session-02",
        request_attributes={"user_id": "alice", "sub": "alice"},
    )
    client.set_session_attributes({"user_id": "alice", "owner": "alice"})
    client.say("payment", intent="CollectName")
    record = store.get("anon-session-02", now=int(time.time()))
    assert record is not None
    assert record.owner is None

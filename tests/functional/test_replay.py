"""Old signed state never resurrects deleted or expired data; the stored record and history are
not trusted blindly (issue 10, items 5 and 8). Each test drives the real handler; time is a
fixed, injected clock."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import jwt
import pytest

from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.pipeline import Pipeline
from bot.security import records, signing
from bot.security.keys import Keys
from bot.store.memory import MemoryStore
from tests.conftest import TEST_SECRET, checked

TOKEN_SECRET = "user-token-secret-" + "u" * 32
START = 1_900_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot(tmp_path: Path, store: MemoryStore, clock: Clock) -> Pipeline[Any]:
    settings = Settings.from_env(
        {
            "BOT_STORE": "memory",
            "BOT_SIGNING_KEY": TEST_SECRET,
            "USER_TOKEN_SECRET": TOKEN_SECRET,
            "BOT_LOCAL_DIR": str(tmp_path),
        }
    )
    return build_app(settings, store=store, clock=clock)


def token(user: str, clock: Clock) -> str:
    return jwt.encode({"sub": user, "exp": int(clock.now) + 7 * 86400}, TOKEN_SECRET, algorithm="HS256")


def security_events(lines: io.StringIO) -> list[str]:
    return [
        e["security_event"] for e in map(json.loads, lines.getvalue().splitlines()) if "security_event" in e
    ]


def at_read_back(client: LexTestClient) -> dict[str, Any]:
    """Name and card collected, the bot reading the card back: the state worth replaying."""
    client.say("payment", intent="CollectName")
    client.say("Alice")
    client.say("Doe")
    client.say("4242 4242 4242 4242")
    client.say("12/30")
    reply = client.say("123")
    assert reply.action == "ConfirmIntent"
    return reply.events[-1] | {"_attributes": reply.attributes}


def confirm_with(client: LexTestClient, attributes: dict[str, str]) -> dict[str, Any]:
    """The Confirm fulfillment call a client can send with kept attributes (RecognizeText/PutSession)."""
    client.set_session_attributes(attributes)
    return client.say("yes").response


@pytest.mark.parametrize("how", ["deleted", "expired"])
@pytest.mark.parametrize("owned", [False, True], ids=["anonymous", "owned"])
def test_kept_attributes_do_not_bring_back_a_refused_card(
    bot: Pipeline[Any], store: MemoryStore, clock: Clock, log_lines: io.StringIO, how: str, owned: bool
) -> None:
    attributes = {"user_token": token("alice", clock)} if owned else {}
    client = LexTestClient(checked(bot.handle), session_id="replay-session-1", request_attributes=attributes)
    kept = at_read_back(client)["_attributes"]
    assert client.say("no").action == "ElicitSlot"  # the user refused the card
    if how == "deleted":
        store.delete(client.session_id)
    else:
        clock.now += 2 * 3600  # past the session's TTL (and the signature's expiry)
    response = confirm_with(client, kept)
    said = " ".join(m["content"] for m in response.get("messages", []))
    assert "saved" not in said
    assert "Alice" not in said
    assert "payment_method_id" not in response["sessionState"]["sessionAttributes"]
    assert "card_last4" not in response["sessionState"]["sessionAttributes"]
    assert set(security_events(log_lines)) & {"stale_session_state", "forged_session_attributes"}


def test_an_owned_sessions_attributes_replayed_anonymously_after_a_delete_read_back_nothing(
    bot: Pipeline[Any], store: MemoryStore, clock: Clock, log_lines: io.StringIO
) -> None:
    alice = LexTestClient(
        checked(bot.handle),
        session_id="replay-session-2",
        request_attributes={"user_token": token("alice", clock)},
    )
    kept = at_read_back(alice)["_attributes"]
    store.delete(alice.session_id)
    anonymous = LexTestClient(checked(bot.handle), session_id="replay-session-2")
    anonymous.set_session_attributes(kept)
    reply = anonymous.say("confirm", intent="Confirm")
    assert "Alice" not in reply.text_reply
    assert "forged_session_attributes" in security_events(log_lines)  # bound to alice, not to nobody


def test_a_signature_is_bound_to_version_expiry_and_owner() -> None:
    keys = Keys.from_secrets(b"k3y-" * 10)
    attributes = {"status": "collecting"}
    binding = signing.Binding(version=3, expires_at=2_000, owner="alice")
    signed = {**attributes, "sig": signing.sign(keys.signing, "s-1", attributes, binding)}
    assert signing.verify(keys.verifying, "s-1", signed, owner="alice", now=1_999) == binding
    assert signing.verify(keys.verifying, "s-1", signed, owner=None, now=1_999) is None  # not the owner
    assert signing.verify(keys.verifying, "s-1", signed, owner="mallory", now=1_999) is None
    assert signing.verify(keys.verifying, "s-1", signed, owner="alice", now=2_001) is None  # expired
    tampered = {**signed, "sig": signed["sig"].replace("v2.3.", "v2.4.")}  # a newer version claimed
    assert signing.verify(keys.verifying, "s-1", tampered, owner="alice", now=1_999) is None
    later = {**signed, "sig": signed["sig"].replace(".2000.", ".9000.")}  # a later expiry claimed
    assert signing.verify(keys.verifying, "s-1", later, owner="alice", now=1_999) is None


def test_an_edited_stored_record_is_not_trusted(
    bot: Pipeline[Any], store: MemoryStore, clock: Clock, log_lines: io.StringIO
) -> None:
    client = LexTestClient(checked(bot.handle), session_id="tampered-record-1")
    at_read_back(client)
    record = store.get(client.session_id, now=int(clock.now))
    assert record is not None
    assert records.is_authentic(bot.services.keys.verifying, record)
    forged = dataclasses.replace(record, state={**record.state, "payment_method_id": "pm_attacker"})
    store.put(forged, expected_version=record.version, now=int(clock.now))
    reply = client.say("yes")
    assert "saved" not in reply.text_reply  # nothing is committed on a record the bot did not write
    assert "forged_session_record" in security_events(log_lines)
    after = store.get(client.session_id, now=int(clock.now))
    assert after is not None
    assert "pm_attacker" not in json.dumps(after.state)
    assert records.is_authentic(bot.services.keys.verifying, after)


def test_a_record_without_a_mac_or_with_a_changed_owner_is_not_trusted() -> None:
    keys = Keys.from_secrets(b"k3y-" * 10)
    from bot.store.base import SessionRecord

    record = records.seal(
        keys.signing, SessionRecord("s-1", {"status": "done"}, owner="alice", message_count=2)
    )
    assert records.is_authentic(keys.verifying, record)
    changes: list[dict[str, Any]] = [{"owner": "mallory"}, {"message_count": 1}, {"state": {}}, {"extra": {}}]
    for change in changes:
        assert not records.is_authentic(keys.verifying, dataclasses.replace(record, **change))
    # what the store and operators own may change without the bot: version, times, title, review
    moved = dataclasses.replace(record, version=7, updated_at=5, expires_at=9, title="t", created_at=1)
    assert records.is_authentic(keys.verifying, moved)


def test_a_session_an_operator_created_or_extended_is_trusted_by_the_bot(
    bot: Pipeline[Any], store: MemoryStore, clock: Clock, log_lines: io.StringIO
) -> None:
    """The admin service signs the records it writes (and re-signs only records the bot wrote):
    a session made with `sessions add` continues in the bot without a security event."""
    from bot.admin.service import SessionAdmin

    admin = SessionAdmin(store, bot.services.keys, clock=clock)
    admin.add_session("operator-made-1", None, "seeded by ops", {"prompt": "hi", "response": "hello"})
    admin.add_message("operator-made-1", {"prompt": "still there?", "response": "yes"})
    record = store.get("operator-made-1", now=int(clock.now))
    assert record is not None
    assert records.is_authentic(bot.services.keys.verifying, record)
    client = LexTestClient(checked(bot.handle), session_id="operator-made-1")
    assert client.say("payment", intent="CollectName").slot_to_elicit == "FirstName"
    assert security_events(log_lines) == []


def test_the_admin_service_never_launders_a_forged_record(
    bot: Pipeline[Any], store: MemoryStore, clock: Clock
) -> None:
    from bot.admin.service import SessionAdmin

    client = LexTestClient(checked(bot.handle), session_id="laundered-1")
    at_read_back(client)
    record = store.get("laundered-1", now=int(clock.now))
    assert record is not None
    forged = dataclasses.replace(record, state={**record.state, "payment_method_id": "pm_attacker"})
    store.put(forged, expected_version=record.version, now=int(clock.now))
    SessionAdmin(store, bot.services.keys, clock=clock).add_message(
        "laundered-1", {"prompt": "note", "response": "ok"}
    )
    after = store.get("laundered-1", now=int(clock.now))
    assert after is not None
    assert not records.is_authentic(bot.services.keys.verifying, after)

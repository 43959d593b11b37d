"""Session attributes are client-visible and client-settable: forged state is rejected."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.pipeline import Pipeline as App
from bot.store.memory import MemoryStore
from intents.flow import CARDS
from tests.conftest import checked

YEAR = datetime.now(UTC).year
EXPIRY = f"12/{(YEAR + 3) % 100:02d}"


class CountingGateway:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.commits: list[str] = []

    def tokenize(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.tokenize(*args, **kwargs)

    def commit(self, payment_method_id: str, **kwargs: Any) -> Any:
        self.commits.append(payment_method_id)
        return self.inner.commit(payment_method_id, **kwargs)


@pytest.fixture
def gateway(app: App) -> CountingGateway:
    counting = CountingGateway(app.part(CARDS).gateway)
    app.part(CARDS).gateway = counting
    return counting


def at_confirm(client: LexTestClient) -> dict[str, str]:
    client.say("payment", intent="CollectName")
    client.say("John")
    client.say("Smith")
    client.say("4242424242424242")
    client.say(EXPIRY)
    reply = client.say("123")
    assert reply.action == "ConfirmIntent"
    return reply.attributes


def security_events(lines: io.StringIO) -> list[dict[str, Any]]:
    return [e for e in map(json.loads, lines.getvalue().splitlines()) if "security_event" in e]


FORGERIES = {
    "changed status": lambda a: {**a, "status": "completed"},
    "injected token": lambda a: {**a, "payment_method_id": "pm_attacker"},
    "changed step": lambda a: {**a, "step": "done"},
    "bad signature": lambda a: {**a, "sig": "v1." + "A" * 43},
    "missing signature": lambda a: {k: v for k, v in a.items() if k != "sig"},
    "renamed cardholder": lambda a: {**a, "first_name": "Mallory"},
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_forged_attributes_with_a_store_fall_back_to_the_stored_state(
    client: LexTestClient, gateway: CountingGateway, log_lines: io.StringIO, forge: Any
) -> None:
    honest = at_confirm(client)
    client.set_session_attributes(forge(honest))
    reply = client.say("yes")
    events = security_events(log_lines)
    assert [e["security_event"] for e in events] == ["forged_session_attributes"]
    # the trusted (stored) state decides: the confirmation was really asked, so it completes
    # with the real token, never the forged one
    assert gateway.commits == [honest["payment_method_id"]]
    assert "pm_attacker" not in json.dumps(reply.responses)
    assert "Mallory" not in json.dumps(reply.responses)


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_forged_attributes_without_a_store_restart_the_session(
    settings: Any, forge: Any, log_lines: io.StringIO
) -> None:
    """A client replays a forged 'awaiting confirmation' state into a session the server never saw."""
    source = build_app(settings, store=MemoryStore())
    honest = at_confirm(LexTestClient(checked(source.handle), session_id="victim-session-01"))
    target = build_app(settings, store=MemoryStore())  # nothing stored for this session
    counting = CountingGateway(target.part(CARDS).gateway)
    target.part(CARDS).gateway = counting
    attacker = LexTestClient(checked(target.handle), session_id="attacker-session-1")
    attacker.set_session_attributes(forge(honest))
    attacker._state.update(
        intent={"name": "Confirm", "slots": {}, "state": "InProgress", "confirmationState": "None"},
        dialogAction={"type": "ConfirmIntent"},
    )
    reply = attacker.say("yes")
    assert counting.commits == []
    assert reply.action == "ElicitSlot"
    assert reply.slot_to_elicit == "FirstName"  # fresh session: start from the beginning
    assert "payment_method_id" not in reply.attributes
    assert any(e["security_event"] == "forged_session_attributes" for e in security_events(log_lines))


def test_a_signature_from_another_session_is_rejected(app: App, log_lines: io.StringIO) -> None:
    first = LexTestClient(checked(app.handle), session_id="session-aaaaaaaa")
    attributes = at_confirm(first)
    second = LexTestClient(checked(app.handle), session_id="session-bbbbbbbb")
    second.set_session_attributes(attributes)
    reply = second.say("payment", intent="CollectName")
    assert reply.slot_to_elicit == "FirstName"
    assert "first_name" not in reply.attributes
    assert security_events(log_lines)[0]["session_id"] == "session-bbbbbbbb"


def test_correctly_signed_attributes_never_resurrect_a_session_the_store_lost(
    settings: Any, log_lines: io.StringIO
) -> None:
    """The store lost the session (an in-memory store restarted, a delete, an expiry): the
    client's signed attributes, however genuine, do not bring back its card or its confirmation.
    The session starts over (issue 10: old signed state never resurrects deleted data)."""
    one = build_app(settings, store=MemoryStore())
    client = LexTestClient(checked(one.handle))
    at_confirm(client)
    store = MemoryStore()
    two = build_app(settings, store=store)
    client.handler = checked(two.handle)
    reply = client.say("yes")
    assert "saved" not in reply.text_reply
    assert "payment_method_id" not in reply.attributes
    assert "card_last4" not in reply.attributes
    assert [e["security_event"] for e in security_events(log_lines)] == ["stale_session_state"]


def test_stale_but_genuine_attributes_lose_to_the_store(
    client: LexTestClient, log_lines: io.StringIO
) -> None:
    client.say("payment", intent="CollectName")
    old = client.say("John").attributes
    client.say("Smith")
    client.set_session_attributes(old)  # replay an older, correctly signed state
    reply = client.say("4242424242424242")
    assert reply.attributes["last_name"] == "Smith"
    assert security_events(log_lines) == []


def test_request_attributes_never_write_session_state(new_client: Any) -> None:
    client = new_client(
        request_attributes={
            "status": "completed",
            "payment_method_id": "pm_injected",
            "first_name": "Mallory",
            "user_authenticated": "true",
            "x-amz-lex:channels:platform": "web",
        }
    )
    reply = client.say("payment", intent="CollectName")
    assert reply.slot_to_elicit == "FirstName"
    assert set(reply.attributes) <= {"step", "status", "turn", "sig", "attempts", "locale"}
    assert "injected" not in json.dumps(reply.responses)
    assert "requestAttributes" not in reply.response


def test_foreign_session_attributes_are_not_echoed(client: LexTestClient) -> None:
    client.set_session_attributes({"card": "4242424242424242", "note": "hi"})
    reply = client.say("payment", intent="CollectName")
    assert "card" not in reply.attributes
    assert "4242424242424242" not in json.dumps(reply.response)


def test_forged_sealed_card_slot_is_treated_as_absent(client: LexTestClient, log_lines: io.StringIO) -> None:
    client.say("payment", intent="CollectName")
    client.say("John")
    client.say("Smith")
    client.say("4242424242424242")
    sealed = client._state["intent"]["slots"]["CardNumber"]["value"]["interpretedValue"]
    assert sealed.startswith("sealed.v2.")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    for key in ("originalValue", "interpretedValue"):
        client._state["intent"]["slots"]["CardNumber"]["value"][key] = tampered
    reply = client.say(EXPIRY)
    assert reply.slot_to_elicit == "CardNumber"
    assert any(e["security_event"] == "forged_sealed_slot" for e in security_events(log_lines))


def test_no_state_leaks_between_interleaved_sessions_on_a_warm_handler(app: App) -> None:
    """lex-helper's module-level Config leaked one user's attributes into another's response."""
    rng = random.Random(7)
    names = [f"User{chr(65 + i // 26)}{chr(97 + i % 26)}" for i in range(40)]
    clients = {
        name: LexTestClient(checked(app.handle), session_id=f"warm-{i:04d}") for i, name in enumerate(names)
    }
    script = ["start", "first", "last", "card", "expiry"]
    progress = dict.fromkeys(names, 0)
    while any(p < len(script) for p in progress.values()):
        name = rng.choice([n for n, p in progress.items() if p < len(script)])
        client, step = clients[name], script[progress[name]]
        if step == "start":
            reply = client.say("payment", intent="CollectName")
        elif step == "first":
            reply = client.say(name)
        elif step == "last":
            reply = client.say("Smith")
        elif step == "card":
            reply = client.say("4242424242424242")
        else:
            reply = client.say(EXPIRY)
        progress[name] += 1
        text = json.dumps(reply.responses)
        for other in names:
            if other != name:
                assert other not in text, f"{other}'s data in {name}'s response"
        if step != "start":
            assert reply.attributes.get("first_name") == name

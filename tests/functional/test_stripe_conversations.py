"""Conversations with PAYMENT_GATEWAY=stripe: the real stripe-python SDK against the local
Stripe API fake on 127.0.0.1 (declines at attach, as real Stripe does; 429s; Lex retries)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.pipeline import Pipeline as App
from intents.flow import CARDS
from tests.conftest import TEST_SECRET, checked
from tests.fakes.stripe_api import FakeStripe

EXPIRY = f"12/{(datetime.now(UTC).year + 3) % 100:02d}"


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe(decline_at="attach") as server:
        yield server


@pytest.fixture
def stripe_app(fake: FakeStripe, tmp_path: Path) -> App:
    settings = Settings.from_env(
        {
            "BOT_STORE": "memory",
            "PAYMENT_GATEWAY": "stripe",
            "STRIPE_API_KEY": "sk_test_local",
            "STRIPE_API_BASE": fake.url,
            "BOT_SIGNING_KEY": TEST_SECRET,
            "BOT_LOCAL_DIR": str(tmp_path),
        }
    )
    return build_app(settings)


def collect(client: LexTestClient, number: str, cvc: str = "123") -> None:
    client.say("payment", intent="CollectName")
    client.say("John")
    client.say("Smith")
    client.say(number)
    client.say(EXPIRY)
    client.say(cvc)


def test_a_card_is_tokenized_and_committed_once_even_when_lex_retries(
    stripe_app: App, fake: FakeStripe, log_lines: io.StringIO
) -> None:
    client = LexTestClient(checked(stripe_app.handle))
    collect(client, "4242 4242 4242 4242")
    assert client.last.action == "ConfirmIntent"
    assert len(fake.requests_to("POST", "/v1/payment_methods")) == 1
    done = client.say("yes")
    assert done.text_reply == "Done — your Visa ending 4242 is saved."
    retry = stripe_app.handle(done.events[-1])  # Lex re-sends the fulfillment call with the same attributes
    assert retry["sessionState"]["intent"]["state"] == "Fulfilled"  # "already saved": no second commit
    assert len(fake.customers) == 1
    stripe_app.store.delete(client.session_id)  # lose the server state, then the same retry again:
    again = stripe_app.handle(done.events[-1])  # the old signed state does not resurrect the card
    assert "saved" not in again["messages"][-1]["content"]
    assert len(fake.customers) == 1
    assert done.attributes["customer_id"] in fake.customers
    assert "4242424242424242" not in log_lines.getvalue()


def test_a_decline_at_attach_goes_back_to_the_card(stripe_app: App, fake: FakeStripe) -> None:
    client = LexTestClient(checked(stripe_app.handle))
    collect(client, "4000000000000002")
    assert client.last.action == "ConfirmIntent"  # Stripe accepts the card at creation...
    reply = client.say("yes")  # ...and declines it when attached
    assert (reply.intent_name, reply.slot_to_elicit) == ("CollectCard", "CardNumber")
    assert "declined" in reply.text_reply
    assert "payment_method_id" not in reply.attributes


def test_rate_limits_are_retried_with_the_same_idempotency_key(stripe_app: App, fake: FakeStripe) -> None:
    stripe_app.part(CARDS).gateway._sleep = lambda seconds: None  # type: ignore[attr-defined]
    fake.fail_next(429, 2)
    client = LexTestClient(checked(stripe_app.handle))
    collect(client, "4242424242424242")
    attempts = fake.requests_to("POST", "/v1/payment_methods")
    assert len(attempts) == 3
    assert len({a.idempotency_key for a in attempts}) == 1
    assert client.last.action == "ConfirmIntent"


def test_a_persistent_outage_keeps_the_card_and_asks_for_the_code_again(
    stripe_app: App, fake: FakeStripe
) -> None:
    stripe_app.part(CARDS).gateway._sleep = lambda seconds: None  # type: ignore[attr-defined]
    fake.fail_next(500, 3)  # exactly one tokenization's worth of attempts
    client = LexTestClient(checked(stripe_app.handle))
    collect(client, "4242424242424242")
    reply = client.last
    assert reply.slot_to_elicit == "SecurityCode"
    assert "couldn't reach the card processor" in reply.text_reply
    assert reply.intent is not None
    assert reply.intent["slots"]["CardNumber"]["value"]["interpretedValue"].startswith("sealed.v2.")
    assert client.say("123").action == "ConfirmIntent"  # nothing lost: only the code is asked again
    assert "4242424242424242" not in json.dumps([r for e in client.history for r in e.responses])

"""Metrics a payment conversation emits (EMF on stdout), and that none of them carries card data."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from bot.dev.testing import LexTestClient
from tests.functional.test_conversations import EXPIRY, start

PAN = "4242424242424242"


def emitted(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]


def totals(docs: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for doc in docs:
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            dims = [d for d in directive["Dimensions"][0] if d != "service"]
            label = ",".join(f"{d}={doc[d]}" for d in dims)
            for metric in directive["Metrics"]:
                out[(metric["Name"], label)] += int(sum(doc[metric["Name"]]))
    return out


def test_a_conversation_emits_turn_validation_tokenization_and_session_metrics(
    client: LexTestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    start(client)
    client.say("4242 4242 4242 4241")  # fails Luhn
    client.say(PAN)
    client.say(EXPIRY)
    client.say("12")  # too short
    client.say("123")
    client.say("yes")
    docs = emitted(capsys)
    seen = totals(docs)
    assert seen[("Turns", "intent=CollectName")] == 3
    assert seen[("ValidationFailures", "slot=CardNumber")] == 1
    assert seen[("ValidationFailures", "slot=SecurityCode")] == 1
    assert seen[("Tokenizations", "outcome=tokenized")] == 1
    assert seen[("SessionTurns", "outcome=completed")] == sum(len(e.responses) for e in client.history)
    assert ("SessionSeconds", "outcome=completed") in seen
    text = json.dumps([{k: v for k, v in d.items() if k != "_aws"} for d in docs])
    assert PAN not in text
    assert "4241" not in text
    assert "123" not in text  # no CVV (the timestamps are left out: they may contain any digits)


def test_security_events_are_counted_by_kind(
    client: LexTestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    start(client)
    client.set_session_attributes({**client.session_attributes, "status": "completed"})
    client.say("hello")
    assert totals(emitted(capsys))[("SecurityEvents", "kind=forged_session_attributes")] == 1


def test_declines_are_counted_by_outcome(client: LexTestClient, capsys: pytest.CaptureFixture[str]) -> None:
    start(client)
    client.say("4000 0000 0000 0002")  # Stripe's generic-decline test card
    client.say(EXPIRY)
    client.say("123")
    assert any(
        name == "Tokenizations" and label.startswith("outcome=rejected_")
        for name, label in totals(emitted(capsys))
    )

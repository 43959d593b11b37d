"""Play every kind of conversation and scan every response, log line and stored item:
the card numbers and security codes used appear nowhere."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import UTC, datetime

from bot.dev.testing import LexTestClient
from bot.pipeline import Pipeline as App
from bot.store.memory import MemoryStore
from tests.conftest import checked

YEAR = datetime.now(UTC).year
EXPIRY = f"12/{(YEAR + 3) % 100:02d}"

CARDS = [
    "4242424242424242",
    "4000000000000002",
    "4000000000009995",
    "4000000000000069",
    "4000000000000127",
    "4000000000000119",
    "5555555555554444",
    "378282246310005",
    "4242424242424241",
]
CVCS = ["915", "8461"]  # distinctive codes, searched for as whole tokens


def _conversations(app: App) -> list[LexTestClient]:
    clients: list[LexTestClient] = []

    def new() -> LexTestClient:
        client = LexTestClient(checked(app.handle))
        clients.append(client)
        client.say("I'd like to make a payment", intent="CollectName")
        client.say("John")
        client.say("Smith")
        return client

    # success, typed with spaces, then confirmed
    c = new()
    c.say("4242 4242 4242 4242")
    c.say(EXPIRY)
    c.say("915")
    c.say("yes")
    # every decline
    for number in CARDS[1:6]:
        c = new()
        c.say(number)
        c.say(EXPIRY)
        c.say("915")
    # Amex with a 4-digit code, wrong code length first, then denied
    c = new()
    c.say("3782-822463-10005")
    c.say(EXPIRY)
    c.say("915")
    c.say("8461")
    c.say("no")
    # validation failures until hand-off
    c = new()
    c.say("4242424242424241")
    c.say("4242 4242 4242 4241")
    c.say("4242-4242-4242-4241")
    # card first, with the code volunteered early, spoken
    c = LexTestClient(checked(app.handle))
    clients.append(c)
    c.say(
        "my card is 5555555555554444 code 915",
        intent="CollectCard",
        slots={"CardNumber": "5555555555554444", "SecurityCode": "915"},
    )
    c.say(EXPIRY)
    c.say("nine one five", input_mode="Speech")
    c.say("Ada")
    c.say("Lovelace")
    c.say("yes")
    # an expiry error while a number is held
    c = new()
    c.say("4242424242424242")
    c.say("13/99")
    c.say("01/20")
    return clients


_OPAQUE = re.compile(r"(sealed\.v[12]\.|v1\.)[A-Za-z0-9_-]+")


_CLOCKS = {"created", "msecs", "relativeCreated", "thread", "process", "duration_ms", "lineno"}


def _payload(record: logging.LogRecord) -> dict[str, str]:
    """What a record carries besides its clock readings (floats like 1234.915 are not codes)."""
    return {k: str(v) for k, v in vars(record).items() if k not in _CLOCKS}


def _whole_token(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])")


def test_no_card_number_or_code_in_any_response_log_or_stored_item(
    app: App, store: MemoryStore, log_lines: io.StringIO, raw_log_messages: list[logging.LogRecord]
) -> None:
    clients = _conversations(app)
    responses = json.dumps([r for c in clients for e in c.history for r in e.responses], ensure_ascii=False)
    logs = log_lines.getvalue()
    raw_logs = "\n".join(f"{r.getMessage()} {json.dumps(_payload(r))}" for r in raw_log_messages)
    stored = repr(store._records)
    assert len(clients) == 10
    assert "Done — your Visa ending 4242 is saved." in responses
    for where, text in {"responses": responses, "logs": logs, "raw logs": raw_logs, "store": stored}.items():
        assert text, where
        for number in CARDS:
            assert number not in text, f"card number in {where}"
            grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
            assert grouped not in text, f"grouped card number in {where}"
        opaque = _OPAQUE.sub("<opaque>", text)  # base64url can contain "-915_" by chance
        for code in CVCS:
            assert not _whole_token(code).search(opaque), f"security code in {where}"


def test_the_redaction_net_was_not_needed(app: App, raw_log_messages: list[logging.LogRecord]) -> None:
    """Nothing relied on the safety net: the messages and records were clean before formatting."""
    _conversations(app)
    for record in raw_log_messages:
        text = record.getMessage() + json.dumps({k: str(v) for k, v in vars(record).items()})
        assert "•••• " not in text
        for number in CARDS:
            assert number not in text

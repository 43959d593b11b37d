"""Forms (bot.forms) on a tiny bot of their own: the elicit/validate/retry/give-up loop, transient
slots, session fields, read-back and confirmation, and the template name checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field

from bot.app import App
from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.dialog import Reply
from bot.forms import Ask, Form, FormContext, FormValues, describe_slot
from bot.schema import BotSchema, UnknownName
from bot.session import Session
from bot.store.memory import MemoryStore
from bot.turn import Turn
from bot.validation.result import Invalid, Valid, Validation
from tests.conftest import TEST_SECRET, checked

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC).timestamp()


class Order(Session):
    size: str | None = Field(default=None, max_length=10)
    orders: int = 0


def size(value: str) -> Validation[str]:
    text = value.strip().lower()
    return Valid(text) if text in {"small", "large"} else Invalid("Small or large?")


def count(value: str, form: FormContext[Order]) -> Validation[int]:
    if not value.isdigit() or not 0 < int(value) <= (3 if form.values.get(SIZE) == "large" else 9):
        return Invalid("How many? At most 3 large or 9 small.")
    return Valid(int(value))


def pin(value: str) -> Validation[str]:
    return Valid(value) if value.isdigit() and len(value) == 4 else Invalid("Four digits, please.")


SIZE = Ask("Size", size, "Small or large?", into="size")
COUNT = Ask("Count", validate_with=count, prompt=lambda form: f"How many {form.session.size}?", shown=str)
PIN = Ask("Pin", pin, "And your PIN?", transient=True)
SCHEMA = BotSchema(
    "orders.yaml (test)", {"Order": frozenset({"Size", "Count", "Pin"}), "Quick": frozenset({"Size"})}
)


def build(*forms: Form[Order], give_up: Any = None, schema: BotSchema | None = SCHEMA, **kw: Any) -> Any:
    app = App("OrderBot", session=Order, give_up=give_up, **kw)
    app.add(*forms)
    settings = Settings.from_env(
        {"BOT_STORE": "memory", "BOT_SIGNING_KEY": TEST_SECRET, "BOT_LOCAL_DIR": "/tmp"}
    )
    return app.build(settings, store=MemoryStore(), schema=schema, clock=lambda: NOW)


def order_form(*, confirm: bool = False) -> Form[Order]:
    form = Form[Order]("Order", SIZE, COUNT, PIN)

    @form.submit
    def place(turn: Turn[Order], values: FormValues) -> Reply:
        turn.session.orders += 1
        from bot import dialog

        return dialog.close(turn, f"Ordered {values[COUNT]} {values[SIZE]}.")

    if confirm:
        form = Form[Order]("Order", SIZE, COUNT)
        form.submit(place)

        @form.confirm
        def read_back(turn: Turn[Order], values: FormValues) -> str:
            return f"{values[COUNT]} {values[SIZE]}, right?"

    return form


def client(pipeline: Any) -> LexTestClient:
    return LexTestClient(checked(pipeline.handle))


def test_the_form_asks_validates_and_submits_in_order() -> None:
    bot = client(build(order_form()))
    assert bot.say("order", intent="Order").text_reply == "Small or large?"
    assert bot.say("huge").text_reply == "Small or large?"  # the validator's reason
    assert bot.say("large").text_reply == "How many large?"  # prompt from the session field
    assert bot.say("5").text_reply == "How many? At most 3 large or 9 small."  # a cross-slot rule
    assert bot.say("2").text_reply == "And your PIN?"
    done = bot.say("1234")
    assert done.text_reply == "Ordered 2 large."
    assert done.intent is not None
    assert done.intent["state"] == "Fulfilled"
    assert done.attributes["orders"] == "1"
    assert "1234" not in str(done.responses)  # transient: never returned to Lex


def test_a_transient_value_given_early_is_checked_dropped_and_asked_for_last() -> None:
    bot = client(build(order_form()))
    reply = bot.say("order", intent="Order", slots={"Pin": "1234"})
    assert reply.slot_to_elicit == "Size"
    assert reply.intent is not None
    assert reply.intent["slots"]["Pin"] is None
    assert bot.say("small", intent="Order", slots={"Pin": "12"}).text_reply == "Four digits, please."


def test_three_rejections_of_one_slot_give_up_politely() -> None:
    bot = client(build(order_form()))
    bot.say("order", intent="Order")
    bot.say("huge")
    bot.say("tiny")
    reply = bot.say("medium")
    assert reply.action == "Close"
    assert reply.intent is not None
    assert reply.intent["state"] == "Failed"
    assert "size" in reply.text_reply  # the default hand-off names the slot
    assert "attempts" not in reply.attributes


def test_the_apps_give_up_policy_and_describe_slot() -> None:
    from bot import dialog

    def hand_off(turn: Turn[Order], slot: str, what: str) -> Reply:
        return dialog.close(turn, f"Let me get a person for the {what} ({slot}).", fulfilled=False)

    bot = client(build(order_form(), give_up=hand_off))
    bot.say("order", intent="Order")
    for word in ("a", "b"):
        bot.say(word)
    assert bot.say("c").text_reply == "Let me get a person for the size (Size)."
    assert describe_slot("CardNumber") == "card number"


def test_a_rejected_value_clears_the_session_field_it_had() -> None:
    bot = client(build(order_form()))
    bot.say("order", intent="Order")
    assert bot.say("large").attributes["size"] == "large"
    again = bot.say("order", intent="Order", slots={"Size": "enormous"})
    assert "size" not in again.attributes
    assert again.slot_to_elicit == "Size"


def test_confirmation_reads_back_and_submits_only_what_was_read_back() -> None:
    bot = client(build(order_form(confirm=True)))
    bot.say("order", intent="Order")
    bot.say("small")
    read_back = bot.say("4")
    assert read_back.action == "ConfirmIntent"
    assert read_back.text_reply == "4 small, right?"
    done = bot.say("yes")
    assert done.text_reply == "Ordered 4 small."


def test_a_changed_value_or_an_unasked_yes_is_read_back_again() -> None:
    bot = client(build(order_form(confirm=True)))
    bot.say("order", intent="Order")
    bot.say("small")
    bot.say("4")
    state = bot._state
    state["intent"]["slots"]["Count"] = {
        "shape": "Scalar",
        "value": {"originalValue": "9", "interpretedValue": "9", "resolvedValues": ["9"]},
    }
    changed = bot.say("yes")
    assert changed.action == "ConfirmIntent"
    assert changed.text_reply == "9 small, right?"  # the new value, read back; nothing ordered
    other = client(build(order_form(confirm=True)))
    claim = other.say("yes", intent="Order", slots={"Size": "small", "Count": "2"})
    assert claim.action == "ConfirmIntent"  # "Confirmed" with nothing read back is not a yes


def test_no_at_the_read_back_starts_the_form_again() -> None:
    bot = client(build(order_form(confirm=True)))
    bot.say("order", intent="Order")
    bot.say("large")
    bot.say("2")
    again = bot.say("no")
    assert again.slot_to_elicit == "Size"
    assert again.text_reply == "OK, let's change that. Small or large?"
    assert "size" not in again.attributes


def test_a_form_with_a_transient_slot_cannot_be_confirmed() -> None:
    form = Form[Order]("Order", SIZE, PIN)
    with pytest.raises(TypeError, match="transient"):
        form.confirm(lambda turn, values: "ok?")


def test_declaration_errors_are_clear() -> None:
    with pytest.raises(TypeError, match="exactly one of validate"):
        Ask("Size", prompt="x")
    with pytest.raises(TypeError, match="needs a prompt"):
        Ask("Size", size)
    with pytest.raises(TypeError, match="twice"):
        Form[Order]("Order", SIZE, SIZE)
    with pytest.raises(TypeError, match="own dialog hook"):
        order_form().dialog(lambda turn: None)  # type: ignore[arg-type,return-value]


def test_a_slot_the_template_does_not_have_raises_naming_intent_slot_and_file() -> None:
    typo = Form[Order]("Quick", Ask("Sise", size, "Small or large?"))
    typo.submit(lambda turn, values: None)  # type: ignore[arg-type,return-value]
    app = App("OrderBot", session=Order)
    app.add(typo)
    assert app.check(SCHEMA) == [
        "intent Quick: slot Sise is used by its form but not defined in orders.yaml (test)",
        "intent Order is defined in orders.yaml (test) but has no handler (the fallback answers)",
    ]
    turn_error: list[str] = []
    pipeline = build(typo)
    import logging

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info and isinstance(record.exc_info[1], UnknownName):
                turn_error.append(str(record.exc_info[1]))

    handler = Keep()
    logging.getLogger("bot").addHandler(handler)
    try:
        client(pipeline).say("quick", intent="Quick")
    finally:
        logging.getLogger("bot").removeHandler(handler)
    assert turn_error == ["intent Quick has no slot 'Sise' in orders.yaml (test) (its slots: Size)"]


def test_missing_tells_what_the_form_needs_next() -> None:
    form = order_form()
    seen: list[str | None] = []

    @form.before
    def look(turn: Turn[Order]) -> None:
        ask = form.missing(turn)
        seen.append(ask.slot if ask else None)

    bot = client(build(form))
    bot.say("order", intent="Order")
    bot.say("small")
    assert seen == ["Size", "Count"]


def test_the_apps_time_zone_is_the_turns(tmp_path: Path) -> None:
    form = Form[Order]("Quick", SIZE)
    days: list[str] = []

    @form.submit
    def done(turn: Turn[Order], values: FormValues) -> Reply:
        from bot import dialog

        days.append(f"{turn.today} {turn.now.utcoffset()}")
        return dialog.close(turn, "ok")

    late = datetime(2027, 3, 10, 23, 30, tzinfo=UTC).timestamp()
    app = App("OrderBot", session=Order, time_zone=timezone(timedelta(hours=2)))
    app.add(form)
    settings = Settings.from_env(
        {"BOT_STORE": "memory", "BOT_SIGNING_KEY": TEST_SECRET, "BOT_LOCAL_DIR": str(tmp_path)}
    )
    pipeline = app.build(settings, store=MemoryStore(), clock=lambda: late)
    client(pipeline).say("small", intent="Quick", slots={"Size": "small"})
    assert days == ["2027-03-11 2:00:00"]  # 23:30 UTC is already tomorrow two hours east

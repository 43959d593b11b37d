"""Slots in every shape (bot.shapes) and runtime hints, through a real pipeline: List and Composite
slots read and returned in their own shape, sub-slot elicitation, hints sent or kept, and no card
number in anything echoed."""

from __future__ import annotations

from typing import Any

from bot import dialog
from bot.app import App
from bot.config import Settings
from bot.dev.lexevents import code_hook_event
from bot.dialog import Reply
from bot.handlers import Intent
from bot.session import Session
from bot.store.memory import MemoryStore
from bot.turn import Turn
from tests.conftest import TEST_SECRET
from tests.lex import assert_valid_lex_response

PAN = "4242424242424242"


class Order(Session):
    pass


def scalar(text: str, resolved: list[str] | None = None, original: str | None = None) -> dict[str, Any]:
    value = {
        "originalValue": original or text,
        "interpretedValue": text,
        "resolvedValues": resolved or [text],
    }
    return {"shape": "Scalar", "value": value}


TOPPINGS = {
    "shape": "List",
    "value": {"originalValue": "ham and cheese", "interpretedValue": "ham and cheese", "resolvedValues": []},
    "values": [scalar("ham"), scalar("cheese", ["cheddar"])],
}
CAR = {"shape": "Composite", "subSlots": {"Make": scalar("Ford"), "Model": None}}
seen: dict[str, Any] = {}


def pizza(turn: Turn[Order]) -> Reply:
    seen.update(toppings=turn.slot_list("Toppings"), car=turn.sub_slots("Car"), size=turn.slot("Size"))
    said = turn.transcript
    if said == "no ham":
        turn.set_list("Toppings", [t for t in turn.slot_list("Toppings") if t != "ham"])
    if said == "model":
        return dialog.elicit_slot(turn, "Car", "Which model?", sub_slot="Model")
    if said == "hint":
        dialog.hint(turn, "Size", ["family size", "personal", f"card {PAN}", " "])
    if said == "set car":
        turn.set_sub_slots("Car", {"Make": "Ford", "Model": "Focus", "bad name!": "x"})
    return dialog.elicit_slot(turn, "Size", "What size?")


intent = Intent[Order]("OrderPizza", slots=("Toppings", "Car", "Size"))
intent.dialog(pizza)


def pipeline() -> Any:
    app = App("PizzaBot", session=Order)
    app.add(intent)
    settings = Settings.from_env(
        {"BOT_STORE": "memory", "BOT_SIGNING_KEY": TEST_SECRET, "BOT_LOCAL_DIR": "/tmp"}
    )
    return app.build(settings, store=MemoryStore(), clock=lambda: 1_800_000_000.0)


def turn(text: str, slots: dict[str, Any], **extra: Any) -> dict[str, Any]:
    event = code_hook_event(session_id="shapes-1", intent={"name": "OrderPizza", "slots": slots}, text=text)
    event["sessionState"].update(extra)
    response: dict[str, Any] = pipeline().handle(event)
    assert_valid_lex_response(response)
    return response


def test_list_and_composite_slots_are_read_and_come_back_as_lex_sent_them() -> None:
    response = turn("hi", {"Toppings": TOPPINGS, "Car": CAR, "Size": scalar("large", ["LARGE"], "big one")})
    assert seen == {"toppings": ["ham", "cheese"], "car": {"Make": "Ford", "Model": None}, "size": "large"}
    slots = response["sessionState"]["intent"]["slots"]
    assert slots["Toppings"] == TOPPINGS
    assert slots["Car"] == CAR
    assert slots["Size"] == scalar("large", ["LARGE"], "big one")  # Lex's originalValue and resolution kept


def test_a_changed_list_is_rendered_from_the_bots_values() -> None:
    slots = turn("no ham", {"Toppings": TOPPINGS})["sessionState"]["intent"]["slots"]
    assert slots["Toppings"] == {
        "shape": "List",
        "value": {"originalValue": "cheese", "interpretedValue": "cheese", "resolvedValues": ["cheese"]},
        "values": [scalar("cheese")],
    }


def test_sub_slots_are_set_and_elicited() -> None:
    car = turn("set car", {"Car": CAR})["sessionState"]["intent"]["slots"]["Car"]
    assert car == {"shape": "Composite", "subSlots": {"Make": scalar("Ford"), "Model": scalar("Focus")}}
    action = turn("model", {"Car": CAR})["sessionState"]["dialogAction"]
    assert action == {"type": "ElicitSlot", "slotToElicit": "Car", "subSlotToElicit": {"name": "Model"}}


def test_runtime_hints_are_sent_without_card_numbers_and_lex_hints_kept_otherwise() -> None:
    state = turn("hint", {})["sessionState"]
    assert state["runtimeHints"] == {
        "slotHints": {
            "OrderPizza": {"Size": {"runtimeHintValues": [{"phrase": "family size"}, {"phrase": "personal"}]}}
        }
    }
    kept = {"slotHints": {"OrderPizza": {"Size": {"runtimeHintValues": [{"phrase": "small"}]}}}}
    assert turn("hi", {}, runtimeHints=kept)["sessionState"]["runtimeHints"] == kept
    junk = {
        "slotHints": {"OrderPizza": {"Size": {"runtimeHintValues": [{"phrase": 3}, "x"]}}, "bad name!": {}}
    }
    assert "runtimeHints" not in turn("hi", {}, runtimeHints=junk)["sessionState"]


def test_a_card_number_lex_sent_as_an_original_value_is_not_echoed() -> None:
    slots = turn("hi", {"Size": scalar("large", [PAN], original=f"large {PAN}")})["sessionState"]["intent"][
        "slots"
    ]
    assert PAN not in str(slots)
    assert slots["Size"] == scalar("large", [])


def test_the_elicitation_style_is_kept_for_the_slot_lex_was_spelling() -> None:
    style = {"type": "ElicitSlot", "slotToElicit": "Size", "slotElicitationStyle": "SpellByLetter"}
    assert turn("hi", {}, dialogAction=style)["sessionState"]["dialogAction"] == style
    other = {**style, "slotToElicit": "Car"}
    assert "slotElicitationStyle" not in turn("hi", {}, dialogAction=other)["sessionState"]["dialogAction"]

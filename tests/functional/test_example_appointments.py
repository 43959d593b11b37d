"""The appointment-booking example (examples/appointments) is a second bot on the framework, with no
change to bot/: its conversations pass through the template-driven simulator, the Lambda handler
runs it from BOT_APP, and the framework's code knows nothing about it.

The clock is pinned (Monday 2 December 2024, noon UTC) for the simulator and the app alike, so
"tomorrow" is Tuesday 3 December whatever day the tests run.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.config import Settings
from bot.dev.simulator.checks import response_errors
from bot.dev.simulator.definition import load_definition
from bot.loader import load_app
from bot.pipeline import Pipeline
from bot.schema import BotSchema
from bot.validation.result import Invalid, Valid

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "appointments"
TEMPLATE = EXAMPLE / "template.yaml"
CONVERSATIONS = sorted((EXAMPLE / "conversations").glob("*.yaml"))
FRAMEWORK = ROOT / "bot"

NOW = dt.datetime(2024, 12, 2, 12, 0, tzinfo=dt.UTC).timestamp()  # a Monday, noon UTC
SIGNING_KEY = "appointments-test-" + "k" * 40


def fixed_clock() -> float:
    return NOW


# The example is imported the way BOT_APP imports it (`bot.loader.load_app`), not with a static
# `from appointments.app import app`: the project's mypy run does not have examples/appointments
# on its path, so a static import would fail it.


@pytest.fixture
def example_app(monkeypatch: pytest.MonkeyPatch) -> App[Any]:
    monkeypatch.syspath_prepend(str(EXAMPLE))
    return load_app("appointments.app:app")


@pytest.fixture
def rules(example_app: App[Any]) -> Any:
    """The example's validators (appointments.validation)."""
    return importlib.import_module("appointments.validation")


@pytest.fixture
def schema() -> BotSchema:
    locale = load_definition(TEMPLATE).locale("en_US")
    return BotSchema(
        source=f"{TEMPLATE.relative_to(ROOT)} (locale en_US)",
        intents={name: frozenset(intent.slots) for name, intent in locale.intents.items()},
    )


@pytest.fixture
def build(example_app: App[Any], schema: BotSchema, tmp_path: Path) -> Callable[[], Pipeline[Any]]:
    """A fresh pipeline (memory store, pinned clock, the template's names checked on use)."""
    settings = Settings.from_env(
        {"BOT_STORE": "memory", "BOT_SIGNING_KEY": SIGNING_KEY, "BOT_LOCAL_DIR": str(tmp_path)}
    )
    return lambda: example_app.build(settings, clock=fixed_clock, schema=schema)


# ---- the conversations -------------------------------------------------------------------------


# Each conversation file runs as its own test through the lexbot pytest plugin, with the clock
# it pins (`now:`): see tests/template/test_bots.py.


def test_there_are_enough_conversations() -> None:
    assert len(CONVERSATIONS) >= 6


def test_the_app_and_its_template_agree(example_app: App[Any], schema: BotSchema) -> None:
    assert example_app.check(schema) == []
    assert example_app.name == "AppointmentBot"
    assert example_app.metrics_namespace == "AppointmentBot"
    assert example_app.parts == ()
    assert example_app.sensitive_slots == {}


# ---- trust: a "yes" books only what was read back ------------------------------------------------


def _event(
    source: str,
    slots: dict[str, Any],
    *,
    transcript: str,
    confirmation: str = "None",
    attributes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A Lex V2 code-hook event for BookAppointment, as Lex sends it (input format 1.0)."""
    intent = {
        "name": "BookAppointment",
        "slots": slots,
        "state": "ReadyForFulfillment" if source == "FulfillmentCodeHook" else "InProgress",
        "confirmationState": confirmation,
    }
    return {
        "messageVersion": "1.0",
        "invocationSource": source,
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": "123456789012345",
        "inputTranscript": transcript,
        "invocationLabel": None,
        "bot": {
            "id": "ABCDEFGHIJ",
            "name": "appointment-bot-dev-AppointmentBot",
            "localeId": "en_US",
            "version": "DRAFT",
            "aliasId": "TSTALIASID",
            "aliasName": "TestBotAlias",
        },
        "interpretations": [
            {"interpretationSource": "Lex", "nluConfidence": 1.0, "intent": intent},
            {"interpretationSource": "Lex", "intent": {"name": "FallbackIntent", "slots": {}}},
        ],
        "proposedNextState": None,
        "requestAttributes": {},
        "sessionState": {
            "sessionAttributes": dict(attributes or {}),
            "activeContexts": [],
            "intent": intent,
            "originatingRequestId": "7c9b5c1e-0000-4000-8000-000000000000",
        },
        "transcriptions": [
            {
                "transcription": transcript,
                "transcriptionConfidence": 1.0,
                "resolvedContext": {"intent": "BookAppointment"},
                "resolvedSlots": {},
            }
        ],
    }


def _value(original: str, interpreted: str | None, resolved: list[str] | None = None) -> dict[str, Any]:
    return {
        "shape": "Scalar",
        "value": {
            "originalValue": original,
            "interpretedValue": interpreted,
            "resolvedValues": resolved if resolved is not None else [interpreted],
        },
    }


def test_a_claimed_confirmation_books_nothing(build: Callable[[], Pipeline[Any]]) -> None:
    """A client that sends "Confirmed" to the fulfillment hook of a booking it was never read back
    gets the read-back, not a booking."""
    pipeline = build()
    slots = {"Date": _value("tomorrow", "2024-12-03"), "Time": _value("3pm", "15:00")}
    event = _event("FulfillmentCodeHook", slots, transcript="yes", confirmation="Confirmed")
    response = pipeline.handle(event, None)
    assert response_errors(response) == []
    state = response["sessionState"]
    assert state["dialogAction"] == {"type": "ConfirmIntent"}
    assert response["messages"][0]["content"] == "Tuesday 3 December at 15:00 — shall I book it?"
    assert "reference" not in state["sessionAttributes"]
    assert state["sessionAttributes"]["status"] == "confirming"


# ---- the Lambda handler runs it from BOT_APP ---------------------------------------------------------


def test_lambda_handler_runs_the_example_from_bot_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import bot.handler

    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.setenv("BOT_APP", "appointments.app:app")
    monkeypatch.setenv("BOT_STORE", "memory")
    monkeypatch.setenv("BOT_SIGNING_KEY", SIGNING_KEY)
    monkeypatch.setenv("BOT_LOCAL_DIR", str(tmp_path))
    monkeypatch.setattr(bot.handler, "_pipeline", None)  # rebuilt from this environment, restored after

    # "ten o'clock" is ambiguous: Lex sends no interpretedValue, both readings in resolvedValues.
    # Neither reading depends on today's date, so the wall clock of the handler does not matter.
    slots = {"Date": None, "Time": _value("ten o'clock", None, ["10:00", "22:00"])}
    event = _event("DialogCodeHook", slots, transcript="book an appointment at ten o'clock")
    response = bot.handler.lambda_handler(json.loads(json.dumps(event)), None)

    assert response_errors(response) == []
    assert bot.handler.get_app().app.name == "AppointmentBot"
    state = response["sessionState"]
    assert state["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Date"}
    assert state["intent"]["name"] == "BookAppointment"
    assert state["intent"]["slots"]["Time"]["value"]["interpretedValue"] == "10:00"
    assert state["intent"]["slots"]["Date"] is None
    assert response["messages"] == [
        {
            "contentType": "PlainText",
            "content": "Which day would you like to come in? We're open Monday to Friday.",
        }
    ]
    attributes = state["sessionAttributes"]
    assert attributes["time"] == '"10:00:00"'
    assert attributes["sig"]  # signed by the framework


def test_a_malformed_event_gets_the_bots_own_wording(example_app: App[Any], tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"BOT_STORE": "memory", "BOT_SIGNING_KEY": SIGNING_KEY, "BOT_LOCAL_DIR": str(tmp_path)}
    )
    response = example_app.build(settings, clock=fixed_clock).handle({"sessionState": "nonsense"}, None)
    assert response_errors(response) == []
    assert "book an appointment" in response["messages"][0]["content"]


# ---- the rules, directly ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "resolved", "expected"),
    [
        ("15:00", [], dt.time(15, 0)),
        ("3pm", [], dt.time(15, 0)),
        ("3", [], dt.time(15, 0)),  # within opening hours: the afternoon reading
        ("10 o'clock", [], dt.time(10, 0)),
        ("ten o'clock", ["10:00", "22:00"], dt.time(10, 0)),  # Lex's readings of an ambiguous time
        ("noon", [], dt.time(12, 0)),
        ("half past three", [], dt.time(15, 30)),  # as said (a front end that passes the words)
        ("quarter to ten am", [], dt.time(9, 45)),
        ("eleven fifteen", [], dt.time(11, 15)),
        ("16:45", [], dt.time(16, 45)),
        ("8:45", [], None),  # before opening
        ("17:00", [], None),  # the last appointment starts at 16:45
        ("03:00", [], None),  # an explicit 24-hour time is not reinterpreted
        ("9:05", [], None),  # not on a quarter hour
        ("MO", [], None),  # Lex's "morning"
        ("banana", [], None),
    ],
)
def test_validate_time(rules: Any, said: str, resolved: list[str], expected: dt.time | None) -> None:
    tomorrow = dt.date(2024, 12, 3)
    result = rules.validate_time(
        said, day=tomorrow, now=dt.datetime.fromtimestamp(NOW, dt.UTC), resolved=resolved
    )
    if expected is None:
        assert isinstance(result, Invalid)
        assert result.reason
    else:
        assert result == Valid(expected)


@pytest.mark.parametrize(
    "junk", ["banana", "<b>4242 4242 4242 4242</b>", "tomorrow-ish", "99:99", "2024-13-45"]
)
def test_reasons_never_repeat_what_was_said(rules: Any, junk: str) -> None:
    now = dt.datetime.fromtimestamp(NOW, dt.UTC)
    for result in (rules.validate_date(junk, today=now.date()), rules.validate_time(junk, day=None, now=now)):
        assert isinstance(result, Invalid)
        assert junk.lower() not in result.reason.lower()


@pytest.mark.parametrize(
    ("said", "ok"),
    [
        ("2024-12-02", True),  # today
        ("2024-12-03", True),
        ("2024-12-01", False),  # yesterday
        ("2024-12-07", False),  # a Saturday
        ("2024-12-25", False),  # Christmas Day
        ("2025-02-28", True),  # the last open day within 90 days
        ("2025-03-03", False),  # beyond the horizon
        ("2024-12", False),  # a month, not a day
        ("2024-W49", False),  # a week
        ("2024-W49-WE", False),  # a weekend
    ],
)
def test_validate_date(rules: Any, said: str, ok: bool) -> None:
    result = rules.validate_date(said, today=dt.date(2024, 12, 2))
    assert isinstance(result, Valid) is ok


def test_a_time_that_has_passed_today_is_refused(rules: Any) -> None:
    now = dt.datetime.fromtimestamp(NOW, dt.UTC)  # noon
    assert rules.validate_time("11:00", day=now.date(), now=now) == Invalid(
        "That time has already passed today. Could you pick a later time, or another day?"
    )
    assert rules.validate_time("13:00", day=now.date(), now=now) == Valid(dt.time(13, 0))


# ---- the framework was not edited for it ------------------------------------------------------------


def _code_words(source: str) -> list[str]:
    """Names, attributes, imports and string literals of a module, docstrings excepted."""
    tree = ast.parse(source)
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    words: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            words += [alias.name for alias in node.names]
            words.append(getattr(node, "module", None) or "")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words.append(node.value)
    return words


def test_the_framework_has_no_code_for_the_example() -> None:
    """No code under bot/ names the example: not an identifier, an import or a string literal.
    (Docstrings may use it as an illustration.)"""
    found: list[str] = []
    for path in sorted(FRAMEWORK.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(ROOT)
        if path.suffix == ".py":
            words = _code_words(path.read_text(encoding="utf-8"))
            found += [f"{relative}: {w!r}" for w in words if "appointment" in w.lower()]
        elif "appointment" in path.read_text(encoding="utf-8", errors="replace").lower():
            found.append(str(relative))
    assert found == [], "\n".join(found)

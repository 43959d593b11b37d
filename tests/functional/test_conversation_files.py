"""The conversation runner (bot.dev.simulator.conversations): its checks, its reports, the
handler errors it catches and the clock a file pins. The conversation files themselves
(tests/conversations) are played by the lexbot pytest plugin, in tests/template/test_bots.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.dev.simulator.api import InvalidLambdaResponse, SimResult
from bot.dev.simulator.conversations import (
    Conversation,
    ConversationFileError,
    Simulator,
    card_numbers_in,
    format_report,
    load_conversation,
    local_simulators,
    run_conversation,
)
from tests.template import tinybot

CONVERSATIONS = Path(__file__).parents[1] / "conversations"
FILES = sorted(CONVERSATIONS.glob("*.yaml"))


# ---- the runner ------------------------------------------------------------------------------


class EchoSimulator:
    """A stand-in bot that repeats what it hears: every leak check must fire."""

    masked_slots = frozenset({"SecurityCode"})  # as LocalBot.simulator() sets the app's sensitive slots

    def __init__(self) -> None:
        self.state: dict[str, Any] = {"sessionAttributes": {"sig": "v1.x"}}
        self.asked: str | None = None

    def say(self, text: str, *, input_mode: str = "Text", ssml: bool | None = None) -> SimResult:
        slot, self.asked = self.asked, "SecurityCode"
        return SimResult(
            text=text,
            messages=[f"you said {text}"],
            intent="CollectCard",
            intent_state="InProgress",
            dialog_action="ElicitSlot",
            slot_to_elicit=self.asked,
            slots={},
            session_attributes={**self.state["sessionAttributes"], "heard": text, "before": slot or ""},
        )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conversation.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_leaks_of_card_numbers_and_security_codes_fail_the_turn(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: echo\nturns:\n  - user: card 4242-4242-4242-4242\n  - user: '123'\n"
        "  - forge_attributes: {sig: null}\n",
    )
    report = run_conversation(load_conversation(path), lambda _: EchoSimulator())
    assert not report.passed
    failures = "\n".join(report.failures)
    assert "turn 1: LEAK: the card number ending 4242 appears in bot message 1" in failures
    assert "turn 2: LEAK: the security code the user gave appears in bot message 1" in failures
    text = format_report(report)
    assert text.startswith("FAIL echo")
    assert ">>  1  user: card 4242-4242-4242-4242" in text


def test_expectations_are_reported_in_words(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: words\nturns:\n  - user: 'no'\n"
        "    expect: {slot: ExpirationDate, message: bye, attributes: {heard: 'no', sig: null, x: '1'}}\n",
    )
    report = run_conversation(load_conversation(path), lambda _: EchoSimulator())
    assert report.failures == [
        "turn 1: expected slot ExpirationDate, got SecurityCode",
        "turn 1: expected a message matching /bye/, got 'you said no'",
        "turn 1: expected attribute sig to be absent, got v1.x",
        "turn 1: expected attribute x=1, but it is absent",
    ]


def test_a_crash_is_a_failure_with_its_traceback(tmp_path: Path) -> None:
    def broken(_: Conversation) -> Simulator:
        raise RuntimeError("engine exploded")

    report = run_conversation(load_conversation(write(tmp_path, "name: x\nturns: [{user: hi}]\n")), broken)
    assert not report.passed
    assert "engine exploded" in format_report(report)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name: x\nturns:\n  - user: hi\n    expect: {slott: X}\n", "turn 1: expect.slott: unknown key"),
        ("name: x\nturns:\n  - user: hi\n  - user: 123\n", "turn 2: user: must be text"),
        (
            "name: x\nturns:\n  - user: hi\n    forge_attributes: {a: b}\n",
            "turn 1: a turn needs exactly one of user",
        ),
        ("name: x\nturns:\n  - user: hi\n    expect: {message: '('}\n", "not a valid regular expression"),
        ("name: x\nturns:\n  - user: hi\n    input_mode: Voice\n", "turn 1: input_mode"),
        ("name: x\nturnz: []\n", "turnz: unknown key"),
        ("- a list\n", "expected a mapping"),
    ],
)
def test_bad_files_name_the_file_and_the_turn(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConversationFileError) as caught:
        load_conversation(path)
    assert str(path) in str(caught.value)
    assert fragment in str(caught.value)


def test_yes_and_no_are_words() -> None:
    path = CONVERSATIONS / "deny_at_confirm.yaml"
    users = [turn.user for turn in load_conversation(path).turns]
    assert "no" in users
    assert "yes" in users


@pytest.mark.parametrize(
    "text",
    [
        "4242 4242 4242 4242",
        "my card is 4242-4242-4242-4242.",
        "four two four two four two four two four two four two four two four two",
        "４２４２４２４２４２４２４２４２",
        "4242424242424242#",
    ],
)
def test_card_numbers_are_found_however_written(text: str) -> None:
    assert card_numbers_in(text) == {"4242424242424242"}


def test_luhn_invalid_runs_and_hex_strings_are_not_card_numbers() -> None:
    assert card_numbers_in("4242 4242 4242 4241 or 12/39") == set()
    # "52908400098527886" inside this wallet address passes Luhn, but it is no number of its own
    assert card_numbers_in("my wallet is 0x52908400098527886E0F7030069857D2E4169EE7") == set()


class SecuritySimulator(EchoSimulator):
    """Logs a security event on every turn, or refuses the Lambda response."""

    def __init__(self, *, invalid: bool = False) -> None:
        super().__init__()
        self.invalid = invalid

    def say(self, text: str, *, input_mode: str = "Text", ssml: bool | None = None) -> SimResult:
        from bot.logs import security_event

        security_event("forged_session_attributes", "session-1")
        if self.invalid:
            raise InvalidLambdaResponse("Invalid Lambda Response: bad dialogAction")
        return super().say(text, input_mode=input_mode)


def test_security_events_must_be_expected(tmp_path: Path) -> None:
    text = (
        "name: s\nturns:\n  - user: hi\n"
        "  - user: there\n    expect: {security_events: [forged_session_attributes]}\n"
    )
    report = run_conversation(load_conversation(write(tmp_path, text)), lambda _: SecuritySimulator())
    assert report.failures == ["turn 1: expected security events none, got forged_session_attributes"]
    assert "security events: forged_session_attributes" in format_report(report)


def test_an_invalid_lambda_response_stops_the_run_unless_expected(tmp_path: Path) -> None:
    text = "name: s\nturns:\n  - user: hi\n  - user: there\n"
    report = run_conversation(
        load_conversation(write(tmp_path, text)), lambda _: SecuritySimulator(invalid=True)
    )
    assert report.failures == [
        "turn 1: invalid Lambda response: Invalid Lambda Response: bad dialogAction (the run stopped here)"
    ]
    text = "name: s\nturns:\n  - user: hi\n    expect: {error: bad dialogAction}\n"
    report = run_conversation(
        load_conversation(write(tmp_path, text)), lambda _: SecuritySimulator(invalid=True)
    )
    assert report.passed


# ---- handler errors --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny() -> Callable[[Conversation], Simulator]:
    """A fresh TinyBot per conversation (tests/template/tinybot): Broken raises, Misspelled reads
    a slot the template does not have, WhatDay says both clocks."""
    return local_simulators(tinybot.app, tinybot.TEMPLATE)


def play(tmp_path: Path, text: str, make: Callable[[Conversation], Simulator]) -> Any:
    return run_conversation(load_conversation(write(tmp_path, text)), make)


def test_a_handler_exception_fails_a_turn_that_expects_nothing(
    tmp_path: Path, tiny: Callable[[Conversation], Simulator]
) -> None:
    report = play(
        tmp_path, "name: broken\nturns:\n  - user: hello\n  - user: break it\n  - user: hello\n", tiny
    )
    assert not report.passed
    (failure,) = report.failures
    assert failure.startswith("turn 2: the handler raised RuntimeError: exploded on 'break it'")
    assert "tests/template/tinybot/__init__.py" in failure  # where in the bot's code
    assert "in explode" in failure
    assert "logged by bot.turn: intent handler failed" in failure
    assert report.records[2].failures == []  # the next turn is fine again
    text = format_report(report)
    assert ">>  2  user: break it" in text
    assert "Sorry, something went wrong" in text  # what the user got: the apology


def test_a_handler_exception_passes_the_turn_that_expects_it(
    tmp_path: Path, tiny: Callable[[Conversation], Simulator]
) -> None:
    text = (
        "name: expected\nturns:\n  - user: break it\n"
        '    expect: {handler_error: "RuntimeError: exploded", action: ElicitIntent}\n'
    )
    report = play(tmp_path, text, tiny)
    assert report.passed, format_report(report)
    assert report.records[0].handler_errors
    assert "handler error: RuntimeError: exploded" in format_report(report, transcript=True)


def test_an_expected_handler_error_that_does_not_happen_fails(
    tmp_path: Path, tiny: Callable[[Conversation], Simulator]
) -> None:
    text = "name: x\nturns:\n  - user: hello\n    expect: {handler_error: RuntimeError}\n"
    report = play(tmp_path, text, tiny)
    assert report.failures == ["turn 1: expected a handler error matching /RuntimeError/, got none"]
    text = "name: x\nturns:\n  - user: break it\n    expect: {handler_error: KeyError}\n"
    (failure,) = play(tmp_path, text, tiny).failures
    assert failure.startswith(
        "turn 1: expected a handler error matching /KeyError/, got RuntimeError: exploded"
    )


def test_a_misspelled_slot_fails_with_the_unknown_name(
    tmp_path: Path, tiny: Callable[[Conversation], Simulator]
) -> None:
    report = play(tmp_path, "name: misspelled\nturns:\n  - user: misspell it\n", tiny)
    (failure,) = report.failures
    assert "the handler raised UnknownName: intent Misspelled has no slot 'Nmae'" in failure
    assert "(its slots: Name)" in failure
    assert "in misspell" in failure  # the handler's line, not only bot/schema.py
    assert "raised at bot/schema.py" in failure
    assert "UnknownName: intent Misspelled has no slot 'Nmae'" in format_report(report)


def test_card_data_in_a_handler_error_is_never_shown(
    tmp_path: Path, tiny: Callable[[Conversation], Simulator]
) -> None:
    report = play(tmp_path, 'name: leaky\nturns:\n  - user: "my card is 4242 4242 4242 4242"\n', tiny)
    (failure,) = report.failures
    assert "the handler raised RuntimeError" in failure
    assert "4242 4242 4242 4242" not in failure
    assert "4242424242424242" not in failure
    shown = [line for line in format_report(report).splitlines() if "handler" in line]
    assert shown
    assert not any("4242 4242 4242 4242" in line for line in shown)


class LoggingSimulator(EchoSimulator):
    """Logs what a handler's own `log.exception(...)` would, or an error without a traceback."""

    def __init__(self, *, exc_info: bool) -> None:
        super().__init__()
        self.exc_info = exc_info

    def say(self, text: str, *, input_mode: str = "Text", ssml: bool | None = None) -> SimResult:
        log = logging.getLogger("bot.intents.example")
        if self.exc_info:
            try:
                raise ValueError("the gateway is misconfigured: code 123")
            except ValueError:
                log.exception("payment gateway misconfigured")
        else:
            log.error("session store unavailable")
        return super().say(text, input_mode=input_mode)


def test_an_exception_a_handler_logs_itself_is_a_handler_error(tmp_path: Path) -> None:
    text = "name: x\nturns:\n  - user: hi\n  - user: '123'\n"
    report = run_conversation(
        load_conversation(write(tmp_path, text)), lambda _: LoggingSimulator(exc_info=True)
    )
    assert report.failures[0].startswith(
        "turn 1: the handler raised ValueError: the gateway is misconfigured: code 123"
    )
    assert "logged by bot.intents.example: payment gateway misconfigured" in report.failures[0]
    # turn 2 said "123" at the security code prompt: the code is masked in what is reported
    masked = "turn 2: the handler raised ValueError: the gateway is misconfigured: code ••• ("
    assert any(failure.startswith(masked) for failure in report.failures), report.failures
    # an ERROR without a traceback is not a handler error
    report = run_conversation(
        load_conversation(write(tmp_path, text)), lambda _: LoggingSimulator(exc_info=False)
    )
    assert not [f for f in report.failures if "handler" in f]


def test_final_can_expect_the_last_turns_handler_error(
    tmp_path: Path, tiny: Callable[[Conversation], Simulator]
) -> None:
    text = (
        "name: x\nturns:\n  - user: break it\n    expect: {handler_error: exploded}\n"
        "final: {handler_error: exploded, intent: null}\n"
    )
    report = play(tmp_path, text, tiny)
    assert report.passed, format_report(report)


# ---- the clock ---------------------------------------------------------------------------------


def test_today_pins_the_apps_clock_and_the_simulators(
    tmp_path: Path, tiny: Callable[[Conversation], Simulator]
) -> None:
    text = (
        "name: day\ntoday: 2026-03-14\nturns:\n"
        "  - user: what day is it\n    expect: {message: Today is 2026-03-14}\n"
        "  - user: is tomorrow a good day\n    expect: {message: You said 2026-03-15}\n"
    )
    report = play(tmp_path, text, tiny)
    assert report.passed, format_report(report)
    conversation = load_conversation(write(tmp_path, text))
    assert conversation.clock is not None
    assert conversation.clock() == dt.datetime(2026, 3, 14, 12, tzinfo=dt.UTC).timestamp()


def test_now_pins_an_instant(tmp_path: Path, tiny: Callable[[Conversation], Simulator]) -> None:
    text = (
        "name: late\nnow: 2026-03-14T23:30:00-02:00\nturns:\n"
        "  - user: what day is it\n    expect: {message: Today is 2026-03-15}\n"  # the app's day is UTC
    )
    report = play(tmp_path, text, tiny)
    assert report.passed, format_report(report)
    conversation = load_conversation(write(tmp_path, text))
    assert str(conversation.clock) == "2026-03-15T01:30:00Z"
    naive = load_conversation(write(tmp_path, "name: n\nnow: 2026-03-14T10:00:00\nturns: [{user: hi}]\n"))
    assert str(naive.clock) == "2026-03-14T10:00:00Z"  # no offset: UTC
    both = "name: n\ntoday: 2026-03-14\nnow: 2026-03-14T10:00:00Z\nturns: [{user: hi}]\n"
    assert str(load_conversation(write(tmp_path, both)).clock) == "2026-03-14T10:00:00Z"


def test_a_failing_report_shows_the_pinned_clock(
    tmp_path: Path, tiny: Callable[[Conversation], Simulator]
) -> None:
    text = "name: day\ntoday: 2026-03-14\nturns:\n  - user: what day is it\n    expect: {message: '1999'}\n"
    assert "clock pinned at 2026-03-14T12:00:00Z" in format_report(play(tmp_path, text, tiny))


def test_without_a_date_the_clock_is_not_pinned(tmp_path: Path) -> None:
    assert load_conversation(write(tmp_path, "name: x\nturns: [{user: hi}]\n")).clock is None


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("today: 2026-03-14T10:00:00Z", "today: takes a date"),
        ("today: '14/03/2026'", "today: not a date"),
        ("today: 2026-02-30", "day is out of range for month"),
        ("now: 2026-03-14", "now: takes a date and time"),
        ("now: 'tomorrow at ten'", "now: not a date and time"),
        ("today: 2026-03-14\nnow: 2026-03-15T10:00:00Z", "name different days"),
    ],
)
def test_bad_dates_name_the_key(tmp_path: Path, header: str, fragment: str) -> None:
    path = write(tmp_path, f"name: x\n{header}\nturns: [{{user: hi}}]\n")
    with pytest.raises(ConversationFileError) as caught:
        load_conversation(path)
    assert fragment in str(caught.value).replace("\n  ", " ")


def test_a_quoted_date_is_a_date(tmp_path: Path) -> None:
    conversation = load_conversation(write(tmp_path, "name: x\ntoday: '2026-03-14'\nturns: [{user: hi}]\n"))
    assert conversation.today == dt.date(2026, 3, 14)


def test_files_that_give_card_expiry_dates_pin_the_clock() -> None:
    """An expiry such as 12/39 is valid or not depending on the day: those files say which day."""
    for path in FILES:
        conversation = load_conversation(path)
        expiry_given = any(
            turn.user is not None and turn.expect is not None and turn.expect.slot == "SecurityCode"
            for turn in conversation.turns
        )
        if expiry_given or "12/39" in path.read_text(encoding="utf-8"):
            assert conversation.clock is not None, f"{path.name} gives an expiry date but no today:"


@pytest.fixture(scope="module")
def reference() -> Callable[[Conversation], Simulator]:
    return local_simulators("intents.app:app", Path(__file__).parents[2] / "template.yaml")


@pytest.mark.parametrize(
    "path", [p for p in FILES if "today:" not in p.read_text(encoding="utf-8")], ids=lambda p: p.stem
)
def test_files_without_a_date_do_not_depend_on_the_day(
    path: Path, reference: Callable[[Conversation], Simulator]
) -> None:
    """They run on the real clock: they must pass whatever the day (here: 2018 and 2050)."""
    conversation = load_conversation(path)
    for day in (dt.date(2018, 6, 1), dt.date(2050, 1, 1)):
        report = run_conversation(conversation.model_copy(update={"today": day}), reference)
        assert report.passed, f"{path.name} depends on the date (add today:)\n{format_report(report)}"


# ---- channels, locales, SSML expectations -------------------------------------------------------


class RecordingSimulator(EchoSimulator):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, bool | None]] = []

    def say(self, text: str, *, input_mode: str = "Text", ssml: bool | None = None) -> SimResult:
        self.calls.append((input_mode, ssml))
        result = super().say(text, input_mode=input_mode)
        result.messages = ['<speak>you said <say-as interpret-as="digits">42</say-as></speak>']
        result.content_types = ["SSML"]
        return result


def test_input_names_the_channel_per_file_and_per_turn(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: channels\ninput: voice\nturns:\n  - user: hi\n  - user: '42#'\n    input: dtmf\n"
        "  - user: typed\n    input: text\n  - user: raw\n    input_mode: Speech\n",
    )
    simulator = RecordingSimulator()
    run_conversation(load_conversation(path), lambda _: simulator)
    assert simulator.calls == [("Speech", True), ("DTMF", True), ("Text", False), ("Speech", False)]


def test_ssml_expectations_match_what_is_sent_and_messages_what_is_said(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: ssml\nturns:\n  - user: hi\n    expect:\n      content_type: SSML\n"
        "      message: '^you said 42$'\n      ssml: 'interpret-as=\"digits\">42<'\n"
        "  - user: again\n    expect: {content_type: PlainText, ssml: 'characters'}\n",
    )
    report = run_conversation(load_conversation(path), lambda _: RecordingSimulator())
    assert report.failures == [
        "turn 2: expected every message as PlainText, got SSML",
        "turn 2: expected SSML matching /characters/, got "
        "'<speak>you said <say-as interpret-as=\"digits\">42</say-as></speak>'",
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "name: x\ninput: voice\ninput_mode: Speech\nturns: [{user: hi}]\n",
            "input (text, voice, dtmf) or input_mode",
        ),
        (
            "name: x\nturns: [{user: hi, input: voice, input_mode: Text}]\n",
            "input (text, voice, dtmf) or input_mode",
        ),
        ("name: x\ninput: phone\nturns: [{user: hi}]\n", "input"),
        ("name: x\nlocale: spanish\nturns: [{user: hi}]\n", "not a Lex locale id"),
    ],
)
def test_channel_and_locale_mistakes_are_named(tmp_path: Path, text: str, error: str) -> None:
    with pytest.raises(ConversationFileError, match=re.escape(error)):
        load_conversation(write(tmp_path, text))


def test_a_file_plays_in_its_own_locale(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: es\nlocale: es_US\nturns:\n  - user: hacer un pago\n"
        "    expect: {slot: FirstName, message: '^Claro'}\n",
    )
    report = run_conversation(load_conversation(path), local_simulators("intents.app:app"))
    assert report.passed, report.failures

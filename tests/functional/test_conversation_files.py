"""Every conversation file in tests/conversations, played through the template-driven simulator
against a fresh app (see bot.dev.simulator.conversations for the format). Also: the runner itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.dev.cli.test_conversations import simulator_factory
from bot.dev.simulator.api import InvalidLambdaResponse, SimResult
from bot.dev.simulator.conversations import (
    Conversation,
    ConversationFileError,
    Simulator,
    card_numbers_in,
    format_report,
    load_conversation,
    run_conversation,
)

CONVERSATIONS = Path(__file__).parents[1] / "conversations"
FILES = sorted(CONVERSATIONS.glob("*.yaml"))


@pytest.fixture(scope="module")
def make_simulator() -> Callable[[Conversation], Simulator]:
    return simulator_factory()


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_conversation_file(path: Path, make_simulator: Callable[[Conversation], Simulator]) -> None:
    report = run_conversation(load_conversation(path), make_simulator)
    if not report.passed:
        pytest.fail(format_report(report), pytrace=False)


def test_there_are_enough_conversations() -> None:
    assert len(FILES) >= 30


# ---- the runner ------------------------------------------------------------------------------


class EchoSimulator:
    """A stand-in bot that repeats what it hears: every leak check must fire."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {"sessionAttributes": {"sig": "v1.x"}}
        self.asked: str | None = None

    def say(self, text: str, *, input_mode: str = "Text") -> SimResult:
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

    def say(self, text: str, *, input_mode: str = "Text") -> SimResult:
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

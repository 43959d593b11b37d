"""Every bot of this repository against its template and its conversations, through the lexbot
pytest plugin (bot.dev.pytest_plugin, wired by this directory's conftest): for each bot, the
generic template checks of bot.dev.checks (one test each) and, where it has them, its
conversation files (one test each, a failure printing the transcript).

* the reference payment bot: its 49 conversations in tests/conversations, and at least 8
  sample utterances per intent;
* the appointments example (examples/appointments): the generic checks and its conversations
  (each pins its clock with `now:`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dev.local import LocalBot
from bot.dev.simulator.runtime import LexSimulator
from bot.dev.testing import LexTestClient
from tests.template import tinybot

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = "intents.app:app template.yaml tests/conversations min_utterances=8"
EXAMPLE = " ".join(
    [
        "appointments.app:app",
        "examples/appointments/template.yaml",
        "examples/appointments/conversations",
        "examples/appointments",
    ]
)

lexbot_apps = [REFERENCE] + ([EXAMPLE] if (ROOT / "examples/appointments/template.yaml").exists() else [])


def test_the_reference_bot_has_its_conversations() -> None:
    assert len(list((ROOT / "tests" / "conversations").glob("*.yaml"))) >= 30


def test_the_fixtures_default_to_the_first_bot(lex_simulator: LexSimulator, lex_bot: LocalBot) -> None:
    assert lex_bot.app.name == "PaymentBot"
    assert lex_bot.problems == []
    result = lex_simulator.say("I'd like to make a payment")
    assert (result.intent, result.slot_to_elicit) == ("CollectName", "FirstName")


@pytest.mark.lexbot(f"{tinybot.SPEC} tests/template/tinybot/template.yaml -")
def test_the_marker_picks_another_bot(lex_client: LexTestClient, lex_bot: LocalBot) -> None:
    assert lex_bot.app is tinybot.app
    assert lex_client.say("hello", intent="Greet").messages == ["Hello!"]

"""TinyBot: the smallest bot that passes every generic check (bot.dev.checks), with intents that
misbehave on purpose, for the tests of the conversation runner and of the pytest plugin.

    BOT_APP=tests.template.tinybot:app      template: tests/template/tinybot/template.yaml

* Greet ("hello"): closes with "Hello!".
* WhatDay ("what day is it", "is {Day} a good day"): says the app's today and the Day slot as
  the simulator resolved it, so a test sees both clocks.
* Broken ("break it", "my card is {Digits}"): raises RuntimeError with what the user said.
* Misspelled ("misspell it"): reads slot "Nmae" (the slot is Name): UnknownName in local use.
* FallbackIntent: asks the user to say hello.
"""

from __future__ import annotations

from pathlib import Path

from bot import dialog
from bot.app import App
from bot.dialog import Reply
from bot.handlers import Intent
from bot.session import Session
from bot.turn import Turn

TEMPLATE = Path(__file__).with_name("template.yaml")
SPEC = "tests.template.tinybot:app"


class TinySession(Session):
    greeted: bool = False


type TinyTurn = Turn[TinySession]

greet = Intent[TinySession]("Greet")
what_day = Intent[TinySession]("WhatDay")
broken = Intent[TinySession]("Broken")
misspelled = Intent[TinySession]("Misspelled")
fallback = Intent[TinySession]("FallbackIntent")


@greet.dialog
def hello(turn: TinyTurn) -> Reply:
    turn.session.greeted = True
    return dialog.close(turn, "Hello!")


@what_day.dialog
def day(turn: TinyTurn) -> Reply:
    return dialog.close(turn, f"Today is {turn.today.isoformat()}. You said {turn.slot('Day') or 'nothing'}.")


@broken.dialog
def explode(turn: TinyTurn) -> Reply:
    raise RuntimeError(f"exploded on {turn.transcript!r}")


@misspelled.dialog
def misspell(turn: TinyTurn) -> Reply:
    name = turn.slot("Nmae")  # the template's slot is Name
    return dialog.close(turn, f"Hi {name}")


@fallback.dialog
def redirect(turn: TinyTurn) -> Reply:
    return dialog.elicit_intent(turn, "Say hello.")


app = App("TinyBot", session=TinySession)
app.add(greet, what_day, broken, misspelled)
app.fallback(fallback)

"""CollectName: the cardholder's first and last name; starts the payment flow.

user: I'd like to make a payment          bot: Sure. What's the cardholder's first name?
user: John                                bot: Thanks John. And the cardholder's last name?
user: Smith                               bot: Thanks John. What's the card number?   (-> CollectCard)
"""

from __future__ import annotations

from bot.dialog import Reply
from bot.forms import Ask, Form, FormValues
from bot.validation.names import validate_first_name, validate_last_name
from intents import flow
from intents.flow import PaymentTurn
from intents.messages import CATALOG, say
from intents.session import PaymentSession, Step

FIRST_NAME = Ask(
    "FirstName", validate_first_name, CATALOG.prompt(lambda m: m.sure_first_name), into="first_name"
)
LAST_NAME = Ask("LastName", validate_last_name, CATALOG.prompt(lambda m: m.ask_last_name), into="last_name")

form = Form[PaymentSession]("CollectName", FIRST_NAME, LAST_NAME)


@form.before
def begin(turn: PaymentTurn) -> None:
    flow.begin(turn)
    turn.session.step = Step.NAME


@form.submit
def named(turn: PaymentTurn, values: FormValues) -> Reply:
    return flow.next_step(turn, intro=say(turn).thanks(first_name=turn.session.first_name))

"""CollectName: the cardholder's first and last name; starts the payment flow.

user: I'd like to make a payment          bot: Sure. What's the cardholder's first name?
user: John                                bot: Thanks John. And the cardholder's last name?
user: Smith                               bot: Thanks John. What's the card number?   (-> CollectCard)
"""

from __future__ import annotations

from bot import dialog
from bot.dialog import Reply
from bot.forms import clear_failures
from bot.session import Step
from bot.turn import Turn
from bot.validation import Invalid
from bot.validation.names import validate_first_name, validate_last_name
from intents import flow
from intents import messages as say


def dialog_hook(turn: Turn) -> Reply:
    flow.begin(turn)
    s = turn.session
    s.step = Step.NAME
    for slot, validate in (("FirstName", validate_first_name), ("LastName", validate_last_name)):
        raw = turn.slot(slot)
        if raw is None:
            continue
        result = validate(raw)
        if isinstance(result, Invalid):
            turn.set_slot(slot, None)
            return flow.retry(turn, slot, result.reason)
        turn.set_slot(slot, result.value)
        clear_failures(turn, slot)
        if slot == "FirstName":
            s.first_name = result.value
        else:
            s.last_name = result.value

    if not s.first_name:
        return dialog.elicit_slot(turn, "FirstName", say.ASK_FIRST_NAME)
    if not s.last_name:
        turn.set_slot("FirstName", s.first_name)
        return dialog.elicit_slot(turn, "LastName", say.ASK_LAST_NAME.format(first=s.first_name))
    return flow.next_step(turn, intro=f"Thanks {s.first_name}.")


fulfillment_hook = dialog_hook  # both slots validated: the same step either way

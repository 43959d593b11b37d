"""FallbackIntent: never a dead end. Mid-payment, re-ask what is missing; otherwise say what
the bot can do and let the user pick."""

from __future__ import annotations

from bot import dialog
from bot.dialog import Reply
from bot.handlers import Intent
from intents import flow
from intents.flow import PaymentTurn
from intents.messages import say
from intents.session import PaymentSession

intent = Intent[PaymentSession]("FallbackIntent", slots=())


@intent.dialog
def redirect(turn: PaymentTurn) -> Reply:
    if flow.in_progress(turn):
        return flow.next_step(turn, intro=say(turn).didnt_catch())
    return dialog.elicit_intent(turn, say(turn).help)

"""The payment bot, declared: session model, intents, texts and the framework parts it uses.

BOT_APP=intents.app:app   (the default)
"""

from __future__ import annotations

from bot.app import App
from bot.identity import UserIdentity
from bot.profiles import RememberedUsers
from intents import flow
from intents.messages import CATALOG
from intents.session import PaymentSession, Status

app = App(
    "PaymentBot",
    session=PaymentSession,
    messages=CATALOG,  # what it says, per locale (intents/messages/<locale>.py)
    parts=[flow.CARDS, UserIdentity(), RememberedUsers(), flow.HELP],
    metrics_namespace="LexPaymentBot",
    goal=lambda session: session.status is Status.COMPLETED,
    give_up=flow.hand_off,
    log_fields=lambda session: {"step": session.step.value, "status": session.status.value},
)
app.discover("intents")  # every module's Intent or Form (collect_name, collect_card, confirm, ...)

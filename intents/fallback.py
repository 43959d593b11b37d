"""FallbackIntent: never a dead end. A question is answered from the bot's knowledge (generative
help); then, mid-payment, the flow asks for what is missing; otherwise the bot says what it can
do, and "the second one" picks from what it offered, however long ago.

  user: why do you need my security code?
  bot:  The security code is the 3 digits on the back of the card ... What's the card number?
  user: asdfgh                       bot: Sorry, I didn't catch that. What's the card number?
"""

from __future__ import annotations

from bot import dialog
from bot.dialog import Reply
from bot.handlers import Intent
from bot.speech import join
from intents import flow
from intents.flow import HELP, MENU, PaymentTurn
from intents.messages import say
from intents.session import PaymentSession

intent = Intent[PaymentSession]("FallbackIntent", slots=())


@intent.dialog
def redirect(turn: PaymentTurn) -> Reply:
    if not flow.in_progress(turn) and (picked := HELP.chosen(turn)) is not None:
        return start(turn, picked.key)
    answer = HELP.answer(turn)
    intro = answer.text if answer.source in ("bedrock", "offline") else say(turn).didnt_catch()
    if flow.in_progress(turn):
        return flow.next_step(turn, intro=intro)
    return menu(turn, intro=answer.text if answer.source in ("bedrock", "offline") else "")


def menu(turn: PaymentTurn, intro: str = "") -> Reply:
    """What the bot can do, offered in MENU's order."""
    HELP.offer(turn, MENU)
    return dialog.elicit_intent(turn, join(intro, say(turn).help))


def start(turn: PaymentTurn, key: str) -> Reply:
    """Begin what the user picked from the menu."""
    if key == "wallet":
        return dialog.elicit_slot(turn, "WalletAddress", say(turn).ask_wallet, intent="WalletAddress")
    flow.begin(turn)
    return flow.next_step(turn)

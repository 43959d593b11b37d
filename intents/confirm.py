"""Confirm: read the card back with ConfirmIntent, then commit it.

  bot: Visa ending 4242, expires 12/27, for John Smith. Shall I save it?
  user: yes     -> (DialogCodeHook: Confirmed -> Delegate) -> FulfillmentCodeHook: commit
  bot: Done — your Visa ending 4242 is saved.
  user: no      -> the token is discarded, back to CollectCard.

The decision uses the trusted session only: a client that claims "Confirmed" for a card it
never confirmed, or forges the status, gets the read-back again, not a commit.
"""

from __future__ import annotations

import logging

from bot import dialog
from bot.dialog import Reply
from bot.handlers import Intent
from bot.payments import CardRejected, GatewayMisconfigured, GatewayUnavailable
from bot.speech import digits
from bot.validation import CardBrand
from intents import flow
from intents.flow import CARDS, PaymentTurn
from intents.messages import say
from intents.session import PaymentSession, Status, Step

log = logging.getLogger("bot.intents.confirm")
REMEMBER_NAME = "remember_name"  # profile preference: "yes" lets the bot keep the cardholder name

intent = Intent[PaymentSession]("Confirm", slots=())


@intent.dialog
def read_back(turn: PaymentTurn) -> Reply:
    s = turn.session
    if s.status is Status.COMPLETED:
        return dialog.close(turn, say(turn).already_saved)
    if not (s.has_card and s.cardholder_name):
        flow.begin(turn)
        return flow.next_step(turn)
    answer = turn.confirmation_state
    if answer == "Denied" and s.status is Status.AWAITING_CONFIRMATION:
        s.forget_card()
        s.status = Status.COLLECTING
        s.step = Step.CARD
        return dialog.elicit_slot(
            turn, "CardNumber", say(turn).denied + " " + say(turn).ask_card_number, intent="CollectCard"
        )
    if answer == "Confirmed" and s.status is Status.AWAITING_CONFIRMATION:
        return dialog.delegate(turn)
    # Neither yes nor no: a question is answered before the summary is read again.
    asked = flow.HELP.question(turn) if answer == "None" and turn.transcript else None
    return flow.next_step(turn, intro=asked or "")  # (re)read the summary and ask


@intent.fulfillment
def commit(turn: PaymentTurn) -> Reply:
    s = turn.session
    if s.status is Status.COMPLETED:
        return dialog.close(turn, say(turn).already_saved)
    if not (
        turn.confirmation_state == "Confirmed" and s.status is Status.AWAITING_CONFIRMATION and s.has_card
    ):
        return read_back(turn)
    assert s.payment_method_id
    assert s.cardholder_name
    assert s.card_brand
    try:
        done = CARDS.commit(turn, s.payment_method_id, cardholder_name=s.cardholder_name)
    except CardRejected as rejected:
        s.forget_card()
        s.step = Step.CARD
        s.status = Status.COLLECTING
        return dialog.elicit_slot(
            turn, "CardNumber", say(turn).card_problems[rejected.problem.value], intent="CollectCard"
        )
    except GatewayUnavailable:
        log.warning("payment gateway unavailable during commit", extra={"session_id": turn.session_id})
        return dialog.confirm_intent(turn, "Confirm", say(turn).gateway_busy_commit)
    except GatewayMisconfigured:
        log.exception("payment gateway misconfigured", extra={"session_id": turn.session_id})
        return dialog.close(turn, say(turn).gateway_down, fulfilled=False)

    message = say(turn).saved(brand=CardBrand(s.card_brand).display, last4=digits(s.card_last4 or ""))
    log.info("card committed", extra={"session_id": turn.session_id})
    if turn.remembered is not None and turn.remembered.get(REMEMBER_NAME) == "yes":
        turn.remembered["cardholder_name"] = s.cardholder_name  # the user allowed it (a preference)
    # Collection data is no longer needed: keep only the ids the client receives.
    wallet, locale = s.wallet_address, s.locale
    s.start_over()
    s.wallet_address, s.locale = wallet, locale
    s.payment_method_id = done.payment_method_id
    s.customer_id = done.customer_id
    s.status = Status.COMPLETED
    s.step = Step.DONE
    return dialog.close(turn, message)

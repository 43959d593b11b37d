"""The payment flow's shared policy: what comes next, the hand-off, the read-back.

CollectName -> CollectCard -> Confirm, in whatever order the user offers things: every intent
records what it got, then asks `next_step` for the first thing still missing.
"""

from __future__ import annotations

from bot import dialog
from bot.dialog import Reply
from bot.payments import CardCapture
from bot.turn import Turn
from bot.validation.types import CardBrand
from intents import messages as say
from intents.session import PaymentSession, Status, Step

type PaymentTurn = Turn[PaymentSession]

# Card capture (tokenize-and-drop): these slots are sealed between turns and masked in history.
CARDS = CardCapture(number="CardNumber", expiry="ExpirationDate", code="SecurityCode")
CARD_SLOTS = CARDS.slots


def in_progress(turn: PaymentTurn) -> bool:
    """A payment flow has started and is neither completed nor handed off."""
    s = turn.session
    return s.step is not Step.START and s.status in (Status.COLLECTING, Status.AWAITING_CONFIRMATION)


def begin(turn: PaymentTurn) -> None:
    """Entering the flow: after a completed or handed-off one, start a fresh one."""
    if turn.session.status in (Status.COMPLETED, Status.HANDED_OFF):
        turn.session.start_over()


def next_step(turn: PaymentTurn, intro: str = "") -> Reply:
    """Ask for the first missing piece, or read the card back for confirmation."""
    s = turn.session
    s.status = Status.COLLECTING
    lead = f"{intro} " if intro else ""
    if not s.first_name:
        s.step = Step.NAME
        return dialog.elicit_slot(
            turn, "FirstName", lead + say.ASK_FIRST_NAME.removeprefix("Sure. "), intent="CollectName"
        )
    if not s.last_name:
        s.step = Step.NAME
        turn.set_slot("FirstName", s.first_name, intent="CollectName")
        return dialog.elicit_slot(
            turn, "LastName", lead + say.ASK_LAST_NAME.format(first_name=s.first_name), intent="CollectName"
        )
    if not s.has_card:
        s.step = Step.CARD
        return dialog.elicit_slot(turn, "CardNumber", lead + say.ASK_CARD_NUMBER, intent="CollectCard")
    s.step = Step.CONFIRM
    s.status = Status.AWAITING_CONFIRMATION
    return dialog.confirm_intent(turn, "Confirm", lead + summary(turn))


def summary(turn: PaymentTurn) -> str:
    s = turn.session
    assert s.card_brand
    assert s.card_exp_month
    assert s.card_exp_year
    return say.SUMMARY.format(
        brand=CardBrand(s.card_brand).display,
        last4=s.card_last4,
        expiry=f"{s.card_exp_month:02d}/{s.card_exp_year % 100:02d}",
        name=s.cardholder_name,
    )


def hand_off(turn: PaymentTurn, slot: str, what: str) -> Reply:
    """The app's give-up policy: close the intent as Failed, dropping anything collected for the card."""
    del slot
    s = turn.session
    s.status = Status.HANDED_OFF
    s.attempts = {}
    for card_slot in CARD_SLOTS:
        if card_slot in turn.values:
            turn.set_slot(card_slot, None)
    return dialog.close(turn, say.HANDOFF.format(what=what), fulfilled=False)

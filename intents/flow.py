"""The payment flow's shared policy: what comes next, the hand-off, the read-back.

CollectName -> CollectCard -> Confirm, in whatever order the user offers things: every intent
records what it got, then asks `next_step` for the first thing still missing.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot import dialog
from bot.attributes import capture_settings
from bot.dialog import Reply
from bot.generative import GenerativeHelp, Option
from bot.payments import CardCapture
from bot.speech import Say, digits, join, month_year
from bot.turn import Turn
from bot.validation.types import CardBrand
from bot.validation.wallet import mask_wallet
from intents.messages import say
from intents.session import PaymentSession, Status, Step

type PaymentTurn = Turn[PaymentSession]

# Card capture (tokenize-and-drop): these slots are sealed between turns and masked in history.
CARDS = CardCapture(number="CardNumber", expiry="ExpirationDate", code="SecurityCode")
CARD_SLOTS = CARDS.slots


def facts(turn: PaymentTurn) -> Mapping[str, str]:
    """What generative help must not forget, whatever the window: never card data, only what the
    session already shows the user (a first name, a brand and last four, a wallet's short form)."""
    s = turn.session
    out = {"collecting": s.step.value if in_progress(turn) else "nothing"}
    if s.first_name:
        out["first_name"] = s.first_name
    if s.card_brand and s.card_last4:
        out["card"] = f"{CardBrand(s.card_brand).display} ending {s.card_last4}"
    wallet = s.wallet_address or (turn.remembered or {}).get("wallet_address")
    if wallet:
        out["wallet"] = mask_wallet(wallet)
    return out


# Off-script questions, answered from intents/knowledge/<locale>.md (GENERATOR=bedrock|offline|off).
HELP = GenerativeHelp(
    "intents:knowledge",
    about="a payment assistant that saves a card for future payments and remembers a crypto wallet address",
    entities=facts,
)
# What the help menu offers, in its order ("the second one" picks the wallet).
MENU = (
    Option("payment", "save a card for payments"),
    Option("wallet", "remember your crypto wallet address"),
)


def in_progress(turn: PaymentTurn) -> bool:
    """A payment flow has started and is neither completed nor handed off."""
    s = turn.session
    return s.step is not Step.START and s.status in (Status.COLLECTING, Status.AWAITING_CONFIRMATION)


def begin(turn: PaymentTurn) -> None:
    """Entering the flow: after a completed or handed-off one, start a fresh one."""
    if turn.session.status in (Status.COMPLETED, Status.HANDED_OFF):
        turn.session.start_over()


def next_step(turn: PaymentTurn, intro: str | Say = "") -> Reply:
    """Ask for the first missing piece, or read the card back for confirmation."""
    s, m = turn.session, say(turn)
    s.status = Status.COLLECTING
    if not s.first_name:
        s.step = Step.NAME
        _hint_remembered_name(turn)
        return dialog.elicit_slot(turn, "FirstName", join(intro, m.ask_first_name), intent="CollectName")
    if not s.last_name:
        s.step = Step.NAME
        _hint_remembered_name(turn)
        turn.set_slot("FirstName", s.first_name, intent="CollectName")
        asked = m.ask_last_name(first_name=s.first_name)
        return dialog.elicit_slot(turn, "LastName", join(intro, asked), intent="CollectName")
    if not s.has_card:
        s.step = Step.CARD
        return dialog.elicit_slot(turn, "CardNumber", join(intro, m.ask_card_number), intent="CollectCard")
    s.step = Step.CONFIRM
    s.status = Status.AWAITING_CONFIRMATION
    for key, value in capture_settings("Confirm", "*", allow_interrupt=False).items():
        turn.set_attribute(key, value)  # on a call, the read-back is heard to the end
    return dialog.confirm_intent(turn, "Confirm", join(intro, summary(turn)))


def _hint_remembered_name(turn: PaymentTurn) -> None:
    """A signed-in user's remembered cardholder name, as runtime hints for the name slots: speech
    recognition expects it (the user still says it; nothing is filled in for them)."""
    remembered = (turn.remembered or {}).get("cardholder_name", "").split()
    if len(remembered) >= 2:
        dialog.hint(turn, "FirstName", [remembered[0]], intent="CollectName")
        dialog.hint(turn, "LastName", [" ".join(remembered[1:])], intent="CollectName")


def summary(turn: PaymentTurn) -> Say:
    s = turn.session
    assert s.card_brand
    assert s.card_exp_month
    assert s.card_exp_year
    return say(turn).summary(
        brand=CardBrand(s.card_brand).display,
        last4=digits(s.card_last4 or ""),
        expiry=month_year(s.card_exp_month, s.card_exp_year),
        name=s.cardholder_name,
    )


def hand_off(turn: PaymentTurn, slot: str, what: str) -> Reply:
    """The app's give-up policy: close the intent as Failed, dropping anything collected for the card."""
    s, m = turn.session, say(turn)
    s.status = Status.HANDED_OFF
    s.attempts = {}
    for card_slot in CARD_SLOTS:
        if card_slot in turn.values:
            turn.set_slot(card_slot, None)
    named = m.what.get(slot)
    return dialog.close(turn, m.hand_off(what=named() if named is not None else what), fulfilled=False)

"""CollectCard: card number, expiry and security code, each validated before the next prompt;
tokenized the moment all three are valid, then dropped.

  bot: What's the card number?              user: 4242 4242 4242 4241
  bot: That number doesn't look right — please check it and say it again.
  user: 4242 4242 4242 4242                 bot: And the expiry date? For example, 12/27.
  user: December 2027                       bot: Last one: the 3-digit security code on the back of the card.
  user: 123      bot: Visa ending 4242, expires 12/27, for John Smith. Shall I save it?

Between turns the card number travels only sealed (the CardCapture part). The security code is
transient: it never outlives the invocation that receives it; given before the rest of the card,
it is checked, dropped, and asked for last.
"""

from __future__ import annotations

import logging

from bot import dialog
from bot.dialog import Reply
from bot.forms import Ask, Form, FormContext, FormValues, retry
from bot.payments import CardRejected, GatewayMisconfigured, GatewayUnavailable
from bot.speech import Phrase, digits
from bot.validation import CardBrand, Expiry, Pan, SecurityCode, Validation
from bot.validation.card import validate_card_number, validate_security_code
from bot.validation.expiry import validate_expiration_date
from intents import flow
from intents.flow import CARDS, PaymentTurn
from intents.messages import CATALOG, say
from intents.session import PaymentSession, Step

log = logging.getLogger("bot.intents.collect_card")


def _expiry(raw: str, form: FormContext[PaymentSession]) -> Validation[Expiry]:
    return validate_expiration_date(raw, today=form.turn.today)


def _code(raw: str, form: FormContext[PaymentSession]) -> Validation[SecurityCode]:
    pan = form.values.get(CARD_NUMBER)
    return validate_security_code(raw, pan.brand if pan else None)


def _ask_code(form: FormContext[PaymentSession]) -> Phrase:
    pan = form.values.get(CARD_NUMBER)
    m = say(form.turn)
    return m.ask_security_code_amex if pan and pan.brand is CardBrand.AMEX else m.ask_security_code


CARD_NUMBER = Ask(
    CARDS.number,
    validate_card_number,
    CATALOG.prompt(lambda m: m.ask_card_number),
    what="card details",
    shown=Pan.reveal,
)
EXPIRY = Ask(
    CARDS.expiry,
    validate_with=_expiry,
    prompt=CATALOG.prompt(lambda m: m.ask_expiry),
    shown=Expiry.iso,
    what="expiry date",
)
SECURITY_CODE = Ask(CARDS.code, validate_with=_code, prompt=_ask_code, transient=True)

form = Form[PaymentSession]("CollectCard", CARD_NUMBER, EXPIRY, SECURITY_CODE)


@form.before
def begin(turn: PaymentTurn) -> Reply | None:
    flow.begin(turn)
    turn.session.step = Step.CARD
    if turn.session.has_card and not any(turn.slot(s) for s in flow.CARD_SLOTS):
        return flow.next_step(turn)  # already tokenized: on to what is next
    return None


@form.submit
def tokenize(turn: PaymentTurn, values: FormValues) -> Reply:
    s = turn.session
    try:
        token = CARDS.tokenize(turn, values[CARD_NUMBER], values[EXPIRY], values[SECURITY_CODE])
    except CardRejected as rejected:
        ask = form.ask(CARDS.slot_for(rejected.problem) or CARDS.number)  # declined: the whole card again
        for card_slot in (ask.slot,) if rejected.problem.field else flow.CARD_SLOTS:
            turn.set_slot(card_slot, None)
        return retry(turn, ask.slot, say(turn).card_problems[rejected.problem.value], what=ask.what)
    except GatewayUnavailable:
        log.warning("payment gateway unavailable during tokenization", extra={"session_id": turn.session_id})
        return dialog.elicit_slot(turn, CARDS.code, say(turn).gateway_busy_tokenize)
    except GatewayMisconfigured:
        log.exception("payment gateway misconfigured", extra={"session_id": turn.session_id})
        for card_slot in flow.CARD_SLOTS:
            turn.set_slot(card_slot, None)
        return dialog.close(turn, say(turn).gateway_down, fulfilled=False)

    s.payment_method_id = token.payment_method_id
    s.card_brand = token.brand
    s.card_last4 = token.last4
    s.card_exp_month = token.exp_month
    s.card_exp_year = token.exp_year
    for card_slot in flow.CARD_SLOTS:  # the response that leaves CollectCard carries no card data
        turn.set_slot(card_slot, None)
    log.info("card tokenized", extra={"session_id": turn.session_id, "brand": token.brand.value})
    intro = (
        "" if s.cardholder_name else say(turn).got_card(brand=token.brand.display, last4=digits(token.last4))
    )
    return flow.next_step(turn, intro=intro)

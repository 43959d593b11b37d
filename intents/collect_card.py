"""CollectCard: card number, expiry and security code, each validated before the next prompt;
tokenized the moment all three are valid, then dropped.

  bot: What's the card number?              user: 4242 4242 4242 4241
  bot: That number doesn't look right — please check it and say it again.
  user: 4242 4242 4242 4242                 bot: And the expiry date? For example, 12/27.
  user: December 2027                       bot: Last one: the 3-digit security code on the back of the card.
  user: 123      bot: Visa ending 4242, expires 12/27, for John Smith. Shall I save it?

Between turns the card number travels only sealed (see bot.security.sealing). The security
code never outlives the invocation that receives it: if it arrives before the rest of the
card, it is checked and dropped, and asked for last.
"""

from __future__ import annotations

import logging

from bot import dialog, metrics
from bot.dialog import Reply
from bot.forms import clear_failures
from bot.payments.gateway import CardRejected, GatewayMisconfigured, GatewayUnavailable
from bot.security.keys import derive_id
from bot.session import Step
from bot.turn import Turn
from bot.validation import CardBrand, Expiry, Invalid, Pan, SecurityCode
from bot.validation.card import validate_card_number, validate_security_code
from bot.validation.expiry import validate_expiration_date
from intents import flow
from intents import messages as say

log = logging.getLogger("bot.intents.collect_card")


def dialog_hook(turn: Turn) -> Reply:
    flow.begin(turn)
    turn.session.step = Step.CARD
    if turn.session.has_card and not any(turn.slot(s) for s in flow.CARD_SLOTS):
        return flow.next_step(turn)

    pan: Pan | None = None
    raw = turn.slot("CardNumber")
    if raw is not None:
        number = validate_card_number(raw)
        if isinstance(number, Invalid):
            turn.set_slot("CardNumber", None)
            turn.set_slot("SecurityCode", None)
            return flow.retry(turn, "CardNumber", number.reason)
        pan = number.value
        turn.set_slot("CardNumber", pan.reveal())  # normalized; sealed on the way out

    expiry: Expiry | None = None
    raw = turn.slot("ExpirationDate")
    if raw is not None:
        date = validate_expiration_date(raw, today=turn.today)
        if isinstance(date, Invalid):
            turn.set_slot("ExpirationDate", None)
            turn.set_slot("SecurityCode", None)
            return flow.retry(turn, "ExpirationDate", date.reason)
        expiry = date.value
        turn.set_slot("ExpirationDate", f"{expiry.year:04d}-{expiry.month:02d}")

    cvc: SecurityCode | None = None
    raw = turn.slot("SecurityCode")
    turn.set_slot("SecurityCode", None)  # never returned to Lex, whatever happens next
    if raw is not None:
        code = validate_security_code(raw, pan.brand if pan else None)
        if isinstance(code, Invalid):
            return flow.retry(turn, "SecurityCode", code.reason)
        cvc = code.value if pan and expiry else None  # too early: checked, dropped, asked for last

    clear_failures(turn, *(s for s, v in (("CardNumber", pan), ("ExpirationDate", expiry)) if v))
    if pan is None:
        return dialog.elicit_slot(turn, "CardNumber", say.ASK_CARD_NUMBER)
    if expiry is None:
        return dialog.elicit_slot(turn, "ExpirationDate", say.ASK_EXPIRY)
    if cvc is None:
        ask = say.ASK_SECURITY_CODE_AMEX if pan.brand is CardBrand.AMEX else say.ASK_SECURITY_CODE
        return dialog.elicit_slot(turn, "SecurityCode", ask)
    return _tokenize(turn, pan, expiry, cvc)


def _tokenize(turn: Turn, pan: Pan, expiry: Expiry, cvc: SecurityCode) -> Reply:
    s = turn.session
    key = "tok_" + derive_id(
        turn.services.keys.ids, turn.session_id, pan.reveal(), expiry.display(), cvc.reveal()
    )
    try:
        token = turn.services.gateway.tokenize(pan, expiry, cvc, idempotency_key=key)
    except CardRejected as rejected:
        metrics.add("Tokenizations", outcome=f"rejected_{rejected.problem.value}")
        explanation = say.CARD_PROBLEMS[rejected.problem.value]
        slot = rejected.problem.slot
        if slot is None:  # declined: start the card again
            for card_slot in flow.CARD_SLOTS:
                turn.set_slot(card_slot, None)
            return flow.retry(turn, "CardNumber", explanation)
        turn.set_slot(slot, None)
        return flow.retry(turn, slot, explanation)
    except GatewayUnavailable:
        metrics.add("Tokenizations", outcome="gateway_unavailable")
        log.warning("payment gateway unavailable during tokenization", extra={"session_id": turn.session_id})
        return dialog.elicit_slot(turn, "SecurityCode", say.GATEWAY_BUSY_TOKENIZE)
    except GatewayMisconfigured:
        metrics.add("Tokenizations", outcome="gateway_misconfigured")
        log.exception("payment gateway misconfigured", extra={"session_id": turn.session_id})
        for card_slot in flow.CARD_SLOTS:
            turn.set_slot(card_slot, None)
        return dialog.close(turn, say.GATEWAY_DOWN, fulfilled=False)

    metrics.add("Tokenizations", outcome="tokenized")
    s.payment_method_id = token.payment_method_id
    s.card_brand = token.brand
    s.card_last4 = token.last4
    s.card_exp_month = token.exp_month
    s.card_exp_year = token.exp_year
    clear_failures(turn, *flow.CARD_SLOTS)
    for card_slot in flow.CARD_SLOTS:  # the response that leaves CollectCard carries no card data
        turn.set_slot(card_slot, None)
    log.info("card tokenized", extra={"session_id": turn.session_id, "brand": token.brand.value})
    intro = "" if s.cardholder_name else f"Got it — {token.brand.display} ending {token.last4}."
    return flow.next_step(turn, intro=intro)


fulfillment_hook = dialog_hook

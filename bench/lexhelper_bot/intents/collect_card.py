"""CollectCard: read the card slots, a digits-and-length check, elicit the next slot or close."""

from __future__ import annotations

from typing import Any

from lex_helper import dialog

from lexhelper_bot.intents._common import (
    ASK_CARD_NUMBER,
    ASK_EXPIRY,
    ASK_SECURITY_CODE,
    BAD_CARD,
    SUMMARY,
    say,
)


def handler(lex_request: Any) -> Any:
    intent = lex_request.sessionState.intent
    attrs = lex_request.sessionState.sessionAttributes
    attrs.step = "card"
    number = dialog.get_slot("CardNumber", intent)
    if number is None:
        return dialog.elicit_slot("CardNumber", say(ASK_CARD_NUMBER), lex_request)
    digits = "".join(ch for ch in str(number) if ch.isdigit())
    if not 13 <= len(digits) <= 19:
        return dialog.elicit_slot("CardNumber", say(BAD_CARD), lex_request)
    attrs.card_last4 = digits[-4:]
    expiry = dialog.get_slot("ExpirationDate", intent)
    if expiry is None:
        return dialog.elicit_slot("ExpirationDate", say(ASK_EXPIRY), lex_request)
    attrs.card_expiry = str(expiry)
    if dialog.get_slot("SecurityCode", intent) is None:
        return dialog.elicit_slot("SecurityCode", say(ASK_SECURITY_CODE), lex_request)
    text = SUMMARY.format(
        last4=attrs.card_last4, expiry=attrs.card_expiry, first=attrs.first_name, last=attrs.last_name
    )
    return dialog.close(lex_request, say(text))

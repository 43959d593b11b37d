"""Confirm: on the fulfillment hook with Confirmed, close with the saved message."""

from __future__ import annotations

from typing import Any

from lex_helper import dialog

from lexhelper_bot.intents._common import ASK_CARD_NUMBER, SAVED, next_step, say


def handler(lex_request: Any) -> Any:
    attrs = lex_request.sessionState.sessionAttributes
    answer = lex_request.sessionState.intent.confirmationState
    if answer == "Denied":
        attrs.card_last4 = ""
        attrs.card_expiry = ""
        return dialog.elicit_slot("CardNumber", say(ASK_CARD_NUMBER), lex_request)
    if answer == "Confirmed" and attrs.card_last4:
        if lex_request.invocationSource == "FulfillmentCodeHook":
            attrs.step = "done"
            return dialog.close(lex_request, say(SAVED.format(last4=attrs.card_last4)))
        return dialog.delegate(lex_request)
    return next_step(lex_request)

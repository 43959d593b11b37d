"""Shared prompts and the next-step logic of the lex-helper comparison bot."""

from __future__ import annotations

from typing import Any

from lex_helper import LexPlainText, dialog

ASK_FIRST_NAME = "Sure. What's the cardholder's first name?"
ASK_LAST_NAME = "Thanks {first}. And the cardholder's last name?"
ASK_CARD_NUMBER = "What's the card number?"
ASK_EXPIRY = "And the expiry date? For example, 12/27."
ASK_SECURITY_CODE = "Last one: the 3-digit security code on the back of the card."
BAD_CARD = "That number doesn't look right — please check it and say it again."
SUMMARY = "Card ending {last4}, expires {expiry}, for {first} {last}. Shall I save it?"
SAVED = "Done — your card ending {last4} is saved."
DIDNT_CATCH = "Sorry, I didn't catch that."
HELP = "I can take a card payment or save your wallet address. What would you like to do?"


def say(text: str) -> list[Any]:
    return [LexPlainText(content=text)]


def next_step(lex_request: Any, intro: str = "") -> Any:
    """Ask for the first missing piece, as the reference bot's `flow.next_step` does."""
    attrs = lex_request.sessionState.sessionAttributes
    lead = f"{intro} " if intro else ""
    if not attrs.first_name:
        attrs.step = "name"
        return dialog.elicit_slot("FirstName", say(lead + ASK_FIRST_NAME), lex_request)
    if not attrs.last_name:
        attrs.step = "name"
        return dialog.elicit_slot(
            "LastName", say(lead + ASK_LAST_NAME.format(first=attrs.first_name)), lex_request
        )
    if not attrs.card_last4:
        attrs.step = "card"
        return dialog.elicit_slot("CardNumber", say(lead + ASK_CARD_NUMBER), lex_request)
    attrs.step = "confirm"
    return dialog.delegate(lex_request)  # lex-helper has no confirm_intent helper

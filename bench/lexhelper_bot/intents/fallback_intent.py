"""FallbackIntent: mid-payment, re-ask what is missing; otherwise say what the bot can do."""

from __future__ import annotations

from typing import Any

from lex_helper import dialog

from lexhelper_bot.intents._common import DIDNT_CATCH, HELP, next_step, say


def handler(lex_request: Any) -> Any:
    if lex_request.sessionState.sessionAttributes.step in ("name", "card", "confirm"):
        return next_step(lex_request, intro=DIDNT_CATCH)
    return dialog.elicit_intent(say(HELP), lex_request)

"""CollectName: read FirstName/LastName, remember them, ask for what is missing."""

from __future__ import annotations

from typing import Any

from lex_helper import dialog

from lexhelper_bot.intents._common import next_step


def handler(lex_request: Any) -> Any:
    intent = lex_request.sessionState.intent
    attrs = lex_request.sessionState.sessionAttributes
    attrs.step = "name"
    first = dialog.get_slot("FirstName", intent)
    last = dialog.get_slot("LastName", intent)
    if first:
        attrs.first_name = str(first).strip().title()
    if last:
        attrs.last_name = str(last).strip().title()
    intro = f"Thanks {attrs.first_name}." if attrs.first_name and attrs.last_name else ""
    return next_step(lex_request, intro)

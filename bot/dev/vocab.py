"""How Lex maps a reply to a confirmation prompt: one yes/no vocabulary per language (the tables
of `bot.language`) for every developer tool (the simulator, the test client, conversation tests)."""

from __future__ import annotations

import re

from bot.language import Language, fold, for_code

_APOSTROPHES = re.compile(r"['’`]")


def normalize(text: str) -> str:
    """Lowercase, Latin accents dropped ("número" -> "numero"), apostrophes dropped ("I'd" -> "id"),
    other punctuation to spaces (also Spanish ¿ and ¡), spaces collapsed."""
    return " ".join(re.sub(r"[\W_]+", " ", _APOSTROPHES.sub("", fold(text))).split())


def confirmation_answer(text: str, language: Language | None = None) -> str | None:
    """ "Confirmed", "Denied" or None (not a yes/no answer), as Lex maps a reply to ConfirmIntent
    in `language` (default English)."""
    words = normalize(text).split()
    if not words:
        return None
    table = language or for_code("en")
    said = " ".join(words)
    if words[0] in table.no_words or said.startswith(table.no_phrases):
        return "Denied"
    if words[0] in table.yes_words or said.startswith(table.yes_phrases):
        return "Confirmed"
    return None

"""How Lex maps a reply to a confirmation prompt: one yes/no vocabulary for every developer tool
(the simulator, the test client, conversation tests)."""

from __future__ import annotations

import re

_APOSTROPHES = re.compile(r"['’`]")

YES_WORDS = frozenset(
    [
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "correct",
        "confirm",
        "right",
        "affirmative",
        "absolutely",
        "definitely",
        "y",
    ]
)
YES_PHRASES = ("yes please", "please do", "do it", "go ahead", "thats right", "sounds good", "of course")
NO_WORDS = frozenset(["no", "nope", "nah", "cancel", "dont", "stop", "negative", "n"])
NO_PHRASES = ("do not", "no thanks", "not now", "never mind")


def normalize(text: str) -> str:
    """Lowercase, apostrophes dropped ("I'd" -> "id"), other punctuation to spaces, spaces collapsed."""
    return " ".join(re.sub(r"[\W_]+", " ", _APOSTROPHES.sub("", text.lower())).split())


def confirmation_answer(text: str) -> str | None:
    """ "Confirmed", "Denied" or None (not a yes/no answer), as Lex maps a reply to ConfirmIntent."""
    words = normalize(text).split()
    if not words:
        return None
    said = " ".join(words)
    if words[0] in NO_WORDS or said.startswith(NO_PHRASES):
        return "Denied"
    if words[0] in YES_WORDS or said.startswith(YES_PHRASES):
        return "Confirmed"
    return None

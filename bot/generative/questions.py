"""Reading the user's words for generative help: is it a question, does it pick an option,
would an answer claim a commitment. Every word list comes from the language tables."""

from __future__ import annotations

import re

from bot.language import Language, fold

_WORD = re.compile(r"[^\W_]+")
_CARDISH = re.compile(r"\d[\d\s-]{5,}\d")  # a run of digits: an answer to a card prompt, not a question


def is_question(text: str, language: Language) -> bool:
    """A question the bot could answer: ends with "?" (or opens with "¿"), or opens with one of
    the language's question words — and is not mostly digits (an attempt at a card number)."""
    stripped = text.strip()
    if not stripped or len(stripped) < 4 or _CARDISH.search(stripped):
        return False
    if stripped.endswith("?") or stripped.startswith("¿"):
        return True
    words = _WORD.findall(fold(stripped))
    return len(words) >= 3 and words[0] in language.question_words


def ordinal(text: str, language: Language) -> int | None:
    """The option a short answer picks: "the second one" -> 2, "option 3" -> 3, "the last" -> -1,
    "la segunda" -> 2; None when it picks none. Long sentences pick nothing."""
    words = _WORD.findall(fold(text))
    if not words or len(words) > 6:
        return None
    for i, word in enumerate(words):
        if word in language.ordinals:
            return language.ordinals[word]
        if word in language.option_words and i + 1 < len(words):
            following = words[i + 1]
            if following.isdigit():
                return int(following)
            digit = language.digits.get(following)
            if digit is not None:
                return int(digit)
    return None


def claims_commitment(text: str, language: Language) -> bool:
    """True when `text` says (or promises) that something was saved, charged, confirmed...: a
    generated answer never may; only the dialog's own messages report what happened."""
    folded = fold(text)
    return any(re.search(pattern, folded) for pattern in language.commitment_claims)

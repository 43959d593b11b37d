"""The one choke point for text that leaves for a model: every string of a Converse request, and
every summary note, passes through `safe` (and a whole request through `safe_request`).

On top of the stored-text redaction (`bot.redaction.redact_stored`: card numbers in every form
it knows — typed, spaced, spoken, in pieces, in any shipped language — and security codes next
to their words) it removes what a prompt must not carry either:

- full expiry dates ("12/27", "12-2027", "2027-12", "December 2027", "diciembre de 2027");
- secrets and tokens: JSON Web Tokens, Stripe keys and object ids (`sk_`, `pk_`, `rk_`, `whsec_`,
  `tok_`, `pm_`, `card_`, `cus_`, `seti_`, `pi_`), AWS access key ids, and any long run of
  base64/hex characters (a signed attribute, a sealed slot, a key);
- characters a request cannot carry (lone surrogates, control characters).

The result is plain text: the model sees "•••• 4242", "[date]" and "[secret]" in their place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.language import every_language, fold
from bot.redaction import redact_stored

DATE_MASK = "[date]"
HIDDEN_MASK = "[secret]"

_DIGIT = re.compile(r"\d")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_NUMERIC_EXPIRY = re.compile(
    r"(?<![\w/.-])(?:(?:0?[1-9]|1[0-2])\s*[/\-.]\s*(?:20)?\d{2}|20\d{2}\s*[/\-.]\s*(?:0?[1-9]|1[0-2]))(?![\w/.-])"
)
_SECRET = re.compile(
    r"eyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]*"  # a JWT
    r"|\b(?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z]{6,}"  # Stripe keys
    r"|\b(?:whsec|tok|pm|card|cus|seti|pi|src|ch)_[0-9A-Za-z]{6,}"  # Stripe secrets and object ids
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"  # AWS access key ids
    r"|[A-Za-z0-9+/_=-]*(?:[0-9][A-Za-z+/_=-]|[A-Za-z+/_=-][0-9])[A-Za-z0-9+/_=-]{28,}"  # long mixed runs
)


def _month_names() -> str:
    names: set[str] = set()
    for language in every_language():
        names.update(language.months)
    return "|".join(sorted((re.escape(n) for n in names if len(n) >= 3), key=len, reverse=True))


_SPOKEN_EXPIRY = re.compile(
    rf"\b(?:{_month_names()})\.?(?:\s+(?:of|de|del))?\s*,?\s+(?:20)?\d{{2}}\b", re.IGNORECASE
)


def safe(text: str) -> str:
    """`text` as it may enter a prompt or a summary (see the module)."""
    if not text:
        return ""
    text = _CONTROL.sub(" ", text)
    text = redact_stored(text)
    text = _SECRET.sub(HIDDEN_MASK, text)
    if not _DIGIT.search(text):  # every date form has digits (a year): most texts stop here
        return text
    text = _NUMERIC_EXPIRY.sub(DATE_MASK, text)
    return _spoken_dates(text)


def _spoken_dates(text: str) -> str:
    folded = fold(text)
    if len(folded) != len(text):  # folding changed lengths (rare): match on the text itself
        return _SPOKEN_EXPIRY.sub(DATE_MASK, text)
    out, last = [], 0
    for match in _SPOKEN_EXPIRY.finditer(folded):
        out += [text[last : match.start()], DATE_MASK]
        last = match.end()
    return "".join([*out, text[last:]])


_CODE_LIKE = re.compile(r"(?<![\d•])(?<!• )\d(?:[ \t]?\d){2,3}(?![ \t]?\d)")
CODE_MASK = "•••"


def safe_question(text: str, known: tuple[str, ...] = ()) -> str:
    """What the user just said, as it may enter a prompt: `safe`, then every value of the turn's
    sensitive slots (`known`, e.g. a card number given this turn) and every group of 3 or 4
    digits masked — said to a bot that collects cards, a bare "389" may be a security code (the
    history knows the dialog's context; a question arrives without it)."""
    cleaned = safe(text)
    for value in known:
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 3:
            spaced = r"[\s.-]*".join(re.escape(d) for d in digits)
            cleaned = re.sub(spaced, CODE_MASK, cleaned)
    return _CODE_LIKE.sub(CODE_MASK, cleaned)


# Request members that are names the framework chose, not text: left as they are.
_STRUCTURAL = frozenset({"modelId", "role", "guardrailIdentifier", "guardrailVersion", "trace", "stopReason"})


def safe_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a Converse request with every text member passed through `safe`."""
    return {key: _walk(key, value) for key, value in request.items()}


def _walk(key: str, value: Any) -> Any:
    if isinstance(value, str):
        return value if key in _STRUCTURAL else safe(value)
    if isinstance(value, Mapping):
        return {k: _walk(k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(key, v) for v in value]
    return value

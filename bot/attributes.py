"""Session attributes that coexist: the bot's signed state beside the client's own attributes.

Lex session attributes carry more than the bot's state: Lex and Amazon Connect runtime settings
(`x-amz-lex:audio:end-timeout-ms:<intent>:<slot>`, `x-amz-lex:dtmf:max-length:…`,
`x-amz-lex:allow-interrupt:…`), a contact flow's own values (`contactId`…), a web client's. The
response keeps them:

- the bot's state (its session model's fields, signed) always wins a name;
- `x-amz-lex:*` attributes pass through unchanged unless the bot sets them;
- other client attributes pass through **untrusted** (never read as bot state, never signed),
  under the app's `ClientAttributes` policy: pass (the default), `lex` (only `x-amz-lex:*`) or
  `drop`; within a total size bound; an attribute that holds a card number is dropped and logged
  (`card_data_in_client_attributes`), whatever the policy;
- what the bot sets itself (`turn.set_attribute`, a part's capture settings) is added last.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

from bot.logs import security_event
from bot.redaction import has_card_number

if TYPE_CHECKING:
    from bot.session import Session

LEX_PREFIX = "x-amz-lex:"


@dataclass(frozen=True, slots=True)
class ClientAttributes:
    """What happens to session attributes the bot does not own."""

    mode: Literal["pass", "lex", "drop"] = "pass"
    max_bytes: int = 8192  # UTF-8 size of the kept keys and values, all together


@cache
def owned(model: type[Session]) -> frozenset[str]:
    """The attribute names that are the bot's: its session model's fields and the signature."""
    from bot.security.signing import SIGNATURE_KEY
    from bot.state import wire_fields

    return frozenset({*wire_fields(model), SIGNATURE_KEY})


def passthrough(
    sent: Mapping[str, str],
    *,
    owned: Collection[str],
    policy: ClientAttributes,
    session_id: str,
) -> dict[str, str]:
    """The client's attributes the response keeps (see the module), in the order they came."""
    kept: dict[str, str] = {}
    size = 0
    dropped: list[str] = []
    for key, value in sent.items():
        if key in owned or not key or not _storable(key) or not _storable(value):
            continue  # the bot's own name, or what Lex would refuse: an empty key, a lone surrogate
        lex = key.startswith(LEX_PREFIX)
        if policy.mode == "drop" or (policy.mode == "lex" and not lex):
            continue
        if has_card_number(key) or has_card_number(value):  # a card number in any form, whoever put it there
            dropped.append("x-amz-lex:*" if lex else "client")
            continue
        cost = len(key.encode("utf-8", "replace")) + len(value.encode("utf-8", "replace"))
        if size + cost > policy.max_bytes:
            continue
        size += cost
        kept[key] = value
    if dropped:
        security_event("card_data_in_client_attributes", session_id, count=len(dropped))
    return kept


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def capture_settings(
    intent: str,
    slot: str,
    *,
    end_timeout_ms: int | None = None,
    start_timeout_ms: int | None = None,
    dtmf_max_length: int | None = None,
    dtmf_end_character: str | None = None,
    allow_interrupt: bool | None = None,
) -> dict[str, str]:
    """Lex runtime settings for capturing one slot by voice or keypad, as session attributes."""
    where = f"{intent}:{slot}"
    settings: dict[str, str | None] = {
        f"{LEX_PREFIX}audio:end-timeout-ms:{where}": None if end_timeout_ms is None else str(end_timeout_ms),
        f"{LEX_PREFIX}audio:start-timeout-ms:{where}": None
        if start_timeout_ms is None
        else str(start_timeout_ms),
        f"{LEX_PREFIX}dtmf:max-length:{where}": None if dtmf_max_length is None else str(dtmf_max_length),
        f"{LEX_PREFIX}dtmf:end-character:{where}": dtmf_end_character,
        f"{LEX_PREFIX}allow-interrupt:{where}": None
        if allow_interrupt is None
        else str(allow_interrupt).lower(),
    }
    return {k: v for k, v in settings.items() if v is not None}

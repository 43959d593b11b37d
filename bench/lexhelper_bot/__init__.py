"""A tiny lex-helper 0.0.3 bot doing the reference bot's dialog work, for the benchmarks only.

`LexHelper(Config(package_name="lexhelper_bot"))` dispatches intent `CollectCard` to
`lexhelper_bot.intents.collect_card.handler(lex_request)` (bench/ is on sys.path). The handlers
read the slots, keep what they got in session attributes and elicit the next slot, or close:
the same dialog as `intents/`, without what lex-helper does not offer (signing, sealing, a
server-side store, Luhn/expiry/EIP-55 validators, tokenization).
"""

from __future__ import annotations

from lex_helper import Config, LexHelper, SessionAttributes

PACKAGE = "lexhelper_bot"


class PayAttributes(SessionAttributes):
    """What the flow remembers between turns, as plain strings (lex-helper's safe types)."""

    step: str = "start"
    first_name: str = ""
    last_name: str = ""
    card_last4: str = ""
    card_expiry: str = ""
    wallet_address: str = ""


def make_helper() -> LexHelper[PayAttributes]:
    """One module-level-style helper, as lex-helper's session-attributes guide builds it."""
    return LexHelper(Config(session_attributes=PayAttributes(), package_name=PACKAGE))


def previous_attributes(**fields: str) -> dict[str, str]:
    """The session attributes lex-helper would have sent Lex on the previous turn."""
    dumped = PayAttributes(**fields).model_dump(exclude_none=True)
    return {key: str(value) for key, value in dumped.items()}

"""What the payment bot says: the keys here, one module per locale (`en_US.py`, `es_US.py`).

    from intents.messages import say
    say(turn).ask_card_number          # in the turn's locale (bot.localeId)

Each message is written once per locale, with a spoken wording where a call differs from chat
("say or key in" for "type") and values that know how they are read aloud (`bot.speech`: last
four as digits, the expiry as a date, a wallet's short form spelled). Adding a locale is adding
its module here and its locale in template.yaml; keys it lacks fall back to en_US.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.catalog import Catalog
from bot.speech import Phrase


@dataclass(frozen=True, slots=True)
class Messages:
    sure_first_name: Phrase  # starting the flow
    ask_first_name: Phrase
    ask_last_name: Phrase  # {first_name}
    thanks: Phrase  # {first_name}
    ask_card_number: Phrase
    ask_expiry: Phrase
    ask_security_code: Phrase
    ask_security_code_amex: Phrase
    got_card: Phrase  # {brand} {last4}
    summary: Phrase  # {brand} {last4} {expiry} {name}
    saved: Phrase  # {brand} {last4}
    already_saved: Phrase
    denied: Phrase
    card_problems: Mapping[str, Phrase]  # by bot.payments.CardProblem value
    gateway_busy_tokenize: Phrase
    gateway_busy_commit: Phrase
    gateway_down: Phrase
    ask_wallet: Phrase
    wallet_saved: Phrase  # {wallet}
    wallet_updated: Phrase  # {wallet}
    wallet_on_file: Phrase  # {wallet}
    wallet_remembered: Phrase  # {wallet}
    wallet_reused: Phrase  # {wallet}
    wallet_none: Phrase
    help: Phrase
    didnt_catch: Phrase
    what: Mapping[str, Phrase]  # how the hand-off names what it could not get, by slot
    hand_off: Phrase  # {what}


CATALOG = Catalog(Messages, __name__, default="en_US")
say = CATALOG

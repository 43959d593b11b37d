"""Opt-in parts: capabilities a bot chooses, each with its own settings and per-container runtime.

    app = App("PaymentBot", session=PaymentSession, parts=[cards, UserIdentity(), RememberedUsers()])

A part is a declaration (module-level, shared); `start` builds its runtime once per container
(per `App.build`), so two apps in one process never share a gateway or a client. Handlers reach
the runtime through the part: `cards.tokenize(turn, ...)` looks up `turn.services.part(cards)`.
Only the settings of the parts a bot uses are read, and only those are required under Lambda.

A part may also define `elicitation_attributes(intent, slot) -> Mapping[str, str]`: session
attributes sent when that slot is elicited (the card capture's voice and keypad settings).

Built-in parts: `bot.payments.CardCapture` (card slots sealed, tokenize-and-drop, gateways),
`bot.identity.UserIdentity` (verified users from signed tokens) and
`bot.profiles.RememberedUsers` (a verified user's profile across sessions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.security.keys import Keys


@dataclass(frozen=True, slots=True)
class PartContext:
    """What a part may use to start: the environment, the framework settings and the keys."""

    env: Mapping[str, str]
    settings: Settings
    keys: Keys
    clock: Callable[[], float]  # the app's clock: parts never read the wall clock themselves


class Part[R](Protocol):
    """A capability: slots it makes sensitive, and its runtime for one container."""

    @property
    def sensitive_slots(self) -> Mapping[str, str]:
        """Slot name -> what it holds ("card_number" | "security_code"): sealed between turns,
        obfuscated in the template, redacted in history. Empty for most parts."""
        ...

    def start(self, context: PartContext) -> R:
        """Read this part's settings (raise `bot.config.ConfigError` if they cannot work) and
        build its runtime."""
        ...

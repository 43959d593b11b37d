"""The context an intent handler works with: the typed event, the mutable session, services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.events import InputMode, InvocationSource, LexEvent
from bot.session import BotSession

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.payments.gateway import PaymentGateway
    from bot.security.keys import Keys
    from bot.store.base import MessageRecord

MAX_SLOT_TEXT = 1024  # Lex caps text input at 1024 characters; anything longer is not a slot value


@dataclass(slots=True)
class Services:
    """Per-container services, built once. The gateway is created on first use (stripe is slow to import)."""

    keys: Keys
    gateway_factory: Callable[[], PaymentGateway]
    max_slot_attempts: int = 3
    _gateway: PaymentGateway | None = None

    @property
    def gateway(self) -> PaymentGateway:
        if self._gateway is None:
            self._gateway = self.gateway_factory()
        return self._gateway


@dataclass(slots=True)
class Turn:
    """One invocation: what Lex sent, the trusted session, and the slot values to send back."""

    event: LexEvent
    session: BotSession
    services: Services
    now: datetime
    values: dict[str, str | None]  # the current intent's slots, unsealed, as text
    other_intents: dict[str, dict[str, str | None]] = field(default_factory=dict)
    user_id: str | None = None  # the verified user (from a valid user_token), None when anonymous
    # What is remembered about a verified user across sessions (wallet_address, cardholder_name,
    # preferences). Server-side only; None for anonymous users. Handlers may change it: the App
    # writes the profile in the same atomic write as the turn.
    remembered: dict[str, str] | None = None
    history: list[MessageRecord] = field(default_factory=list)  # recent verified turns, oldest first

    @property
    def intent_name(self) -> str:
        return self.event.intent.name

    @property
    def source(self) -> InvocationSource:
        return self.event.invocationSource

    @property
    def confirmation_state(self) -> str:
        return self.event.intent.confirmationState or "None"

    @property
    def input_mode(self) -> InputMode:
        return self.event.inputMode

    @property
    def transcript(self) -> str:
        return self.event.inputTranscript[:MAX_SLOT_TEXT]

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def session_id(self) -> str:
        return self.event.sessionId

    def slot(self, name: str) -> str | None:
        """The text of a slot of the current intent, or None if empty."""
        value = self.values.get(name)
        return value if value not in (None, "") else None

    def set_slot(self, name: str, value: str | None, *, intent: str | None = None) -> None:
        """Set (or clear, with None) a slot value to send back."""
        if intent is None or intent == self.intent_name:
            self.values[name] = value
        else:
            self.other_intents.setdefault(intent, {})[name] = value

    def slots_for(self, intent: str) -> dict[str, str | None]:
        if intent == self.intent_name:
            return dict(self.values)
        return dict(self.other_intents.get(intent, {}))

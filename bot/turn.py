"""The context an intent handler works with: the typed event, the bot's session, services.

def dialog(turn: Turn[MySession]) -> Reply:
    turn.slot("Date")            # the slot's text (unsealed), or None
    turn.session.date = ...      # the bot's own typed session, saved after the turn
    return dialog.elicit_slot(turn, "Time", "And at what time?")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.events import InputMode, InvocationSource, LexEvent
from bot.history import Window
from bot.language import Language, for_locale
from bot.session import Session
from bot.shapes import Composite, SlotList, SlotOut
from bot.speech import Channel, channel_of
from bot.texts import Texts

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.forms import GiveUp
    from bot.parts import Part
    from bot.schema import BotSchema
    from bot.security.keys import Keys
    from bot.store.base import MessageRecord

MAX_SLOT_TEXT = 1024  # Lex caps text input at 1024 characters; anything longer is not a slot value


@dataclass(slots=True)
class Services:
    """Per-container services, built once by `App.build`."""

    keys: Keys
    max_slot_attempts: int = 3
    texts: Texts = field(default_factory=Texts)
    texts_for: Callable[[str], Texts] | None = None  # the app's texts per locale (App.texts_for)
    parts: dict[Part[Any], Any] = field(default_factory=dict)  # each opt-in part's per-container runtime
    sensitive_slots: frozenset[str] = frozenset()  # sealed between turns, cleared on a hand-off
    schema: BotSchema | None = None  # local use: the template's names, checked on use
    give_up: GiveUp[Any] | None = None  # the app's hand-off policy; None: the default one
    # A part that answers questions asked where a slot value was expected (`bot.generative`):
    # (turn, text) -> the answer, or None when the text is not a question it answers.
    questions: Callable[[Turn[Any], str], str | None] | None = None

    def part[R](self, part: Part[R]) -> R:
        """The runtime of an opt-in part (e.g. the card capture's gateway) for this container."""
        try:
            runtime: R = self.parts[part]
        except KeyError:
            raise LookupError(f"{part!r} is not one of this app's parts (App(..., parts=[...]))") from None
        return runtime


@dataclass(slots=True)
class Turn[S: Session]:
    """One invocation: what Lex sent, the trusted session, and the slot values to send back."""

    event: LexEvent
    session: S
    services: Services
    now: datetime  # aware, in the app's time zone (`App(time_zone=...)`, UTC by default)
    values: dict[str, str | None]  # the current intent's slots, unsealed, as text
    other_intents: dict[str, dict[str, str | None]] = field(default_factory=dict)
    user_id: str | None = None  # the verified user (from a valid user_token), None when anonymous
    # What is remembered about a verified user across sessions (RememberedUsers part): server-side
    # only; None for anonymous users. Handlers may change it: it is saved with the turn, atomically.
    remembered: dict[str, str] | None = None
    # The recent verified turns, oldest first: read it as `turn.history` (a list, verified on first
    # access; `bot.history.Window`). Set by the pipeline from what the session was restored with.
    _history: Sequence[MessageRecord] = field(default_factory=list, repr=False)
    # Client-visible, unsigned session attributes the bot sets this turn (Lex runtime settings such
    # as `x-amz-lex:dtmf:max-length:<intent>:<slot>`): never bot state, never card data.
    attributes: dict[str, str] = field(default_factory=dict)
    # List and Composite slots of the current intent, in their shape (`bot.shapes`).
    shaped: dict[str, SlotList | Composite] = field(default_factory=dict)
    hints: dict[str, dict[str, tuple[str, ...]]] | None = None  # runtimeHints to send (None: keep Lex's)
    # Server-side state the app's parts keep for the session (generative help's summary and entity
    # memory): saved with the turn in the session record, MAC-covered, never sent to Lex.
    server: dict[str, str] = field(default_factory=dict)
    # When this invocation must have answered (a `time.perf_counter()` value): Lex's 30-second
    # code-hook limit or the Lambda's remaining time, whichever is sooner. None: no limit known.
    deadline: float | None = None
    # This turn's position in the session (the index its history entry gets): the turns before it.
    index: int = 0

    @property
    def history(self) -> list[MessageRecord]:
        """The recent verified turns of this session, oldest first (at most the history window).
        The entries' MACs are checked on the first access, not before: a turn that never reads
        its history never pays for it."""
        found = self._history
        if not isinstance(found, list):
            found = self._history = list(found)
        return found

    @history.setter
    def history(self, value: Sequence[MessageRecord]) -> None:
        self._history = value

    def recent(self, count: int) -> list[MessageRecord]:
        """The newest `count` verified turns, oldest first: only those entries are verified
        (generative help reads a few, not the whole window)."""
        if count <= 0:
            return []
        return list(self._history[-count:])

    def between(self, first: int, stop: int) -> list[MessageRecord]:
        """The verified turns whose index is in [first, stop), oldest first: only those entries are
        verified (generative help folds a batch of departed turns, not the whole window)."""
        found = self._history
        if isinstance(found, Window):
            return found.between(first, stop)
        return [m for m in found if first <= m.index < stop]

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

    @property
    def texts(self) -> Texts:
        """What the framework says, in this turn's locale."""
        texts_for = self.services.texts_for
        return self.services.texts if texts_for is None else texts_for(self.locale)

    @property
    def locale(self) -> str:
        """The Lex locale of this turn (`bot.localeId`, e.g. "es_US")."""
        return self.event.bot.localeId

    @property
    def language(self) -> Language:
        """This turn's language tables (number words, months, yes/no; `bot.language`)."""
        return for_locale(self.locale)

    @property
    def channel(self) -> Channel:
        """How this turn's reply reaches the user (voice, SSML, keypad; `bot.speech`)."""
        return channel_of(self.event)

    def check_slot(self, slot: str, intent: str | None = None) -> None:
        """Raise `bot.schema.UnknownName` if the bot definition has no such slot (local use only)."""
        if self.services.schema is not None:
            self.services.schema.check_slot(intent or self.intent_name, slot)

    def check_intent(self, intent: str) -> None:
        if self.services.schema is not None:
            self.services.schema.check_intent(intent)

    def set_attribute(self, key: str, value: str) -> None:
        """Send a client-visible, unsigned session attribute with this turn's response (see
        `bot.attributes`). The bot's own state belongs in its session model, not here."""
        self.attributes[key] = value

    @property
    def client_attributes(self) -> dict[str, str]:
        """The attributes the client sent that are not the bot's state: untrusted, for reading
        settings a contact flow passes (`x-amz-lex:*`, a `contactId`), never for decisions."""
        from bot.security.signing import SIGNATURE_KEY
        from bot.state import wire_fields

        owned = wire_fields(type(self.session))
        return {
            k: v
            for k, v in self.event.sessionState.sessionAttributes.items()
            if k not in owned and k != SIGNATURE_KEY
        }

    def resolved_values(self, name: str) -> list[str]:
        """Lex's resolvedValues for a slot of the current intent (e.g. both readings of an
        ambiguous time), as the event carries them; [] if none."""
        self.check_slot(name)
        slot = self.event.intent.slots.get(name)
        if slot is None or slot.value is None or name in self.services.sensitive_slots:
            return []
        return list(slot.value.resolvedValues)

    def derive_id(self, *parts: str) -> str:
        """A stable, opaque id for this session and `parts` (a booking reference, an idempotency key):
        keyed, so it reveals nothing about its inputs."""
        from bot.security.keys import derive_id

        return derive_id(self.services.keys.ids, self.session_id, *parts)

    def slot(self, name: str) -> str | None:
        """The text of a slot of the current intent, or None if empty."""
        self.check_slot(name)
        value = self.values.get(name)
        return value if value not in (None, "") else None

    def set_slot(self, name: str, value: str | None, *, intent: str | None = None) -> None:
        """Set (or clear, with None) a slot value to send back."""
        self.check_slot(name, intent)
        if intent is None or intent == self.intent_name:
            self.values[name] = value
            self.shaped.pop(name, None)
        else:
            self.other_intents.setdefault(intent, {})[name] = value

    def slot_list(self, name: str) -> list[str]:
        """The values of a List slot of the current intent ([] if empty or not a list)."""
        self.check_slot(name)
        found = self.shaped.get(name)
        return list(found.values) if isinstance(found, SlotList) else []

    def sub_slots(self, name: str) -> dict[str, str | None]:
        """The sub-slots of a Composite slot of the current intent ({} if none)."""
        self.check_slot(name)
        found = self.shaped.get(name)
        return dict(found.sub_slots) if isinstance(found, Composite) else {}

    def set_list(self, name: str, values: list[str]) -> None:
        """Send a List slot back with these values ([]: empty)."""
        self.check_slot(name)
        self.values[name] = None
        if values:
            self.shaped[name] = SlotList(tuple(values))
        else:
            self.shaped.pop(name, None)

    def set_sub_slots(self, name: str, sub_slots: dict[str, str | None]) -> None:
        """Send a Composite slot back with these sub-slots."""
        self.check_slot(name)
        self.values[name] = None
        self.shaped[name] = Composite(dict(sub_slots))

    def slots_for(self, intent: str) -> dict[str, SlotOut]:
        if intent == self.intent_name:
            out: dict[str, SlotOut] = dict(self.values)
            out.update(self.shaped)  # a List or Composite slot goes back in its shape
            return out
        others: dict[str, SlotOut] = {}
        others.update(self.other_intents.get(intent, {}))
        return others

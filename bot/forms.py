"""Forms: an intent that collects slots in order, each with its validator; the framework runs the loop.

    FIRST = Ask("FirstName", validate_first_name, "What's your first name?", into="first_name")
    LAST = Ask("LastName", validate_last_name, "Thanks {first_name}. And your last name?", into="last_name")

    form = Form[MySession]("CollectName", FIRST, LAST)

    @form.submit
    def done(turn: Turn[MySession], values: FormValues) -> Reply:
        return dialog.close(turn, f"Thanks {turn.session.first_name}.")

On every code-hook call the form:
1. runs the `before` hook (if any; it may answer instead, e.g. to skip a form already done);
2. validates every slot that has a value, in order. A validator returns `Valid(clean)` or
   `Invalid(reason)`. Valid: the clean value goes back to Lex (`shown`), into the session field
   named by `into` (if any), and the slot's rejection count is reset (a transient slot's once
   the form is done with its slots: `submit` may still refuse it). Invalid: the slot is
   cleared and asked again with the reason; after `max_slot_attempts` rejections of one slot
   (Lex's own maxRetries does not count code-hook rejections) the form gives up politely
   instead of looping (the app's or the form's `give_up` policy; by default the intent closes as
   Failed with `Texts.hand_off`, sensitive slots cleared);
   A question given instead of the slot asked for ("why do you need my security code?") is
   answered by the app's generative help, when it has that part, and the slot asked again
   without counting a rejection;
3. asks for the first slot still missing, with its prompt (a string or `bot.speech.Phrase`
   formatted with the session's fields, or a function of the `FormContext` — e.g. a catalogue's
   `CATALOG.prompt(lambda m: m.ask_card_number)`, in the turn's locale);
4. when nothing is missing: with a `confirm` hook, reads the values back and asks yes/no (Lex
   ConfirmIntent); "yes" submits exactly what was read back (a changed value, or a "yes" nobody
   was asked for, is read back again), "no" goes to `denied` (default: start the form again);
   then calls `submit` with this invocation's clean values.

A slot with `into` counts as filled while that session field is set (the value survives in the
trusted session); one without counts as filled while Lex holds a valid value for it (sensitive
slots are sealed between turns). A `transient` slot (a security code) is never returned to Lex:
it counts only in the invocation that completes the form; given earlier it is checked, dropped
and asked for last.

Validators that need more than the value (another slot of the form, today's date) use
`validate_with=`, which also receives the `FormContext`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot import dialog, metrics
from bot.handlers import Intent
from bot.speech import Phrase, Say, join
from bot.validation.result import Invalid, Valid, Validation

if TYPE_CHECKING:
    from bot.dialog import ElicitationStyle, Messages, Reply
    from bot.handlers import Handler
    from bot.session import Session
    from bot.turn import Turn

type Prompt = str | Phrase | Callable[[FormContext[Any]], Messages]
type GiveUp[S: Session] = Callable[[Turn[S], str, str], Reply]  # (turn, slot, what) -> Reply


@dataclass(frozen=True, slots=True)
class Ask[V]:
    """One slot of a form: how to validate it, how to ask for it, where its clean value goes."""

    slot: str
    validate: Callable[[str], Validation[V]] | None = None
    prompt: Prompt = ""
    what: str = ""  # how the hand-off names it ("card details"); default from the slot name
    into: str | None = None  # session field that keeps the clean value
    transient: bool = False  # never returned to Lex (a security code)
    shown: Callable[[V], str] | None = None  # the clean value as text for Lex (default: str)
    style: ElicitationStyle | None = None  # Lex slotElicitationStyle (SpellByLetter...)
    validate_with: Callable[[str, FormContext[Any]], Validation[V]] | None = None

    def __post_init__(self) -> None:
        if (self.validate is None) == (self.validate_with is None):
            raise TypeError(f"Ask({self.slot!r}) needs exactly one of validate or validate_with")
        if not self.prompt:
            raise TypeError(f"Ask({self.slot!r}) needs a prompt")
        if self.transient and self.into:
            raise TypeError(f"Ask({self.slot!r}): a transient slot is never kept (no into=)")
        if not self.what:
            object.__setattr__(self, "what", describe_slot(self.slot))

    def check(self, value: str, form: FormContext[Any]) -> Validation[V]:
        if self.validate_with is not None:
            return self.validate_with(value, form)
        assert self.validate is not None
        return self.validate(value)

    def text(self, value: V) -> str:
        return self.shown(value) if self.shown is not None else str(value)


class FormValues:
    """The clean values validated in this invocation, by `Ask` (typed) or by slot name."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def __getitem__[V](self, ask: Ask[V]) -> V:
        value: V = self._values[ask.slot]
        return value

    def get[V](self, ask: Ask[V]) -> V | None:
        value: V | None = self._values.get(ask.slot)
        return value

    def __contains__(self, ask: object) -> bool:
        return isinstance(ask, Ask) and ask.slot in self._values

    def set(self, ask: Ask[Any], value: Any) -> None:
        self._values[ask.slot] = value

    @property
    def by_slot(self) -> Mapping[str, Any]:
        return dict(self._values)


@dataclass(slots=True)
class FormContext[S: Session]:
    """What a validator (`validate_with`) or a prompt function sees."""

    turn: Turn[S]
    values: FormValues = field(default_factory=FormValues)

    @property
    def session(self) -> S:
        return self.turn.session


class Form[S: Session](Intent[S]):
    """An intent whose dialog is the elicit/validate/retry loop over its `Ask`s (see the module)."""

    def __init__(self, name: str, *asks: Ask[Any]) -> None:
        super().__init__(name, slots=[a.slot for a in asks])
        if not asks:
            raise TypeError(f"form {name} needs at least one Ask")
        seen = [a.slot for a in asks]
        if len(set(seen)) != len(seen):
            raise TypeError(f"form {name} asks for a slot twice: {seen}")
        self.asks: tuple[Ask[Any], ...] = asks
        self._before: Callable[[Turn[S]], Reply | None] | None = None
        self._submit: Callable[[Turn[S], FormValues], Reply] | None = None
        self._give_up: GiveUp[S] | None = None
        self._confirm: Callable[[Turn[S], FormValues], Messages] | None = None
        self._denied: Callable[[Turn[S], FormValues], Reply] | None = None
        super().dialog(self.run)

    # -- declaration ----------------------------------------------------------------------------

    def before(self, hook: Callable[[Turn[S]], Reply | None]) -> Callable[[Turn[S]], Reply | None]:
        """Decorator: runs first on every call; return a Reply to answer instead of the form."""
        self._before = hook
        return hook

    def submit(self, hook: Callable[[Turn[S], FormValues], Reply]) -> Callable[[Turn[S], FormValues], Reply]:
        """Decorator: every slot is valid; do the work and answer."""
        self._submit = hook
        return hook

    def confirm(
        self, hook: Callable[[Turn[S], FormValues], Messages]
    ) -> Callable[[Turn[S], FormValues], Messages]:
        """Decorator: read the values back and ask yes/no before `submit` (Lex ConfirmIntent).
        "Yes" submits exactly what was read back; a changed value is read back again."""
        if any(a.transient for a in self.asks):
            raise TypeError(f"form {self.name}: a transient slot cannot be read back and confirmed")
        self._confirm = hook
        return hook

    def denied(self, hook: Callable[[Turn[S], FormValues], Reply]) -> Callable[[Turn[S], FormValues], Reply]:
        """Decorator: the read-back was answered "no" (default: forget the values, ask the first
        slot again after `Texts.denied`)."""
        self._denied = hook
        return hook

    def give_up(self, hook: GiveUp[S]) -> GiveUp[S]:
        """Decorator: what to do when a slot was rejected too often (default: the app's policy)."""
        self._give_up = hook
        return hook

    def dialog(self, handler: Handler[S]) -> Handler[S]:
        raise TypeError(f"form {self.name} runs its own dialog hook: use @form.before / @form.submit")

    def ask(self, slot: str) -> Ask[Any]:
        for candidate in self.asks:
            if candidate.slot == slot:
                return candidate
        raise KeyError(f"form {self.name} has no Ask for slot {slot!r}")

    # -- the loop -------------------------------------------------------------------------------

    def run(self, turn: Turn[S]) -> Reply:
        if self._submit is None:
            raise TypeError(f"form {self.name} has no submit hook (decorate one with @form.submit)")
        if self._before is not None and (early := self._before(turn)) is not None:
            return early
        form = FormContext(turn)
        for ask in self.asks:
            raw = turn.slot(ask.slot)
            if raw is None:
                if (answer := _unfilled_question(turn, ask)) is not None:
                    return self.elicit(turn, ask, lead=answer, form=form)
                continue
            # A question instead of the value asked for: words only are checked first (a name
            # slot would take "is this safe"), anything with digits only once it fails.
            words_only = not any(c.isdigit() for c in raw)
            answer = _answer_to_question(turn, ask, raw) if words_only else None
            result = ask.check(raw, form) if answer is None else Invalid("")
            if isinstance(result, Invalid):
                if answer is None and not words_only:
                    answer = _answer_to_question(turn, ask, raw)
                turn.set_slot(ask.slot, None)
                if ask.into is not None:  # being collected again: an older value no longer counts
                    setattr(turn.session, ask.into, None)
                self._drop_transient(turn)
                if answer is not None:  # a question, not a failed attempt: answer it, ask again
                    return self.elicit(turn, ask, lead=answer, form=form)
                return self.retry(turn, ask, result.reason)
            form.values.set(ask, result.value)
            turn.set_slot(ask.slot, None if ask.transient else ask.text(result.value))
            if ask.into is not None:
                setattr(turn.session, ask.into, result.value)
            if not ask.transient:  # a transient value may still be refused (by a gateway) on submit
                clear_failures(turn, ask.slot)
        self._drop_transient(turn)
        missing = self._missing(turn, form.values)
        if missing is not None:
            turn.session.confirming = None
            return self.elicit(turn, missing, form=form)
        if self._confirm is not None:
            asked = self._confirmation(turn, form)
            if asked is not None:
                return asked
        reply = self._submit(turn, form.values)
        slots = [a.slot for a in self.asks]
        if reply.intent_name != self.name or reply.slot_to_elicit not in slots:
            clear_failures(turn, *slots)  # the form is done with its slots
        return reply

    def elicit(
        self, turn: Turn[S], ask: Ask[Any] | str, *, lead: str | Say = "", form: FormContext[S] | None = None
    ) -> Reply:
        """Ask for a slot of this form with its prompt (from any intent: switches to this one)."""
        chosen = self.ask(ask) if isinstance(ask, str) else ask
        form = form or FormContext(turn)
        for other in self.asks:  # what the session already knows shows in Lex's slots
            if other.into is not None and other is not chosen:
                known = getattr(turn.session, other.into)
                if known is not None:
                    turn.set_slot(other.slot, other.text(known), intent=self.name)
        messages = _render(chosen.prompt, form)
        if lead:
            messages = _prefixed(lead, messages)
        return dialog.elicit_slot(turn, chosen.slot, messages, intent=self.name, style=chosen.style)

    def retry(self, turn: Turn[S], ask: Ask[Any], reason: str | Say | Phrase) -> Reply:
        if record_failure(turn, ask.slot):
            if self._give_up is not None:
                return self._give_up(turn, ask.slot, ask.what)
            return give_up(turn, ask.slot, ask.what)
        return dialog.elicit_slot(turn, ask.slot, reason, intent=self.name, style=ask.style)

    def missing(self, turn: Turn[S]) -> Ask[Any] | None:
        """The first slot this form still needs (by what the session and Lex's slots hold now;
        values are not validated here), or None when it has everything."""
        values = FormValues()
        for ask in self.asks:
            if turn.slot(ask.slot) is not None:
                values.set(ask, turn.slot(ask.slot))
        return self._missing(turn, values)

    def _confirmation(self, turn: Turn[S], form: FormContext[S]) -> Reply | None:
        """None when the user confirmed exactly these values; else the read-back, or "no"."""
        assert self._confirm is not None
        digest = turn.derive_id(
            "read-back", self.name, *(f"{k}={v!s}" for k, v in sorted(form.values.by_slot.items()))
        )
        answer, read_back = turn.confirmation_state, turn.session.confirming
        if answer == "Confirmed" and read_back == digest:
            turn.session.confirming = None
            return None
        if answer == "Denied" and read_back == digest:
            turn.session.confirming = None
            if self._denied is not None:
                return self._denied(turn, form.values)
            return self.start_again(turn)
        turn.session.confirming = digest  # read back (again: a value changed, or a claim unasked)
        return dialog.confirm_intent(turn, self.name, self._confirm(turn, form.values))

    def start_again(self, turn: Turn[S], lead: str | Say | None = None) -> Reply:
        """Forget this form's values (Lex's slots and the session fields) and ask the first slot."""
        for ask in self.asks:
            turn.set_slot(ask.slot, None, intent=self.name)
            if ask.into is not None:
                setattr(turn.session, ask.into, None)
        turn.session.confirming = None
        return self.elicit(turn, self.asks[0], lead=turn.texts.denied if lead is None else lead)

    def _missing(self, turn: Turn[S], values: FormValues) -> Ask[Any] | None:
        kept = [a for a in self.asks if not a.transient]
        for ask in kept:
            if not _filled(turn, ask, values):
                return ask
        for ask in self.asks:
            if ask.transient and ask not in values:
                return ask
        return None

    def _drop_transient(self, turn: Turn[S]) -> None:
        for ask in self.asks:
            if ask.transient and ask.slot in turn.values:
                turn.set_slot(ask.slot, None)


def _answer_to_question(turn: Turn[Any], ask: Ask[Any], raw: str) -> str | None:
    """The app's answer (`bot.generative`) when what came instead of the slot Lex asked for is a
    question ("why do you need my security code?"); None otherwise."""
    questions = turn.services.questions
    action = turn.event.sessionState.dialogAction
    if questions is None or action is None or action.slotToElicit != ask.slot:
        return None
    return questions(turn, raw)


def _unfilled_question(turn: Turn[Any], ask: Ask[Any]) -> str | None:
    """Lex asked for this slot and got no value from what the user said: the answer when that
    was a question (a built-in slot type such as AMAZON.FirstName resolves nothing from it)."""
    if any(c.isdigit() for c in turn.transcript):
        return None
    return _answer_to_question(turn, ask, turn.transcript)


def _filled(turn: Turn[Any], ask: Ask[Any], values: FormValues) -> bool:
    if ask.into is not None:
        known: object = getattr(turn.session, ask.into)
        return known is not None or ask in values
    return ask in values


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(prompt: Prompt, form: FormContext[Any]) -> Messages:
    """A prompt as messages: a template (str or `Phrase`) formatted with the session's fields."""
    if isinstance(prompt, Phrase):
        return prompt(**_fields(form, prompt.placeholders()))
    if callable(prompt):
        made = prompt(form)
        return made(**_fields(form, made.placeholders())) if isinstance(made, Phrase) else made
    if "{" not in prompt:
        return prompt
    return prompt.format_map(_Fields(_fields(form, None)))


def _fields(form: FormContext[Any], names: frozenset[str] | None) -> dict[str, Any]:
    known = type(form.session).model_fields
    return {name: getattr(form.session, name) if name in known else "" for name in (names or known)}


def _prefixed(lead: str | Say, messages: Messages) -> Messages:
    if isinstance(messages, (str, Say, Phrase)):
        return join(lead, messages)
    if isinstance(messages, list) and messages and isinstance(messages[0], (str, Say, Phrase)):
        return [join(lead, messages[0]), *messages[1:]]
    return [lead, *(messages if isinstance(messages, list) else [messages] if messages else [])]


# -- attempts and the hand-off (also for intents that are not forms) -----------------------------


def describe_slot(slot: str) -> str:
    """ "FirstName" -> "first name": how the default hand-off names a slot."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", slot).replace("_", " ").lower()


def record_failure(turn: Turn[Any], slot: str) -> bool:
    """Count a rejected value for `slot`. True when the attempts are used up."""
    attempts: dict[str, int] = dict(turn.session.attempts)
    attempts[slot] = attempts.get(slot, 0) + 1
    metrics.add("ValidationFailures", slot=slot)
    turn.session.attempts = attempts
    return attempts[slot] >= turn.services.max_slot_attempts


def clear_failures(turn: Turn[Any], *slots: str) -> None:
    if any(s in turn.session.attempts for s in slots):
        turn.session.attempts = {k: v for k, v in turn.session.attempts.items() if k not in slots}


def retry(
    turn: Turn[Any],
    slot: str,
    reason: str | Say | Phrase,
    *,
    what: str | None = None,
    intent: str | None = None,
) -> Reply:
    """Re-ask `slot` with the validator's reason; after the last attempt, give up politely."""
    if record_failure(turn, slot):
        return give_up(turn, slot, what or describe_slot(slot))
    return dialog.elicit_slot(turn, slot, reason, intent=intent)


def give_up(turn: Turn[Any], slot: str, what: str) -> Reply:
    """The app's hand-off policy (`App(give_up=...)`), or the default: forget the attempts, clear
    sensitive slots, close the intent as Failed with `Texts.hand_off`."""
    policy: GiveUp[Any] | None = turn.services.give_up
    if policy is not None:
        return policy(turn, slot, what)
    turn.session.attempts = {}
    for name in turn.services.sensitive_slots:
        if name in turn.values:
            turn.set_slot(name, None)
    return dialog.close(turn, turn.texts.hand_off.format(what=what), fulfilled=False)


__all__ = [
    "Ask",
    "Form",
    "FormContext",
    "FormValues",
    "GiveUp",
    "Invalid",
    "Valid",
    "clear_failures",
    "describe_slot",
    "give_up",
    "record_failure",
    "retry",
]

"""Conversation files: whole dialogs written in YAML, played through the simulator and checked.

A conversation file (`tests/conversations/*.yaml`) is one dialog from the user's side::

    name: happy path                        # required, shown in reports
    description: the reference payment conversation   # optional
    today: 2026-12-01                       # optional: pin the clock to that day (noon UTC)
    now: 2026-12-01T10:00:00Z               # optional: or to that instant (no offset: UTC)
    locale: es_US                           # optional: the bot locale the conversation is in (en_US)
    input: voice                            # optional default channel: text | voice (Speech, SSML
                                            # accepted, as on Amazon Connect) | dtmf (keypad on a call)
    input_mode: Text                        # or the raw input mode: Text | Speech | DTMF (no SSML)
    request_attributes: {channel: web}      # optional, sent with every turn (strings)
    turns:
      - user: I'd like to make a payment    # what the user says (quote numbers: "123", "4242 ...")
        expect:                             # optional; every key is optional
          intent: CollectName               # intent in the final session state (null after ElicitIntent)
          action: ElicitSlot                # dialog action: ElicitSlot | ConfirmIntent | Close | ElicitIntent
          slot: FirstName                   # slot elicited (null: none)
          state: InProgress                 # intent state: InProgress | Fulfilled | Failed | ...
          message: "first name"             # regex, searched in the bot's messages joined by spaces
                                            # (SSML messages: the text they speak)
          ssml: 'interpret-as="digits">4242'   # regex, searched in the SSML messages as sent
          content_type: SSML                # every message the code hook sent is SSML (or PlainText)
          no_message: "4242"                # regex that must NOT be found in the messages
          nlu_intent: CollectName           # intent NLU recognized for the input (null when filling a slot)
          attributes:                       # subset match on the session attributes after the turn:
            status: completed               #   exact value
            first_name: null                #   null: the attribute must be absent
            payment_method_id: /^pm_/       #   /regex/: present and matching (re.search)
          slots: {FirstName: John}          # subset match on the intent's displayed slots (same rules)
          error: "Invalid Lambda Response"  # regex: this turn is expected to be an error turn
          security_events: [forged_session_attributes]   # what the bot logs as security events
                                            # during the turn, in order (default: none at all)
          handler_error: "UnknownName: .*CardNumbr"   # regex: this turn is expected to make a handler
                                            # raise (searched in "Type: message" of each one)
      - user: "4242424242424242#"
        input: dtmf                         # per-turn channel (or input_mode: Speech ...); keypad
                                            # input is collected as Lex does (# ends, * restarts)
      - forge_attributes: {status: completed, sig: null}
                                            # a client tampering with its session attributes before the
                                            # next turn (PutSession): merged into the current ones, the
                                            # signature kept as it was; null removes a key
      - replace_attributes: {status: completed}   # or: replace the whole map (no signature unless given)
    final:                                  # optional: the same keys as `expect`, checked on the last
      attributes: {status: completed}       # turn's result once every turn has run

Unknown keys and wrongly typed values are errors naming the file and the turn. Plain YAML 1.1
booleans are not: `user: yes` and `user: no` are the words "yes" and "no" (only true/false are
booleans), and `user:` must be text, so numbers and 0x wallet addresses must be quoted
(`user: "123"`, `user: "0x5290..."`), which also keeps YAML from reading `0123` as octal.

Besides what a file expects, every turn is checked for leaks: no card number the user typed
in this conversation (any 13-19 digit Luhn-valid run, typed with or without separators, or
spoken as digit words) and no security code the user gave (3-4 digits, said as the whole answer
to the prompt of one of the app's sensitive slots, or after "security code"/"CVV"/"CVC") may
appear in any bot message or session attribute value. The sensitive slots are the simulator's
`masked_slots` (`LocalBot.simulator()` sets the app's), or `run_conversation(...,
sensitive_slots=...)`. Choose codes that differ from the card's last four digits and its expiry.
A turn whose Lambda response was invalid (`SimResult.error`, or `InvalidLambdaResponse` raised
by the simulator, which ends the run) fails unless it expects `error`; so does a turn during
which the bot logged a security event it does not list in `security_events`.

A handler that raises fails its turn even when the turn expects nothing else: the pipeline
answers such a turn with an apology (`Texts.sorry_retry`), which an expectation could easily
accept, so the runner watches the `bot` loggers instead. Every ERROR record logged during the
turn that carries an exception (`log.exception(...)`, including one a handler caught and logged
itself) or says "intent handler failed" is a handler error, reported as `Type: message (at
file:line in function)`, redacted (`bot.redact.redact`, and every card number and security code
the user gave is masked). A misspelled slot or intent name (`bot.schema.UnknownName`, raised when the app is
built with the template's names, as `local_simulators` does) shows up this way. Only a turn
that expects it (`handler_error: <regex>`, matching one of them) passes with a handler error.

The clock: `today:` (a date: noon UTC that day) or `now:` (an instant) pins the clock of the
simulator and of the app for the whole conversation (it does not advance between turns), so
"tomorrow", an expiry date "12/27" or an idle timeout mean the same whatever day the suite runs.
`Conversation.clock` is that clock (None without `today:`/`now:`, and then the factory uses the
real clock); `make_simulator` must give it to the app (`App.build(clock=...)`) and to the
simulator (`LexSimulator(clock=...)`), as `local_simulators` does. The runner itself reads the
wall clock only to time the run (`ConversationReport.seconds`).

The file format and its loader live in `conversation_file.py`, the leak checks in `leaks.py`, the
reports in `report.py`; this module runs conversations and re-exports all of it.

    conversation = load_conversation("tests/conversations/happy_path.yaml")
    make_simulator = local_simulators("intents.app:app", "template.yaml")   # a fresh app per conversation
    report = run_conversation(conversation, make_simulator)   # make_simulator(conversation) -> simulator
    print(format_report(report))
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.dev.simulator.api import InvalidLambdaResponse, SimResult, spoken_text
from bot.dev.simulator.conversation_file import (
    Conversation,
    ConversationFileError,
    Expectation,
    ExpectedValue,
    InputMode,
    PinnedClock,
    Turn,
    is_regex,
    load_conversation,
)
from bot.dev.simulator.leaks import card_numbers_in, leaks, security_codes_in
from bot.dev.simulator.report import format_report, summarize
from bot.redact import redact

if TYPE_CHECKING:
    from bot.app import App


__all__ = [
    "Conversation",
    "ConversationFileError",
    "ConversationReport",
    "Expectation",
    "PinnedClock",
    "Simulator",
    "Turn",
    "TurnRecord",
    "card_numbers_in",
    "check",
    "format_report",
    "leaks",
    "load_conversation",
    "local_simulators",
    "run_conversation",
    "security_codes_in",
    "summarize",
]


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


class Simulator(Protocol):
    """What the runner needs from `bot.dev.simulator.runtime.LexSimulator`."""

    def say(self, text: str, *, input_mode: InputMode = "Text", ssml: bool | None = None) -> SimResult: ...

    @property
    def state(self) -> dict[str, Any]: ...


@dataclass(slots=True)
class TurnRecord:
    """One step of a run: what was said (or forged), what came back, what failed."""

    number: int  # 1-based position in the file's turns
    turn: Turn
    input_mode: InputMode
    result: SimResult | None = None
    security_events: list[str] = field(default_factory=list)  # logged by the bot during this turn
    handler_errors: list[str] = field(default_factory=list)  # "Type: message (at ...)", redacted
    failures: list[str] = field(default_factory=list)  # each "turn N: ..."


@dataclass(slots=True)
class ConversationReport:
    conversation: Conversation
    records: list[TurnRecord] = field(default_factory=list)
    final_failures: list[str] = field(default_factory=list)
    crash: str | None = None  # a traceback when running stopped on an exception
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.conversation.name

    @property
    def failures(self) -> list[str]:
        found = [f for record in self.records for f in record.failures] + self.final_failures
        return [*found, "the conversation crashed (see the traceback)"] if self.crash else found

    @property
    def passed(self) -> bool:
        return not self.failures


def run_conversation(
    conversation: Conversation,
    make_simulator: Callable[[Conversation], Simulator],
    *,
    sensitive_slots: Iterable[str] | None = None,
) -> ConversationReport:
    """Play every turn on a fresh simulator and check it. Never raises for a failing bot: an
    exception from the simulator or the handler is recorded in the report (`crash`).

    `make_simulator(conversation)` builds the simulator (and the app behind it) for this
    conversation, with `conversation.clock` when the file pins the clock (`local_simulators`).
    `sensitive_slots`: the slots whose prompts ask for card data (default: the simulator's
    `masked_slots`, if it has them); a 3-4 digit answer to one is a security code."""
    started = time.perf_counter()  # the runner's only use of the wall clock: timing the run
    report = ConversationReport(conversation)
    cards: set[str] = set()
    codes: set[str] = set()
    last: SimResult | None = None
    try:
        simulator = make_simulator(conversation)
        asking = frozenset(
            sensitive_slots if sensitive_slots is not None else getattr(simulator, "masked_slots", ())
        )
        for number, turn in enumerate(conversation.turns, start=1):
            mode, ssml = conversation.channel(turn) if turn.user is not None else ("Text", False)
            record = TurnRecord(number, turn, mode)
            report.records.append(record)
            if turn.user is None:
                _forge(simulator, turn)
                continue
            cards |= card_numbers_in(turn.user)
            codes |= security_codes_in(turn.user, asked=last is not None and last.slot_to_elicit in asking)
            prefix = f"turn {number}: "
            expected = turn.expect or Expectation()
            try:
                with _BotLog(cards, codes) as logged:
                    result = simulator.say(turn.user, input_mode=mode, ssml=ssml)
            except InvalidLambdaResponse as exc:  # a simulator that raises instead of setting .error
                record.security_events = logged.security_events
                record.handler_errors = logged.handler_errors
                record.failures += [prefix + m for m in _handler_failures(expected, logged.handler_errors)]
                if expected.error is None or not re.search(expected.error, str(exc)):
                    record.failures.append(f"{prefix}invalid Lambda response: {exc} (the run stopped here)")
                    break
                continue
            record.result = last = result
            record.security_events = logged.security_events
            record.handler_errors = logged.handler_errors
            failures = check(expected, result, logged.security_events, logged.handler_errors)
            record.failures += [prefix + m for m in failures]
            record.failures += [prefix + m for m in leaks(result, cards, codes)]
        else:
            if conversation.final is not None:
                if last is None:
                    report.final_failures.append("final: no user turn to check")
                else:
                    given = conversation.final.model_fields_set
                    final_record = next(r for r in reversed(report.records) if r.result is last)
                    failures = check(
                        conversation.final,
                        last,
                        final_record.security_events if "security_events" in given else None,
                        final_record.handler_errors if "handler_error" in given else None,
                    )
                    report.final_failures += ["final: " + m for m in failures]
    except Exception:
        report.crash = traceback.format_exc()
    report.seconds = time.perf_counter() - started
    return report


def _forge(simulator: Simulator, turn: Turn) -> None:
    forge_attributes(simulator.state, turn)


def forge_attributes(state: dict[str, Any], turn: Turn) -> None:
    """What a client does to its session attributes before a turn (`replace_attributes:`,
    `forge_attributes:` in a conversation file), applied to a Lex session state."""
    if turn.replace_attributes is not None:
        state["sessionAttributes"] = dict(turn.replace_attributes)
        return
    attributes = dict(state.get("sessionAttributes") or {})
    for key, value in (turn.forge_attributes or {}).items():
        if value is None:
            attributes.pop(key, None)
        else:
            attributes[key] = value
    state["sessionAttributes"] = attributes


def check(
    expected: Expectation,
    result: SimResult,
    security_events: Sequence[str] | None = (),
    handler_errors: Sequence[str] | None = (),
) -> list[str]:
    """Every way `result` differs from `expected`, as human sentences (empty: it matches).
    `security_events` (what the bot logged during the turn) must be exactly the expected ones:
    none, unless the expectation lists them. `handler_errors` (the handler exceptions logged
    during the turn) must be none, unless the expectation has `handler_error` and one matches
    it. None: not checked."""
    failures: list[str] = []
    given = expected.model_fields_set

    def compare(key: str, what: str, actual: object) -> None:
        if key in given and getattr(expected, key) != actual:
            failures.append(f"expected {what} {_show(getattr(expected, key))}, got {_show(actual)}")

    compare("intent", "intent", result.intent)
    compare("action", "action", result.dialog_action)
    compare("slot", "slot", result.slot_to_elicit)
    compare("state", "intent state", result.intent_state)
    compare("nlu_intent", "NLU intent", result.nlu_intent)
    kinds = [*result.content_types, *[None] * len(result.messages)]
    said = " ".join(spoken_text(m, kind) for m, kind in zip(result.messages, kinds, strict=False))
    if expected.message is not None and not re.search(expected.message, said):
        failures.append(f"expected a message matching /{expected.message}/, got {_show(said)}")
    if expected.no_message is not None and re.search(expected.no_message, said):
        failures.append(f"expected no message matching /{expected.no_message}/, got {_show(said)}")
    if expected.content_type is not None:
        types = sorted(set(result.content_types)) or ["none"]
        if types != [expected.content_type]:
            failures.append(f"expected every message as {expected.content_type}, got {', '.join(types)}")
    if expected.ssml is not None:
        sent = " ".join(
            m for m, kind in zip(result.messages, result.content_types, strict=False) if kind == "SSML"
        )
        if not re.search(expected.ssml, sent):
            failures.append(f"expected SSML matching /{expected.ssml}/, got {_show(sent or None)}")
    failures += _subset("attribute", expected.attributes, result.session_attributes)
    failures += _subset("slot value", expected.slots, result.slots)
    if expected.error is not None:
        if result.error is None or not re.search(expected.error, result.error):
            failures.append(f"expected an error matching /{expected.error}/, got {_show(result.error)}")
    elif result.error is not None:
        failures.append(f"invalid Lambda response: {result.error}")
    wanted = expected.security_events or []
    if security_events is not None and list(security_events) != wanted:
        shown = ", ".join(security_events) or "none"
        failures.append(f"expected security events {', '.join(wanted) or 'none'}, got {shown}")
    if handler_errors is not None:
        failures += _handler_failures(expected, handler_errors)
    return failures


def _handler_failures(expected: Expectation, errors: Sequence[str]) -> list[str]:
    if expected.handler_error is None:
        return [f"the handler raised {error}" for error in errors]
    if not any(re.search(expected.handler_error, error) for error in errors):
        got = "; ".join(errors) or "none"
        return [f"expected a handler error matching /{expected.handler_error}/, got {got}"]
    return []


HANDLER_FAILED = "intent handler failed"  # what bot.pipeline logs when a handler raises


class _BotLog(logging.Handler):
    """While active, collects from the `bot` loggers the security events (`bot.logs.security_event`)
    and the handler errors: ERROR records with an exception, or the pipeline's "intent handler
    failed". Error texts are redacted, and the given card numbers and codes masked, as they are
    built: nothing sensitive is kept."""

    def __init__(self, cards: set[str] | None = None, codes: set[str] | None = None) -> None:
        super().__init__(logging.WARNING)
        self.security_events: list[str] = []
        self.handler_errors: list[str] = []
        self._secrets = sorted((cards or set()) | (codes or set()), key=len, reverse=True)
        self._logger = logging.getLogger("bot")
        self._level = self._logger.level

    def emit(self, record: logging.LogRecord) -> None:
        kind = getattr(record, "security_event", None)
        if kind is not None:
            self.security_events.append(str(kind))
        if record.levelno >= logging.ERROR and (record.exc_info or record.msg == HANDLER_FAILED):
            error = self._mask(_describe_error(record))
            if error not in self.handler_errors:
                self.handler_errors.append(error)

    def _mask(self, text: str) -> str:
        text = redact(text)
        for secret in self._secrets:
            text = re.sub(rf"(?<![0-9]){re.escape(secret)}(?![0-9])", "•" * 3, text)
        return text

    def __enter__(self) -> _BotLog:
        if self._logger.getEffectiveLevel() > logging.WARNING:
            self._logger.setLevel(logging.WARNING)  # security events are warnings: never filter them out
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)


def _describe_error(record: logging.LogRecord) -> str:
    """`Type: message (at file:line in function; logged by logger: message)`: where is the
    innermost frame outside the framework (the bot's own code), and where it was raised when
    that is elsewhere."""
    try:
        logged = record.getMessage()
    except Exception:  # a broken log call is still an error record worth showing
        logged = str(record.msg)
    exc = record.exc_info[1] if record.exc_info else None
    if exc is None:
        return f"an error without an exception (logged by {record.name}: {logged})"
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        own = [f for f in frames if not Path(f.filename).resolve().is_relative_to(_FRAMEWORK)]
        where = f"at {_where(own[-1] if own else frames[-1])}; "
        if own and own[-1] is not frames[-1]:
            where += f"raised at {_where(frames[-1])}; "
    return f"{text} ({where}logged by {record.name}: {logged})"


_FRAMEWORK = Path(__file__).resolve().parents[2]  # bot/


def _where(frame: traceback.FrameSummary) -> str:
    path = Path(frame.filename)
    try:
        shown = str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        shown = path.name
    return f"{shown}:{frame.lineno} in {frame.name}"


# --------------------------------------------------------------------------------------------
# A fresh local app per conversation
# --------------------------------------------------------------------------------------------


def local_simulators(
    app: str | App[Any] | None = None,
    template: str | os.PathLike[str] = "template.yaml",
    *,
    app_dir: str | Path | None = None,
    locale: str = "en_US",
) -> Callable[[Conversation], Simulator]:
    """`make(conversation)`: a simulator over a freshly built app (memory store, local part
    settings, a new random signing key, the template's names checked on use), with the
    conversation's pinned clock (`today:`/`now:`) given to both. `app` is an App or a `BOT_APP`
    spec (None: `BOT_APP`). The app is loaded once; the template is parsed once (cached)."""
    from bot.app import App
    from bot.config import Settings
    from bot.dev.local import local_bot
    from bot.loader import load_app

    chosen = app if isinstance(app, App) else load_app(app, app_dir=app_dir)
    local_dir = str(Path(tempfile.gettempdir()) / "lex-conversations-unused")  # nothing is written

    def make(conversation: Conversation) -> Simulator:
        settings = Settings.from_env(
            {
                "BOT_STORE": "memory",
                "BOT_SIGNING_KEY": secrets.token_urlsafe(48),
                "BOT_LOCAL_DIR": local_dir,
            }
        )
        clock = conversation.clock
        pinned: dict[str, Any] = {"clock": clock} if clock is not None else {}
        chosen_locale = conversation.locale if "locale" in conversation.model_fields_set else locale
        bot = local_bot(chosen, template, settings=settings, locale=chosen_locale, **pinned)
        return bot.simulator(request_attributes=dict(conversation.request_attributes) or None, **pinned)

    return make


def _subset(what: str, expected: Mapping[str, ExpectedValue] | None, actual: Mapping[str, Any]) -> list[str]:
    failures = []
    for key, want in (expected or {}).items():
        got = actual.get(key)
        if want is None:
            if got is not None:
                failures.append(f"expected {what} {key} to be absent, got {_show(got)}")
        elif got is None:
            failures.append(f"expected {what} {key}={_show(want)}, but it is absent")
        elif isinstance(want, str) and is_regex(want):
            if not re.search(want[1:-1], str(got)):
                failures.append(f"expected {what} {key} matching {want}, got {_show(got)}")
        elif str(want) != str(got):
            failures.append(f"expected {what} {key}={_show(want)}, got {_show(got)}")
    return failures


def _show(value: object) -> str:
    if value is None:
        return "none"
    text = str(value)
    return repr(text) if (" " in text or not text) else text

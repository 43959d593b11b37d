"""The Lex V2 runtime API operations (RecognizeText, RecognizeUtterance, PutSession, GetSession,
DeleteSession) over the simulator and the real handler.

`LexRuntime` holds one bot (botId, its aliases, the template's locales) and Lex's side of every
session, keyed as Lex keys them: (botId, botAliasId, localeId, sessionId). Requests are checked
against botocore's `lexv2-runtime` model; a turn runs `LexSimulator.say` under one lock (the
simulator and the pipeline are not thread-safe; the server is), and its result is shaped as the
model's output. What a turn did besides (the security events the bot logged, the history
entries it wrote) is kept for the console (`bot.dev.serve.console`), never sent to Lex clients.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.dev.serve.errors import (
    BadGatewayException,
    DependencyFailedException,
    ResourceNotFoundException,
    ValidationException,
)
from bot.dev.simulator.api import InvalidLambdaResponse, SimResult
from bot.redaction import redact_stored

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings
    from bot.dev.local import LocalBot
    from bot.dev.simulator.runtime import LexSimulator

log = logging.getLogger("bot.dev.serve")

DEFAULT_BOT_ID = "SIMBOT0001"  # the simulator's botId in code hook events
TEST_ALIAS_ID = "TSTALIASID"  # the id Lex gives every bot's draft test alias
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
CLOCK_HEADER = "x-lexbot-clock"  # epoch seconds: pins this request's clock (the conversation runner's)
MAX_INTERPRETATIONS = 5
MAX_SESSIONS = 1000  # Lex's side of sessions kept in memory; the least recently created go first
_BOT_ID = re.compile(r"^[0-9a-zA-Z]{10}$")
_ALIAS_ID = re.compile(r"^[0-9a-zA-Z]{1,100}$")
_LOCALE_ID = re.compile(r"^[a-z]{2}_[A-Z0-9]{2,3}$")
_SESSION_ID = re.compile(r"^[0-9a-zA-Z._:-]{2,100}$")
_INTENT_KEYS = ("name", "slots", "state", "confirmationState")
_STATE_KEYS = (
    "dialogAction",
    "intent",
    "activeContexts",
    "sessionAttributes",
    "originatingRequestId",
    "runtimeHints",
)


# --------------------------------------------------------------------------------------------
# The clock a request may pin
# --------------------------------------------------------------------------------------------


class RequestClock:
    """The server's clock: the wall clock, or the instant the current request pinned (the
    `x-lexbot-clock` header, which the conversation runner sends for files with `today:`).
    The app and the simulators are built with it, so both see the same instant."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._local = threading.local()

    def __call__(self) -> float:
        pinned: float | None = getattr(self._local, "pinned", None)
        return self._wall() if pinned is None else pinned

    @contextmanager
    def pinned(self, instant: float | None) -> Iterator[None]:
        previous = getattr(self._local, "pinned", None)
        self._local.pinned = instant
        try:
            yield
        finally:
            self._local.pinned = previous


# --------------------------------------------------------------------------------------------
# Sessions and turns
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """Which bot a request is for: botId, botAliasId, localeId (checked)."""

    bot_id: str
    alias_id: str
    locale_id: str


@dataclass(slots=True)
class TurnRecord:
    """One input and what it did: for GetSession, the console's inspector and its export."""

    text: str  # what the user said (raw: kept in memory only, for the export)
    input_mode: str
    ssml: bool
    eliciting: str | None  # the slot the bot had asked for when the user answered
    result: SimResult | None
    error: str | None = None  # the error the client got instead of a result
    at: float = 0.0
    security_events: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # the entries the bot stored (redacted)


@dataclass(slots=True)
class Session:
    target: Target
    sim: LexSimulator
    created: float
    turns: list[TurnRecord] = field(default_factory=list)
    last_result: SimResult | None = None
    put_messages: list[dict[str, Any]] | None = None  # the messages of the last PutSession

    @property
    def session_id(self) -> str:
        return self.sim.session_id


class _SecurityEvents(logging.Handler):
    """The security events the bot logs during a turn (`bot.logs.security_event`), by kind."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.kinds: list[str] = []
        self._logger = logging.getLogger("bot")
        self._level = self._logger.level

    def emit(self, record: logging.LogRecord) -> None:
        kind = getattr(record, "security_event", None)
        if kind is not None:
            self.kinds.append(str(kind))

    def __enter__(self) -> _SecurityEvents:
        if self._logger.getEffectiveLevel() > logging.WARNING:
            self._logger.setLevel(logging.WARNING)
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)


class LexRuntime:
    """One bot behind the Lex V2 runtime API: its aliases, its template's locales, its sessions.

    `app`/`template`/`app_dir`/`settings` are what `python -m bot chat` takes (`bot.dev.local`);
    the app is built once per locale, with the same settings (so the same store)."""

    def __init__(
        self,
        app: str | App[Any] | None = None,
        template: str = "template.yaml",
        *,
        app_dir: str | None = None,
        settings: Settings | None = None,
        bot_id: str = DEFAULT_BOT_ID,
        alias_ids: tuple[str, ...] = (TEST_ALIAS_ID,),
        clock: RequestClock | None = None,
    ) -> None:
        from bot.app import App
        from bot.config import Settings
        from bot.dev.simulator.definition import load_definition
        from bot.loader import load_app

        if not _BOT_ID.match(bot_id):
            raise ValueError("a bot id is 10 letters or digits")
        self.app = app if isinstance(app, App) else load_app(app, app_dir=app_dir)
        self.template = template
        self.settings = settings if settings is not None else Settings.from_env()
        self.definition = load_definition(template)
        self.bot_id = bot_id
        self.alias_ids = tuple(alias_ids)
        self.clock = clock or RequestClock()
        self.lock = threading.RLock()
        self._bots: dict[str, LocalBot] = {}
        self._sessions: dict[tuple[str, str, str, str], Session] = {}

    # -- targets and sessions ------------------------------------------------------------------

    @property
    def locales(self) -> list[str]:
        return sorted(self.definition.locales)

    def target(self, bot_id: str, alias_id: str, locale_id: str) -> Target:
        """The checked target of a request (ValidationException, ResourceNotFoundException)."""
        if not _BOT_ID.match(bot_id):
            raise ValidationException("botId must be 10 letters or digits")
        if not _ALIAS_ID.match(alias_id):
            raise ValidationException("botAliasId must be letters or digits")
        if not _LOCALE_ID.match(locale_id):
            raise ValidationException("localeId is not a locale id (such as en_US)")
        if bot_id != self.bot_id:
            raise ResourceNotFoundException("Could not find the bot: check the botId")
        if alias_id not in self.alias_ids:
            raise ResourceNotFoundException("Could not find the bot alias: check the botAliasId")
        if locale_id not in self.definition.locales:
            raise ResourceNotFoundException("The bot alias has no such locale: check the localeId")
        return Target(bot_id, alias_id, locale_id)

    def bot(self, locale_id: str) -> LocalBot:
        from bot.dev.local import local_bot

        with self.lock:
            found = self._bots.get(locale_id)
            if found is None:
                found = local_bot(
                    self.app, self.template, settings=self.settings, locale=locale_id, clock=self.clock
                )
                self._bots[locale_id] = found
            return found

    def problems(self) -> list[str]:
        """How the app and its template disagree (reported by `serve` at start, as by `chat`)."""
        return self.bot(self.locales[0] if "en_US" not in self.locales else "en_US").problems

    def session(self, target: Target, session_id: str, *, create: bool = False) -> Session:
        check_session_id(session_id)
        key = (target.bot_id, target.alias_id, target.locale_id, session_id)
        with self.lock:
            found = self._sessions.get(key)
            if found is None:
                if not create:
                    raise ResourceNotFoundException("The session does not exist (or has expired)")
                sim = self.bot(target.locale_id).simulator(session_id=session_id, clock=self.clock)
                found = Session(target, sim, self.clock())
                self._sessions[key] = found
                while len(self._sessions) > MAX_SESSIONS:
                    del self._sessions[next(iter(self._sessions))]
            return found

    def sessions(self) -> list[Session]:
        with self.lock:
            return sorted(self._sessions.values(), key=lambda s: s.created, reverse=True)

    def drop(self, target: Target, session_id: str) -> Session:
        check_session_id(session_id)
        with self.lock:
            found = self._sessions.pop((target.bot_id, target.alias_id, target.locale_id, session_id), None)
        if found is None:
            raise ResourceNotFoundException("The session does not exist (or has expired)")
        return found

    # -- a turn --------------------------------------------------------------------------------

    def turn(
        self,
        target: Target,
        session_id: str,
        text: str,
        *,
        input_mode: str = "Text",
        ssml: bool | None = None,
        request_attributes: Mapping[str, str] | None = None,
        session_state: Mapping[str, Any] | None = None,
    ) -> tuple[Session, TurnRecord]:
        """Play one input. Raises the Lex error a client would get (the session then stays as
        it was); the turn is recorded either way."""
        with self.lock:
            session = self.session(target, session_id, create=True)
            sim = session.sim
            if session_state is not None:
                _apply_state(sim.state, session_state)
            sim.request_attributes = dict(request_attributes or {})
            eliciting = (sim.state.get("dialogAction") or {}).get("slotToElicit")
            record = TurnRecord(text, input_mode, bool(ssml), eliciting, None, at=self.clock())
            session.turns.append(record)
            session.put_messages = None
            before = self._history_index(target, session_id)
            try:
                with _SecurityEvents() as events:
                    try:
                        result = sim.say(text, input_mode=input_mode, ssml=ssml)
                    finally:
                        record.security_events = events.kinds
            except InvalidLambdaResponse as exc:
                record.error = redact_stored(str(exc))
                raise BadGatewayException(record.error) from None
            except ValueError as exc:  # what the simulator refuses: empty or too long text
                record.error = str(exc)
                raise ValidationException(f"Invalid input: {exc}") from None
            except Exception:
                log.exception("the code hook raised")
                record.error = "Received error response from Lambda: Unhandled"
                raise DependencyFailedException(
                    "Invalid Lambda Response: Received error response from Lambda: Unhandled"
                ) from None
            finally:
                record.history = self._history_since(target, session_id, before)
            record.result = session.last_result = result
            return session, record

    def _history_index(self, target: Target, session_id: str) -> int:
        entries = self._stored(target, session_id, -1)
        return max((int(e.index) for e in entries), default=-1)

    def _history_since(self, target: Target, session_id: str, index: int) -> list[dict[str, Any]]:
        return [
            {
                "index": e.index,
                "user": e.user,
                "bot": list(e.bot),
                "intent": e.intent,
                "source": e.source,
                "slot": e.slot,
            }
            for e in self._stored(target, session_id, index)
        ]

    def _stored(self, target: Target, session_id: str, after: int) -> list[Any]:
        store = self.bot(target.locale_id).pipeline.store
        read = getattr(store, "messages", None)
        if read is None:
            return []
        try:
            found: list[Any] = read(session_id, now=int(self.clock()), after=after, limit=1000)
        except Exception:  # a store that cannot list: the inspector shows none
            return []
        return found

    # -- the operations ------------------------------------------------------------------------

    def recognize_text(
        self, target: Target, session_id: str, body: Mapping[str, Any], *, input_mode: str = "Text"
    ) -> dict[str, Any]:
        validate_input("RecognizeText", {**_uri(target, session_id), **body})
        text = body["text"]
        if len(text) > 1024:
            raise ValidationException("text must be at most 1024 characters")
        attributes = dict(body.get("requestAttributes") or {})
        session, record = self.turn(
            target,
            session_id,
            text,
            input_mode=input_mode,
            request_attributes=attributes,
            session_state=body.get("sessionState"),
        )
        assert record.result is not None
        return recognize_response(session, record.result, attributes)

    def recognize_utterance(
        self, target: Target, session_id: str, headers: Mapping[str, str], payload: bytes
    ) -> dict[str, str]:
        """RecognizeUtterance with text input: the answer's headers (its body is empty)."""
        content_type = headers.get("content-type", "")
        if not content_type.lower().replace(" ", "").startswith("text/plain"):
            raise ValidationException(
                "this local runtime recognizes text only: send Content-Type text/plain; charset=utf-8"
            )
        wanted = headers.get("response-content-type", TEXT_CONTENT_TYPE)
        if not wanted.lower().startswith("text/plain"):
            raise ValidationException("this local runtime answers in text only (text/plain; charset=utf-8)")
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationException("the input stream is not UTF-8 text") from None
        state = _compressed_header(headers, "x-amz-lex-session-state")
        attributes = _compressed_header(headers, "x-amz-lex-request-attributes")
        params: dict[str, Any] = {**_uri(target, session_id), "text": text or " "}
        if state is not None:
            params["sessionState"] = state
        if attributes is not None:
            params["requestAttributes"] = attributes
        validate_input("RecognizeText", params)  # the same shapes, sent as headers
        if not text.strip() or len(text) > 1024:
            raise ValidationException("the input text must be 1 to 1024 characters")
        session, record = self.turn(
            target, session_id, text, request_attributes=attributes, session_state=state
        )
        assert record.result is not None
        answer = recognize_response(session, record.result, attributes or {})
        out = {
            "Content-Type": TEXT_CONTENT_TYPE,
            "x-amz-lex-input-mode": "Text",
            "x-amz-lex-session-id": session.session_id,
            "x-amz-lex-session-state": compress(answer["sessionState"]),
            "x-amz-lex-interpretations": compress(answer["interpretations"]),
            "x-amz-lex-input-transcript": compress(text),
        }
        if answer.get("messages"):
            out["x-amz-lex-messages"] = compress(answer["messages"])
        if answer.get("requestAttributes"):
            out["x-amz-lex-request-attributes"] = compress(answer["requestAttributes"])
        return out

    def put_session(
        self, target: Target, session_id: str, body: Mapping[str, Any], response_type: str | None
    ) -> dict[str, str]:
        """PutSession: the answer's headers (its body is empty: text only, no audio)."""
        validate_input("PutSession", {**_uri(target, session_id), **body})
        if response_type is not None and not response_type.lower().startswith("text/plain"):
            raise ValidationException("this local runtime answers in text only (text/plain; charset=utf-8)")
        with self.lock:
            session = self.session(target, session_id, create=True)
            state = session.sim.state
            state.clear()
            _apply_state(state, body["sessionState"])
            messages = [dict(m) for m in body.get("messages") or []]
            session.put_messages = messages
            shown = session_state(session)
        out = {
            "Content-Type": TEXT_CONTENT_TYPE,
            "x-amz-lex-session-id": session_id,
            "x-amz-lex-session-state": compress(shown),
        }
        if messages:
            out["x-amz-lex-messages"] = compress(messages)
        if body.get("requestAttributes"):
            out["x-amz-lex-request-attributes"] = compress(dict(body["requestAttributes"]))
        return out

    def get_session(self, target: Target, session_id: str) -> dict[str, Any]:
        with self.lock:
            session = self.session(target, session_id)
            out: dict[str, Any] = {"sessionId": session_id, "sessionState": session_state(session)}
            if session.put_messages is not None:
                out["messages"] = session.put_messages
            elif session.last_result is not None:
                out["messages"] = lex_messages(session.last_result)
                out["interpretations"] = lex_interpretations(session, session.last_result)
            return out

    def delete_session(self, target: Target, session_id: str) -> dict[str, Any]:
        self.drop(target, session_id)
        return {
            "botId": target.bot_id,
            "botAliasId": target.alias_id,
            "localeId": target.locale_id,
            "sessionId": session_id,
        }


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------


def check_session_id(session_id: str) -> None:
    if not _SESSION_ID.match(session_id):
        raise ValidationException("sessionId must be 2-100 letters, digits or . _ : -")


def _uri(target: Target, session_id: str) -> dict[str, str]:
    return {
        "botId": target.bot_id,
        "botAliasId": target.alias_id,
        "localeId": target.locale_id,
        "sessionId": session_id,
    }


@cache
def _service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("lexv2-runtime")


def validate_input(operation: str, params: Mapping[str, Any]) -> None:
    """Check a request against the operation's input shape in botocore's model (types, required
    members, enums, minimum lengths). The message names the top-level members at fault only:
    what the client sent is never echoed."""
    from botocore.validate import ParamValidator

    _no_surrogates(params)
    shape = _service_model().operation_model(operation).input_shape
    report = ParamValidator().validate(dict(params), shape)
    names = [str(error[1]) for error in report._errors] if report.has_errors() else []
    if not names:  # botocore does not check enums or maximum lengths: the service does
        names = [f"{key}" for key, value in params.items() if not _within(value, shape.members.get(key))]
    if not names:
        return
    members = sorted({_member(name) for name in names})
    count = len(names)
    raise ValidationException(
        f"{count} validation error{'s' if count > 1 else ''} detected: "
        + "; ".join(f"Value at '{name}' failed to satisfy constraint" for name in members)
    )


def _within(value: Any, shape: Any) -> bool:
    """Whether `value` (already of the right types) keeps to the shape's enums and maximums."""
    if shape is None:
        return True
    kind = shape.type_name
    if kind == "string":
        enum = shape.metadata.get("enum")
        limit = shape.metadata.get("max")
        return (not enum or value in enum) and (limit is None or len(value) <= limit)
    if kind == "structure":
        return all(_within(v, shape.members.get(k)) for k, v in value.items())
    if kind == "list":
        limit = shape.metadata.get("max")
        return (limit is None or len(value) <= limit) and all(_within(v, shape.member) for v in value)
    if kind == "map":
        return all(_within(k, shape.key) and _within(v, shape.value) for k, v in value.items())
    return True


def _member(path: str) -> str:
    head = str(path).split(".", 1)[0].split("[", 1)[0]
    return head if re.fullmatch(r"[A-Za-z]{1,40}", head) else "request"


def _no_surrogates(value: Any) -> None:
    if isinstance(value, str):
        if any("\ud800" <= c <= "\udfff" for c in value):
            raise ValidationException("The request holds a string that is not valid Unicode")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _no_surrogates(key)
            _no_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _no_surrogates(item)


def _apply_state(state: dict[str, Any], given: Mapping[str, Any]) -> None:
    """A client's sessionState (PutSession, or RecognizeText's): what it gives replaces Lex's."""
    for key in ("sessionAttributes", "intent", "dialogAction", "activeContexts", "runtimeHints"):
        if key in given:
            state[key] = copy.deepcopy(given[key])


def compress(value: Any) -> str:
    """Lex's "compressed JSON" header value: JSON, gzipped, base64-encoded."""
    raw = json.dumps(value, ensure_ascii=False).encode()
    return base64.b64encode(gzip.compress(raw, mtime=0)).decode("ascii")


def decompress(value: str) -> Any:
    """The JSON a compressed header holds (gzipped or not, as clients send both)."""
    raw = base64.b64decode(value, validate=True)
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return json.loads(raw.decode("utf-8"))


def _compressed_header(headers: Mapping[str, str], name: str) -> Any:
    value = headers.get(name)
    if value is None:
        return None
    try:
        found = decompress(value)
    except (ValueError, OSError, EOFError):
        raise ValidationException(f"the {name} header is not base64-encoded (gzipped) JSON") from None
    if not isinstance(found, dict):
        raise ValidationException(f"the {name} header must hold a JSON object")
    return found


def _clean_intent(intent: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: copy.deepcopy(intent[k]) for k in _INTENT_KEYS if k in intent}
    slots = out.get("slots")
    out["slots"] = dict(slots) if isinstance(slots, Mapping) else {}
    return out


def session_state(session: Session) -> dict[str, Any]:
    """Lex's sessionState for the session, as the model shapes it."""
    state = session.sim.state
    out: dict[str, Any] = {k: copy.deepcopy(state[k]) for k in _STATE_KEYS if state.get(k) is not None}
    out.setdefault("sessionAttributes", {})
    if isinstance(out.get("intent"), Mapping):
        out["intent"] = _clean_intent(out["intent"])
    if not out.get("activeContexts"):
        out.pop("activeContexts", None)
    return out


def lex_messages(result: SimResult) -> list[dict[str, Any]]:
    kinds = [*result.content_types, *["PlainText"] * len(result.messages)]
    return [{"content": str(m), "contentType": kind} for m, kind in zip(result.messages, kinds, strict=False)]


def lex_interpretations(session: Session, result: SimResult) -> list[dict[str, Any]]:
    """The active intent first (at NLU's confidence when NLU chose it, 1.0 while it answers a slot
    or a confirmation), then NLU's other candidates, at most five, as Lex lists them."""
    fallback = session.sim.locale.fallback_intent
    intent = session.sim.state.get("intent")
    out: list[dict[str, Any]] = []
    active = None
    if result.dialog_action != "ElicitIntent" and isinstance(intent, Mapping) and intent.get("name"):
        active = str(intent["name"])
        first: dict[str, Any] = {"intent": _clean_intent(intent), "interpretationSource": "Lex"}
        if active != fallback:
            score = result.nlu_confidence if result.nlu_intent == active else 1.0
            first["nluConfidence"] = {"score": round(score if score is not None else 1.0, 2)}
        out.append(first)
    for found in result.ranking:
        if found.intent == active:
            continue
        entry: dict[str, Any] = {
            "intent": {
                "name": found.intent,
                "slots": {k: v for k, v in dict(found.slots).items() if v is not None},
                "state": "InProgress",
                "confirmationState": "None",
            },
            "interpretationSource": "Lex",
        }
        if found.confidence is not None:
            entry["nluConfidence"] = {"score": round(found.confidence, 2)}
        out.append(entry)
    return out[:MAX_INTERPRETATIONS]


def recognize_response(
    session: Session, result: SimResult, request_attributes: Mapping[str, str]
) -> dict[str, Any]:
    state = session_state(session)
    state["originatingRequestId"] = str(uuid.uuid4())
    out: dict[str, Any] = {
        "sessionState": state,
        "interpretations": lex_interpretations(session, result),
        "sessionId": session.session_id,
    }
    messages = lex_messages(result)
    if messages:
        out["messages"] = messages
    if request_attributes:
        out["requestAttributes"] = dict(request_attributes)
    return out

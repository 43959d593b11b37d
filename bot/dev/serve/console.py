"""The test console's JSON API (`/console/api/...`), and the one place its answers are redacted.

    GET    /console/api/bot                                        the bot: name, ids, locales
    GET    /console/api/sessions                                   every session (console or Lex client)
    POST   /console/api/sessions               {"localeId"}        a new console session
    GET    /console/api/sessions/{alias}/{locale}/{id}             its turns, as the inspector shows them
    POST   /console/api/sessions/{alias}/{locale}/{id}/turns       {"text", "mode": text|voice|dtmf}
    DELETE /console/api/sessions/{alias}/{locale}/{id}             reset: Lex forgets the session
    GET    /console/api/sessions/{alias}/{locale}/{id}/export      the session as a YAML conversation test

The page shows what Lex would show. Every JSON answer goes through `page_safe` on its way out
(`ConsoleApi.handle` is the only way out): the user's own words are redacted as the bot's history
redacts them (an answer to the card-number prompt keeps the last four digits, an answer to the
security-code prompt is "•••"), every text is put through the stored-text redaction (a card
number in any form), and the card numbers and security codes the user gave in the session are
masked wherever they would appear. Slots are the simulator's display values (obfuscated and card
slots masked, sealed ones "(sealed)"). No card number or security code reaches the page.

The export is the exception by design: a download (never fetched into the page) holding the
inputs as typed, so that the conversation replays (`python -m bot test-conversations FILE`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from bot.dev.serve.errors import LexApiError, ResourceNotFoundException, ValidationException, request_object
from bot.dev.serve.runtime import MAX_INTERPRETATIONS, LexRuntime, Session, Target, TurnRecord
from bot.dev.simulator.api import SimResult, SsmlMessage, spoken_text
from bot.dev.simulator.conversation_file import CHANNELS
from bot.dev.simulator.leaks import card_numbers_in, security_codes_in
from bot.redaction import CARD_MASK, CODE_MASK, redact_stored, redact_utterance

_SESSION_PATH = re.compile(
    r"^/console/api/sessions/(?P<alias>[0-9A-Za-z]{1,100})/(?P<locale>[a-z]{2}_[A-Z0-9]{2,3})"
    r"/(?P<session>[0-9A-Za-z._:-]{2,100})(?P<op>/turns|/export)?$"
)
_MODES = {"text": ("Text", False), "voice": CHANNELS["voice"], "dtmf": CHANNELS["dtmf"]}
MAX_TEXT = 1024

Answer = tuple[int, dict[str, str], bytes]


# --------------------------------------------------------------------------------------------
# The choke point
# --------------------------------------------------------------------------------------------


class PageGuard:
    """What may reach the page from one session: `clean(document)` masks every card number and
    security code the user gave (as `bot.dev.simulator.leaks` finds them), and any card number at
    all (`bot.redaction.redact_stored`), in every string of the document, keys included."""

    def __init__(self, cards: Iterable[str] = (), codes: Iterable[str] = ()) -> None:
        self._cards = [
            re.compile(r"(?<!\d)" + r"\D{0,3}".join(re.escape(d) for d in card) + r"(?!\d)")
            for card in sorted(set(cards), key=len, reverse=True)
        ]
        self._codes = [
            re.compile(rf"(?<![0-9A-Za-z]){re.escape(code)}(?![0-9A-Za-z])")
            for code in sorted(set(codes), key=len, reverse=True)
        ]
        self._card_masks = {card[-4:] for card in cards}

    @classmethod
    def for_sessions(cls, sessions: Iterable[Session], sensitive: Mapping[str, str]) -> PageGuard:
        cards: set[str] = set()
        codes: set[str] = set()
        for session in sessions:
            for turn in session.turns:
                cards |= card_numbers_in(turn.text)
                codes |= security_codes_in(turn.text, asked=turn.eliciting in sensitive)
        return cls(cards, codes)

    def text(self, value: str) -> str:
        cleaned = redact_stored(value)
        for pattern in self._cards:
            cleaned = pattern.sub(CARD_MASK, cleaned)
        for pattern in self._codes:
            cleaned = pattern.sub(CODE_MASK, cleaned)
        return cleaned

    def clean(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.clean(v) for v in value]
        if value is None or isinstance(value, bool | float):
            return value
        if isinstance(value, int):
            return value if self.text(str(value)) == str(value) else self.text(str(value))
        return self.text(str(value))


def page_safe(document: Any, guard: PageGuard) -> bytes:
    """The JSON the page gets: `document` cleaned by the guard."""
    return json.dumps(guard.clean(document), ensure_ascii=True).encode("ascii")


# --------------------------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------------------------


class ConsoleApi:
    def __init__(self, runtime: LexRuntime) -> None:
        self.runtime = runtime

    @property
    def sensitive(self) -> dict[str, str]:
        """The app's sensitive slots (slot name -> card_number | security_code)."""
        return dict(self.runtime.app.sensitive_slots)

    def handle(self, method: str, path: str, body: bytes) -> Answer:
        """Answer a console request. JSON answers all leave through `page_safe`."""
        runtime = self.runtime
        with runtime.lock:
            document, scope = self._route(method, path, body)
            if isinstance(document, bytes):  # the export: a download, see the module docstring
                return 200, _download_headers(scope), document
            guard = PageGuard.for_sessions(scope, self.sensitive)
            return 200, {"Content-Type": "application/json"}, page_safe(document, guard)

    def _route(self, method: str, path: str, body: bytes) -> tuple[Any, Any]:
        runtime = self.runtime
        if path == "/console/api/bot" and method == "GET":
            return self._bot(), []
        if path == "/console/api/sessions":
            if method == "GET":
                sessions = runtime.sessions()
                return {"sessions": [_summary(s) for s in sessions]}, sessions
            if method == "POST":
                request = _request(body)
                locale = request.get("localeId", self._default_locale())
                if not isinstance(locale, str):
                    raise ValidationException("localeId must be a string")
                target = runtime.target(runtime.bot_id, runtime.alias_ids[0], locale)
                session = runtime.session(target, _new_session_id(), create=True)
                return _summary(session), [session]
        match = _SESSION_PATH.match(path)
        if match is None:
            raise ResourceNotFoundException("No such console route")
        target = runtime.target(runtime.bot_id, match["alias"], match["locale"])
        session_id = match["session"]
        operation = match["op"] or ""
        if operation == "" and method == "GET":
            session = runtime.session(target, session_id)
            return self._session(session), [session]
        if operation == "" and method == "DELETE":
            dropped = runtime.drop(target, session_id)
            return {"deleted": dropped.session_id}, [dropped]
        if operation == "/turns" and method == "POST":
            return self._turn(target, session_id, _request(body))
        if operation == "/export" and method == "GET":
            session = runtime.session(target, session_id)
            return export_yaml(session).encode("utf-8"), session_id
        raise ResourceNotFoundException("No such console operation")

    def _default_locale(self) -> str:
        locales = self.runtime.locales
        return "en_US" if "en_US" in locales else locales[0]

    def _bot(self) -> dict[str, Any]:
        runtime = self.runtime
        return {
            "name": runtime.definition.name,
            "botId": runtime.bot_id,
            "botAliasId": runtime.alias_ids[0],
            "locales": runtime.locales,
            "defaultLocale": self._default_locale(),
        }

    def _turn(self, target: Target, session_id: str, request: Mapping[str, Any]) -> tuple[Any, Any]:
        text, mode = request.get("text"), request.get("mode", "text")
        if not isinstance(text, str):
            raise ValidationException("text must be a string")
        if mode not in _MODES:
            raise ValidationException("mode must be text, voice or dtmf")
        input_mode, ssml = _MODES[mode]
        try:
            session, _ = self.runtime.turn(target, session_id, text, input_mode=input_mode, ssml=ssml)
        except LexApiError:
            session = self.runtime.session(target, session_id)  # the error turn is recorded
        view = self._view(session, len(session.turns) - 1)
        return {"session": _summary(session), "turn": view}, [session]

    def _session(self, session: Session) -> dict[str, Any]:
        return {
            "session": _summary(session),
            "turns": [self._view(session, i) for i in range(len(session.turns))],
        }

    def _view(self, session: Session, index: int) -> dict[str, Any]:
        """One turn as the console shows it (before `page_safe`)."""
        turn = session.turns[index]
        role = self.sensitive.get(turn.eliciting or "")
        previous = session.turns[index - 1] if index else None
        card_context = previous is not None and self.sensitive.get(previous.eliciting or "") == "card_number"
        view: dict[str, Any] = {
            "number": index + 1,
            "user": redact_utterance(turn.text, eliciting=role, card_context=card_context),
            "inputMode": turn.input_mode,
            "error": turn.error,
            "messages": [],
            "inspector": None,
        }
        result = turn.result
        if result is None:
            view["inspector"] = {"securityEvents": turn.security_events, "history": turn.history}
            return view
        kinds = [*result.content_types, *["PlainText"] * len(result.messages)]
        view["messages"] = [
            {
                "text": spoken_text(m, kind),
                "contentType": kind,
                "ssml": str(m) if kind == "SSML" or isinstance(m, SsmlMessage) else None,
            }
            for m, kind in zip(result.messages, kinds, strict=False)
        ]
        owned = _owned(self.runtime)
        attributes = result.session_attributes
        view["inspector"] = {
            "intent": result.intent,
            "intentState": result.intent_state,
            "nluIntent": result.nlu_intent,
            "confidence": result.nlu_confidence,
            "interpretations": _interpretations(result, session),
            "dialogAction": {"type": result.dialog_action, "slotToElicit": result.slot_to_elicit},
            "slots": result.slots,
            "botState": {k: v for k, v in sorted(attributes.items()) if k in owned},
            "clientAttributes": {k: v for k, v in sorted(attributes.items()) if k not in owned},
            "securityEvents": turn.security_events,
            "history": turn.history,
        }
        return view


def _interpretations(result: SimResult, session: Session) -> list[dict[str, Any]]:
    """Lex's interpretations of the turn, as the RecognizeText answer lists them: the active
    intent first (1.0 while it answers a slot or a confirmation), then NLU's other candidates."""
    fallback = session.sim.locale.fallback_intent
    out: list[dict[str, Any]] = []
    if result.intent is not None:
        confidence = result.nlu_confidence if result.nlu_intent == result.intent else 1.0
        out.append({"intent": result.intent, "confidence": None if result.intent == fallback else confidence})
    out += [
        {"intent": found.intent, "confidence": found.confidence}
        for found in result.ranking
        if found.intent != result.intent
    ]
    return out[:MAX_INTERPRETATIONS]


def _owned(runtime: LexRuntime) -> frozenset[str]:
    from bot.attributes import owned

    model: Any = runtime.app.session_model
    found: frozenset[str] = owned(model)
    return found


def _summary(session: Session) -> dict[str, Any]:
    last = session.last_result
    return {
        "sessionId": session.session_id,
        "botAliasId": session.target.alias_id,
        "localeId": session.target.locale_id,
        "turns": len(session.turns),
        "intent": last.intent if last is not None else None,
        "created": dt.datetime.fromtimestamp(session.created, dt.UTC).isoformat(timespec="seconds"),
    }


def _request(body: bytes) -> dict[str, Any]:
    value = request_object(body)
    for item in value.values():
        if isinstance(item, str) and any("\ud800" <= c <= "\udfff" for c in item):
            raise ValidationException("The request holds a string that is not valid Unicode")
    return value


def _download_headers(session_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/yaml; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{session_id}.yaml"',
    }


# --------------------------------------------------------------------------------------------
# Export as a conversation test
# --------------------------------------------------------------------------------------------


def export_yaml(session: Session) -> str:
    """The session as a conversation file (`bot.dev.simulator.conversations`): every input, and
    what the bot answered as the expectation (intent, action, slot, state, the exact messages)."""
    import yaml

    turns = [_exported(turn) for turn in session.turns]
    first = session.turns[0].at if session.turns else session.created
    document: dict[str, Any] = {
        "name": f"console session {session.session_id}",
        "description": "exported from the lexbot test console",
        "today": dt.datetime.fromtimestamp(first, dt.UTC).date(),
    }
    if session.target.locale_id != "en_US":
        document["locale"] = session.target.locale_id
    document["turns"] = turns or [{"user": "hello"}]
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)


def _exported(turn: TurnRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"user": turn.text}
    mode = {("Speech", True): "voice", ("DTMF", True): "dtmf"}.get((turn.input_mode, turn.ssml))
    if mode is not None:
        out["input"] = mode
    elif turn.input_mode != "Text":
        out["input_mode"] = turn.input_mode
    result = turn.result
    if result is None:
        if turn.error is not None:
            out["expect"] = {"error": re.escape(turn.error[:80])}
        return out
    expect: dict[str, Any] = {
        "intent": result.intent,
        "action": result.dialog_action,
        "slot": result.slot_to_elicit,
        "state": result.intent_state,
    }
    kinds = [*result.content_types, *["PlainText"] * len(result.messages)]
    said = " ".join(spoken_text(m, kind) for m, kind in zip(result.messages, kinds, strict=False))
    if said:
        expect["message"] = f"^{re.escape(said)}$"
    if turn.security_events:
        expect["security_events"] = list(turn.security_events)
    out["expect"] = expect
    return out


# Letters only: a session id is shown through the page's redaction, which would mask a long run of
# digits in a hex id as card-like (1 id in ~1,000 had one) and so break the session's URL.
_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def _new_session_id() -> str:
    return f"console-{uuid.uuid4().hex[:16].translate(_LETTERS)}"

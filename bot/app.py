"""The path of one turn: parse and verify -> route -> handler (validates, updates the session)
-> build the response -> persist.

`App.handle` never raises for anything a client can send: a malformed event, a forged
session, an unknown intent or a failing dependency all get a valid Lex response.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from bot import dialog, history, metrics
from bot.dialog import Message, Reply
from bot.events import LexEvent
from bot.identity import Identity, TokenVerifier
from bot.logs import security_event
from bot.redact import redact
from bot.router import Router
from bot.security import sealing, signing
from bot.session import BotSession, Status
from bot.state import StateDecodeError, decode, encode, wire_fields
from bot.store.base import (
    MessageRecord,
    ProfileRecord,
    SessionRecord,
    SessionStore,
    StoreUnavailable,
    VersionConflict,
)
from bot.store.layout import copy_record
from bot.turn import Services, Turn

log = logging.getLogger("bot.turn")

CONFLICT_RETRIES = 3
SORRY_RETRY = "Sorry, something went wrong on my side. Could you say that again?"
SORRY_LATER = "Sorry, I can't save your progress right now. Please try again in a moment."
SORRY_BAD_REQUEST = (
    "Sorry, I couldn't process that request. "
    "You can say “make a payment” or “my wallet is” followed by the address."
)


PROFILE_EXTRA = "profile"  # SessionRecord.extra key: the session's server-side copy of the user's profile


@dataclass(slots=True)
class Restored:
    """What a turn starts from: the trusted session and the store's view of it."""

    session: BotSession
    record: SessionRecord | None = None  # the live stored record, if any
    history: list[MessageRecord] = field(default_factory=list)  # verified recent turns, oldest first
    store_ok: bool = True  # False: the store did not answer; nothing may be decided or saved

    @property
    def version(self) -> int:
        return self.record.version if self.record is not None else 0

    @property
    def owner(self) -> str | None:
        return self.record.owner if self.record is not None else None


@dataclass(slots=True)
class Remembered:
    """A verified user's profile as this turn sees it."""

    data: dict[str, str]
    loaded_now: bool  # read from the store this turn (a new session): refresh its TTL by writing it


class App:
    """A Lex V2 code hook: router + session model + store + services."""

    def __init__(
        self,
        *,
        router: Router,
        store: SessionStore,
        services: Services,
        sensitive_slots: Iterable[str],
        session_ttl_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
        verifier: TokenVerifier | None = None,
        history_window: int = 10,
        history_grace_seconds: int = 86400,
        profile_ttl_seconds: int = 30 * 86400,
    ) -> None:
        self.router = router
        self.store = store
        self.services = services
        self.sensitive_slots = frozenset(sensitive_slots)
        self.session_ttl_seconds = session_ttl_seconds
        self.clock = clock
        self.verifier = verifier or TokenVerifier()
        self.history_window = history_window
        self.history_grace_seconds = history_grace_seconds
        self.profile_ttl_seconds = profile_ttl_seconds
        self._intent_names = router.intent_names  # metrics and history name only intents the bot has

    # -- the turn -----------------------------------------------------------------------------

    def handle(self, raw_event: Any, context: Any = None) -> dict[str, Any]:
        try:
            return self._handle(raw_event)
        finally:
            metrics.flush()

    def _handle(self, raw_event: Any) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            event = LexEvent.model_validate(raw_event)
        except ValidationError as exc:
            return self._bad_event(exc)
        sid = event.sessionId
        identity = self.verifier.identify(event.requestAttributes)
        if identity.status in ("invalid", "expired"):
            log.warning("user token not accepted: %s", identity.reason, extra={"session_id": sid})
        for _ in range(CONFLICT_RETRIES):
            now = self.clock()
            restored = self._restore(event, now)
            refused = restored.owner is not None and restored.owner != identity.user_id
            if refused:  # someone else's session: a fresh, unsaved one; the owner's data is untouched
                security_event("foreign_session", sid, identity=identity.status)
                restored = Restored(BotSession())
            session = restored.session
            before = session.model_copy()  # encoded only on the rare paths that answer with it
            turn = self._turn(event, session, now)
            if not restored.store_ok:  # without trusted state nothing may be decided or saved
                return self._render(self._apology(turn, SORRY_LATER), event, self._sign(sid, encode(before)))
            remembered = None if refused else self._remembered(identity.user_id, restored.record, now)
            turn.user_id = identity.user_id
            turn.remembered = None if remembered is None else dict(remembered.data)
            turn.history = restored.history
            sensitive = {k: v for k, v in turn.values.items() if k in self.sensitive_slots and v}
            reply, ok = self._run(turn)
            notice = _identity_notice(identity, refused)
            if notice:
                reply.messages.insert(0, Message(notice))
            if not ok:  # the handler failed: answer with the last trusted state, persist nothing
                return self._render(self._apology(turn, SORRY_RETRY), event, self._sign(sid, encode(before)))
            session.turn += 1
            state = encode(session)
            response = self._render(reply, event, self._sign(sid, state))
            if refused:
                return response
            try:
                shown = [m["content"] for m in response.get("messages", ())]  # as rendered: redacted
                self._save(
                    turn,
                    shown,
                    restored,
                    next_slot=reply.slot_to_elicit,
                    remembered=remembered,
                    state=state,
                    sensitive=sensitive,
                    now=now,
                )
            except VersionConflict:
                log.info("concurrent update, retrying turn", extra={"session_id": sid})
                metrics.add("StoreConflicts")
                continue
            except StoreUnavailable as exc:
                log.error("session store unavailable: %s", exc, extra={"session_id": sid})
                metrics.add("StoreUnavailable")
                return self._render(self._apology(turn, SORRY_LATER), event, self._sign(sid, encode(before)))
            self._measure(turn, before, restored, now)
            self._log_turn(turn, reply, started)
            return response
        log.error("gave up after concurrent updates", extra={"session_id": sid})
        return self._render(self._apology(turn, SORRY_LATER), event, self._sign(sid, encode(before)))

    # -- persist ------------------------------------------------------------------------------

    def _save(
        self,
        turn: Turn,
        shown: list[str],
        restored: Restored,
        *,
        next_slot: str | None,
        remembered: Remembered | None,
        state: dict[str, str],
        sensitive: Mapping[str, str | None],
        now: float,
    ) -> None:
        """One atomic write: the session record, this turn's history entry and, for a verified
        user whose profile was read or changed this turn, the profile."""
        sid = turn.session_id
        base = restored.record
        # Idle expiry from now; never shortened (operators may have retained a reviewed session).
        expires_at = max(int(now) + self.session_ttl_seconds, base.expires_at if base is not None else 0)
        index = base.message_count if base is not None else 0
        action = turn.event.sessionState.dialogAction  # what Lex was eliciting when the user spoke
        previous_slot = action.slotToElicit if action is not None and action.type == "ElicitSlot" else None
        if previous_slot is None and restored.history:
            previous_slot = restored.history[-1].slot
        entry = history.new_entry(
            self.services.keys.history[0],
            session_id=sid,
            index=index,
            at_ms=int(now * 1000),
            user=history.redact_utterance(
                turn.event.inputTranscript, eliciting=previous_slot, sensitive_values=sensitive
            ),
            bot=shown,
            bot_redacted=True,
            intent=self._known_intent(turn),
            source=turn.source.value,
            slot=next_slot,
            expires_at=expires_at + self.history_grace_seconds,
        )
        extra = dict(base.extra) if base is not None else {}
        profile: ProfileRecord | None = None
        if remembered is not None and turn.user_id is not None and turn.remembered is not None:
            data = {
                k: v for k, v in turn.remembered.items() if isinstance(k, str) and isinstance(v, str) and k
            }
            extra[PROFILE_EXTRA] = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
            if remembered.loaded_now or data != remembered.data:
                profile = ProfileRecord(turn.user_id, data, expires_at=int(now) + self.profile_ttl_seconds)
        if base is None:
            record = SessionRecord(
                sid, state, expires_at=expires_at, owner=turn.user_id, extra=extra, message_count=1
            )
        else:
            record = copy_record(
                base,
                state=state,
                expires_at=expires_at,
                owner=base.owner or turn.user_id,
                extra=extra,
                message_count=index + 1,
            )
        self.store.save(
            record, expected_version=restored.version, now=int(now), messages=[entry], profile=profile
        )

    def _remembered(self, user_id: str | None, record: SessionRecord | None, now: float) -> Remembered | None:
        """The verified user's profile: the session's copy, else (first turn of a session) the
        store's. None for anonymous users, or when the profile could not be read (then it is
        neither used nor overwritten this turn)."""
        if user_id is None:
            return None
        if record is not None and PROFILE_EXTRA in record.extra:
            try:
                data = json.loads(record.extra[PROFILE_EXTRA])
            except ValueError:
                data = None
            if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
                return Remembered(data, loaded_now=False)
        try:
            profile = self.store.get_profile(user_id, now=int(now))
        except StoreUnavailable as exc:
            log.warning("profile unavailable: %s", exc, extra={"user_known": True})
            return None
        return Remembered(dict(profile.data) if profile is not None else {}, loaded_now=True)

    def _known_intent(self, turn: Turn) -> str:
        """The intent's name if the bot defines it (a raw event may name anything), else "other"."""
        return turn.intent_name if turn.intent_name in self._intent_names else "other"

    def _measure(self, turn: Turn, before: BotSession, restored: Restored, now: float) -> None:
        metrics.add("Turns", intent=self._known_intent(turn))
        if turn.session.status is Status.COMPLETED and before.status is not Status.COMPLETED:
            started = restored.record.created_at if restored.record is not None else int(now)
            metrics.add("SessionTurns", turn.session.turn, outcome="completed")
            metrics.add("SessionSeconds", max(0, int(now) - started), unit="Seconds", outcome="completed")

    # -- parse and verify ---------------------------------------------------------------------

    def _restore(self, event: LexEvent, now: float) -> Restored:
        """The trusted session: the store's copy, else correctly signed attributes, else a new one."""
        sid = event.sessionId
        known = wire_fields(BotSession)
        sent = {
            k: v
            for k, v in event.sessionState.sessionAttributes.items()
            if k in known or k == signing.SIGNATURE_KEY
        }
        signed = signing.verify(self.services.keys.verifying, sid, sent) if sent else False
        if sent and not signed:
            security_event(
                "forged_session_attributes", sid, reason=_forgery_reason(sent), fields=sorted(sent)
            )
        try:
            record, messages = self.store.load(sid, now=int(now), window=self.history_window)
        except StoreUnavailable as exc:
            log.error("session store unavailable: %s", exc, extra={"session_id": sid})
            return Restored(self._from_attributes(sid, sent, signed), store_ok=False)
        if record is None:
            return Restored(self._from_attributes(sid, sent, signed))
        recent = history.verified(self.services.keys.history, sid, messages)
        try:
            trusted = decode(BotSession, record.state)
        except StateDecodeError as exc:
            log.error("stored session unreadable, starting over: %s", exc, extra={"session_id": sid})
            return Restored(BotSession(), record, recent)
        if signed and {k: v for k, v in sent.items() if k != signing.SIGNATURE_KEY} != record.state:
            log.info("session attributes older than the store (retry or replay)", extra={"session_id": sid})
        return Restored(trusted, record, recent)

    def _from_attributes(self, sid: str, sent: dict[str, str], signed: bool) -> BotSession:
        if not signed:
            return BotSession()
        try:
            return decode(BotSession, sent)
        except StateDecodeError as exc:
            security_event("undecodable_signed_attributes", sid, reason=str(exc))
            return BotSession()

    def _turn(self, event: LexEvent, session: BotSession, now: float) -> Turn:
        values: dict[str, str | None] = {}
        for name, slot in event.intent.slots.items():
            text = slot.text() if slot is not None else None
            if text is not None and name in self.sensitive_slots and sealing.is_sealed(text):
                opened = sealing.unseal(
                    self.services.keys.sealing, text, session_id=event.sessionId, slot=name
                )
                if opened is None:
                    security_event("forged_sealed_slot", event.sessionId, slot=name)
                text = opened
            values[name] = text
        return Turn(event, session, self.services, datetime.fromtimestamp(now, UTC), values)

    # -- route and run ------------------------------------------------------------------------

    def _run(self, turn: Turn) -> tuple[Reply, bool]:
        handler = self.router.resolve(turn.intent_name, turn.source)
        try:
            return handler(turn), True
        except Exception:
            log.exception(
                "intent handler failed",
                extra={
                    "session_id": turn.session_id,
                    "intent": turn.intent_name,
                    "source": turn.source.value,
                },
            )
            return self._apology(turn, SORRY_RETRY), False

    def _apology(self, turn: Turn, text: str) -> Reply:
        """Ask again for what Lex was asking for, keeping the slots; or ask for an intent."""
        action = turn.event.sessionState.dialogAction
        if action is not None and action.type == "ElicitSlot" and action.slotToElicit:
            return dialog.elicit_slot(turn, action.slotToElicit, text)
        return dialog.elicit_intent(turn, text)

    # -- build the response -------------------------------------------------------------------

    def _sign(self, session_id: str, state: dict[str, str]) -> dict[str, str]:
        return {**state, signing.SIGNATURE_KEY: signing.sign(self.services.keys.signing, session_id, state)}

    def _render(self, reply: Reply, event: LexEvent, attributes: dict[str, str]) -> dict[str, Any]:
        action: dict[str, Any] = {"type": reply.action}
        if reply.slot_to_elicit:
            action["slotToElicit"] = reply.slot_to_elicit
        if reply.elicitation_style:
            action["slotElicitationStyle"] = reply.elicitation_style
        state: dict[str, Any] = {"sessionAttributes": attributes, "dialogAction": action}
        if reply.intent_name is not None:
            state["intent"] = {
                "name": reply.intent_name,
                "slots": {
                    name: self._slot(event.sessionId, name, value) for name, value in reply.slots.items()
                },
                "state": reply.intent_state,
                "confirmationState": reply.confirmation_state,
            }
        if event.sessionState.activeContexts:
            state["activeContexts"] = event.sessionState.activeContexts
        response: dict[str, Any] = {"sessionState": state}
        if reply.messages:
            response["messages"] = [
                {"contentType": m.content_type, "content": redact(m.content)} for m in reply.messages
            ]
        return response

    def _slot(self, session_id: str, name: str, value: str | None) -> dict[str, Any] | None:
        if value is None:
            return None
        if name in self.sensitive_slots and not sealing.is_sealed(value):
            value = sealing.seal(self.services.keys.sealing[0], value, session_id=session_id, slot=name)
        return {
            "shape": "Scalar",
            "value": {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]},
        }

    def _bad_event(self, exc: ValidationError) -> dict[str, Any]:
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})[:10]
        log.error("malformed Lex event", extra={"invalid_fields": fields})
        return {
            "sessionState": {"sessionAttributes": {}, "dialogAction": {"type": "ElicitIntent"}},
            "messages": [{"contentType": "PlainText", "content": SORRY_BAD_REQUEST}],
        }

    def _log_turn(self, turn: Turn, reply: Reply, started: float) -> None:
        log.info(
            "turn",
            extra={
                "session_id": turn.session_id,
                "turn": turn.session.turn,
                "intent": turn.intent_name,
                "source": turn.source.value,
                "input_mode": turn.input_mode.value,
                "action": reply.action,
                "next_intent": reply.intent_name,
                "slot_to_elicit": reply.slot_to_elicit,
                "step": turn.session.step.value,
                "status": turn.session.status.value,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )


NOTICE_EXPIRED = "Your sign-in has expired, so I can't use your saved details. Please sign in again."
NOTICE_INVALID = "I couldn't verify your sign-in, so I'll continue without your saved details."
NOTICE_FOREIGN = "This conversation belongs to another account, so I've started a new one."


def _identity_notice(identity: Identity, refused: bool) -> str | None:
    if identity.status == "expired":
        return NOTICE_EXPIRED
    if identity.status == "invalid":
        return NOTICE_INVALID
    return NOTICE_FOREIGN if refused else None


def _forgery_reason(sent: dict[str, str]) -> str:
    return "missing signature" if signing.SIGNATURE_KEY not in sent else "bad signature"

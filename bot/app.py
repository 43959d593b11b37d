"""The path of one turn: parse and verify -> route -> handler (validates, updates the session)
-> build the response -> persist.

`App.handle` never raises for anything a client can send: a malformed event, a forged
session, an unknown intent or a failing dependency all get a valid Lex response.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from bot import dialog
from bot.dialog import Message, Reply
from bot.events import LexEvent
from bot.identity import Identity, TokenVerifier
from bot.logs import security_event
from bot.redact import redact
from bot.router import Router
from bot.security import sealing, signing
from bot.session import BotSession
from bot.state import StateDecodeError, decode, encode, wire_fields
from bot.store.base import SessionRecord, SessionStore, StoreUnavailable, VersionConflict
from bot.turn import Services, Turn

log = logging.getLogger("bot.turn")

CONFLICT_RETRIES = 3
SORRY_RETRY = "Sorry, something went wrong on my side. Could you say that again?"
SORRY_LATER = "Sorry, I can't save your progress right now. Please try again in a moment."
SORRY_BAD_REQUEST = (
    "Sorry, I couldn't process that request. "
    "You can say “make a payment” or “my wallet is” followed by the address."
)


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
    ) -> None:
        self.router = router
        self.store = store
        self.services = services
        self.sensitive_slots = frozenset(sensitive_slots)
        self.session_ttl_seconds = session_ttl_seconds
        self.clock = clock
        self.verifier = verifier or TokenVerifier()

    # -- the turn -----------------------------------------------------------------------------

    def handle(self, raw_event: Any, context: Any = None) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            event = LexEvent.model_validate(raw_event)
        except ValidationError as exc:
            return self._bad_event(exc)
        identity = self.verifier.identify(event.requestAttributes)
        if identity.status in ("invalid", "expired"):
            log.warning("user token not accepted: %s", identity.reason, extra={"session_id": event.sessionId})
        for _ in range(CONFLICT_RETRIES):
            now = self.clock()
            session, version, store_ok, owner = self._restore(event, now)
            refused = owner is not None and owner != identity.user_id
            if refused:  # someone else's session: a fresh, unsaved one; the owner's data is untouched
                security_event("foreign_session", event.sessionId, identity=identity.status)
                session = BotSession()
            before = session.model_copy()  # encoded only on the rare paths that answer with it
            turn = self._turn(event, session, now)
            if not store_ok:  # without trusted state nothing may be decided or saved
                return self._render(
                    self._apology(turn, SORRY_LATER), event, self._sign(event.sessionId, encode(before))
                )
            reply, ok = self._run(turn)
            notice = _identity_notice(identity, refused)
            if notice:
                reply.messages.insert(0, Message(notice))
            if not ok:  # the handler failed: answer with the last trusted state, persist nothing
                return self._render(
                    self._apology(turn, SORRY_RETRY), event, self._sign(event.sessionId, encode(before))
                )
            session.turn += 1
            state = encode(session)
            response = self._render(reply, event, self._sign(event.sessionId, state))
            if refused:
                return response
            try:
                self.store.put(
                    SessionRecord(
                        event.sessionId,
                        state,
                        expires_at=int(now) + self.session_ttl_seconds,
                        owner=owner or identity.user_id,
                    ),
                    expected_version=version,
                    now=int(now),
                )
            except VersionConflict:
                log.info("concurrent update, retrying turn", extra={"session_id": event.sessionId})
                continue
            except StoreUnavailable as exc:
                log.error("session store unavailable: %s", exc, extra={"session_id": event.sessionId})
                return self._render(
                    self._apology(turn, SORRY_LATER), event, self._sign(event.sessionId, encode(before))
                )
            self._log_turn(turn, reply, started)
            return response
        log.error("gave up after concurrent updates", extra={"session_id": event.sessionId})
        return self._render(
            self._apology(turn, SORRY_LATER), event, self._sign(event.sessionId, encode(before))
        )

    # -- parse and verify ---------------------------------------------------------------------

    def _restore(self, event: LexEvent, now: float) -> tuple[BotSession, int, bool, str | None]:
        """The trusted session (the store's copy, else correctly signed attributes, else a new one),
        its version, whether the store answered, and the session's owner."""
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
            record = self.store.get(sid, now=int(now))
        except StoreUnavailable as exc:
            log.error("session store unavailable: %s", exc, extra={"session_id": sid})
            return self._from_attributes(sid, sent, signed), 0, False, None
        if record is None:
            return self._from_attributes(sid, sent, signed), 0, True, None
        try:
            trusted = decode(BotSession, record.state)
        except StateDecodeError as exc:
            log.error("stored session unreadable, starting over: %s", exc, extra={"session_id": sid})
            return BotSession(), record.version, True, record.owner
        if signed and {k: v for k, v in sent.items() if k != signing.SIGNATURE_KEY} != record.state:
            log.info("session attributes older than the store (retry or replay)", extra={"session_id": sid})
        return trusted, record.version, True, record.owner

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

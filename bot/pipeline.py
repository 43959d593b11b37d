"""The path of one turn: parse and verify -> route -> handler (validates, updates the session)
-> build the response -> persist.

    parse and verify   bot.events (typed Lex event), bot.restore (signed state, store, history)
    route              bot.router (intent name x invocation source)
    validate, update   the bot's handler or form (bot.forms), mutating its typed session
    respond            bot.respond (seal sensitive slots, redact, sign)
    persist            bot.persist (one atomic conditional write)

`Pipeline.handle` never raises for anything a client can send: a malformed event, a forged
session, an unknown intent or a failing dependency all get a valid Lex response.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot import dialog, metrics
from bot.attributes import owned, passthrough
from bot.dialog import Message, Reply
from bot.events import LexEvent
from bot.identity import ANONYMOUS, Identity, TokenVerifier
from bot.language import speaking
from bot.logs import security_event
from bot.persist import Remembered, Retention, expiry, owner_after, remembered, save, server_state
from bot.respond import bad_event, raw_locale, render, sign
from bot.restore import Restored, restore
from bot.security import sealing
from bot.security.signing import Binding
from bot.shapes import shaped
from bot.state import encode
from bot.store.base import StoreUnavailable, VersionConflict
from bot.turn import Services, Turn

if TYPE_CHECKING:
    from bot.app import App
    from bot.parts import Part
    from bot.session import Session
    from bot.store.base import SessionStore
    from bot.texts import Texts

log = logging.getLogger("bot.turn")

CONFLICT_RETRIES = 3
LEX_CODE_HOOK_SECONDS = 30.0  # Lex V2 stops waiting for a dialog or fulfillment code hook after 30 s


class Pipeline[S: Session]:
    """One app, built for one container: its store, keys, parts' runtimes and settings."""

    def __init__(
        self,
        app: App[S],
        *,
        store: SessionStore,
        services: Services,
        clock: Callable[[], float] = time.time,
        verifier: TokenVerifier | None = None,
        remember_users: bool = False,
        retention: Retention | None = None,
        history_window: int = 10,
    ) -> None:
        self.app = app
        self.store = store
        self.services = services
        self.clock = clock
        self.verifier = verifier
        self.remember_users = remember_users
        self.retention = retention or Retention()
        self.history_window = history_window
        self.sensitive = dict(app.sensitive_slots)  # slot name -> what it holds

    def part[R](self, part: Part[R]) -> R:
        """The per-container runtime of one of the app's parts (e.g. `pipeline.part(cards).gateway`)."""
        return self.services.part(part)

    # -- the turn -----------------------------------------------------------------------------

    def handle(self, raw_event: Any, context: Any = None) -> dict[str, Any]:
        try:
            return self._handle(raw_event, context)
        finally:
            metrics.flush(namespace=self.app.metrics_namespace)

    def _handle(self, raw_event: Any, context: Any = None) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            event = LexEvent.model_validate(raw_event)
        except ValidationError as exc:
            return bad_event(exc, self.app.texts_for(raw_locale(raw_event)).bad_request, raw_event)
        sid = event.sessionId
        identity = self.verifier.identify(event.requestAttributes) if self.verifier else ANONYMOUS
        if identity.status in ("invalid", "expired"):
            log.warning("user token not accepted: %s", identity.reason, extra={"session_id": sid})
        for _ in range(CONFLICT_RETRIES):
            response = self._attempt(event, identity, started, context)
            if response is not None:
                return response
        log.error("gave up after concurrent updates", extra={"session_id": sid})
        return self._attempt(event, identity, started, context, give_up=True) or {}

    def _attempt(
        self,
        event: LexEvent,
        identity: Identity,
        started: float,
        context: Any = None,
        *,
        give_up: bool = False,
    ) -> dict[str, Any] | None:
        """One try at the turn: None when another writer got there first (run it again)."""
        sid, model = event.sessionId, self.app.session_model
        now = self.clock()
        restored = self._restore(model, event, identity, now)
        refused = restored.owner is not None and restored.owner != identity.user_id
        if refused:  # someone else's session: a fresh, unsaved one; the owner's data is untouched
            security_event("foreign_session", sid, identity=identity.status)
            restored = Restored(model())
        session = restored.session
        before = session.model_copy()  # encoded only on the rare paths that answer with it
        turn = self._turn(event, session, now)
        texts = turn.texts
        unchanged = self._binding(restored, identity.user_id, now, saved=False)
        if not restored.store_ok or give_up:  # without trusted state nothing may be decided or saved
            return self._apology(turn, texts.sorry_later, before, unchanged)
        profile = None
        if self.remember_users and not refused:
            profile = remembered(self.store, identity.user_id, restored.record, now)
        turn.user_id = identity.user_id
        turn.remembered = None if profile is None else dict(profile.data)
        turn.history = restored.history
        turn.server = server_state(restored.record)
        turn.index = restored.record.message_count if restored.record is not None else 0
        turn.deadline = self._deadline(started, context)
        sensitive_values = {k: v for k, v in turn.values.items() if k in self.sensitive and v}
        reply, ok = self._run(turn)
        notice = self._identity_notice(identity, refused, texts)
        if notice:
            reply.messages.insert(0, Message(notice))
        if not ok:  # the handler failed: answer with the last trusted state, persist nothing
            return self._apology(turn, texts.sorry_retry, before, unchanged)
        session.turn += 1
        self._after_turn(turn, before)
        state = encode(session)
        binding = unchanged if refused else self._binding(restored, identity.user_id, now, saved=True)
        response = self._render(reply, turn, state, binding)
        if refused:
            return response
        try:
            self._save(
                turn,
                response,
                restored,
                reply=reply,
                profile=profile,
                state=state,
                sensitive_values=sensitive_values,
                now=now,
            )
        except VersionConflict:
            log.info("concurrent update, retrying turn", extra={"session_id": sid})
            metrics.add("StoreConflicts")
            return None
        except StoreUnavailable as exc:
            log.error("session store unavailable: %s", exc, extra={"session_id": sid})
            metrics.add("StoreUnavailable")
            return self._apology(turn, texts.sorry_later, before, unchanged)
        except Exception:  # nothing escapes the handler: the turn is answered, nothing is lost
            log.exception("saving the turn failed", extra={"session_id": sid})
            metrics.add("StoreUnavailable")
            return self._apology(turn, texts.sorry_later, before, unchanged)
        self._measure(turn, before, restored, now)
        self._log_turn(turn, reply, started)
        return response

    def _after_turn(self, turn: Turn[S], before: S) -> None:
        """The parts' per-turn hook (`after_turn(turn, reached_goal=...)`), before the turn is
        saved: a failing hook is logged and never costs the user the turn."""
        goal = self.app.goal
        reached = goal is not None and goal(turn.session) and not goal(before)
        for runtime in self.services.parts.values():
            hook = getattr(runtime, "after_turn", None)
            if hook is None:
                continue
            try:
                hook(turn, reached_goal=reached)
            except Exception:
                log.exception("a part's after_turn hook failed", extra={"session_id": turn.session_id})

    @staticmethod
    def _deadline(started: float, context: Any) -> float:
        """When this invocation must have answered: Lex waits 30 s for a code hook; the Lambda may
        have less left (`context.get_remaining_time_in_millis()`)."""
        limit = started + LEX_CODE_HOOK_SECONDS
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        if callable(remaining):
            with contextlib.suppress(TypeError, ValueError):
                limit = min(limit, time.perf_counter() + float(remaining()) / 1000)
        return limit

    def _restore(self, model: type[S], event: LexEvent, identity: Identity, now: float) -> Restored[S]:
        try:
            return restore(
                model,
                event,
                store=self.store,
                keys=self.services.keys,
                window=self.history_window,
                now=now,
                caller=identity.user_id,
            )
        except Exception:  # a store or codec failure nobody foresaw: never a stack trace to Lex
            log.exception("restoring the session failed", extra={"session_id": event.sessionId})
            metrics.add("StoreUnavailable")
            return Restored(model(), store_ok=False)

    def _binding(self, restored: Restored[S], caller: str | None, now: float, *, saved: bool) -> Binding:
        """What the signature of this turn's attributes binds: the version the state has in the store
        once saved (or still has, when nothing is saved), its expiry and its owner."""
        owner = owner_after(restored, caller)
        if saved:
            return Binding(restored.version + 1, expiry(restored, self.retention, now), owner)
        if restored.record is not None:
            return Binding(restored.version, restored.record.expires_at, owner)
        if restored.signed is not None:  # the store is unreachable: the client's own state, as bound
            return restored.signed
        return Binding(0, int(now) + self.retention.session_ttl_seconds, owner)

    def _turn(self, event: LexEvent, session: S, now: float) -> Turn[S]:
        values: dict[str, str | None] = {}
        for name, slot in event.intent.slots.items():
            text = slot.text() if slot is not None else None
            if text is not None and name in self.sensitive and sealing.is_sealed(text):
                opened = sealing.unseal(
                    self.services.keys.sealing, text, session_id=event.sessionId, slot=name
                )
                if opened is None:
                    security_event("forged_sealed_slot", event.sessionId, slot=name)
                text = opened
            values[name] = text
        turn = Turn(event, session, self.services, datetime.fromtimestamp(now, self.app.time_zone), values)
        for name, slot in event.intent.slots.items():
            if name not in self.sensitive and (found := shaped(slot)) is not None:
                turn.shaped[name] = found
        return turn

    # -- route and run ------------------------------------------------------------------------

    def _run(self, turn: Turn[S]) -> tuple[Reply, bool]:
        handler = self.app.router.route(turn.intent_name, turn.source)
        if handler is None:
            handler = self._unrouted(turn)
        try:
            with speaking(turn.locale):  # validators read and answer in the turn's language
                return handler(turn), True
        except Exception:
            log.exception(
                "intent handler failed",
                extra={
                    "session_id": turn.session_id,
                    "intent": self._known_intent(turn),
                    "source": turn.source.value,
                },
            )
            return self._ask_again(turn, turn.texts.sorry_retry), False

    def _unrouted(self, turn: Turn[S]) -> Callable[[Turn[S]], Reply]:
        """An intent the app has no handler for: logged (and counted), then the fallback answers."""
        log.warning(
            "no handler for the intent, using the fallback",
            extra={
                "session_id": turn.session_id,
                "intent": self._known_intent(turn),
                "source": turn.source.value,
            },
        )
        metrics.add("UnroutedIntents")
        fallback = self.app.router.fallback
        if fallback is not None:
            return fallback
        return lambda t: dialog.elicit_intent(t, t.texts.bad_request)

    def _ask_again(self, turn: Turn[S], text: str) -> Reply:
        """Ask again for what Lex was asking for, keeping the slots; or ask for an intent."""
        action = turn.event.sessionState.dialogAction
        if action is not None and action.type == "ElicitSlot" and action.slotToElicit:
            slot = action.slotToElicit
            return Reply(
                action="ElicitSlot",
                intent_name=turn.intent_name,
                slots=turn.slots_for(turn.intent_name),
                slot_to_elicit=slot,
                messages=[Message(text)],
            )
        return dialog.elicit_intent(turn, text)

    def _apology(self, turn: Turn[S], text: str, before: S, binding: Binding) -> dict[str, Any]:
        return self._render(self._ask_again(turn, text), turn, encode(before), binding)

    # -- respond and persist --------------------------------------------------------------------

    def _render(self, reply: Reply, turn: Turn[S], state: dict[str, str], binding: Binding) -> dict[str, Any]:
        """The response: the client's own attributes (kept, untrusted), what the bot sets, the
        capture settings of the slot it elicits, then its signed state (which wins a name)."""
        event = turn.event
        mine = owned(self.app.session_model)
        attributes = passthrough(
            event.sessionState.sessionAttributes,
            owned=mine,
            policy=self.app.client_attributes,
            session_id=event.sessionId,
        )
        attributes.update({k: v for k, v in turn.attributes.items() if k not in mine})
        if reply.action == "ElicitSlot" and reply.intent_name and reply.slot_to_elicit:
            attributes.update(self.app.elicitation_attributes(reply.intent_name, reply.slot_to_elicit))
        attributes.update(sign(self.services.keys, event.sessionId, state, binding))
        return render(
            reply,
            event,
            attributes,
            keys=self.services.keys,
            sensitive=self.sensitive,
            declared=self._declared,
            channel=turn.channel,
            hints=turn.hints,
        )

    def _declared(self, intent: str) -> frozenset[str] | None:
        """The slot names the app declares for an intent (a form's asks, `Intent(slots=...)`)."""
        found = self.app.intents.get(intent)
        return found.slot_names() if found is not None else None

    def _save(
        self,
        turn: Turn[S],
        response: dict[str, Any],
        restored: Restored[S],
        *,
        reply: Reply,
        profile: Remembered | None,
        state: dict[str, str],
        sensitive_values: Mapping[str, str | None],
        now: float,
    ) -> None:
        shown = [m["content"] for m in response.get("messages", ())]  # as rendered: redacted
        save(
            self.store,
            turn,
            shown,
            restored,
            keys=self.services.keys,
            retention=self.retention,
            intent=self._known_intent(turn),
            next_slot=reply.slot_to_elicit,
            remembered=profile,
            state=state,
            sensitive=self.sensitive,
            sensitive_values=sensitive_values,
            now=now,
        )

    # -- observe --------------------------------------------------------------------------------

    def _identity_notice(self, identity: Identity, refused: bool, texts: Texts) -> str | None:
        if identity.status == "expired":
            return texts.sign_in_expired
        if identity.status == "invalid":
            return texts.sign_in_invalid
        return texts.foreign_session if refused else None

    def _known_intent(self, turn: Turn[S]) -> str:
        """The intent's name if the bot defines it (a raw event may name anything), else "other"."""
        return turn.intent_name if turn.intent_name in self.app.intent_names else "other"

    def _measure(self, turn: Turn[S], before: S, restored: Restored[S], now: float) -> None:
        metrics.add("Turns", intent=self._known_intent(turn))
        if turn.session.turn == self.app.long_session_turns + 1:
            metrics.add("LongSessions")
        goal = self.app.goal
        if goal is not None and goal(turn.session) and not goal(before):
            started = restored.record.created_at if restored.record is not None else int(now)
            metrics.add("SessionTurns", turn.session.turn, outcome="completed")
            metrics.add("SessionSeconds", max(0, int(now) - started), unit="Seconds", outcome="completed")

    def _log_turn(self, turn: Turn[S], reply: Reply, started: float) -> None:
        log.info(
            "turn",
            extra={
                "session_id": turn.session_id,
                "turn": turn.session.turn,
                "intent": self._known_intent(turn),
                "source": turn.source.value,
                "input_mode": turn.input_mode.value,
                "action": reply.action,
                "next_intent": reply.intent_name,
                "slot_to_elicit": reply.slot_to_elicit,
                **self.app.describe_session(turn.session),
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )

"""Parse and verify: the trusted session a turn starts from.

The store's copy wins. Correctly signed session attributes are used only when the store has
nothing; anything forged is logged as a security event and ignored. The last `window` turns of
history come with the session in the same single read, each entry's MAC checked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot import history
from bot.logs import security_event
from bot.security import signing
from bot.state import StateDecodeError, decode, wire_fields
from bot.store.base import StoreUnavailable

if TYPE_CHECKING:
    from bot.events import LexEvent
    from bot.security.keys import Keys
    from bot.session import Session
    from bot.store.base import MessageRecord, SessionRecord, TurnStore

log = logging.getLogger("bot.turn")


@dataclass(slots=True)
class Restored[S: Session]:
    """What a turn starts from: the trusted session and the store's view of it."""

    session: S
    record: SessionRecord | None = None  # the live stored record, if any
    history: list[MessageRecord] = field(default_factory=list)  # verified recent turns, oldest first
    store_ok: bool = True  # False: the store did not answer; nothing may be decided or saved

    @property
    def version(self) -> int:
        return self.record.version if self.record is not None else 0

    @property
    def owner(self) -> str | None:
        return self.record.owner if self.record is not None else None


def restore[S: Session](
    model: type[S], event: LexEvent, *, store: TurnStore, keys: Keys, window: int, now: float
) -> Restored[S]:
    """The trusted session: the store's copy, else correctly signed attributes, else a new one."""
    sid = event.sessionId
    known = wire_fields(model)
    sent = {
        k: v
        for k, v in event.sessionState.sessionAttributes.items()
        if k in known or k == signing.SIGNATURE_KEY
    }
    signed = signing.verify(keys.verifying, sid, sent) if sent else False
    if sent and not signed:
        reason = "missing signature" if signing.SIGNATURE_KEY not in sent else "bad signature"
        security_event("forged_session_attributes", sid, reason=reason, fields=sorted(sent))
    try:
        record, messages = store.load(sid, now=int(now), window=window)
    except StoreUnavailable as exc:
        log.error("session store unavailable: %s", exc, extra={"session_id": sid})
        return Restored(_from_attributes(model, sid, sent, signed), store_ok=False)
    if record is None:
        return Restored(_from_attributes(model, sid, sent, signed))
    recent = history.verified(keys.history, sid, messages)
    try:
        trusted = decode(model, record.state)
    except StateDecodeError as exc:
        log.error("stored session unreadable, starting over: %s", exc, extra={"session_id": sid})
        return Restored(model(), record, recent)
    if signed and {k: v for k, v in sent.items() if k != signing.SIGNATURE_KEY} != record.state:
        log.info("session attributes older than the store (retry or replay)", extra={"session_id": sid})
    return Restored(trusted, record, recent)


def _from_attributes[S: Session](model: type[S], sid: str, sent: dict[str, str], signed: bool) -> S:
    if not signed:
        return model()
    try:
        return decode(model, sent)
    except StateDecodeError as exc:
        security_event("undecodable_signed_attributes", sid, reason=str(exc))
        return model()

"""Parse and verify: the trusted session a turn starts from.

The store's copy wins, and only if its MAC holds (`bot.security.records`). A session the store
does not have (never saved, deleted, expired) starts over: signed session attributes from the
client never resurrect it — not a token, not a card summary, not an owner's data — whatever they
say; only the locale is carried over. Correctly signed attributes are used only when the store
cannot be reached, to answer "try again later" with the state the client already holds (nothing is
decided or saved then). Anything forged is logged as a security event and ignored. The last
`window` turns of history come with the session in the same single read, each entry's MAC
checked when something first reads it (`bot.history.Window`: newest first, only as far back as it
is read); a turn missing inside the window is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot import history
from bot.logs import security_event
from bot.security import records, signing
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
    # The verified recent turns, oldest first (a `history.Window`: verified as far as it is read).
    history: Sequence[MessageRecord] = field(default_factory=list)
    store_ok: bool = True  # False: the store did not answer; nothing may be decided or saved
    signed: signing.Binding | None = None  # what the client's signed attributes were bound to

    @property
    def version(self) -> int:
        return self.record.version if self.record is not None else 0

    @property
    def owner(self) -> str | None:
        return self.record.owner if self.record is not None else None


def restore[S: Session](
    model: type[S],
    event: LexEvent,
    *,
    store: TurnStore,
    keys: Keys,
    window: int,
    now: float,
    caller: str | None = None,
) -> Restored[S]:
    """The trusted session (see the module). `caller` is the verified user id of this turn."""
    sid = event.sessionId
    known = wire_fields(model)
    sent = {
        k: v
        for k, v in event.sessionState.sessionAttributes.items()
        if k in known or k == signing.SIGNATURE_KEY
    }
    try:
        record, messages = store.load(sid, now=int(now), window=window)
    except StoreUnavailable as exc:
        log.error("session store unavailable: %s", exc, extra={"session_id": sid})
        binding = _verify(keys, sid, sent, owner=caller, now=now)
        return Restored(_decoded(model, sid, sent) if binding else model(), store_ok=False, signed=binding)
    binding = _verify(keys, sid, sent, owner=record.owner if record is not None else caller, now=now)
    if record is None:
        if binding is not None and sent.keys() - {signing.SIGNATURE_KEY}:
            # A state the store does not have (deleted, expired, or never saved): nothing of it
            # comes back. A replay of old attributes after a delete is exactly this.
            security_event("stale_session_state", sid, version=binding.version)
        return Restored(_fresh(model, sid, sent, binding), signed=binding)
    if not records.is_authentic(keys.verifying, record):
        security_event("forged_session_record", sid)
        return Restored(model(), _without_state(record), [], signed=binding)
    recent = history.Window(keys.history, sid, messages)
    _check_window(sid, record, messages, window)
    try:
        trusted = decode(model, record.state)
    except StateDecodeError as exc:
        log.error("stored session unreadable, starting over: %s", exc, extra={"session_id": sid})
        return Restored(model(), record, recent, signed=binding)
    if binding is not None and binding.version != record.version:
        log.info("session attributes older than the store (retry or replay)", extra={"session_id": sid})
    return Restored(trusted, record, recent, signed=binding)


def _verify(
    keys: Keys, sid: str, sent: dict[str, str], *, owner: str | None, now: float
) -> signing.Binding | None:
    if not sent:
        return None
    binding = signing.verify(keys.verifying, sid, sent, owner=owner, now=now)
    if binding is None:
        security_event("forged_session_attributes", sid, reason=signing.reason(sent), fields=sorted(sent))
    return binding


def _decoded[S: Session](model: type[S], sid: str, sent: dict[str, str]) -> S:
    try:
        return decode(model, sent)
    except StateDecodeError as exc:
        security_event("undecodable_signed_attributes", sid, reason=str(exc))
        return model()


def _fresh[S: Session](model: type[S], sid: str, sent: dict[str, str], binding: signing.Binding | None) -> S:
    """A new session; from verified attributes only the harmless locale is kept."""
    session = model()
    if binding is not None and "locale" in sent:
        restored = _decoded(model, sid, {"locale": sent["locale"]})
        session.locale = restored.locale
    return session


def _without_state(record: SessionRecord) -> SessionRecord:
    """A forged record: its version and history length are kept (the next save replaces it without
    colliding with stored turns); nothing it says — state, owner, extras — is used."""
    from bot.store.layout import copy_record

    return copy_record(record, state={}, owner=None, extra={}, message_count=record.message_count)


def _check_window(sid: str, record: SessionRecord, messages: list[MessageRecord], window: int) -> None:
    """Every index of the newest `window` turns must be there: a deleted turn is noticed."""
    expected = set(range(max(0, record.message_count - window), record.message_count))
    missing = sorted(expected - {m.index for m in messages})
    if missing:
        security_event("missing_history_entry", sid, indexes=missing[:20])

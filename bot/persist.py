"""Persist: one atomic, conditional write per turn — the session record, this turn's redacted and
signed history entry and, for a verified user whose profile was read or changed, the profile.

A conflict (another writer since the read) raises `VersionConflict` and the pipeline re-runs the
turn, which is safe because payment calls are idempotent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import history
from bot.jsontext import encoder
from bot.security import records
from bot.store.base import ProfileRecord, SessionRecord, StoreUnavailable
from bot.store.layout import copy_record

if TYPE_CHECKING:
    from bot.restore import Restored
    from bot.security.keys import Keys
    from bot.store.base import TurnStore
    from bot.turn import Turn

log = logging.getLogger("bot.turn")

_TEXT = encoder(ensure_ascii=False)
_ASCII = encoder(ensure_ascii=True)
CARD_CONTEXT_TURNS = 4  # how far back a card-number prompt makes digit groups suspect
PROFILE_EXTRA = "profile"  # SessionRecord.extra key: the session's server-side copy of the user's profile
# SessionRecord.extra key: the slots the last CARD_CONTEXT_TURNS turns asked for (a JSON list, null
# for none). Kept in the record, under its MAC, so a turn needs no history entry to know them.
RECENT_SLOTS_EXTRA = "recent_slots"


@dataclass(slots=True)
class Remembered:
    """A verified user's profile as this turn sees it."""

    data: dict[str, str]
    loaded_now: bool  # read from the store this turn (a new session): refresh its TTL by writing it


@dataclass(frozen=True, slots=True)
class Retention:
    session_ttl_seconds: int = 3600
    history_grace_seconds: int = 86400
    profile_ttl_seconds: int = 30 * 86400


def expiry(restored: Restored[Any], retention: Retention, now: float) -> int:
    """When the session expires after this turn: idle expiry from now, never shortened (operators
    may have retained a reviewed session)."""
    base = restored.record
    return max(int(now) + retention.session_ttl_seconds, base.expires_at if base is not None else 0)


def owner_after(restored: Restored[Any], user_id: str | None) -> str | None:
    """Who owns the session after this turn: its owner, else the verified user who starts it."""
    return restored.owner or user_id


def remembered(
    store: TurnStore, user_id: str | None, record: SessionRecord | None, now: float
) -> Remembered | None:
    """The verified user's profile: the session's copy, else (first turn of a session) the store's.
    None for anonymous users, or when the profile could not be read (then it is neither used nor
    overwritten this turn)."""
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
        profile = store.get_profile(user_id, now=int(now))
    except StoreUnavailable as exc:
        log.warning("profile unavailable: %s", exc, extra={"user_known": True})
        return None
    return Remembered(dict(profile.data) if profile is not None else {}, loaded_now=True)


def server_state(record: SessionRecord | None) -> dict[str, str]:
    """The parts' server-side state kept in a (verified) record's context: {} when none or unreadable."""
    if record is None or not record.context:
        return {}
    try:
        data = json.loads(record.context)
    except ValueError:
        log.warning("server-side context unreadable, starting empty", extra={"session_id": record.session_id})
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def server_context(server: Mapping[str, str]) -> str:
    """The parts' server-side state as the record's context text ("" when there is none)."""
    return _TEXT(dict(server)) if server else ""


def recent_slots(restored: Restored[Any]) -> list[str | None]:
    """The slots the last CARD_CONTEXT_TURNS turns asked for, oldest first: from the record, else
    (a record written before it kept them, or a forged one, whose extras are dropped) from the
    verified history window."""
    base = restored.record
    raw = base.extra.get(RECENT_SLOTS_EXTRA) if base is not None else None
    if base is not None and raw is not None:
        try:
            kept = json.loads(raw)
        except ValueError:
            kept = None
        if isinstance(kept, list) and all(slot is None or isinstance(slot, str) for slot in kept):
            return kept[-CARD_CONTEXT_TURNS:]
        log.warning("recent slots unreadable, reading the history", extra={"session_id": base.session_id})
    return [entry.slot for entry in restored.history[-CARD_CONTEXT_TURNS:]]


def save(
    store: TurnStore,
    turn: Turn[Any],
    shown: list[str],
    restored: Restored[Any],
    *,
    keys: Keys,
    retention: Retention,
    intent: str,
    next_slot: str | None,
    remembered: Remembered | None,
    state: dict[str, str],
    sensitive: Mapping[str, str],
    sensitive_values: Mapping[str, str | None],
    now: float,
) -> None:
    """One atomic write: the session record, this turn's history entry and, for a verified
    user whose profile was read or changed this turn, the profile."""
    sid = turn.session_id
    base = restored.record
    expires_at = expiry(restored, retention, now)
    index = turn.index  # the record's message count, as the pipeline set it
    action = turn.event.sessionState.dialogAction  # what Lex was eliciting when the user spoke
    previous_slot = action.slotToElicit if action is not None and action.type == "ElicitSlot" else None
    recent = recent_slots(restored)
    if previous_slot is None and recent:
        previous_slot = recent[-1]
    # The card number was asked for in the last turns: digit groups may be pieces of it.
    card_slots = {slot for slot, role in sensitive.items() if role == history.CARD_NUMBER}
    card_context = previous_slot in card_slots or any(slot in card_slots for slot in recent)
    entry = history.new_entry(
        keys.history[0],
        session_id=sid,
        index=index,
        at_ms=int(now * 1000),
        user=history.stored_utterance(
            turn.event.inputTranscript,
            eliciting=sensitive.get(previous_slot) if previous_slot else None,
            sensitive_values={sensitive[k]: v for k, v in sensitive_values.items() if k in sensitive},
            card_context=card_context,
        ),
        bot=shown,
        intent=intent,
        source=turn.source.value,
        slot=next_slot,
        expires_at=expires_at + retention.history_grace_seconds,
    )
    extra = dict(base.extra) if base is not None else {}
    extra[RECENT_SLOTS_EXTRA] = _ASCII([*recent, next_slot][-CARD_CONTEXT_TURNS:])
    profile: ProfileRecord | None = None
    if remembered is not None and turn.user_id is not None and turn.remembered is not None:
        data = {k: v for k, v in turn.remembered.items() if isinstance(k, str) and isinstance(v, str) and k}
        extra[PROFILE_EXTRA] = _TEXT(data)
        if remembered.loaded_now or data != remembered.data:
            profile = ProfileRecord(turn.user_id, data, expires_at=int(now) + retention.profile_ttl_seconds)
    context = server_context(turn.server)
    if base is None:
        record = SessionRecord(
            sid,
            state,
            expires_at=expires_at,
            owner=turn.user_id,
            extra=extra,
            message_count=1,
            context=context,
        )
    else:
        record = copy_record(
            base,
            state=state,
            expires_at=expires_at,
            owner=owner_after(restored, turn.user_id),
            extra=extra,
            message_count=index + 1,
            context=context,
        )
    records.seal(keys.signing, record)
    store.save(record, expected_version=restored.version, now=int(now), messages=[entry], profile=profile)

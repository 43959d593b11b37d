"""Records <-> items: the single-table layout as plain Python values (str, int, bool, list, dict).

One codec for every backend that serialises (SQLite keeps an item's body as JSON beside its
columns, DynamoDB converts these values to attribute values one to one). Attribute names are
the table design's (README "Table design"):

    STATE    pk, sk, version, expires_at, updated_at, created_at, message_count, state, extra,
             has_feedback, has_review; owner / title / feedback / review / context only when set
    MSG      pk, sk, gen, at_ms, user, bot, sig, expires_at; intent / source / slot / feedback
             only when set (a message's index is its sort key, never a body field)
    PROFILE  pk, sk, data, version, expires_at, updated_at

Decoding tolerates missing attributes (legacy items, projections): defaults, and an absent
`expires_at` / `created_at` / `gen` stays None in the `Stored` wrapper.
"""

from __future__ import annotations

from typing import Any

from bot.store.base import Feedback, MessageRecord, ProfileRecord, Review, SessionRecord
from bot.store.items import Stored
from bot.store.layout import (
    MSG_INDEX_WIDTH,
    MSG_PREFIX,
    PROFILE_SK,
    SESSION_PREFIX,
    STATE_SK,
    USER_PREFIX,
    message_sk,
    session_id_from_pk,
    session_pk,
    user_pk,
)

Item = dict[str, Any]


def feedback_value(feedback: Feedback) -> Item:
    return {"rating": feedback.rating, "comment": feedback.comment, "at": feedback.at}


def feedback_from(value: Any) -> Feedback | None:
    if not value:
        return None
    return Feedback(rating=value["rating"], comment=value.get("comment", ""), at=int(value.get("at", 0)))


def review_value(review: Review) -> Item:
    return {"reviewer": review.reviewer, "verdict": review.verdict, "notes": review.notes, "at": review.at}


def review_from(value: Any) -> Review | None:
    if not value:
        return None
    return Review(
        reviewer=value["reviewer"],
        verdict=value["verdict"],
        notes=value.get("notes", ""),
        at=int(value.get("at", 0)),
    )


def _optional_int(item: Item, name: str) -> int | None:
    value = item.get(name)
    return None if value is None else int(value)


# -- session records ----------------------------------------------------------------------------


def state_item(record: SessionRecord) -> Item:
    item: Item = {
        "pk": session_pk(record.session_id),
        "sk": STATE_SK,
        "version": record.version,
        "expires_at": record.expires_at,
        "updated_at": record.updated_at,
        "created_at": record.created_at,
        "message_count": record.message_count,
        "state": dict(record.state),
        "extra": dict(record.extra),
        "has_feedback": record.has_feedback,
        "has_review": record.review is not None,
    }
    if record.owner is not None:
        item["owner"] = record.owner
    if record.title is not None:
        item["title"] = record.title
    if record.feedback is not None:
        item["feedback"] = feedback_value(record.feedback)
    if record.review is not None:
        item["review"] = review_value(record.review)
    if record.context:
        item["context"] = record.context
    return item


def state_from(item: Item) -> Stored[SessionRecord]:
    expires_at, gen = _optional_int(item, "expires_at"), _optional_int(item, "created_at")
    record = SessionRecord(
        session_id=session_id_from_pk(item["pk"]),
        state=dict(item.get("state") or {}),
        version=int(item.get("version", 0)),
        expires_at=expires_at or 0,
        updated_at=int(item.get("updated_at", 0)),
        owner=item.get("owner"),
        extra=dict(item.get("extra") or {}),
        created_at=gen or 0,
        message_count=int(item.get("message_count", 0)),
        title=item.get("title"),
        feedback=feedback_from(item.get("feedback")),
        review=review_from(item.get("review")),
        has_feedback=bool(item.get("has_feedback")),
        context=_context_from(item.get("context")),
    )
    return Stored(record, expires_at, gen)


def _context_from(value: Any) -> str:
    """An item's opaque context; "" when absent (items written before it existed) or not text."""
    return value if isinstance(value, str) else ""


# -- messages -----------------------------------------------------------------------------------


def message_item(message: MessageRecord, gen: int) -> Item:
    item: Item = {
        "pk": session_pk(message.session_id),
        "sk": message_sk(message.index),
        "gen": gen,
        "at_ms": message.at_ms,
        "user": message.user,
        "bot": list(message.bot),
        "sig": message.signature,
        "expires_at": message.expires_at,
    }
    for name in ("intent", "source", "slot"):
        value = getattr(message, name)
        if value is not None:
            item[name] = value
    if message.feedback is not None:
        item["feedback"] = feedback_value(message.feedback)
    return item


def message_from(item: Item) -> Stored[MessageRecord]:
    expires_at = _optional_int(item, "expires_at")
    message = MessageRecord(
        session_id=session_id_from_pk(item["pk"]),
        index=int(item["sk"][len(MSG_PREFIX) :]),  # from the key, never from the body
        at_ms=int(item.get("at_ms", 0)),
        user=item.get("user", ""),
        bot=list(item.get("bot", [])),
        intent=item.get("intent"),
        source=item.get("source"),
        slot=item.get("slot"),
        signature=item.get("sig", ""),
        expires_at=expires_at or 0,
        feedback=feedback_from(item.get("feedback")),
    )
    return Stored(message, expires_at, _optional_int(item, "gen"))


def is_message_key(sk: str) -> bool:
    return sk.startswith(MSG_PREFIX) and len(sk) == len(MSG_PREFIX) + MSG_INDEX_WIDTH


# -- profiles -----------------------------------------------------------------------------------


def profile_item(profile: ProfileRecord) -> Item:
    return {
        "pk": user_pk(profile.user_id),
        "sk": PROFILE_SK,
        "data": dict(profile.data),
        "version": profile.version,
        "expires_at": profile.expires_at,
        "updated_at": profile.updated_at,
    }


def profile_from(item: Item) -> Stored[ProfileRecord]:
    expires_at = _optional_int(item, "expires_at")
    profile = ProfileRecord(
        user_id=item["pk"][len(USER_PREFIX) :],
        data=dict(item.get("data") or {}),
        version=int(item.get("version", 0)),
        expires_at=expires_at or 0,
        updated_at=int(item.get("updated_at", 0)),
    )
    return Stored(profile, expires_at)


# -- upkeep ------------------------------------------------------------------------------------


def kind_of(pk: str, sk: str) -> str:
    """ "session", "message", "profile" or "other" (an item this code did not write)."""
    if pk.startswith(SESSION_PREFIX):
        if sk == STATE_SK:
            return "session"
        if is_message_key(sk):
            return "message"
    elif pk.startswith(USER_PREFIX) and sk == PROFILE_SK:
        return "profile"
    return "other"


def backfill_expiry(item: Item, *, now: int, session_ttl: int, profile_ttl: int) -> tuple[str, int | None]:
    """(kind, expiry) for an item without one: its last activity (messages: `at_ms`; otherwise,
    or when that is missing, `updated_at`; when both are missing: `now`) plus its kind's TTL,
    and never before `now`. Items of unknown kind are left alone (None)."""
    kind = kind_of(str(item.get("pk", "")), str(item.get("sk", "")))
    if kind == "other":
        return kind, None
    last = 0
    if kind == "message":
        last = int(item.get("at_ms") or 0) // 1000
    if last <= 0:
        last = int(item.get("updated_at") or 0)
    if last <= 0:
        last = now
    return kind, max(last + (profile_ttl if kind == "profile" else session_ttl), now)

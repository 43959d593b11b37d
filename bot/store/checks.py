"""Argument and record checks, and text made safe for storage: done once, before any backend.

Every public store method checks its arguments here, and every record is checked and copied
here on its way in, so the backends never see anything they could store differently:

- an invalid argument (an id, a count, a time, a flag) is a `ValueError`, whatever is wrong with
  it; in a record, a field of the wrong type is a `TypeError`, a value out of range a
  `ValueError`; an argument that is not a record (or Feedback) at all is a `TypeError`;
  bool is never an int;
- ids: a session id is what Lex sends (`^[0-9a-zA-Z._:-]{2,100}$`); a user id is any non-empty
  text of at most 256 characters (the identity layer's limit) that can be stored faithfully,
  i.e. without lone surrogates; a record's owner any str without them (ids are keys: they are
  refused, never rewritten);
- text: lone surrogates (unencodable as UTF-8; SQLite and DynamoDB refuse them) in any stored
  string are replaced with U+FFFD (`storable`). Map keys too: two keys differing only there merge.
- free text (utterances and messages of the history, titles, feedback comments, reviews, profile
  values, a record's opaque `context`) goes through `bot.redaction.redact_stored`: no card number
  or security code is stored, whoever the caller is;
- size: a record's `context` is at most `MAX_CONTEXT_BYTES` of UTF-8 once redacted (ValueError).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from bot.redaction import redact_stored
from bot.store.base import Feedback, MessageRecord, ProfileRecord, Review, SessionRecord
from bot.store.layout import MAX_MESSAGE_INDEX, copy_message, copy_profile, copy_record

if TYPE_CHECKING:
    from collections.abc import Sequence

SESSION_ID = re.compile(r"[0-9a-zA-Z._:-]{2,100}")  # Lex V2's own sessionId constraint
MAX_USER_ID = 256  # bot.identity accepts a `sub` of at most 256 characters
MAX_INT = 2**63 - 1  # every stored integer fits SQLite's INTEGER
MAX_EPOCH = 253_402_300_799  # 9999-12-31T23:59:59Z: the last instant with a calendar day
MAX_COUNT = 2**31 - 2  # windows and limits (+1) fit every backend's request limits
MAX_LIST_DAYS = 366
MAX_CONTEXT_BYTES = 16 * 1024  # SessionRecord.context, UTF-8 after redaction (items cap at 400 KB)

_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (nothing else changes)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub("\ufffd", text)


# -- arguments: anything invalid (of the wrong type, too) is a ValueError --------------------------


def check_arg(name: str, value: object, *, minimum: int = 0, maximum: int = MAX_INT) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValueError(f"{name} must be an int between {minimum} and {maximum}")
    return value


def check_now(now: object) -> int:
    return check_arg("now", now, maximum=MAX_EPOCH)


def check_count(name: str, value: object, *, minimum: int = 0) -> int:
    return check_arg(name, value, minimum=minimum, maximum=MAX_COUNT)


def check_flag(name: str, value: object, *, optional: bool = False) -> bool | None:
    if (value is not None or not optional) and not isinstance(value, bool):
        raise ValueError(f"{name} must be a bool" + (" or None" if optional else ""))
    return value


def check_session_id(value: object, name: str = "session_id") -> str:
    if not isinstance(value, str) or SESSION_ID.fullmatch(value) is None:
        raise ValueError(f"{name} must be 2-100 letters, digits or . _ : - (a Lex sessionId)")
    return value


def check_user_id(value: object, name: str = "user_id") -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_USER_ID or storable(value) != value:
        raise ValueError(f"{name} must be non-empty text of at most {MAX_USER_ID} characters")
    return value


def time_params(start: object, end: object, has_feedback: object, has_review: object) -> list[Any]:
    """Checked `list_by_time` parameters, as bound into its cursors."""
    params: list[Any] = [
        check_arg("start", start, maximum=MAX_EPOCH),
        check_arg("end", end, maximum=MAX_EPOCH),
        check_flag("has_feedback", has_feedback, optional=True),
        check_flag("has_review", has_review, optional=True),
    ]
    if params[1] - params[0] > MAX_LIST_DAYS * 86400:
        raise ValueError(f"list_by_time covers at most {MAX_LIST_DAYS} days")
    return params


# -- record fields: a wrong type is a TypeError, a value out of range a ValueError ----------------


def check_int(name: str, value: object, *, minimum: int = 0, maximum: int = MAX_INT) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must be between {minimum} and {maximum}")
    return value


def _check_key_text(name: str, value: object) -> None:
    """A stored key (a record's owner): any str that can be stored faithfully."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or None")
    if storable(value) != value:
        raise ValueError(f"{name} must be valid text (no lone surrogates)")


# -- records: checked, and copied with storable text -----------------------------------------------


def _text(
    name: str, value: object, *, optional: bool = False, nonempty: bool = False, free: bool = False
) -> Any:
    """A checked text field. `free`: text a person wrote (an utterance, a message, a title, a
    comment): it goes through the stored-text redaction, the one choke point for card data on
    every path into a store (`bot.redaction.redact_stored`, which also makes it storable)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str" + (" or None" if optional else ""))
    if nonempty and not value:
        raise TypeError(f"{name} must be a non-empty str or None")
    return redact_stored(value) if free else storable(value)


def _text_map(name: str, value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict[str, str]")
    plain = True  # the usual case: str -> str, all ASCII (copied at C speed)
    for key, item in value.items():
        if type(key) is not str or type(item) is not str or not key or not (key.isascii() and item.isascii()):
            plain = False
            break
    if plain:
        return dict(value)
    copied: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise TypeError(f"{name} must map str to str")
        if not key:  # DynamoDB refuses empty map keys: refused everywhere, so backends agree
            raise ValueError(f"{name} keys must be non-empty")
        copied[storable(key)] = storable(item)
    return copied


def _context(value: object) -> str:
    """A record's opaque context: free text (redacted), bounded in size."""
    if not isinstance(value, str):
        raise TypeError("SessionRecord.context must be a str")
    if not value:
        return value
    if len(value) > MAX_CONTEXT_BYTES:  # more characters than bytes allowed: refused unredacted
        raise ValueError(f"SessionRecord.context must be at most {MAX_CONTEXT_BYTES} bytes of UTF-8")
    text = _redacted_context(value)
    if not text.isascii() and len(text.encode()) > MAX_CONTEXT_BYTES:
        raise ValueError(f"SessionRecord.context must be at most {MAX_CONTEXT_BYTES} bytes of UTF-8")
    return text


@functools.lru_cache(maxsize=256)
def _redacted_context(value: str) -> str:
    """`redact_stored` of a context, remembered: redaction is a pure function, and a session's
    context is the same on most of its turns (generative help changes it once per batch of
    departed turns), so a warm container redacts each version once, not on every save."""
    text: str = redact_stored(value)
    return text


def checked_feedback(feedback: object, name: str = "feedback") -> Feedback:
    if not isinstance(feedback, Feedback):
        raise TypeError(f"{name} must be a Feedback")
    if feedback.rating not in ("up", "down"):
        raise ValueError(f"{name}.rating must be 'up' or 'down'")
    comment = _text(f"{name}.comment", feedback.comment, free=True)
    check_int(f"{name}.at", feedback.at)
    return feedback if comment is feedback.comment else Feedback(feedback.rating, comment, feedback.at)


def _checked_review(review: object) -> Review:
    if not isinstance(review, Review):
        raise TypeError("SessionRecord.review must be a Review or None")
    parts = [
        _text("SessionRecord.review fields", p, free=True)
        for p in (review.reviewer, review.verdict, review.notes)
    ]
    check_int("SessionRecord.review.at", review.at)
    return Review(parts[0], parts[1], notes=parts[2], at=review.at)


def stored_record(record: object, *, expected_version: object, now: int) -> SessionRecord:
    """The record as a write stores it: checked, text made storable, version expected + 1,
    updated_at = now, created_at = now for a new session (else the caller's)."""
    if not isinstance(record, SessionRecord):
        raise TypeError("record must be a SessionRecord")
    check_session_id(record.session_id, "SessionRecord.session_id")
    expected = check_arg("expected_version", expected_version, maximum=MAX_INT - 1)
    check_int("SessionRecord.expires_at", record.expires_at)
    if record.owner is not None:
        _check_key_text("SessionRecord.owner", record.owner)
    check_int("SessionRecord.created_at", record.created_at)
    check_int("SessionRecord.message_count", record.message_count)
    if not isinstance(record.has_feedback, bool):
        raise TypeError("SessionRecord.has_feedback must be a bool")
    return copy_record(
        record,
        state=_text_map("SessionRecord.state", record.state),
        extra=_text_map("SessionRecord.extra", record.extra),
        title=_text("SessionRecord.title", record.title, optional=True, free=True),
        feedback=None
        if record.feedback is None
        else checked_feedback(record.feedback, "SessionRecord.feedback"),
        review=None if record.review is None else _checked_review(record.review),
        context=_context(record.context),
        version=expected + 1,
        updated_at=now,
        created_at=now if expected == 0 else record.created_at,
    )


def stored_message(message: object, *, session_id: str) -> MessageRecord:
    """A new message as stored: checked, copied, text made storable."""
    if not isinstance(message, MessageRecord):
        raise TypeError("messages must be MessageRecords")
    if message.session_id != session_id:
        raise ValueError("MessageRecord.session_id must match its session record")
    check_int("MessageRecord.index", message.index, maximum=MAX_MESSAGE_INDEX)
    check_int("MessageRecord.at_ms", message.at_ms)
    check_int("MessageRecord.expires_at", message.expires_at)
    if not isinstance(message.bot, list):
        raise TypeError("MessageRecord.bot must be a list[str]")
    return copy_message(
        message,
        user=_text("MessageRecord.user", message.user, free=True),
        bot=[_text("MessageRecord.bot", line, free=True) for line in message.bot],
        intent=_text("MessageRecord.intent", message.intent, optional=True, nonempty=True),
        source=_text("MessageRecord.source", message.source, optional=True, nonempty=True),
        slot=_text("MessageRecord.slot", message.slot, optional=True, nonempty=True),
        signature=_text("MessageRecord.signature", message.signature),
        feedback=None
        if message.feedback is None
        else checked_feedback(message.feedback, "MessageRecord.feedback"),
    )


def stored_messages(session_id: str, messages: Sequence[object]) -> list[MessageRecord]:
    """`stored_message` for each; no index twice in one write."""
    if not isinstance(messages, (list, tuple)):
        raise TypeError("messages must be a list or tuple of MessageRecords")
    batch = [stored_message(message, session_id=session_id) for message in messages]
    if len({message.index for message in batch}) != len(batch):
        raise ValueError("a message index appears twice in one write")
    return batch


def stored_profile(profile: object) -> ProfileRecord:
    """A profile as written: checked, copied, text made storable."""
    if not isinstance(profile, ProfileRecord):
        raise TypeError("profile must be a ProfileRecord")
    check_user_id(profile.user_id, "ProfileRecord.user_id")
    check_int("ProfileRecord.expires_at", profile.expires_at)
    data = {key: redact_stored(value) for key, value in _text_map("ProfileRecord.data", profile.data).items()}
    return copy_profile(profile, data=data)

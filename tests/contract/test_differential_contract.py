"""Differential contract: every backend answers every scenario exactly like a fresh MemoryStore.

Each scenario is a short script of calls, edge cases included (bad arguments, boundaries,
generations, expiry, cursors); its outcome is the repr of what it returned, or the type of the
exception it raised. Run against memory, SQLite and DynamoDB before the core, 85 of 289 such
probes disagreed (exception types, `load("")`, `put_profile` over an expired profile, cursors,
lone surrogates, ...); the named divergences have their own tests in the other contract files.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from bot.store.base import BackfillReport, Feedback, ProfileRecord, Review, SessionRecord
from bot.store.layout import copy_record
from bot.store.memory import MemoryStore

from .conftest import DAY, T0, make_message, make_record

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.store import SessionStore

Scenario = tuple[str, "Callable[[SessionStore, str, int], object]"]


def rec(sid: str, t: int, **changes: Any) -> SessionRecord:
    """A record live for a day after `t` (unless `changes` say otherwise)."""
    return make_record(sid, **{"expires_at": t + DAY, **changes})


def session(store: SessionStore, sid: str, t: int, *, count: int = 2, **changes: Any) -> object:
    record = rec(sid, t, message_count=count, **changes)
    messages = [make_message(sid, i, at_ms=t * 1000 + i, expires_at=t + DAY) for i in range(count)]
    return store.save(record, expected_version=0, now=t, messages=messages)


def turn(store: SessionStore, sid: str, t: int, **changes: Any) -> object:
    record = store.get(sid, now=t)
    assert record is not None
    new = make_message(sid, record.message_count, at_ms=t * 1000, expires_at=t + DAY, **changes)
    forward = copy_record(record, message_count=record.message_count + 1)
    return store.save(forward, expected_version=record.version, now=t, messages=[new])


def generations(s: SessionStore, ns: str, t: int) -> object:
    session(s, f"{ns}-g", t, count=4, expires_at=t + 10)
    session(s, f"{ns}-g", t + 20, count=1)
    return (
        s.load(f"{ns}-g", now=t + 21, window=10),
        s.messages(f"{ns}-g", now=t + 21, after=-1, limit=10),
        s.set_message_feedback(f"{ns}-g", 3, Feedback("up"), now=t + 21),
        s.retain(f"{ns}-g", until=t + 9 * DAY, now=t + 21),
        s.delete(f"{ns}-g"),
    )


def windows(s: SessionStore, ns: str, t: int) -> object:
    session(s, f"{ns}-w", t, count=5)
    turn(s, f"{ns}-w", t + 1, user="six")
    return [s.load(f"{ns}-w", now=t + 2, window=w)[1] for w in (0, 1, 5, 6, 7, 100)] + [
        s.messages(f"{ns}-w", now=t + 2, after=a, limit=n) for a, n in ((-1, 2), (3, 10), (5, 1), (0, 0))
    ]


def expiry(s: SessionStore, ns: str, t: int) -> object:
    session(s, f"{ns}-e", t, count=1)
    seen = [s.get(f"{ns}-e", now=now) is not None for now in (t + DAY - 1, t + DAY, t + DAY + 1)]
    fresh = s.put(rec(f"{ns}-e", t, expires_at=t + 5 * DAY), expected_version=0, now=t + DAY)
    return seen, fresh, s.load(f"{ns}-e", now=t + DAY, window=5), s.retain(f"{ns}-e", until=t, now=t + DAY)


def profiles(s: SessionStore, ns: str, t: int) -> object:
    uid = f"{ns}-user"
    first = s.put_profile(ProfileRecord(uid, {"k": "1"}, expires_at=t + 10), now=t)
    second = s.put_profile(ProfileRecord(uid, {"k": "2"}, expires_at=t + 10), now=t + 1)
    after_expiry = s.put_profile(ProfileRecord(uid, {"k": "3"}, expires_at=t + 30), now=t + 10)
    s.save(
        rec(f"{ns}-p", t),
        expected_version=0,
        now=t + 40,
        profile=ProfileRecord(uid, {}, expires_at=t + 99),
    )
    kept = s.get_profile(uid, now=t + 41)
    s.delete_profile(uid)
    return first, second, after_expiry, kept, s.get_profile(uid, now=t + 41)


def listings(s: SessionStore, ns: str, t: int) -> object:
    user = f"{ns}-owner"
    for i in range(7):
        s.put(
            rec(
                f"{ns}-l{i}",
                t,
                owner=user,
                has_feedback=i % 2 == 0,
                review=Review("ops", "ok") if i % 3 == 0 else None,
                expires_at=t + (5 if i == 4 else DAY),
            ),
            expected_version=0,
            now=t + i // 2,  # ties
        )
    pages = []
    for fetch in (
        lambda c: s.list_by_user(user, now=t + 6, limit=2, cursor=c),
        lambda c: s.list_by_time(start=t, end=t + 3, now=t + 6, limit=1, cursor=c),
        lambda c: s.list_by_time(start=t, end=t + DAY, now=t + 6, limit=2, cursor=c, has_feedback=True),
        lambda c: s.list_by_time(start=t, end=t + DAY, now=t + 6, limit=5, cursor=c, has_review=False),
    ):
        cursor = None
        for _ in range(10):
            page = fetch(cursor)
            pages.append(page)
            if page.cursor is None:
                break
            cursor = page.cursor
    return pages


def foreign_cursor(s: SessionStore, ns: str, t: int) -> object:
    for i in range(3):
        s.put(rec(f"{ns}-c{i}", t, owner=f"{ns}-u"), expected_version=0, now=t + i)
    cursor = s.list_by_user(f"{ns}-u", now=t, limit=1).cursor
    return outcome(lambda: s.list_by_time(start=t, end=t + 9, now=t, cursor=cursor)), s.list_by_user(
        f"{ns}-u", now=t, limit=1, cursor=cursor
    )


def text(s: SessionStore, ns: str, t: int) -> object:
    record = rec(f"{ns}-t", t, state={"a": "x\ud800"}, title="\udfff", message_count=1)
    s.save(
        record,
        expected_version=0,
        now=t,
        messages=[make_message(f"{ns}-t", 0, user="\ud800", expires_at=t + 9)],
    )
    s.set_message_feedback(f"{ns}-t", 0, Feedback("down", comment="c\udc00"), now=t)
    return s.load(f"{ns}-t", now=t, window=1)


def conflicts(s: SessionStore, ns: str, t: int) -> object:
    stored = session(s, f"{ns}-x", t, count=1)
    outcomes = []
    for call in (
        lambda: s.put(rec(f"{ns}-x", t), expected_version=0, now=t),
        lambda: s.put(rec(f"{ns}-x", t), expected_version=2, now=t),
        lambda: s.save(stored, expected_version=1, now=t, messages=[make_message(f"{ns}-x", 0)]),  # type: ignore[arg-type]
        lambda: s.save(
            rec(f"{ns}-x", t), expected_version=1, now=t, messages=[make_message(f"{ns}-x", 1)] * 2
        ),
        lambda: s.put(rec(f"{ns}-y", t), expected_version=1, now=t),
    ):
        outcomes.append(outcome(call))
    return outcomes, s.load(f"{ns}-x", now=t, window=5)


def arguments(s: SessionStore, ns: str, t: int) -> object:
    """The same bad arguments, method by method."""
    calls: list[Callable[[], object]] = [
        lambda: s.load("", now=t, window=1),
        lambda: s.load(f"{ns}-a", now=t, window=-1),
        lambda: s.load(5, now=t, window=1),  # type: ignore[arg-type]
        lambda: s.get("x" * 101, now=t),
        lambda: s.get(f"{ns}-a", now=None),  # type: ignore[arg-type]
        lambda: s.delete("a"),
        lambda: s.messages(f"{ns}-a", now=t, after=-2),
        lambda: s.messages(f"{ns}-a", now=t, limit=True),
        lambda: s.set_message_feedback(f"{ns}-a", -1, Feedback("up"), now=t),
        lambda: s.set_message_feedback(f"{ns}-a", 0, Feedback("meh"), now=t),  # type: ignore[arg-type]
        lambda: s.retain(f"{ns}-a", until="later", now=t),  # type: ignore[arg-type]
        lambda: s.get_profile("", now=t),
        lambda: s.put_profile(ProfileRecord("u" * 300, {}), now=t),
        lambda: s.delete_profile(None),  # type: ignore[arg-type]
        lambda: s.list_by_user(f"{ns}-u", now=t, limit=0),
        lambda: s.list_by_user(f"{ns}-u", now=t, cursor="garbage"),
        lambda: s.list_by_time(start=t, end=t - 5, now=t),
        lambda: s.list_by_time(start=t, end=t + 400 * DAY, now=t),
        lambda: s.list_by_time(start=t, end=t + 9, now=t, has_review=1),  # type: ignore[arg-type]
        lambda: s.backfill_ttl(now=t, session_ttl=-1, profile_ttl=1, dry_run=True),
        lambda: s.backfill_ttl(now=t, session_ttl=1, profile_ttl=1, dry_run=1),  # type: ignore[arg-type]
        lambda: s.put(rec(f"{ns}-a", t, state={"": "x"}), expected_version=0, now=t),
        lambda: s.put(rec(f"{ns}-a", t, expires_at=2**63), expected_version=0, now=t),
        lambda: s.save(rec(f"{ns}-a", t), expected_version=0, now=t, messages=[make_message("zz", 0)]),
    ]
    return [outcome(call) for call in calls]


SCENARIOS: list[Scenario] = [
    ("generations", generations),
    ("windows", windows),
    ("expiry", expiry),
    ("profiles", profiles),
    ("listings", listings),
    ("foreign_cursor", foreign_cursor),
    ("text", text),
    ("conflicts", conflicts),
    ("arguments", arguments),
]


def outcome(call: Callable[[], object]) -> tuple[str, str]:
    try:
        result = call()
    except Exception as exc:
        return ("raises", type(exc).__name__)
    if isinstance(result, BackfillReport):  # scanned counts the whole (shared) table
        return ("ok", repr((result.missing, result.updated)))
    return ("ok", repr(result))


def test_the_scenarios_run_on_the_reference() -> None:
    """No scenario fails as a whole (an exception here would make the comparison vacuous)."""
    for position, (name, scenario) in enumerate(SCENARIOS):
        assert outcome(lambda: scenario(MemoryStore(), "ref", T0 + position * 30 * DAY))[0] == "ok", name  # noqa: B023


def test_every_backend_answers_like_the_reference(store: SessionStore) -> None:
    ns = uuid.uuid4().hex[:8]
    mismatches = []
    for position, (name, scenario) in enumerate(SCENARIOS):
        t = T0 + position * 30 * DAY  # each scenario in its own time range (listings by time)
        expected = outcome(lambda scenario=scenario, t=t: scenario(MemoryStore(), ns, t))  # type: ignore[misc]
        got = outcome(lambda scenario=scenario, t=t: scenario(store, ns, t))  # type: ignore[misc]
        if got != expected:
            mismatches.append((name, got, expected))
    assert mismatches == []

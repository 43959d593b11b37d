"""Listing contract, every backend: sessions by user and by time, newest first, with filters and cursors."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from bot.store.base import Feedback, InvalidCursor, Review
from bot.store.layout import copy_record, encode_cursor

from .conftest import DAY, T0, make_message, make_record

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.store import SessionStore
    from bot.store.base import Page, SessionRecord

D0 = T0 - T0 % DAY  # 2027-01-15T00:00:00Z
LIVE = D0 + 10 * DAY
QUERY_NOW = D0 + 3 * DAY
REVIEW = Review("ops-1", "ok", notes="fine", at=D0)
MAX_PAGES = 100


@dataclass(frozen=True)
class Spec:
    session_id: str
    updated_at: int
    owner: str | None = "alice"
    has_feedback: bool = False
    reviewed: bool = False
    expires_at: int = LIVE


def seed(store: SessionStore, specs: list[Spec]) -> None:
    for spec in specs:
        store.put(
            make_record(
                spec.session_id,
                owner=spec.owner,
                expires_at=spec.expires_at,
                has_feedback=spec.has_feedback,
                feedback=Feedback("up", at=spec.updated_at) if spec.has_feedback else None,
                review=REVIEW if spec.reviewed else None,
            ),
            expected_version=0,
            now=spec.updated_at,
        )


def newest_first(specs: list[Spec]) -> list[str]:
    return [s.session_id for s in sorted(specs, key=lambda s: s.updated_at, reverse=True)]


def collect(fetch: Callable[[str | None], Page[SessionRecord]], limit: int, *, full_pages: bool) -> list[str]:
    """Follow cursors to the end; pages hold at most `limit` (exactly, but the last, if `full_pages`)."""
    ids: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = fetch(cursor)
        assert len(page.items) <= limit
        ids.extend(r.session_id for r in page.items)
        sizes.append(len(page.items))
        if page.cursor is None:
            break
        cursor = page.cursor
    else:
        pytest.fail("the cursor never ran out")
    if full_pages:
        nonempty = [n for n in sizes if n]
        assert all(n == limit for n in nonempty[:-1]), sizes
    return ids


# -- by user --------------------------------------------------------------------------------------


def user_specs() -> list[Spec]:
    alice = [Spec(f"a-{i:02d}", D0 - DAY + i * 5_003) for i in range(40)]  # spread over ~3 days
    others = [Spec(f"b-{i}", D0 + i * 997, owner="bob") for i in range(5)]
    anonymous = [Spec(f"anon-{i}", D0 + i * 1_001, owner=None) for i in range(3)]
    expired = [Spec(f"a-expired-{i}", D0 + i * 1_009, expires_at=QUERY_NOW - i) for i in range(2)]
    return alice + others + anonymous + expired


def test_list_by_user_pages_through_every_session_once_newest_first(store: SessionStore) -> None:
    specs = user_specs()
    seed(store, specs)
    expected = newest_first([s for s in specs if s.owner == "alice" and s.expires_at > QUERY_NOW])

    ids = collect(
        lambda cursor: store.list_by_user("alice", now=QUERY_NOW, limit=7, cursor=cursor), 7, full_pages=True
    )

    assert ids == expected
    assert len(ids) == 40
    assert collect(lambda c: store.list_by_user("bob", now=QUERY_NOW, cursor=c), 15, full_pages=True) == [
        f"b-{i}" for i in reversed(range(5))
    ]


def test_list_by_user_items_are_the_stored_records(store: SessionStore) -> None:
    store.save(
        make_record("s-1", message_count=1, title="Payment", extra={"channel": "voice"}),
        expected_version=0,
        now=T0,
        messages=[make_message("s-1", 0)],
    )
    store.put(make_record("s-2", owner="user-2"), expected_version=0, now=T0 + 1)

    page = store.list_by_user("user-1", now=T0 + 2)

    assert page.items == [store.get("s-1", now=T0 + 2)]
    assert page.cursor is None
    assert store.list_by_user("nobody", now=T0 + 2).items == []


def test_list_by_user_follows_the_latest_activity(store: SessionStore) -> None:
    seed(store, [Spec("old", D0), Spec("new", D0 + 10)])
    moved = store.get("old", now=D0 + 20)
    assert moved is not None
    store.put(moved, expected_version=1, now=D0 + DAY)  # "old" is now the most recent

    page = store.list_by_user("alice", now=D0 + DAY)

    assert [(r.session_id, r.updated_at) for r in page.items] == [("old", D0 + DAY), ("new", D0 + 10)]


def test_list_by_user_with_equal_activity_times_yields_each_once(store: SessionStore) -> None:
    seed(store, [Spec(f"tie-{i}", D0) for i in range(7)] + [Spec("later", D0 + 1), Spec("earlier", D0 - 1)])

    ids = collect(lambda c: store.list_by_user("alice", now=D0 + 5, limit=3, cursor=c), 3, full_pages=True)

    assert ids[0] == "later"
    assert ids[-1] == "earlier"
    assert sorted(ids[1:-1]) == [f"tie-{i}" for i in range(7)]
    assert len(ids) == 9


def test_default_limits(store: SessionStore) -> None:
    # 251 sessions a minute apart, across midnight
    specs = [Spec(f"s-{i:03d}", D0 - 120 * 60 + i * 60) for i in range(251)]
    seed(store, specs)
    expected = newest_first(specs)

    by_user = store.list_by_user("alice", now=QUERY_NOW)
    assert [r.session_id for r in by_user.items] == expected[:15]
    assert by_user.cursor is not None

    by_time = store.list_by_time(start=D0 - DAY, end=D0 + DAY, now=QUERY_NOW)
    assert [r.session_id for r in by_time.items] == expected[:250]
    assert by_time.cursor is not None
    rest = store.list_by_time(start=D0 - DAY, end=D0 + DAY, now=QUERY_NOW, cursor=by_time.cursor)
    assert [r.session_id for r in rest.items] == expected[250:]


# -- by time --------------------------------------------------------------------------------------

# Offsets from D0 (midnight), over four UTC days, exactly on and next to the day boundaries.
OFFSETS = [
    -DAY - 1,
    -DAY,
    -DAY + 1,
    -DAY + 4_000,
    -43_200,
    -1,
    0,
    1,
    3_600,
    40_000,
    DAY - 1,
    DAY,
    DAY + 7_200,
    DAY + 50_000,
    2 * DAY - 1,
    2 * DAY,
    2 * DAY + 1,
    2 * DAY + 30_000,
]
OWNERS: list[str | None] = ["alice", "bob", None]


def time_specs() -> list[Spec]:
    specs = [
        Spec(
            f"t-{i:02d}",
            D0 + offset,
            owner=OWNERS[i % 3],
            has_feedback=i % 4 in (1, 3),
            reviewed=i % 4 in (2, 3),
        )
        for i, offset in enumerate(OFFSETS)
    ]
    specs.append(Spec("t-expired", D0 + 5_000, has_feedback=True, reviewed=True, expires_at=QUERY_NOW))
    return specs


def matching(
    specs: list[Spec], start: int, end: int, has_feedback: bool | None = None, has_review: bool | None = None
) -> list[str]:
    return newest_first(
        [
            s
            for s in specs
            if start <= s.updated_at < end
            and s.expires_at > QUERY_NOW
            and has_feedback in (None, s.has_feedback)
            and has_review in (None, s.reviewed)
        ]
    )


def test_list_by_time_bounds_are_start_inclusive_end_exclusive(store: SessionStore) -> None:
    specs = time_specs()
    seed(store, specs)

    ranges = [
        (D0 - DAY, D0 + 2 * DAY),  # whole days: D0-DAY in, D0-DAY-1 out, D0+2*DAY out
        (D0, D0 + DAY),  # exactly one day
        (D0 + 1, D0 + DAY + 7_200),  # not aligned; ends exactly on an item
        (D0 - 1, D0 + 1),  # across midnight: -1 and 0
        (D0 - 10 * DAY, D0 + 10 * DAY),  # wider than the data
        (D0 + 2 * DAY + 1, D0 + 2 * DAY + 2),  # one second
    ]
    for start, end in ranges:
        page = store.list_by_time(start=start, end=end, now=QUERY_NOW)
        assert [r.session_id for r in page.items] == matching(specs, start, end), (start - D0, end - D0)
        assert page.cursor is None

    one_day = store.list_by_time(start=D0, end=D0 + DAY, now=QUERY_NOW)
    assert [r.updated_at - D0 for r in one_day.items] == [DAY - 1, 40_000, 3_600, 1, 0]
    for start, end in [(D0, D0), (D0 + 5, D0)]:
        empty = store.list_by_time(start=start, end=end, now=QUERY_NOW)
        assert (empty.items, empty.cursor) == ([], None)


@pytest.mark.parametrize("has_review", [None, True, False])
def test_list_by_time_filters(store: SessionStore, has_review: bool | None) -> None:
    specs = time_specs()
    seed(store, specs)
    start, end = D0 - DAY, D0 + 3 * DAY

    for has_feedback in (None, True, False):
        page = store.list_by_time(
            start=start, end=end, now=QUERY_NOW, has_feedback=has_feedback, has_review=has_review
        )
        expected = matching(specs, start, end, has_feedback, has_review)
        assert [r.session_id for r in page.items] == expected, (has_feedback, has_review)
        for item in page.items:
            if has_feedback is not None:
                assert item.has_feedback is has_feedback
            if has_review is not None:
                assert (item.review is not None) is has_review
        assert page.items == [store.get(i, now=QUERY_NOW) for i in expected]


@pytest.mark.parametrize(
    ("has_feedback", "has_review", "limit"),
    [(None, None, 3), (True, None, 2), (None, False, 1), (False, True, 2), (True, True, 1)],
)
def test_list_by_time_pages_across_days_yield_each_once_in_order(
    store: SessionStore, has_feedback: bool | None, has_review: bool | None, limit: int
) -> None:
    specs = time_specs()
    seed(store, specs)
    start, end = D0 - DAY - 1, D0 + 2 * DAY + 30_000

    ids = collect(
        lambda cursor: store.list_by_time(
            start=start,
            end=end,
            now=QUERY_NOW,
            limit=limit,
            cursor=cursor,
            has_feedback=has_feedback,
            has_review=has_review,
        ),
        limit,
        full_pages=has_feedback is None and has_review is None,
    )

    assert ids == matching(specs, start, end, has_feedback, has_review)


def test_list_by_time_follows_the_latest_activity_and_flags(store: SessionStore) -> None:
    store.save(
        make_record("moved", message_count=1),
        expected_version=0,
        now=D0 - DAY,
        messages=[make_message("moved", 0)],
    )
    store.put(make_record("other"), expected_version=0, now=D0 + 100)

    # Feedback on a message is a write: the session's activity moves to that day, and it has feedback.
    assert store.set_message_feedback("moved", 0, Feedback("down"), now=D0 + DAY + 5)
    everything = store.list_by_time(start=D0 - DAY, end=D0 + 2 * DAY, now=D0 + DAY + 10)
    assert [(r.session_id, r.updated_at) for r in everything.items] == [
        ("moved", D0 + DAY + 5),
        ("other", D0 + 100),
    ]
    yesterday = store.list_by_time(start=D0 - DAY, end=D0, now=D0 + DAY + 10)
    assert yesterday.items == []
    with_feedback = store.list_by_time(start=D0 - DAY, end=D0 + 2 * DAY, now=D0 + DAY + 10, has_feedback=True)
    assert [r.session_id for r in with_feedback.items] == ["moved"]
    by_user = store.list_by_user("user-1", now=D0 + DAY + 10)
    assert [r.session_id for r in by_user.items] == ["moved", "other"]

    # An operator's review, saved on the record, shows up in the review filter.
    record = store.get("other", now=D0 + DAY + 10)
    assert record is not None
    store.put(copy_record(record, review=REVIEW), expected_version=record.version, now=D0 + DAY + 20)
    reviewed = store.list_by_time(start=D0 - DAY, end=D0 + 2 * DAY, now=D0 + DAY + 30, has_review=True)
    assert [r.session_id for r in reviewed.items] == ["other"]
    unreviewed = store.list_by_time(start=D0 - DAY, end=D0 + 2 * DAY, now=D0 + DAY + 30, has_review=False)
    assert [r.session_id for r in unreviewed.items] == ["moved"]


def test_list_by_time_with_equal_activity_times_yields_each_once(store: SessionStore) -> None:
    seed(store, [Spec(f"tie-{i}", D0, owner=None) for i in range(7)] + [Spec("next-day", D0 + DAY)])

    ids = collect(
        lambda c: store.list_by_time(start=D0 - DAY, end=D0 + 2 * DAY, now=D0 + DAY, limit=2, cursor=c),
        2,
        full_pages=True,
    )

    assert ids[0] == "next-day"
    assert sorted(ids[1:]) == [f"tie-{i}" for i in range(7)]


# -- cursors --------------------------------------------------------------------------------------

GARBAGE = [
    "",
    "garbage!",
    "not a cursor",
    "x" * 5_000,
    base64.urlsafe_b64encode(b"{}").decode(),
    base64.urlsafe_b64encode(b"[1, 2]").decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    encode_cursor({}),
    encode_cursor({"bogus": 1}),
    encode_cursor({"k": None, "p": "x", "d": 7}),
]


def test_malformed_cursors_are_refused(store: SessionStore) -> None:
    seed(store, [Spec(f"s-{i}", D0 + i) for i in range(5)])
    first = store.list_by_user("alice", now=QUERY_NOW, limit=2)
    assert first.cursor is not None

    for bad in [*GARBAGE, first.cursor[: len(first.cursor) // 2], first.cursor + "AAAA"]:
        with pytest.raises(InvalidCursor):
            store.list_by_user("alice", now=QUERY_NOW, limit=2, cursor=bad)
        with pytest.raises(InvalidCursor):
            store.list_by_time(start=D0, end=D0 + DAY, now=QUERY_NOW, limit=2, cursor=bad)


def test_a_cursor_is_only_valid_for_the_query_that_issued_it(store: SessionStore) -> None:
    seed(store, [Spec(f"s-{i}", D0 + i, owner="alice" if i % 2 else "bob") for i in range(8)])
    user_cursor = store.list_by_user("alice", now=QUERY_NOW, limit=2).cursor
    time_cursor = store.list_by_time(start=D0, end=D0 + DAY, now=QUERY_NOW, limit=2).cursor
    assert user_cursor is not None
    assert time_cursor is not None

    # the cursors do work for their own query
    assert len(store.list_by_user("alice", now=QUERY_NOW, limit=2, cursor=user_cursor).items) == 2
    assert (
        len(store.list_by_time(start=D0, end=D0 + DAY, now=QUERY_NOW, limit=2, cursor=time_cursor).items) == 2
    )

    with pytest.raises(InvalidCursor):
        store.list_by_user("bob", now=QUERY_NOW, limit=2, cursor=user_cursor)
    with pytest.raises(InvalidCursor):
        store.list_by_user("alice", now=QUERY_NOW, limit=2, cursor=time_cursor)
    with pytest.raises(InvalidCursor):
        store.list_by_time(start=D0, end=D0 + DAY, now=QUERY_NOW, limit=2, cursor=user_cursor)
    other_queries: list[tuple[int, int, bool | None, bool | None]] = [
        (D0 - 1, D0 + DAY, None, None),
        (D0, D0 + DAY + 1, None, None),
        (D0 - DAY, D0 + 2 * DAY, None, None),
        (D0, D0 + DAY, True, None),
        (D0, D0 + DAY, False, None),
        (D0, D0 + DAY, None, True),
        (D0, D0 + DAY, None, False),
    ]
    for start, end, has_feedback, has_review in other_queries:
        with pytest.raises(InvalidCursor):
            store.list_by_time(
                start=start,
                end=end,
                now=QUERY_NOW,
                limit=2,
                cursor=time_cursor,
                has_feedback=has_feedback,
                has_review=has_review,
            )

    filtered = store.list_by_time(start=D0, end=D0 + DAY, now=QUERY_NOW, limit=1, has_feedback=False)
    assert filtered.cursor is not None
    with pytest.raises(InvalidCursor):
        store.list_by_time(start=D0, end=D0 + DAY, now=QUERY_NOW, limit=1, cursor=filtered.cursor)
    with pytest.raises(InvalidCursor):
        store.list_by_time(
            start=D0, end=D0 + DAY, now=QUERY_NOW, limit=1, cursor=filtered.cursor, has_feedback=True
        )

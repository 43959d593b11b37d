"""The DynamoDB time listing with a retention: only the days that can still hold a live record are
queried (at most retention-days + 1), it stops when the page is full, and it lists exactly what
the unclamped listing lists. Requests are counted with a botocore event hook, against moto."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import pytest

from bot.store import make_store
from bot.store.base import SessionRecord
from bot.store.dynamodb import DynamoDBStore
from bot.store.layout import copy_record

from . import test_listing_contract
from .conftest import DAY, T0, make_message

if TYPE_CHECKING:
    from collections.abc import Callable

RETENTION = 30 * DAY
D0 = T0 - T0 % DAY


class Queries:
    """Every DynamoDB call the client makes, by operation (once per call, not per retry)."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        client.meta.events.register("provide-client-params.dynamodb.*", self)

    def __call__(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        self.calls.append((event_name.rsplit(".", 1)[-1], dict(params)))

    def count(self, operation: str = "Query") -> int:
        return sum(1 for name, _ in self.calls if name == operation)


@pytest.fixture
def stores(moto_table: tuple[Any, str]) -> tuple[DynamoDBStore, DynamoDBStore]:
    """The same table without and with a retention."""
    client, name = moto_table
    return DynamoDBStore(name, client=client), DynamoDBStore(name, client=client, retention_seconds=RETENTION)


def seed(store: DynamoDBStore, now: int, n: int = 60) -> None:
    """Sessions last active over the 60 days before `now`, each kept at most the retention."""
    for i in range(n):
        at = now - i * DAY - (i * 3_607) % DAY
        lifetime = RETENTION if i % 3 == 0 else DAY * (1 + i % 5)
        store.put(SessionRecord(f"s-{i:03d}", {}, expires_at=at + lifetime), expected_version=0, now=at)


def test_a_366_day_listing_queries_at_most_retention_days_plus_one(
    stores: tuple[DynamoDBStore, DynamoDBStore],
) -> None:
    plain, clamped = stores
    now = D0 + 5 * 3600 + 17  # not on a day boundary: the horizon cuts a day in two
    seed(plain, now)
    counted = Queries(plain.client)

    everything = plain.list_by_time(start=now + 1 - 366 * DAY, end=now + 1, now=now, limit=1000)
    unclamped = counted.count()
    counted.calls.clear()
    listed = clamped.list_by_time(start=now + 1 - 366 * DAY, end=now + 1, now=now, limit=1000)

    assert unclamped == 367  # one per UTC day asked for
    assert counted.count() <= RETENTION // DAY + 1
    assert counted.count() == 31
    assert listed == everything
    assert len(listed.items) > 10
    assert {op for op, _ in counted.calls} == {"Query"}


def test_the_listing_stops_as_soon_as_the_page_is_full(stores: tuple[DynamoDBStore, DynamoDBStore]) -> None:
    plain, clamped = stores
    now = D0 + 12 * 3600
    for i in range(5):  # all active today
        plain.put(SessionRecord(f"today-{i}", {}, expires_at=now + DAY), expected_version=0, now=now - i)
    counted = Queries(plain.client)
    page = clamped.list_by_time(start=now + 1 - 366 * DAY, end=now + 1, now=now, limit=3)
    assert [r.session_id for r in page.items] == ["today-0", "today-1", "today-2"]
    assert counted.count() == 1
    assert page.cursor is not None
    counted.calls.clear()
    rest = clamped.list_by_time(start=now + 1 - 366 * DAY, end=now + 1, now=now, limit=3, cursor=page.cursor)
    assert [r.session_id for r in rest.items] == ["today-3", "today-4"]
    assert counted.count() == 31  # the rest of today, then every older day within the horizon
    assert rest.cursor is None


@pytest.mark.parametrize("step", [DAY // 3, DAY, 7 * DAY + 5, 29 * DAY, 31 * DAY])
def test_clamped_and_unclamped_listings_agree_page_by_page(
    stores: tuple[DynamoDBStore, DynamoDBStore], step: int
) -> None:
    plain, clamped = stores
    now = D0 + 3 * 3600
    seed(plain, now)

    def pages(store: DynamoDBStore, at: int, **filters: Any) -> list[list[str]]:
        found, cursor = [], None
        while True:
            page = store.list_by_time(
                start=at - 100 * DAY, end=at + 1, now=at, limit=4, cursor=cursor, **filters
            )
            found.append([r.session_id for r in page.items])
            if page.cursor is None:
                return found
            cursor = page.cursor

    for at in (now, now + step):
        assert pages(clamped, at) == pages(plain, at)
        assert pages(clamped, at, has_feedback=False) == pages(plain, at, has_feedback=False)


def test_a_range_wholly_before_the_horizon_sends_nothing(stores: tuple[DynamoDBStore, DynamoDBStore]) -> None:
    _, clamped = stores
    counted = Queries(clamped.client)
    now = D0 + 100 * DAY
    assert clamped.list_by_time(start=now - 90 * DAY, end=now - 40 * DAY, now=now).items == []
    assert counted.calls == []


def test_a_cursor_past_the_horizon_ends_the_listing(stores: tuple[DynamoDBStore, DynamoDBStore]) -> None:
    plain, clamped = stores
    now = D0 + 3600
    for i in range(3):
        plain.put(
            SessionRecord(f"c-{i}", {}, expires_at=now + RETENTION - 10), expected_version=0, now=now + i
        )
    first = clamped.list_by_time(start=now - DAY, end=now + DAY, now=now + 5, limit=2)
    assert first.cursor is not None
    later = clamped.list_by_time(
        start=now - DAY, end=now + DAY, now=now + RETENTION + DAY, cursor=first.cursor
    )
    assert later.items == []
    assert later.cursor is None


def test_a_save_beyond_the_retention_is_refused_before_any_request(
    stores: tuple[DynamoDBStore, DynamoDBStore],
) -> None:
    _, clamped = stores
    counted = Queries(clamped.client)
    with pytest.raises(ValueError, match="retention"):
        clamped.put(SessionRecord("far", {}, expires_at=T0 + RETENTION + 1), expected_version=0, now=T0)
    assert counted.calls == []
    saved = clamped.put(SessionRecord("far", {}, expires_at=T0 + RETENTION), expected_version=0, now=T0)
    assert saved.version == 1


def test_retain_keeps_a_record_at_most_its_last_activity_plus_the_retention(
    stores: tuple[DynamoDBStore, DynamoDBStore],
) -> None:
    _, clamped = stores
    record = SessionRecord("kept", {}, expires_at=T0 + DAY, message_count=1)
    clamped.save(record, expected_version=0, now=T0, messages=[make_message("kept", 0, expires_at=T0 + DAY)])

    assert clamped.retain("kept", until=T0 + RETENTION, now=T0 + 10) == 2  # within: both extended
    assert clamped.retain("kept", until=T0 + RETENTION + 5, now=T0 + 10) == 1  # only the message
    kept = clamped.get("kept", now=T0 + 10)
    assert kept is not None
    assert kept.expires_at == T0 + RETENTION
    assert clamped.messages("kept", now=T0 + 10)[0].expires_at == T0 + RETENTION + 5

    moved = clamped.put(copy_record(kept), expected_version=kept.version, now=T0 + 100)  # new activity
    assert clamped.retain("kept", until=T0 + 100 + RETENTION, now=T0 + 100) == 2
    assert moved.version == 2


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "30"])
def test_a_bad_retention_is_refused(moto_table: tuple[Any, str], bad: Any) -> None:
    client, name = moto_table
    with pytest.raises(ValueError, match="retention_seconds"):
        DynamoDBStore(name, client=client, retention_seconds=bad)


def test_make_store_passes_the_retention(aws_env: None) -> None:
    store = make_store("dynamodb", table_name="t", region="us-east-1", retention_seconds=RETENTION)
    assert isinstance(store, DynamoDBStore)
    assert store.retention_seconds == RETENTION


# The listing contract, on a store with a retention longer than any record of those tests lives.
LISTING_TESTS = [
    function
    for name, function in vars(test_listing_contract).items()
    if name.startswith("test_") and list(inspect.signature(function).parameters) == ["store"]
]


@pytest.mark.parametrize("contract", LISTING_TESTS, ids=lambda f: f.__name__)
def test_the_listing_contract_holds_with_a_retention(
    moto_table: tuple[Any, str], contract: Callable[[Any], None]
) -> None:
    client, name = moto_table
    contract(DynamoDBStore(name, client=client, retention_seconds=60 * DAY))

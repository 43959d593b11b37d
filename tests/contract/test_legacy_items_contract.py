"""Items written without an expiry (or a generation), SQLite and DynamoDB: live until backfilled.

DynamoDB's TTL never deletes an item without its TTL attribute, and `backfill_ttl` exists to
give such items one; until then they are live. Before the core, SQLite treated them as live and
DynamoDB as expired: absent on read, yet impossible to replace (its "absent or expired" write
condition failed on them), so a session written by an older version was stuck. Memory items
always have an expiry.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

import pytest

from bot.store.base import Feedback, ProfileRecord, VersionConflict
from bot.store.layout import activity_sk, copy_record, day_pk
from bot.store.sqlite import SqliteStore

from .conftest import DAY, T0, make_message, make_record

if TYPE_CHECKING:
    from bot.store import SessionStore

GEN = T0 - 40 * DAY


def write_raw(store: SessionStore, items: list[dict[str, Any]]) -> None:
    """Items as an older version wrote them: codec items without `expires_at`."""
    if isinstance(store, SqliteStore):
        conn = sqlite3.connect(store._path, isolation_level=None)
        try:
            for item in items:
                columns = {"pk", "sk", "version", "updated_at", "owner", "created_at", "gen"}
                body = {k: v for k, v in item.items() if k not in columns}
                if "sig" in body:
                    body["signature"] = body.pop("sig")
                conn.execute(
                    "INSERT INTO items (pk, sk, data, version, updated_at, owner, gen)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        item["pk"],
                        item["sk"],
                        json.dumps(body),
                        item.get("version", 0),
                        item.get("updated_at", 0),
                        item.get("owner"),
                        item.get("created_at", item.get("gen")),
                    ),
                )
        finally:
            conn.close()
        return
    if not hasattr(store, "client"):
        pytest.skip("every item of this backend has an expiry")
    from boto3.dynamodb.types import TypeSerializer

    from bot.store.dynamodb import DynamoDBStore

    assert isinstance(store, DynamoDBStore)
    to_av = TypeSerializer().serialize
    for item in items:
        raw = dict(item)
        if raw["sk"] == "STATE" and "owner" in raw:  # with the index keys of a version that had them
            activity = activity_sk(raw["updated_at"], raw["pk"].removeprefix("SESSION#"))
            raw.update(gsi1pk=f"USER#{raw['owner']}", gsi1sk=activity)
            raw.update(gsi2pk=day_pk(raw["updated_at"]), gsi2sk=activity)
        store.client.put_item(TableName=store.table_name, Item={k: to_av(v) for k, v in raw.items()})


def legacy_session(session_id: str, *, gen: int | None) -> list[dict[str, Any]]:
    state: dict[str, Any] = {
        "pk": f"SESSION#{session_id}",
        "sk": "STATE",
        "version": 3,
        "updated_at": T0 - DAY,
        "owner": "user-9",
        "message_count": 2,
        "state": {"step": "legacy"},
        "extra": {},
    }
    if gen is not None:
        state["created_at"] = gen
    messages = []
    for index in range(2):
        message: dict[str, Any] = {
            "pk": f"SESSION#{session_id}",
            "sk": f"MSG#{index:010d}",
            "at_ms": (T0 - DAY) * 1000 + index,
            "user": f"u{index}",
            "bot": [f"b{index}"],
            "sig": f"sig-{index}",
        }
        if gen is not None:
            message["gen"] = gen
        messages.append(message)
    return [state, *messages]


@pytest.fixture
def legacy(store: SessionStore) -> SessionStore:
    write_raw(
        store,
        [
            *legacy_session("legacy-1", gen=GEN),
            *legacy_session("legacy-2", gen=None),
            {"pk": "USER#user-9", "sk": "PROFILE", "version": 1, "updated_at": T0 - DAY, "data": {"k": "v"}},
        ],
    )
    return store


@pytest.mark.parametrize("session_id", ["legacy-1", "legacy-2"])
def test_items_without_expiry_are_live(legacy: SessionStore, session_id: str) -> None:
    record, window = legacy.load(session_id, now=T0, window=5)

    assert record is not None
    assert (record.version, record.expires_at, record.owner, record.message_count) == (3, 0, "user-9", 2)
    assert record.created_at == (GEN if session_id == "legacy-1" else 0)
    assert [(m.index, m.user, m.expires_at) for m in window] == [(0, "u0", 0), (1, "u1", 0)]
    assert legacy.get(session_id, now=T0 + 1000 * DAY) == record
    assert legacy.messages(session_id, now=T0, after=0) == window[1:]
    assert session_id in {r.session_id for r in legacy.list_by_user("user-9", now=T0).items}
    assert session_id in {r.session_id for r in legacy.list_by_time(start=T0 - 2 * DAY, end=T0, now=T0).items}
    assert legacy.get_profile("user-9", now=T0) == ProfileRecord("user-9", {"k": "v"}, 1, 0, T0 - DAY)


def test_items_without_expiry_are_written_like_live_ones(legacy: SessionStore) -> None:
    record, _ = legacy.load("legacy-1", now=T0, window=5)
    assert record is not None

    with pytest.raises(VersionConflict):  # live: not replaceable as a new session
        legacy.put(make_record("legacy-1"), expected_version=0, now=T0)
    with pytest.raises(VersionConflict):  # its messages are live too: index 1 is taken
        legacy.save(record, expected_version=3, now=T0, messages=[make_message("legacy-1", 1)])
    assert legacy.retain("legacy-1", until=T0 + 90 * DAY, now=T0) == 0  # no expiry: already kept

    assert legacy.set_message_feedback("legacy-1", 0, Feedback("up"), now=T0)
    assert legacy.set_message_feedback("legacy-2", 1, Feedback("down"), now=T0)
    after = legacy.get("legacy-1", now=T0 + 1000 * DAY)  # the feedback write keeps "no expiry"
    assert after is not None
    assert (after.version, after.has_feedback, after.expires_at) == (4, True, 0)
    assert legacy.put_profile(ProfileRecord("user-9", {"k": "w"}, expires_at=T0 + DAY), now=T0).version == 2

    saved = legacy.save(
        copy_record(after, expires_at=T0 + DAY, message_count=3),
        expected_version=4,
        now=T0,
        messages=[make_message("legacy-1", 2)],
    )
    assert saved.version == 5
    assert [(m.index, m.feedback) for m in legacy.messages("legacy-1", now=T0)] == [
        (0, Feedback("up")),
        (1, None),
        (2, None),
    ]
    report = legacy.backfill_ttl(now=T0, session_ttl=DAY, profile_ttl=DAY, dry_run=True)
    assert report.missing == {"message": 4, "session": 1}  # legacy-1's messages, all of legacy-2


def test_backfill_gives_legacy_items_an_expiry_and_leaves_unknown_items_alone(legacy: SessionStore) -> None:
    """Before the core, SQLite gave items of unknown kind an expiry (DynamoDB left them alone)
    and counted a missing last activity as 1970 (DynamoDB as `now`)."""
    write_raw(
        legacy, [{"pk": "CONFIG#x", "sk": "ANY", "updated_at": 5}, {"pk": "SESSION#no-time", "sk": "STATE"}]
    )
    ttl = 10 * DAY

    report = legacy.backfill_ttl(now=T0, session_ttl=ttl, profile_ttl=2 * ttl, dry_run=False)

    assert (report.missing, report.updated) == ({"session": 3, "message": 4, "profile": 1, "other": 1}, 8)
    assert legacy.get("legacy-1", now=T0 - DAY + ttl - 1) is not None  # last activity + TTL
    assert legacy.get("legacy-1", now=T0 - DAY + ttl) is None
    _, window = legacy.load("legacy-2", now=T0, window=5)
    assert [m.expires_at for m in window] == [T0 - DAY + ttl] * 2  # their own time + TTL
    profile = legacy.get_profile("user-9", now=T0)
    assert profile is not None
    assert profile.expires_at == T0 - DAY + 2 * ttl
    timeless = legacy.get("no-time", now=T0)
    assert timeless is not None
    assert timeless.expires_at == T0 + ttl  # no last activity: counted from now
    again = legacy.backfill_ttl(now=T0, session_ttl=ttl, profile_ttl=2 * ttl, dry_run=False)
    assert (again.missing, again.updated) == ({"other": 1}, 0)

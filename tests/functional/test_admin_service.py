"""Session administration (`bot.admin.service.SessionAdmin`) end to end on every backend:
memory, SQLite and in-process moto DynamoDB."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.admin.errors import Conflict, InvalidInput, NotFound, Unavailable
from bot.admin.service import SessionAdmin
from bot.history import new_entry
from bot.security.keys import Keys
from bot.store.base import SessionStore, StoreUnavailable, VersionConflict
from bot.store.layout import copy_record, encode_cursor

BACKENDS = ["memory", "sqlite", "dynamodb-moto"]
SECRET = b"admin-test-secret-" + b"s" * 32
T0 = 1_741_608_000  # 2025-03-10T12:00:00Z
DAY = 86400
TTL = 3600
CARD = "4242424242424242"  # a test card number (Luhn-valid), must never be stored
CARD_SPACED = "4242 4242 4242 4242"

_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


class Clock:
    """A settable clock (epoch seconds)."""

    def __init__(self, now: float = T0) -> None:
        self.now = float(now)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def at(self, epoch: float) -> None:
        self.now = float(epoch)


def fake_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials and region; nothing from the host's AWS configuration leaks in."""
    for name in _AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)


@contextlib.contextmanager
def open_store(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SessionStore]:
    """A fresh store of one backend (moto's DynamoDB mock stays active while it is open)."""
    if kind == "memory":
        from bot.store.memory import MemoryStore

        yield MemoryStore()
    elif kind == "sqlite":
        from bot.store.sqlite import SqliteStore

        store = SqliteStore(tmp_path / "admin.sqlite3")
        try:
            yield store
        finally:
            store.close()
    else:
        from moto import mock_aws

        from bot.store.dynamodb import DynamoDBStore, create_table

        fake_aws(monkeypatch, tmp_path)
        with mock_aws():
            import boto3

            client = boto3.client("dynamodb", region_name="us-east-1")
            create_table(client, "admin-sessions")
            yield DynamoDBStore("admin-sessions", client=client)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with open_store(request.param, tmp_path, monkeypatch) as opened:
        yield opened


@pytest.fixture
def keys() -> Keys:
    return Keys.from_secrets(SECRET)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def admin(store: SessionStore, keys: Keys, clock: Clock) -> SessionAdmin:
    return SessionAdmin(store, keys, clock=clock, session_ttl_seconds=TTL, history_grace_seconds=DAY)


def entry(prompt: str = "hello", response: str = "hi there") -> dict[str, str]:
    return {"prompt": prompt, "response": response}


def contents(history: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    return [(m["index"], m["role"], m["content"]) for m in history]


_LONG_DIGIT_RUN = re.compile(r"[0-9](?:[ \-.]?[0-9]){11,}")


def assert_no_card_number(text: str) -> None:
    assert not _LONG_DIGIT_RUN.search(text), text


# --- create, read, append ------------------------------------------------------------------------


def test_add_session_then_get_it_with_its_history(admin: SessionAdmin, clock: Clock) -> None:
    assert admin.add_session("s-1", "alice", "Card trouble", entry("I need help", "Sure")) == {
        "session_id": "s-1",
        "message_index": 0,
    }
    session = admin.get_session("s-1")
    assert session["session_id"] == "s-1"
    assert session["owner"] == "alice"
    assert session["title"] == "Card trouble"
    assert session["message_count"] == 1
    assert session["created_at"] == session["updated_at"] == "2025-03-10T12:00:00+00:00"
    assert session["expires_at"] == "2025-03-10T13:00:00+00:00"
    assert session["has_feedback"] is False
    assert session["has_review"] is False
    assert session["feedback"] is None
    assert session["review"] is None
    assert "state" not in session
    assert contents(session["history"]) == [(0, "user", "I need help"), (0, "bot", "Sure")]
    assert session["history"][0]["at"] == "2025-03-10T12:00:00.000+00:00"


def test_admin_entries_are_signed_and_marked_as_admin(admin: SessionAdmin, store: SessionStore) -> None:
    admin.add_session("s-1", None, "t", entry())
    (message,) = store.messages("s-1", now=T0)
    assert message.source == "admin"
    assert message.signature.startswith("h1.")
    assert message.expires_at == T0 + TTL + DAY  # the record's expiry + the history grace


def test_add_session_refuses_a_live_id_but_replaces_an_expired_one(admin: SessionAdmin, clock: Clock) -> None:
    admin.add_session("s-1", "alice", "first", entry("old words"))
    with pytest.raises(Conflict):
        admin.add_session("s-1", "bob", "second", entry())
    assert admin.get_session("s-1")["owner"] == "alice"
    clock.advance(TTL + 1)
    admin.add_session("s-1", "bob", "second", entry("new words"))
    session = admin.get_session("s-1")
    assert session["owner"] == "bob"
    assert contents(session["history"]) == [(0, "user", "new words"), (0, "bot", "hi there")]


def test_add_message_appends_in_order_and_extends_the_session(admin: SessionAdmin, clock: Clock) -> None:
    admin.add_session("s-1", None, "t", entry("one"))
    clock.advance(600)
    assert admin.add_message("s-1", entry("two")) == {"session_id": "s-1", "message_index": 1}
    clock.advance(600)
    assert admin.add_message("s-1", entry("three"))["message_index"] == 2
    session = admin.get_session("s-1")
    assert session["message_count"] == 3
    assert [m["content"] for m in session["history"] if m["role"] == "user"] == ["one", "two", "three"]
    assert session["expires_at"] == "2025-03-10T13:20:00+00:00"  # now + TTL after the last message
    assert admin.assemble_chat_history("s-1") == session["history"]


def test_add_message_to_a_missing_or_expired_session_is_not_found(admin: SessionAdmin, clock: Clock) -> None:
    with pytest.raises(NotFound):
        admin.add_message("nope", entry())
    admin.add_session("s-1", None, "t", entry())
    clock.advance(TTL)
    with pytest.raises(NotFound):
        admin.add_message("s-1", entry())


def test_long_history_is_read_in_full(admin: SessionAdmin) -> None:
    admin.add_session("s-1", None, "t", entry("m0"))
    for i in range(1, 130):
        admin.add_message("s-1", entry(f"m{i}"))
    history = admin.assemble_chat_history("s-1")
    assert [m["content"] for m in history if m["role"] == "user"] == [f"m{i}" for i in range(130)]


def test_assemble_chat_history_of_a_missing_session_is_empty(admin: SessionAdmin) -> None:
    assert admin.assemble_chat_history("nope") == []


# --- owners --------------------------------------------------------------------------------------


def test_a_user_never_sees_another_users_session(admin: SessionAdmin) -> None:
    admin.add_session("alice-1", "alice", "mine", entry())
    admin.add_session("anon-1", None, "nobody's", entry())
    assert admin.get_session("alice-1", "alice")["owner"] == "alice"
    for session_id, user in [("alice-1", "bob"), ("anon-1", "alice")]:
        with pytest.raises(NotFound) as raised:
            admin.get_session(session_id, user)
        assert str(raised.value) == f"session {session_id} not found"  # same answer as a missing one
        with pytest.raises(NotFound):
            admin.update_session(session_id, user, title="taken over")
        with pytest.raises(NotFound):
            admin.delete_session(session_id, user)
    assert admin.get_session("alice-1")["title"] == "mine"
    assert admin.get_session("anon-1")["title"] == "nobody's"


# --- update, delete ------------------------------------------------------------------------------


def test_update_session_title_entry_or_both(admin: SessionAdmin, clock: Clock) -> None:
    admin.add_session("s-1", "alice", "before", entry("one"))
    clock.advance(10)
    updated = admin.update_session("s-1", "alice", title="after")
    assert updated["title"] == "after"
    assert updated["message_count"] == 1
    assert "message_index" not in updated
    assert updated["updated_at"] == "2025-03-10T12:00:10+00:00"

    updated = admin.update_session("s-1", entry=entry("two"))
    assert updated["message_index"] == 1
    assert updated["title"] == "after"

    updated = admin.update_session("s-1", "alice", title="both", entry=entry("three"))
    assert (updated["title"], updated["message_index"], updated["message_count"]) == ("both", 2, 3)
    users = [m["content"] for m in admin.get_session("s-1")["history"] if m["role"] == "user"]
    assert users == ["one", "two", "three"]

    with pytest.raises(InvalidInput, match="title, an entry"):
        admin.update_session("s-1", "alice")
    with pytest.raises(NotFound):
        admin.update_session("nope", title="x")


def test_delete_session_removes_the_record_and_every_message(
    admin: SessionAdmin, store: SessionStore
) -> None:
    admin.add_session("s-1", "alice", "t", entry())
    admin.add_message("s-1", entry())
    admin.add_session("s-2", "alice", "t", entry())
    assert admin.delete_session("s-1", "alice") == {"session_id": "s-1", "deleted_items": 3}
    with pytest.raises(NotFound):
        admin.get_session("s-1")
    assert store.messages("s-1", now=T0) == []
    with pytest.raises(NotFound):
        admin.delete_session("s-1")
    assert admin.get_session("s-2")["message_count"] == 1  # untouched


# --- listings ------------------------------------------------------------------------------------


def test_list_sessions_by_user_pages_newest_first(admin: SessionAdmin, clock: Clock) -> None:
    for i in range(40):
        admin.add_session(f"a-{i:02d}", "alice", f"session {i}", entry())
        admin.add_session(f"b-{i:02d}", "bob", "other", entry()) if i % 10 == 0 else None
        clock.advance(7)
    pages: list[list[str]] = []
    cursor = None
    while True:
        result = admin.list_sessions_by_user("alice", cursor=cursor)
        pages.append([s["session_id"] for s in result["sessions"]])
        cursor = result["cursor"]
        if cursor is None:
            break
        assert len(pages) < 10
    assert [len(page) for page in pages] == [15, 15, 10]
    flat = [sid for page in pages for sid in page]
    assert flat == [f"a-{i:02d}" for i in reversed(range(40))]  # each once, newest first
    assert [s["owner"] for s in admin.list_sessions_by_user("bob", limit=1000)["sessions"]] == ["bob"] * 4
    assert admin.list_sessions_by_user("carol") == {"sessions": [], "cursor": None}


def test_list_sessions_by_user_skips_expired_sessions(admin: SessionAdmin, clock: Clock) -> None:
    admin.add_session("old", "alice", "t", entry())
    clock.advance(TTL - 60)
    admin.add_session("new", "alice", "t", entry())
    clock.advance(120)
    assert [s["session_id"] for s in admin.list_sessions_by_user("alice")["sessions"]] == ["new"]


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def test_list_all_sessions_by_time_range_across_days_with_filters(
    store: SessionStore, keys: Keys, clock: Clock
) -> None:
    admin = SessionAdmin(store, keys, clock=clock, session_ttl_seconds=10 * DAY)
    midnight = T0 - 12 * 3600  # 2025-03-10T00:00:00Z
    plan = [
        # (seconds after midnight of day 0, id, session feedback, message feedback, review)
        (3600, "d0-early", False, False, False),
        (DAY - 1, "d0-last", True, False, False),
        (DAY, "d1-first", False, True, False),
        (DAY + 7200, "d1-reviewed", False, False, True),
        (DAY + 9000, "d1-both", True, False, True),
        (2 * DAY + 60, "d2", False, False, False),
        (4 * DAY, "d4", False, True, True),
    ]
    for offset, session_id, rated, message_rated, reviewed in plan:
        clock.at(midnight + offset)
        admin.add_session(session_id, "u", session_id, entry())
        if rated:
            admin.add_feedback(session_id, "down", "slow")
        if message_rated:
            admin.add_feedback(session_id, "up", message_index=0)
        if reviewed:
            admin.add_review(session_id, "ops", "needs_attention")
    clock.at(midnight + 5 * DAY)

    def ids(start: Any, end: Any, **filters: Any) -> list[str]:
        return [s["session_id"] for s in admin.list_all_sessions(start, end, **filters)["sessions"]]

    everything = ["d4", "d2", "d1-both", "d1-reviewed", "d1-first", "d0-last", "d0-early"]
    assert ids(midnight, midnight + 5 * DAY) == everything
    assert ids(_iso(midnight), _iso(midnight + DAY)) == ["d0-last", "d0-early"]  # end is exclusive
    assert ids(midnight + DAY, midnight + 2 * DAY) == ["d1-both", "d1-reviewed", "d1-first"]
    assert ids(midnight + DAY - 1, midnight + DAY + 1) == ["d1-first", "d0-last"]  # across midnight
    assert ids(midnight + 3 * DAY, midnight + 4 * DAY) == []
    assert ids("2025-03-10T00:00:00", "2025-03-16") == everything  # no offset: UTC
    assert ids(midnight, midnight + 5 * DAY, has_feedback=True) == ["d4", "d1-both", "d1-first", "d0-last"]
    assert ids(midnight, midnight + 5 * DAY, has_feedback=False) == ["d2", "d1-reviewed", "d0-early"]
    assert ids(midnight, midnight + 5 * DAY, has_review=True) == ["d4", "d1-both", "d1-reviewed"]
    assert ids(midnight, midnight + 5 * DAY, has_review=False) == ["d2", "d1-first", "d0-last", "d0-early"]
    assert ids(midnight, midnight + 5 * DAY, has_feedback=True, has_review=True) == ["d4", "d1-both"]
    assert ids(midnight, midnight + 5 * DAY, has_feedback=False, has_review=False) == ["d2", "d0-early"]

    pages = []
    cursor = None
    while True:
        result = admin.list_all_sessions(
            midnight, midnight + 5 * DAY, has_feedback=False, limit=2, cursor=cursor
        )
        pages.append([s["session_id"] for s in result["sessions"]])
        cursor = result["cursor"]
        if cursor is None:
            break
    assert [sid for page in pages for sid in page] == ["d2", "d1-reviewed", "d0-early"]
    assert all(len(page) <= 2 for page in pages)


def test_list_all_sessions_defaults_and_summaries(admin: SessionAdmin) -> None:
    admin.add_session("s-1", "alice", "t", entry())
    admin.add_review("s-1", "ops", "ok", "fine")
    (summary,) = admin.list_all_sessions(T0 - 60, T0 + 60)["sessions"]
    assert summary["review"] == {"reviewer": "ops", "verdict": "ok", "notes": "fine", "at": _iso(T0)}
    assert summary["has_review"] is True
    assert "history" not in summary


# --- feedback, review, retention -----------------------------------------------------------------


def test_session_feedback_is_recorded_and_keeps_the_session(admin: SessionAdmin, clock: Clock) -> None:
    admin.add_session("rated", "alice", "t", entry("keep me"))
    admin.add_session("unrated", "alice", "t", entry())
    result = admin.add_feedback("rated", "down", "the bot was confused")
    assert result["feedback"] == {"rating": "down", "comment": "the bot was confused", "at": _iso(T0)}
    assert result["message_index"] is None
    assert result["retained_until"] == _iso(T0 + 30 * DAY)
    clock.advance(2 * TTL)  # past the idle TTL
    with pytest.raises(NotFound):
        admin.get_session("unrated")
    session = admin.get_session("rated", "alice")
    assert session["has_feedback"] is True
    assert session["feedback"]["rating"] == "down"
    assert contents(session["history"])[0] == (0, "user", "keep me")  # the messages are kept too
    clock.advance(30 * DAY)
    with pytest.raises(NotFound):
        admin.get_session("rated")


def test_message_feedback_sets_has_feedback_and_keeps_the_session(
    admin: SessionAdmin, store: SessionStore, clock: Clock
) -> None:
    admin.add_session("s-1", None, "t", entry("first"))
    admin.add_message("s-1", entry("second"))
    result = admin.add_feedback("s-1", "up", "helpful", message_index=1)
    assert result["message_index"] == 1
    session = admin.get_session("s-1")
    assert session["has_feedback"] is True
    assert session["feedback"] is None  # the rating is on the message
    messages = store.messages("s-1", now=int(clock()))
    assert messages[1].feedback is not None
    assert (messages[1].feedback.rating, messages[1].feedback.comment) == ("up", "helpful")
    assert messages[0].feedback is None
    clock.advance(2 * DAY)  # past the TTL and the history grace
    assert len(admin.assemble_chat_history("s-1")) == 4  # the feedback did not break the signature
    with pytest.raises(NotFound):
        admin.add_feedback("s-1", "up", message_index=7)
    with pytest.raises(NotFound):
        admin.add_feedback("nope", "up")
    with pytest.raises(NotFound):
        admin.add_feedback("nope", "up", message_index=0)


def test_review_is_recorded_and_keeps_the_session(admin: SessionAdmin, clock: Clock) -> None:
    admin.add_session("s-1", None, "t", entry())
    result = admin.add_review("s-1", "ops@example.com", "escalate", "refund asked twice")
    assert result["review"] == {
        "reviewer": "ops@example.com",
        "verdict": "escalate",
        "notes": "refund asked twice",
        "at": _iso(T0),
    }
    clock.advance(5 * DAY)
    session = admin.get_session("s-1")
    assert session["review"]["verdict"] == "escalate"
    assert session["has_review"] is True
    assert len(session["history"]) == 2
    with pytest.raises(InvalidInput):
        admin.add_review("s-1", "ops", "meh")
    with pytest.raises(NotFound):
        admin.add_review("nope", "ops", "ok")


# --- card data -----------------------------------------------------------------------------------


def test_card_numbers_in_admin_text_are_stored_redacted(admin: SessionAdmin, store: SessionStore) -> None:
    admin.add_session(
        "s-1", None, f"card {CARD}", entry(f"my card is {CARD_SPACED}, please", f"Got {CARD}, thanks")
    )
    admin.add_message("s-1", entry(f"again {CARD}", "ok"))
    admin.add_feedback("s-1", "down", f"it echoed {CARD_SPACED}")
    admin.add_feedback("s-1", "down", f"it echoed {CARD}" * 40, message_index=0)  # > 1024 characters
    admin.add_review("s-1", "ops", "escalate", ("x" * 1500) + f" card {CARD_SPACED}")
    now = T0
    record = store.get("s-1", now=now)
    assert record is not None
    messages = store.messages("s-1", now=now)
    stored = [
        record.title or "",
        record.feedback.comment if record.feedback else "",
        record.review.notes if record.review else "",
        *(m.user for m in messages),
        *(text for m in messages for text in m.bot),
        *(m.feedback.comment for m in messages if m.feedback),
    ]
    for text in stored:
        assert_no_card_number(text)
    assert messages[0].user == "my card is •••• 4242, please"
    assert_no_card_number(str(admin.get_session("s-1")))


# --- integrity -----------------------------------------------------------------------------------


def test_forged_history_entries_are_dropped_and_logged(
    admin: SessionAdmin, store: SessionStore, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    admin.add_session("s-1", "alice", "t", entry("genuine"))
    admin.add_session("s-2", "alice", "t", entry("from elsewhere"))
    record = store.get("s-1", now=T0)
    assert record is not None
    other_key = Keys.from_secrets(b"another-secret-" + b"o" * 32).history[0]
    forged = new_entry(
        other_key,
        session_id="s-1",
        index=1,
        at_ms=T0 * 1000,
        user="forged by someone without the key",
        bot=["ok"],
        intent=None,
        source="admin",
        slot=None,
        expires_at=T0 + TTL,
    )
    genuine = new_entry(
        keys.history[0],
        session_id="s-1",
        index=2,
        at_ms=T0 * 1000,
        user="original",
        bot=["ok"],
        intent=None,
        source="admin",
        slot=None,
        expires_at=T0 + TTL,
    )
    genuine.user = "edited in the store"  # the signature no longer matches
    (copied,) = store.messages("s-2", now=T0)
    copied.session_id = "s-1"  # a valid entry of s-2 copied into s-1 at index 3
    copied.index = 3
    store.save(
        copy_record(record, message_count=4),
        expected_version=record.version,
        now=T0,
        messages=[forged, genuine, copied],
    )
    with caplog.at_level(logging.WARNING):
        session = admin.get_session("s-1")
    assert contents(session["history"]) == [(0, "user", "genuine"), (0, "bot", "hi there")]
    assert session["message_count"] == 4
    assert admin.assemble_chat_history("s-1") == session["history"]
    events = [r for r in caplog.records if getattr(r, "security_event", None) == "forged_history_entry"]
    assert {getattr(r, "index", None) for r in events} >= {1, 2, 3}


class _Failing:
    """A store whose every call fails like a throttled/unreachable backend."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise StoreUnavailable("DynamoDB GetItem failed: ThrottlingException")

        return fail


# --- invalid input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda a: a.add_session("", None, "t", entry()), "session_id"),
        (lambda a: a.add_session("s" * 101, None, "t", entry()), "session_id"),
        (lambda a: a.add_session("has space", None, "t", entry()), "session_id"),
        (lambda a: a.add_session("s-1", "u" * 129, "t", entry()), "user_id"),
        (lambda a: a.add_session("s-1", "", "t", entry()), "user_id"),
        (lambda a: a.add_session("s-1", None, "", entry()), "title"),
        (lambda a: a.add_session("s-1", None, "t" * 201, entry()), "title"),
        (
            lambda a: a.add_session("s-1", None, "t", {"prompt": "x" * 1025, "response": "r"}),
            "first_entry.prompt",
        ),
        (lambda a: a.add_session("s-1", None, "t", {"prompt": "p"}), "first_entry.response"),
        (
            lambda a: a.add_session("s-1", None, "t", {"prompt": "p", "response": "r", "x": 1}),
            "first_entry.x",
        ),
        (lambda a: a.add_session("s-1", None, "t", "hello"), "first_entry"),
        (lambda a: a.add_message("s-1", {"prompt": 5, "response": "r"}), "entry.prompt"),
        (lambda a: a.get_session(123), "session_id"),
        (lambda a: a.list_sessions_by_user("alice", limit=0), "limit"),
        (lambda a: a.list_sessions_by_user("alice", limit=1001), "limit"),
        (lambda a: a.list_sessions_by_user("alice", limit="15"), "limit"),
        (lambda a: a.list_sessions_by_user("alice", limit=True), "limit"),
        (lambda a: a.list_all_sessions(T0, T0), ""),
        (lambda a: a.list_all_sessions(T0 + 10, T0), ""),
        (lambda a: a.list_all_sessions("yesterday", T0), "start"),
        (lambda a: a.list_all_sessions(T0, 10**15), "end"),
        (lambda a: a.list_all_sessions(T0, T0 + 1, has_feedback="yes"), "has_feedback"),
        (lambda a: a.add_feedback("s-1", "sideways"), "rating"),
        (lambda a: a.add_feedback("s-1", "up", "c" * 2001), "comment"),
        (lambda a: a.add_feedback("s-1", "up", message_index=-1), "message_index"),
        (lambda a: a.add_review("s-1", "ops", "ok", "n" * 2001), "notes"),
        (lambda a: a.add_review("s-1", "", "ok"), "reviewer"),
    ],
)
def test_invalid_arguments_are_refused_before_the_store(
    keys: Keys, call: Callable[[SessionAdmin], Any], where: str
) -> None:
    """Validation happens before any store call (so one backend is enough here)."""
    admin = SessionAdmin(_Failing(), keys)
    with pytest.raises(InvalidInput) as raised:
        call(admin)
    locations = [".".join(str(p) for p in d["loc"]) for d in raised.value.details]
    assert where in locations, raised.value.details
    assert raised.value.code == "invalid_input"


def test_bad_cursors_are_invalid_input(admin: SessionAdmin, clock: Clock) -> None:
    for i in range(3):
        admin.add_session(f"s-{i}", "alice", "t", entry())
        admin.add_session(f"b-{i}", "bob", "t", entry())
        clock.advance(1)
    alice_cursor = admin.list_sessions_by_user("alice", limit=1)["cursor"]
    time_cursor = admin.list_all_sessions(T0, T0 + 60, limit=1)["cursor"]
    assert alice_cursor
    assert time_cursor
    bad_calls: list[Callable[[], Any]] = [
        lambda: admin.list_sessions_by_user("alice", cursor="not-a-cursor"),
        lambda: admin.list_sessions_by_user("alice", cursor=encode_cursor({"x": 1})),
        lambda: admin.list_sessions_by_user("bob", cursor=alice_cursor),  # another user's
        lambda: admin.list_sessions_by_user("alice", cursor=time_cursor),
        lambda: admin.list_all_sessions(T0, T0 + 61, limit=1, cursor=time_cursor),  # another range
        lambda: admin.list_all_sessions(T0, T0 + 60, has_review=True, limit=1, cursor=time_cursor),
        lambda: admin.list_all_sessions(T0, T0 + 60, cursor="a!b"),
    ]
    for call in bad_calls:
        with pytest.raises(InvalidInput) as raised:
            call()
        assert [d["loc"] for d in raised.value.details] == [["cursor"]]


# --- store failures ------------------------------------------------------------------------------


def test_store_outages_are_unavailable(keys: Keys) -> None:
    admin = SessionAdmin(_Failing(), keys)
    calls: list[Callable[[], Any]] = [
        lambda: admin.add_session("s-1", None, "t", entry()),
        lambda: admin.get_session("s-1"),
        lambda: admin.list_sessions_by_user("alice"),
        lambda: admin.list_all_sessions(T0, T0 + 1),
        lambda: admin.add_feedback("s-1", "up", message_index=0),
        lambda: admin.delete_session("s-1"),
    ]
    for call in calls:
        with pytest.raises(Unavailable) as raised:
            call()
        assert "ThrottlingException" not in str(raised.value)


def test_endless_concurrent_writes_end_in_a_conflict(store: SessionStore, keys: Keys, clock: Clock) -> None:
    admin = SessionAdmin(store, keys, clock=clock)
    admin.add_session("s-1", None, "t", entry())
    saves: list[int] = []

    class Racing:
        """Every save loses the race to another writer."""

        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def save(self, *args: Any, **kwargs: Any) -> Any:
            saves.append(1)
            raise VersionConflict("changed concurrently")

    racing = SessionAdmin(Racing(), keys, clock=clock)
    with pytest.raises(Conflict, match="concurrently"):
        racing.add_message("s-1", entry())
    assert len(saves) == 5
    with pytest.raises(Conflict):
        racing.add_review("s-1", "ops", "ok")


def test_a_lost_race_is_retried(store: SessionStore, keys: Keys, clock: Clock) -> None:
    admin = SessionAdmin(store, keys, clock=clock)
    admin.add_session("s-1", None, "t", entry("first"))
    lost: list[int] = []

    class OnceRacing:
        """The first save finds that another admin appended a message in between."""

        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def save(self, *args: Any, **kwargs: Any) -> Any:
            if not lost:
                lost.append(1)
                admin.add_message("s-1", entry("concurrent"))
            return store.save(*args, **kwargs)

    racing = SessionAdmin(OnceRacing(), keys, clock=clock)
    assert racing.add_message("s-1", entry("mine"))["message_index"] == 2
    users = [m["content"] for m in admin.assemble_chat_history("s-1") if m["role"] == "user"]
    assert users == ["first", "concurrent", "mine"]


def test_every_operator_text_field_is_redacted_in_one_place(admin: SessionAdmin, store: SessionStore) -> None:
    """The reviewer too, and an updated title: all through `redacted`, before any operation runs."""
    admin.add_session("s-1", None, "t", entry())
    admin.update_session("s-1", title=f"now {CARD}")
    admin.update_session("s-1", title=f"both {CARD_SPACED}", entry=entry(f"p {CARD}", f"r {CARD}"))
    review = admin.add_review("s-1", f"ana {CARD}", "ok", f"notes {CARD}")
    assert review["review"]["reviewer"] == "ana •••• 4242"
    record = store.get("s-1", now=T0)
    assert record is not None
    assert record.review is not None
    assert (record.title, record.review.reviewer, record.review.notes) == (
        "both •••• 4242",
        "ana •••• 4242",
        "notes •••• 4242",
    )
    assert [(m.user, m.bot) for m in store.messages("s-1", now=T0)][1:] == [("p •••• 4242", ["r •••• 4242"])]


def test_the_operator_text_fields_are_exactly_the_free_text_ones() -> None:
    """A new text field must be typed Title/Prompt/Note/Reviewer (redacted) or be an id on purpose."""
    from pydantic import BaseModel

    from bot.admin import models as m
    from bot.admin.service import _is_operator_text

    operations: list[type[BaseModel]] = [
        m.AddSession,
        m.AddMessage,
        m.GetSession,
        m.UpdateSession,
        m.DeleteSession,
        m.ListSessionsByUser,
        m.ListAllSessions,
        m.AddFeedback,
        m.AddReview,
        m.AssembleChatHistory,
        m.ChatEntry,
    ]
    marked = {
        (model.__name__, name)
        for model in operations
        for name, field in model.model_fields.items()
        if _is_operator_text(field)
    }
    assert marked == {
        ("AddSession", "title"),
        ("UpdateSession", "title"),
        ("ChatEntry", "prompt"),
        ("ChatEntry", "response"),
        ("AddFeedback", "comment"),
        ("AddReview", "reviewer"),
        ("AddReview", "notes"),
    }


def test_redacted_leaves_ids_and_unmarked_fields_alone() -> None:
    from bot.admin import models as m
    from bot.admin.service import redacted

    op = m.OPERATION.validate_python(
        {
            "operation": "add_session",
            "session_id": "s-4242424242424242",
            "user_id": f"user-{CARD}",
            "title": f"t {CARD}",
            "first_entry": {"prompt": f"p {CARD}", "response": "r"},
        }
    )
    assert isinstance(op, m.AddSession)
    clean = redacted(op)
    assert (clean.session_id, clean.user_id) == (op.session_id, op.user_id)  # ids are keys, never rewritten
    assert (clean.title, clean.first_entry.prompt) == ("t •••• 4242", "p •••• 4242")

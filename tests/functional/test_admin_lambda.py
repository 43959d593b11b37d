"""The SessionAdminFunction Lambda (`bot.admin.handler`): event validation, dispatch, error codes,
the committed JSON schema, and the Lambda wiring (settings without Stripe, secret, DynamoDB)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.admin import handler
from bot.admin.factory import admin_settings
from bot.admin.models import OPERATION_NAMES, json_schema
from bot.admin.service import SessionAdmin
from bot.config import ConfigError
from bot.security.keys import Keys
from bot.store.base import SessionStore
from tests.functional.test_admin_service import (
    BACKENDS,
    SECRET,
    T0,
    TTL,
    Clock,
    fake_aws,
    open_store,
)

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "bot" / "admin" / "schema.json"
MARKER = "zq-input-marker-zq"  # must never come back in a response


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with open_store(request.param, tmp_path, monkeypatch) as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def admin(store: SessionStore, clock: Clock) -> SessionAdmin:
    return SessionAdmin(store, Keys.from_secrets(SECRET), clock=clock, session_ttl_seconds=TTL)


@pytest.fixture
def call(admin: SessionAdmin) -> Any:
    def invoke(event: Any) -> dict[str, Any]:
        response = handler.handle(event, lambda: admin)
        json.dumps(response)  # always JSON-serialisable
        assert set(response) == ({"ok", "result"} if response["ok"] else {"ok", "error"})
        return response

    return invoke


def ok(response: dict[str, Any]) -> Any:
    assert response["ok"] is True, response
    return response["result"]


def error(response: dict[str, Any], code: str) -> dict[str, Any]:
    assert response["ok"] is False, response
    failure: dict[str, Any] = response["error"]
    assert failure["code"] == code, failure
    assert set(failure) == {"code", "message", "details"}
    return failure


def first_entry(prompt: str = "hello") -> dict[str, str]:
    return {"prompt": prompt, "response": "hi"}


# --- every operation -----------------------------------------------------------------------------


def test_every_operation_through_the_lambda(call: Any, clock: Clock) -> None:
    created = ok(
        call(
            {
                "operation": "add_session",
                "session_id": "s-1",
                "user_id": "alice",
                "title": "Help",
                "first_entry": first_entry("one"),
            }
        )
    )
    assert created == {"session_id": "s-1", "message_index": 0}
    clock.advance(5)
    added = ok(call({"operation": "add_message", "session_id": "s-1", "entry": first_entry("two")}))
    assert added == {"session_id": "s-1", "message_index": 1}
    updated = ok(
        call(
            {
                "operation": "update_session",
                "session_id": "s-1",
                "user_id": "alice",
                "title": "Help!",
                "entry": first_entry("three"),
            }
        )
    )
    assert (updated["title"], updated["message_index"]) == ("Help!", 2)
    session = ok(call({"operation": "get_session", "session_id": "s-1", "user_id": "alice"}))
    assert [m["content"] for m in session["history"] if m["role"] == "user"] == ["one", "two", "three"]
    history = ok(call({"operation": "assemble_chat_history", "session_id": "s-1"}))
    assert history == {"session_id": "s-1", "history": session["history"]}
    rated = ok(call({"operation": "add_feedback", "session_id": "s-1", "rating": "up", "message_index": 1}))
    assert rated["feedback"]["rating"] == "up"
    reviewed = ok(
        call(
            {
                "operation": "add_review",
                "session_id": "s-1",
                "reviewer": "ops",
                "verdict": "ok",
                "notes": "fine",
            }
        )
    )
    assert reviewed["review"]["verdict"] == "ok"
    listed = ok(call({"operation": "list_sessions_by_user", "user_id": "alice"}))
    assert [s["session_id"] for s in listed["sessions"]] == ["s-1"]
    assert listed["cursor"] is None
    everything = ok(
        call(
            {
                "operation": "list_all_sessions",
                "start": "2025-03-10T00:00:00Z",
                "end": T0 + 3600,
                "has_feedback": True,
                "has_review": True,
            }
        )
    )
    assert [s["session_id"] for s in everything["sessions"]] == ["s-1"]
    deleted = ok(call({"operation": "delete_session", "session_id": "s-1", "user_id": "alice"}))
    assert deleted == {"session_id": "s-1", "deleted_items": 4}
    error(call({"operation": "get_session", "session_id": "s-1"}), "not_found")


def test_not_found_and_conflict(call: Any) -> None:
    event = {"operation": "add_session", "session_id": "s-1", "title": "t", "first_entry": first_entry()}
    ok(call(event))
    assert "already exists" in error(call(event), "conflict")["message"]
    error(call({"operation": "get_session", "session_id": "s-1", "user_id": "mallory"}), "not_found")
    error(call({"operation": "add_message", "session_id": "nope", "entry": first_entry()}), "not_found")
    error(call({"operation": "delete_session", "session_id": "nope"}), "not_found")
    error(
        call({"operation": "add_feedback", "session_id": "s-1", "rating": "up", "message_index": 9}),
        "not_found",
    )


def test_a_page_cursor_round_trips_through_the_lambda(call: Any, clock: Clock) -> None:
    for i in range(5):
        ok(
            call(
                {
                    "operation": "add_session",
                    "session_id": f"s-{i}",
                    "user_id": "alice",
                    "title": "t",
                    "first_entry": first_entry(),
                }
            )
        )
        clock.advance(1)
    seen: list[str] = []
    event: dict[str, Any] = {"operation": "list_sessions_by_user", "user_id": "alice", "limit": 2}
    while True:
        page = ok(call(event))
        seen += [s["session_id"] for s in page["sessions"]]
        if page["cursor"] is None:
            break
        event = {**event, "cursor": page["cursor"]}
    assert seen == ["s-4", "s-3", "s-2", "s-1", "s-0"]
    bad = error(call({**event, "user_id": "bob"}), "invalid_input")
    assert bad["details"] == [{"loc": ["cursor"], "msg": "invalid cursor", "type": "invalid_cursor"}]


# --- invalid input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "loc"),
    [
        ({"session_id": "s-1"}, ["operation"]),
        ({"operation": "drop_table"}, ["operation"]),
        ({"operation": 7}, ["operation"]),
        ({"operation": "get_session"}, ["session_id"]),
        ({"operation": "get_session", "session_id": 42}, ["session_id"]),
        ({"operation": "get_session", "session_id": "s" * 101}, ["session_id"]),
        ({"operation": "get_session", "session_id": "s-1", "extra": MARKER}, ["extra"]),
        ({"operation": "get_session", "session_id": "s-1", MARKER: 1}, [MARKER]),
        ({"operation": "add_session", "session_id": "s-1", "title": "t"}, ["first_entry"]),
        (
            {"operation": "add_session", "session_id": "s-1", "title": "t", "first_entry": {"prompt": "p"}},
            ["first_entry", "response"],
        ),
        (
            {
                "operation": "add_session",
                "session_id": "s-1",
                "title": "t",
                "first_entry": {"prompt": MARKER * 100, "response": "r"},
            },
            ["first_entry", "prompt"],
        ),
        ({"operation": "add_message", "session_id": "s-1", "entry": MARKER}, ["entry"]),
        ({"operation": "update_session", "session_id": "s-1"}, []),
        ({"operation": "list_sessions_by_user", "user_id": "u", "limit": "15"}, ["limit"]),
        ({"operation": "list_sessions_by_user", "user_id": "u", "limit": 0}, ["limit"]),
        ({"operation": "list_sessions_by_user", "user_id": "u", "limit": 5000}, ["limit"]),
        ({"operation": "list_sessions_by_user", "user_id": "u", "cursor": MARKER + "!"}, ["cursor"]),
        ({"operation": "list_sessions_by_user", "user_id": "u" * 129}, ["user_id"]),
        ({"operation": "list_all_sessions", "end": "2025-01-02"}, ["start"]),
        ({"operation": "list_all_sessions", "start": "2025-01-02", "end": "2025-01-01"}, []),
        ({"operation": "list_all_sessions", "start": "2025-01-02", "end": "2025-01-02"}, []),
        ({"operation": "list_all_sessions", "start": MARKER, "end": "2025-01-02"}, ["start"]),
        ({"operation": "list_all_sessions", "start": True, "end": "2025-01-02"}, ["start"]),
        (
            {
                "operation": "list_all_sessions",
                "start": "2025-01-01",
                "end": "2025-01-02",
                "has_review": "yes",
            },
            ["has_review"],
        ),
        ({"operation": "add_feedback", "session_id": "s-1", "rating": MARKER}, ["rating"]),
        (
            {"operation": "add_feedback", "session_id": "s-1", "rating": "up", "comment": "c" * 2001},
            ["comment"],
        ),
        (
            {"operation": "add_feedback", "session_id": "s-1", "rating": "up", "message_index": "0"},
            ["message_index"],
        ),
        ({"operation": "add_review", "session_id": "s-1", "reviewer": "r", "verdict": "fine"}, ["verdict"]),
    ],
)
def test_invalid_events_are_refused_without_echoing_them(
    event: dict[str, Any], loc: list[Any], keys_only_admin: SessionAdmin
) -> None:
    response = handler.handle(event, lambda: keys_only_admin)
    failure = error(response, "invalid_input")
    assert loc in [d["loc"] for d in failure["details"]], failure
    for detail in failure["details"]:
        assert set(detail) == {"loc", "msg", "type"}
    text = json.dumps(response)
    assert MARKER * 2 not in text
    if loc != [MARKER]:
        assert MARKER not in text
    assert failure["message"].startswith("invalid")


@pytest.fixture
def keys_only_admin() -> SessionAdmin:
    """An admin whose store must never be reached (validation comes first)."""

    class Unreachable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the store was called ({name}) for an invalid event")

    return SessionAdmin(Unreachable(), Keys.from_secrets(SECRET))


@pytest.mark.parametrize("event", [None, [], ["get_session"], "get_session", 42, b"{}"])
def test_a_non_object_event_is_invalid_input(event: Any, keys_only_admin: SessionAdmin) -> None:
    failure = error(handler.handle(event, lambda: keys_only_admin), "invalid_input")
    assert "JSON object" in failure["message"]


def test_unknown_operation_lists_the_known_ones(keys_only_admin: SessionAdmin) -> None:
    failure = error(handler.handle({"operation": "drop_table"}, lambda: keys_only_admin), "invalid_input")
    (detail,) = failure["details"]
    assert detail["loc"] == ["operation"]
    assert "drop_table" not in json.dumps(failure)
    for name in OPERATION_NAMES:
        assert name in detail["msg"]


def test_many_errors_are_capped(keys_only_admin: SessionAdmin) -> None:
    event = {"operation": "get_session", "session_id": "s-1", **{f"x{i}": i for i in range(50)}}
    failure = error(handler.handle(event, lambda: keys_only_admin), "invalid_input")
    assert len(failure["details"]) == 21
    assert failure["details"][-1]["msg"] == "30 more errors not shown"


# --- failures ------------------------------------------------------------------------------------


def test_unexpected_errors_are_internal_and_say_nothing(keys_only_admin: SessionAdmin) -> None:
    def broken() -> SessionAdmin:
        raise RuntimeError(f"secret detail {MARKER}")

    response = handler.handle({"operation": "get_session", "session_id": "s-1"}, broken)
    assert error(response, "internal")["message"] == "internal error; see the function's logs"
    assert MARKER not in json.dumps(response)


def test_a_misconfigured_service_is_internal() -> None:
    def misconfigured() -> SessionAdmin:
        raise ConfigError("SIGNING_KEY_SECRET_ARN is required under Lambda")

    failure = error(
        handler.handle({"operation": "get_session", "session_id": "s-1"}, misconfigured), "internal"
    )
    assert "misconfigured" in failure["message"]


def test_store_outages_are_unavailable() -> None:
    from bot.store.base import StoreUnavailable

    class Down:
        def __getattr__(self, name: str) -> Any:
            def fail(*args: Any, **kwargs: Any) -> Any:
                raise StoreUnavailable("DynamoDB Query failed: ThrottlingException")

            return fail

    admin = SessionAdmin(Down(), Keys.from_secrets(SECRET))
    failure = error(
        handler.handle({"operation": "list_sessions_by_user", "user_id": "u"}, lambda: admin), "unavailable"
    )
    assert "Throttling" not in failure["message"]


# --- the committed schema ------------------------------------------------------------------------


def test_committed_schema_matches_the_models() -> None:
    generated = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == generated, (
        "bot/admin/schema.json is stale: python -m bot sessions schema > bot/admin/schema.json"
    )


def test_schema_covers_every_operation() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["discriminator"]["propertyName"] == "operation"
    assert sorted(schema["discriminator"]["mapping"]) == sorted(OPERATION_NAMES)
    for definition in schema["$defs"].values():
        assert definition["additionalProperties"] is False


def test_cli_prints_the_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    assert main(["sessions", "schema"]) == 0
    assert capsys.readouterr().out == SCHEMA_FILE.read_text(encoding="utf-8")


# --- Lambda wiring -------------------------------------------------------------------------------

LAMBDA_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "session-admin",
    "BOT_STORE": "dynamodb",
    "SESSION_TABLE": "admin-table",
    "SIGNING_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-AbCdEf",
    "SESSION_TTL_SECONDS": "3600",
}


def test_admin_settings_under_lambda_need_no_payment_settings() -> None:
    settings = admin_settings(LAMBDA_ENV)
    assert settings.in_lambda
    assert settings.store == "dynamodb"
    assert settings.session_table == "admin-table"
    from bot.security.keys import Keys
    from bot.store.memory import MemoryStore
    from intents.app import app as reference_app

    with pytest.raises(ConfigError, match="STRIPE_SECRET_ARN"):  # the payment bot's own checks are unchanged
        reference_app.build(settings, keys=Keys.from_secrets(b"k" * 40), store=MemoryStore())


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"SIGNING_KEY_SECRET_ARN": ""}, "SIGNING_KEY_SECRET_ARN"),
        ({"BOT_SIGNING_KEY": "k" * 40}, "BOT_SIGNING_KEY"),
        ({"BOT_STORE": "sqlite"}, "local-only"),
        ({"BOT_STORE": "memory"}, "local-only"),
        ({"SESSION_TABLE": ""}, "SESSION_TABLE"),
    ],
)
def test_admin_settings_under_lambda_refuse_unsafe_settings(change: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        admin_settings({**LAMBDA_ENV, **change})


def test_admin_settings_default_to_dynamodb_under_lambda() -> None:
    env = {k: v for k, v in LAMBDA_ENV.items() if k != "BOT_STORE"}
    assert admin_settings(env).store == "dynamodb"


@pytest.fixture
def fresh_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """No service built yet. Logging configuration is recorded, not applied: it would replace the
    root handlers and quieten library loggers for the tests that run afterwards."""
    configured: list[str] = []
    monkeypatch.setattr(
        "bot.logs.configure_logging", lambda level="INFO", stream=None: configured.append(level)
    )
    monkeypatch.setattr(handler, "_admin", None)
    yield configured
    handler._admin = None


def test_lambda_handler_builds_the_service_once_from_the_environment(
    fresh_handler: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    monkeypatch.setenv("BOT_STORE", "sqlite")
    monkeypatch.setenv("BOT_SQLITE_PATH", str(tmp_path / "sessions.db"))
    monkeypatch.setenv("BOT_SIGNING_KEY", SECRET.decode())
    monkeypatch.setenv("BOT_LOCAL_DIR", str(tmp_path / "local"))
    event = {"operation": "add_session", "session_id": "s-1", "title": "t", "first_entry": first_entry()}
    assert handler.lambda_handler(event, None)["ok"] is True
    assert fresh_handler == ["INFO"]  # logging configured once, with the settings' level
    built = handler._admin
    assert built is not None
    result = handler.lambda_handler({"operation": "get_session", "session_id": "s-1"}, None)
    assert result["ok"] is True
    assert handler._admin is built


def test_lambda_end_to_end_on_dynamodb_with_the_secret_from_secrets_manager(
    fresh_handler: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Under Lambda: DynamoDB and Secrets Manager (moto), no Stripe settings at all."""
    from moto import mock_aws

    from bot.store.dynamodb import create_table

    fake_aws(monkeypatch, tmp_path)
    for name in ("BOT_SIGNING_KEY", "BOT_SQLITE_PATH", "PAYMENT_GATEWAY", "STRIPE_SECRET_ARN"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        import boto3

        secret_arn = boto3.client("secretsmanager").create_secret(
            Name="signing", SecretString=SECRET.decode()
        )["ARN"]
        create_table(boto3.client("dynamodb"), "admin-table")
        for name, value in {**LAMBDA_ENV, "SIGNING_KEY_SECRET_ARN": secret_arn}.items():
            monkeypatch.setenv(name, value)
        event = {
            "operation": "add_session",
            "session_id": "s-1",
            "user_id": "alice",
            "title": "t",
            "first_entry": first_entry("via lambda"),
        }
        assert handler.lambda_handler(event, None) == {
            "ok": True,
            "result": {"session_id": "s-1", "message_index": 0},
        }
        got = handler.lambda_handler(
            {"operation": "get_session", "session_id": "s-1", "user_id": "alice"}, None
        )
        assert got["ok"] is True
        assert got["result"]["history"][0]["content"] == "via lambda"
        # Signed with the history key derived from the secret: a service built from the same secret
        # (e.g. the CLI) verifies it.
        from bot.store.dynamodb import DynamoDBStore

        other = SessionAdmin(
            DynamoDBStore("admin-table", client=boto3.client("dynamodb")), Keys.from_secrets(SECRET)
        )
        assert other.assemble_chat_history("s-1") == got["result"]["history"]


# --- bad input from the security review: invalid_input, never internal ----------------------------


@pytest.mark.parametrize(
    ("event", "loc", "complaint"),
    [
        (
            {"operation": "list_all_sessions", "start": "2000-01-01", "end": "2025-01-01"},
            [],
            "at most 366 days",
        ),
        ({"operation": "list_all_sessions", "start": T0 - 367 * 86400, "end": T0}, [], "at most 366 days"),
        (
            {"operation": "list_all_sessions", "start": "0001-01-01T00:00:00+01:00", "end": "2025-01-01"},
            ["start"],
            "out of range",
        ),
        (
            {"operation": "list_all_sessions", "start": "2025-01-01", "end": "9999-12-31T23:59:59-01:00"},
            ["end"],
            "out of range",
        ),
        (
            {"operation": "list_all_sessions", "start": "2025-01-01", "end": "9999-12-31T23:59:59.5Z"},
            ["end"],
            "out of range",
        ),
        ({"operation": "get_session", "session_id": "a"}, ["session_id"], "at least 2"),
        ({"operation": "get_session", "session_id": "s-1", "user_id": "u\ud800"}, ["user_id"], "string"),
        (
            {
                "operation": "add_session",
                "session_id": "s-1",
                "title": "\u001b[2J",
                "first_entry": first_entry(),
            },
            ["title"],
            "control characters",
        ),
        (
            {
                "operation": "add_session",
                "session_id": "s-1",
                "title": "a\u202eb",
                "first_entry": first_entry(),
            },
            ["title"],
            "U+202E",
        ),
        ({"operation": "update_session", "session_id": "s-1", "title": "\u009b2J"}, ["title"], "control"),
        (
            {"operation": "add_feedback", "session_id": "s-1", "rating": "up", "comment": "\u001b]0;x\u0007"},
            ["comment"],
            "control characters",
        ),
        (
            {"operation": "add_review", "session_id": "s-1", "reviewer": "ana\u001b", "verdict": "ok"},
            ["reviewer"],
            "control characters",
        ),
        (
            {
                "operation": "add_review",
                "session_id": "s-1",
                "reviewer": "ana",
                "verdict": "ok",
                "notes": "\u2067",
            },
            ["notes"],
            "control characters",
        ),
        ({"operation": "list_sessions_by_user", "user_id": "\u001b[2J"}, ["user_id"], "control characters"),
        ({"operation": "list_sessions_by_user", "user_id": "   "}, ["user_id"], "visible"),
    ],
)
def test_bad_input_is_invalid_input_never_internal(
    event: dict[str, Any], loc: list[Any], complaint: str, keys_only_admin: SessionAdmin
) -> None:
    failure = error(handler.handle(event, lambda: keys_only_admin), "invalid_input")
    assert loc in [d["loc"] for d in failure["details"]], failure
    assert complaint in failure["message"]
    assert "\u001b" not in json.dumps(failure, ensure_ascii=False)


def test_a_full_range_is_accepted(call: Any) -> None:
    event = {"operation": "list_all_sessions", "start": T0 - 366 * 86400, "end": T0}
    assert ok(call(event)) == {"sessions": [], "cursor": None}


def test_the_reviewer_is_redacted_like_every_operator_text(call: Any, store: SessionStore) -> None:
    card = "4242424242424242"
    ok(call({"operation": "add_session", "session_id": "s-1", "title": "t", "first_entry": first_entry()}))
    reviewed = ok(
        call({"operation": "add_review", "session_id": "s-1", "reviewer": f"ana {card}", "verdict": "ok"})
    )
    assert reviewed["review"]["reviewer"] == "ana •••• 4242"
    record = store.get("s-1", now=T0)
    assert record is not None
    assert record.review is not None
    assert record.review.reviewer == "ana •••• 4242"

"""`python -m bot sessions ...` and `python -m bot tables ...` through `bot.__main__.main`, on the
memory store, SQLite and in-process moto DynamoDB, configured like the bot (environment)."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.dev.cli.sessions import parse_when
from bot.store.base import StoreUnavailable
from tests.functional.test_admin_service import SECRET, fake_aws

ROOT = Path(__file__).resolve().parents[2]
TABLE = "cli-sessions"
CARD = "4242424242424242"  # a test card number: must never be stored or printed


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The bot's local settings: a fresh BOT_LOCAL_DIR and a fixed signing key."""
    local = tmp_path / "local"
    monkeypatch.setenv("BOT_LOCAL_DIR", str(local))
    monkeypatch.setenv("BOT_SIGNING_KEY", SECRET.decode())
    for name in ("BOT_SQLITE_PATH", "SESSION_TABLE", "DYNAMODB_ENDPOINT_URL", "SESSION_TTL_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    return local


@pytest.fixture(params=["memory", "sqlite", "dynamodb-moto"])
def backend(
    request: pytest.FixtureRequest, local_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    kind: str = request.param
    if kind == "memory":
        from bot.store.memory import MemoryStore

        shared = MemoryStore()  # one store for every command of the test (a process would lose it)
        monkeypatch.setenv("BOT_STORE", "memory")
        monkeypatch.setattr("bot.admin.factory.build_store", lambda settings: shared)
        yield kind
    elif kind == "sqlite":
        monkeypatch.setenv("BOT_STORE", "sqlite")
        yield kind
    else:
        from moto import mock_aws

        fake_aws(monkeypatch, tmp_path)
        monkeypatch.setenv("BOT_STORE", "dynamodb")
        monkeypatch.setenv("SESSION_TABLE", TABLE)
        with mock_aws():
            assert main(["tables", "create"]) == 0
            yield kind


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def add(capsys: pytest.CaptureFixture[str], session_id: str, *extra: str) -> None:
    code, out, err = run(
        capsys,
        "sessions",
        "add",
        session_id,
        "--title",
        f"about {session_id}",
        "--prompt",
        "hi",
        "--response",
        "hello",
        *extra,
    )
    assert code == 0, err
    assert out.strip() == f"added session {session_id} (message 0)"


# --- the commands --------------------------------------------------------------------------------


def test_add_list_show_and_delete(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    add(capsys, "s-1", "--user", "alice")
    add(capsys, "s-2", "--user", "alice")
    add(capsys, "s-3")

    code, out, _ = run(capsys, "sessions", "list", "--user", "alice")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "SESSION",
        "OWNER",
        "TITLE",
        "LAST",
        "ACTIVE",
        "(UTC)",
        "MSGS",
        "FEEDBACK",
        "REVIEW",
    ]
    assert {line.split()[0] for line in lines[1:3]} == {"s-1", "s-2"}
    assert lines[-1] == "2 sessions"

    listed = run_json(capsys, "sessions", "list", "--user", "alice")
    assert {s["session_id"] for s in listed["sessions"]} == {"s-1", "s-2"}
    assert listed["cursor"] is None

    code, out, _ = run(capsys, "sessions", "show", "s-1", "--user", "alice")
    assert code == 0
    assert "owner        alice" in out
    assert "title        about s-1" in out
    assert "user: hi" in out
    assert " bot: hello" in out
    shown = run_json(capsys, "sessions", "show", "s-1")
    assert [m["content"] for m in shown["history"]] == ["hi", "hello"]

    code, out, _ = run(capsys, "sessions", "delete", "s-1", "--user", "alice", "--yes")
    assert (code, out.strip()) == (0, "deleted session s-1 (2 items)")
    code, _, err = run(capsys, "sessions", "show", "s-1")
    assert code == 1
    assert "not found" in err


def test_list_pages_with_a_cursor(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(3):
        add(capsys, f"s-{i}", "--user", "alice")
    code, out, _ = run(capsys, "sessions", "list", "--user", "alice", "--limit", "2")
    assert code == 0
    cursor = out.splitlines()[-1].removeprefix("more: --cursor ")
    assert cursor != out.splitlines()[-1]
    first = run_json(capsys, "sessions", "list", "--user", "alice", "--limit", "2")
    second = run_json(
        capsys, "sessions", "list", "--user", "alice", "--limit", "2", "--cursor", first["cursor"]
    )
    assert second["cursor"] is None
    ids = [s["session_id"] for s in first["sessions"] + second["sessions"]]
    assert sorted(ids) == ["s-0", "s-1", "s-2"]


def test_list_all_with_filters(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    for session_id in ("plain", "rated", "reviewed"):
        add(capsys, session_id)
    code, out, _ = run(capsys, "sessions", "feedback", "rated", "--down", "--comment", "wrong answer")
    assert code == 0
    assert out.startswith("down recorded on session rated (kept until ")
    code, out, _ = run(
        capsys, "sessions", "review", "reviewed", "--reviewer", "ops", "--verdict", "needs_attention"
    )
    assert code == 0
    assert out.startswith("review needs_attention by ops recorded on reviewed")

    def ids(*flags: str) -> set[str]:
        return {
            s["session_id"]
            for s in run_json(capsys, "sessions", "list-all", "--since", "1h", *flags)["sessions"]
        }

    assert ids() == {"plain", "rated", "reviewed"}
    assert ids("--with-feedback") == {"rated"}
    assert ids("--without-feedback") == {"plain", "reviewed"}
    assert ids("--with-review") == {"reviewed"}
    assert ids("--without-review", "--without-feedback") == {"plain"}
    assert run_json(capsys, "sessions", "list-all", "--since", "2h", "--until", "1h")["sessions"] == []
    code, out, _ = run(capsys, "sessions", "list-all", "--since", "2d", "--with-review")
    assert code == 0
    assert "needs_attention" in out
    assert out.splitlines()[-1] == "1 session"
    code, out, _ = run(
        capsys, "sessions", "list-all", "--since", "2000-01-01T00:00:00Z", "--until", "2000-01-02"
    )
    assert (code, out.strip()) == (0, "no sessions")


def test_message_feedback(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    add(capsys, "s-1")
    result = run_json(capsys, "sessions", "feedback", "s-1", "--up", "--message", "0")
    assert result["message_index"] == 0
    assert result["feedback"]["rating"] == "up"
    assert run_json(capsys, "sessions", "show", "s-1")["has_feedback"] is True
    code, _, err = run(capsys, "sessions", "feedback", "s-1", "--up", "--message", "5")
    assert code == 1
    assert "message 5" in err


def test_card_numbers_given_to_the_cli_are_not_stored_or_printed(
    backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(
        capsys, "sessions", "add", "s-1", "--title", "t", "--prompt", f"card {CARD}", "--response", "ok"
    )
    assert code == 0
    code, out, err = run(capsys, "sessions", "show", "s-1")
    assert code == 0
    assert "•••• 4242" in out
    assert CARD not in out + err


def test_add_refuses_an_existing_session(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    add(capsys, "s-1")
    code, _, err = run(capsys, "sessions", "add", "s-1", "--title", "t", "--prompt", "p", "--response", "r")
    assert code == 1
    assert "already exists" in err


# --- exit codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["sessions", "list", "--user", "alice", "--limit", "0"], "limit"),
        (["sessions", "list", "--user", "alice", "--cursor", "bogus"], "invalid cursor"),
        (["sessions", "list-all", "--since", "last tuesday"], "since"),
        (["sessions", "list-all", "--since", "1h", "--until", "2h"], "start must be before end"),
        (["sessions", "show", "bad id!"], "session_id"),
        (
            ["sessions", "add", "s-1", "--title", "t", "--prompt", "p" * 1025, "--response", "r"],
            "first_entry.prompt",
        ),
        (["sessions", "feedback", "s-1", "--up", "--comment", "c" * 2001], "comment"),
    ],
)
def test_invalid_input_exits_2(
    backend: str, capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("error: invalid")
    assert complaint in err.replace("start:", "since:")


def test_argparse_errors_exit_2(local_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["sessions", "list"],
        ["sessions", "feedback", "s-1"],
        ["sessions", "feedback", "s-1", "--up", "--down"],
        ["sessions", "review", "s-1", "--reviewer", "r", "--verdict", "great"],
        ["sessions", "list-all", "--since", "1d", "--with-review", "--without-review"],
        ["sessions"],
        ["tables", "drop"],
    ):
        with pytest.raises(SystemExit) as raised:
            main(argv)
        assert raised.value.code == 2, argv
    capsys.readouterr()


def test_not_found_exits_1(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    add(capsys, "s-1", "--user", "alice")
    for argv in (
        ["sessions", "show", "nope"],
        ["sessions", "show", "s-1", "--user", "bob"],
        ["sessions", "delete", "s-1", "--user", "bob", "--yes"],
        ["sessions", "delete", "nope", "--yes"],
        ["sessions", "review", "nope", "--reviewer", "r", "--verdict", "ok"],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 1, argv
        assert "not found" in err
        assert out == ""
    assert run_json(capsys, "sessions", "show", "s-1")["owner"] == "alice"


def test_store_unavailable_exits_3(
    local_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Down:
        def __getattr__(self, name: str) -> Any:
            def fail(*args: Any, **kwargs: Any) -> Any:
                raise StoreUnavailable("DynamoDB Query failed")

            return fail

    monkeypatch.setenv("BOT_STORE", "memory")
    monkeypatch.setattr("bot.admin.factory.build_store", lambda settings: Down())
    code, _, err = run(capsys, "sessions", "list", "--user", "alice")
    assert code == 3
    assert "unavailable" in err


def test_bad_settings_exit_2(
    local_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_STORE", "dynamodb")  # without SESSION_TABLE
    code, _, err = run(capsys, "sessions", "list", "--user", "alice")
    assert code == 2
    assert "SESSION_TABLE" in err
    code, _, err = run(capsys, "tables", "create")
    assert code == 2
    assert "SESSION_TABLE" in err


# --- delete confirmation -------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("answer", "deleted"), [("n\n", False), ("\n", False), ("y\n", True), ("yes\n", True)]
)
def test_delete_asks_on_a_terminal(
    backend: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    deleted: bool,
) -> None:
    add(capsys, "s-1")
    monkeypatch.setattr(sys, "stdin", _Terminal(answer))
    code, out, _ = run(capsys, "sessions", "delete", "s-1")
    assert "Delete session s-1 and all its messages? [y/N]" in out
    assert code == (0 if deleted else 1)
    assert ("deleted session s-1" in out) is deleted
    assert run(capsys, "sessions", "show", "s-1")[0] == (1 if deleted else 0)


def test_delete_does_not_ask_when_piped_or_with_yes(
    backend: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add(capsys, "s-1")
    add(capsys, "s-2")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert run(capsys, "sessions", "delete", "s-1")[0] == 0
    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    code, out, _ = run(capsys, "sessions", "delete", "s-2", "--yes")
    assert code == 0
    assert "[y/N]" not in out


# --- relative times ------------------------------------------------------------------------------


def test_parse_when() -> None:
    now = 1_741_608_000.0  # 2025-03-10T12:00:00Z
    assert parse_when("2h", now=now).isoformat() == "2025-03-10T10:00:00+00:00"  # type: ignore[union-attr]
    assert parse_when("3d", now=now).isoformat() == "2025-03-07T12:00:00+00:00"  # type: ignore[union-attr]
    assert parse_when("1w", now=now).isoformat() == "2025-03-03T12:00:00+00:00"  # type: ignore[union-attr]
    assert parse_when("90m", now=now).isoformat() == "2025-03-10T10:30:00+00:00"  # type: ignore[union-attr]
    assert parse_when(" 30S ", now=now).isoformat() == "2025-03-10T11:59:30+00:00"  # type: ignore[union-attr]
    assert parse_when("now", now=now).isoformat() == "2025-03-10T12:00:00+00:00"  # type: ignore[union-attr]
    assert parse_when("2025-01-01", now=now) == "2025-01-01"  # left to the models


# --- with the chat ---------------------------------------------------------------------------------


def test_sessions_of_a_local_chat_are_listed(
    local_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bot chat` and `python -m bot sessions` share the settings: the same SQLite file."""
    monkeypatch.delenv("BOT_STORE", raising=False)
    env = {k: v for k, v in os.environ.items() if k not in {"AWS_LAMBDA_FUNCTION_NAME", "PAYMENT_GATEWAY"}}
    env["PYTHONIOENCODING"] = "utf-8"
    chat = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--session", "chat-1"],
        input="I'd like to make a payment\nJohn\nSmith\n4242 4242 4242 4242\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert chat.returncode == 0, chat.stderr
    code, out, _ = run(capsys, "sessions", "list-all", "--since", "1d")
    assert code == 0
    assert out.splitlines()[1].split()[0] == "chat-1"
    session = run_json(capsys, "sessions", "show", "chat-1")
    users = [m["content"] for m in session["history"] if m["role"] == "user"]
    assert users == ["I'd like to make a payment", "John", "Smith", "•••• 4242"]


# --- tables ----------------------------------------------------------------------------------------


def test_tables_create_on_local_stores(
    local_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_STORE", "sqlite")
    code, out, _ = run(capsys, "tables", "create")
    assert code == 0
    assert "schema ready" in out
    assert (local_env / "sessions.db").exists()
    assert run(capsys, "tables", "create")[0] == 0  # idempotent
    monkeypatch.setenv("BOT_STORE", "memory")
    code, out, _ = run(capsys, "tables", "create")
    assert code == 0
    assert "nothing to create" in out


def test_tables_create_on_dynamodb_is_idempotent_and_adds_missing_indexes(
    local_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from moto import mock_aws

    fake_aws(monkeypatch, tmp_path)
    monkeypatch.setenv("BOT_STORE", "dynamodb")
    monkeypatch.setenv("SESSION_TABLE", TABLE)
    with mock_aws():
        code, out, _ = run(capsys, "tables", "create")
        assert code == 0
        assert out.startswith(f"created table {TABLE} (indexes: gsi1, gsi2; TTL ENABLED on expires_at)")
        code, out, _ = run(capsys, "tables", "create")
        assert code == 0
        assert out.startswith(f"table {TABLE} already up to date")

        import boto3

        client = boto3.client("dynamodb")
        client.create_table(  # a table from before gsi2 existed
            TableName="old-table",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "gsi1",
                    "KeySchema": [
                        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
        monkeypatch.setenv("SESSION_TABLE", "old-table")
        code, out, _ = run(capsys, "tables", "create")
        assert code == 0
        assert out.strip() == "table old-table existed: added index gsi2; TTL ENABLED on expires_at"


def test_backfill_ttl_on_sqlite(
    local_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_STORE", "sqlite")
    add(capsys, "s-1")
    add(capsys, "s-2")
    code, out, _ = run(capsys, "tables", "backfill-ttl", "--dry-run")
    assert code == 0
    assert "without an expiry: 0 (session: 0, message: 0, profile: 0, other: 0)" in out
    with sqlite3.connect(local_env / "sessions.db") as db:  # items written before expiry existed
        db.execute("UPDATE items SET expires_at = NULL WHERE pk LIKE 'SESSION#s-1'")
    db.close()
    code, out, _ = run(capsys, "tables", "backfill-ttl", "--dry-run")
    assert code == 0
    assert out.splitlines() == [
        "scanned 4 items; without an expiry: 2 (session: 1, message: 1, profile: 0, other: 0)",
        "dry run: nothing changed (run without --dry-run to set them)",
    ]
    code, out, _ = run(capsys, "tables", "backfill-ttl")
    assert code == 0
    assert out.splitlines()[-1] == "updated 2 items"
    code, out, _ = run(capsys, "tables", "backfill-ttl", "--dry-run")
    assert "without an expiry: 0" in out
    assert run_json(capsys, "sessions", "show", "s-1")["message_count"] == 1


def test_backfill_ttl_on_dynamodb(
    local_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from moto import mock_aws

    fake_aws(monkeypatch, tmp_path)
    monkeypatch.setenv("BOT_STORE", "dynamodb")
    monkeypatch.setenv("SESSION_TABLE", TABLE)
    with mock_aws():
        assert run(capsys, "tables", "create")[0] == 0
        add(capsys, "s-1")
        import boto3

        boto3.client("dynamodb").put_item(
            TableName=TABLE, Item={"pk": {"S": "USER#old"}, "sk": {"S": "PROFILE"}, "updated_at": {"N": "1"}}
        )
        code, out, _ = run(capsys, "tables", "backfill-ttl", "--dry-run")
        assert code == 0
        assert (
            out.splitlines()[0]
            == "scanned 3 items; without an expiry: 1 (session: 0, message: 0, profile: 1, other: 0)"
        )
        code, out, _ = run(capsys, "tables", "backfill-ttl")
        assert out.splitlines()[-1] == "updated 1 items"


# --- bad input from the security review: clean errors, never a traceback ---------------------------

ESC_CLEAR = "\u001b[2J"
OSC_TITLE = "\u001b]0;owned\u0007"
BIDI = "\u202eevil"
CSI_C1 = "\u009b2J"


def one_line_error(err: str) -> str:
    assert "Traceback" not in err
    first, *rest = err.splitlines()
    assert first.startswith("error: "), err
    assert all(line.startswith("  ") for line in rest), err  # only the indented details that follow
    return first


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--since", "2000-01-01"], "at most 366 days"),
        (["--since", "1d", "--until", "9999-12-31T23:59:59"], "at most 366 days"),
        (["--since", "367d"], "at most 366 days"),
        (["--since", "0001-01-01T00:00:00+01:00"], "out of range (2000-01-01 .. 9999-12-31)"),
        (["--since", "9999-12-31T23:59:59-01:00"], "out of range (2000-01-01 .. 9999-12-31)"),
        (["--since", "1999-12-31"], "out of range (2000-01-01 .. 9999-12-31)"),
        (["--since", "999999w"], "2000-01-01"),
        (["--since", "1d", "--until", "999999w"], "2000-01-01"),
        (["--since", "99999d"], "2000-01-01"),
        (["--since", "1d", "--until", "0001-01-01"], "out of range"),
    ],
)
def test_time_ranges_are_bounded_with_a_clean_error(
    backend: str, capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    code, out, err = run(capsys, "sessions", "list-all", *argv)
    assert (code, out) == (2, "")
    line = one_line_error(err)
    assert line.startswith("error: invalid")
    assert complaint in line


def test_a_range_within_the_limit_is_fine(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    add(capsys, "s-1")
    recent = datetime.fromtimestamp(time.time() - 100 * 86400, UTC).date().isoformat()
    for since in ("366d", "52w", recent, "8000h"):
        listed = run_json(capsys, "sessions", "list-all", "--since", since, "--until", "now")
        assert isinstance(listed["sessions"], list)
    code, _, err = run(capsys, "sessions", "list-all", "--since", "1999-01-01")
    assert code == 2
    assert one_line_error(err).startswith("error: invalid request: since: ")  # the option, not `start`


def test_a_read_only_local_dir_is_a_clean_error(
    local_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_STORE", "sqlite")
    local_env.mkdir(parents=True)
    local_env.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: make SQLite fail the way a read-only directory does

        def read_only(*args: Any, **kwargs: Any) -> Any:
            raise sqlite3.OperationalError("unable to open database file")

        monkeypatch.setattr(sqlite3, "connect", read_only)
    try:
        for argv in (["sessions", "list", "--user", "alice"], ["sessions", "list-all", "--since", "1d"]):
            code, out, err = run(capsys, *argv)
            assert (code, out) == (2, "")
            line = one_line_error(err)
            assert "unable to open database file" in line
            assert "BOT_LOCAL_DIR" in line
        code, _, err = run(capsys, "tables", "create")
        assert code == 2
        assert "BOT_LOCAL_DIR" in one_line_error(err)
    finally:
        local_env.chmod(0o755)


def test_a_read_only_local_dir_without_a_signing_key_is_a_clean_error(
    local_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No BOT_SIGNING_KEY: the key file cannot be created either."""
    import errno

    monkeypatch.delenv("BOT_SIGNING_KEY")
    monkeypatch.setenv("BOT_STORE", "memory")

    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr("tempfile.mkstemp", read_only)
    code, out, err = run(capsys, "sessions", "list", "--user", "alice")
    assert (code, out) == (2, "")
    line = one_line_error(err)
    assert "Read-only file system" in line
    assert "BOT_SIGNING_KEY" in line


@pytest.mark.parametrize(
    "bad", [ESC_CLEAR, "x" + ESC_CLEAR, OSC_TITLE, BIDI, CSI_C1, "a\nb", "a\tb", "\u2066x"]
)
@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["sessions", "add", "s-1", "--prompt", "p", "--response", "r", "--title={}"], "title"),
        (["sessions", "feedback", "s-1", "--down", "--comment={}"], "comment"),
        (["sessions", "review", "s-1", "--verdict", "ok", "--reviewer={}"], "reviewer"),
        (["sessions", "review", "s-1", "--verdict", "ok", "--reviewer", "ana", "--notes={}"], "notes"),
        (["sessions", "list", "--user={}"], "user_id"),
    ],
)
def test_control_characters_in_operator_text_are_refused(
    backend: str, capsys: pytest.CaptureFixture[str], bad: str, argv: list[str], field: str
) -> None:
    add(capsys, "s-1")
    code, out, err = run(capsys, *[arg.format(bad) if "{}" in arg else arg for arg in argv])
    assert (code, out) == (2, "")
    line = one_line_error(err)
    assert f"{field}: " in line
    assert "control characters" in line
    assert_terminal_safe(err)
    assert run_json(capsys, "sessions", "show", "s-1")["title"] == "about s-1"


UNSAFE_ON_A_TERMINAL = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))] + [
    *"\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
]


def assert_terminal_safe(text: str) -> None:
    """Nothing a terminal would interpret: no C0 (but the newlines between lines), C1, bidi, surrogates."""
    for char in text.replace("\n", ""):
        assert char not in UNSAFE_ON_A_TERMINAL, (hex(ord(char)), text)
        assert not 0xD800 <= ord(char) <= 0xDFFF, text


@pytest.fixture
def hostile(backend: str, local_env: Path) -> str:
    """A session whose stored text (written by the bot or another tool, not through the admin
    checks) carries terminal escapes in every field."""
    from bot.admin.factory import admin_settings, build_store
    from bot.history import new_entry
    from bot.security.keys import load_keys
    from bot.store.base import Feedback, Review, SessionRecord

    settings = admin_settings()
    store = build_store(settings)
    keys = load_keys(settings)
    now = int(time.time())
    record = SessionRecord(
        session_id="evil-1",
        state={},
        owner="user" + ESC_CLEAR,
        title="title" + OSC_TITLE + BIDI,
        message_count=1,
        expires_at=now + 3600,
        feedback=Feedback("down", "comment" + CSI_C1, now),
        has_feedback=True,
        review=Review("rev" + ESC_CLEAR, "ok" + BIDI, "notes\u2028" + OSC_TITLE, now),
    )
    message = new_entry(
        keys.history[0],
        session_id="evil-1",
        index=0,
        at_ms=now * 1000,
        user="hello" + ESC_CLEAR,
        bot=["answer" + OSC_TITLE + "\x7f"],
        intent=None,
        source="admin",
        slot=None,
        expires_at=now + 7200,
    )
    store.save(record, expected_version=0, now=now, messages=[message])
    second = SessionRecord(
        session_id="evil-2", state={}, owner="alice", title=record.title, expires_at=now + 3600
    )
    store.save(second, expected_version=0, now=now)
    return "user" + ESC_CLEAR


def test_stored_escapes_are_shown_escaped(hostile: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "sessions", "show", "evil-1")
    assert code == 0, err
    assert_terminal_safe(out)
    for shown in (
        "owner        user\\x1b[2J",
        "title        title\\x1b]0;owned\\x07\\u202eevil",
        "feedback     down - comment\\x9b2J",
        "review       ok\\u202eevil by rev\\x1b[2J - notes\\u2028\\x1b]0;owned\\x07",
        "user: hello\\x1b[2J",
        "bot: answer\\x1b]0;owned\\x07\\x7f",
    ):
        assert shown in out, out
    for argv in (["sessions", "list", "--user", "alice"], ["sessions", "list-all", "--since", "1h"]):
        code, out, err = run(capsys, *argv)
        assert code == 0, err
        assert_terminal_safe(out)
        assert "title\\x1b]0;owned\\x07\\u202eevil" in out
    assert "user\\x1b[2J" in out  # list-all shows the owners
    code, _, err = run(capsys, "sessions", "list", "--user", hostile)
    assert code == 2  # an id with control characters cannot be typed back (see bot.admin.text)
    assert_terminal_safe(err)


def test_stored_escapes_in_json_output_are_json_escapes(
    hostile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "sessions", "show", "evil-1", "--json")
    assert code == 0, err
    assert_terminal_safe(out)
    shown = json.loads(out)  # still valid JSON, with the stored text intact
    assert shown["owner"] == hostile
    assert shown["title"] == "title" + OSC_TITLE + BIDI
    assert shown["feedback"]["comment"] == "comment" + CSI_C1
    assert shown["review"]["notes"] == "notes\u2028" + OSC_TITLE
    assert "é" in json.dumps({"k": "é"}, ensure_ascii=False)  # non-ASCII text stays readable ...
    code, out, _ = run(
        capsys, "sessions", "add", "s-é", "--title", "café", "--prompt", "p", "--response", "r"
    )
    assert code == 2  # ... (session ids are ASCII)
    add(capsys, "s-2")
    code, _, _ = run(capsys, "sessions", "feedback", "s-2", "--up", "--comment", "très bien ☕")
    assert code == 0
    out = run(capsys, "sessions", "show", "s-2", "--json")[1]
    assert "très bien ☕" in out


def test_the_reviewer_and_every_operator_text_is_redacted(
    backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "sessions",
        "add",
        "s-1",
        "--title",
        f"t {CARD}",
        "--prompt",
        f"p {CARD}",
        "--response",
        f"r {CARD}",
    )
    assert code == 0, err
    assert run(capsys, "sessions", "feedback", "s-1", "--down", "--comment", f"c {CARD}")[0] == 0
    code, out, _ = run(
        capsys,
        "sessions",
        "review",
        "s-1",
        "--reviewer",
        f"ana {CARD}",
        "--verdict",
        "ok",
        "--notes",
        f"n {CARD}",
    )
    assert code == 0
    assert out.startswith("review ok by ana •••• 4242 recorded on s-1")
    code, out, err = run(capsys, "sessions", "show", "s-1", "--json")
    assert CARD not in out + err
    shown = json.loads(out)
    assert shown["title"] == "t •••• 4242"
    assert shown["review"]["reviewer"] == "ana •••• 4242"
    assert shown["review"]["notes"] == "n •••• 4242"
    assert shown["feedback"]["comment"] == "c •••• 4242"
    assert [m["content"] for m in shown["history"]] == ["p •••• 4242", "r •••• 4242"]


def test_a_session_id_that_is_too_short_is_invalid_not_a_crash(
    backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "sessions", "show", "a")
    assert (code, out) == (2, "")
    assert "session_id" in one_line_error(err)


def test_undecodable_arguments_are_invalid_not_a_crash(
    backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    undecodable = os.fsdecode(b"caf\xe9")  # how Python passes a non-UTF-8 argv item
    add(capsys, "s-1")
    for argv in (
        ["sessions", "list", "--user", undecodable],
        ["sessions", "review", "s-1", "--verdict", "ok", "--reviewer", undecodable],
        ["sessions", "show", undecodable],
    ):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), err
        one_line_error(err)
        assert_terminal_safe(err)

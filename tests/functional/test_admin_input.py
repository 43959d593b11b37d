"""Any text in any admin text field, through the admin Lambda and through the CLI: never an
unhandled exception, never `internal`, never a raw control character on the operator's terminal.
Also the refusal and escaping rules of `bot.admin.text` themselves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.__main__ import main
from bot.admin import handler
from bot.admin.models import MAX_RANGE_DAYS, OPERATION
from bot.admin.service import SessionAdmin
from bot.admin.text import NO_CONTROLS_PATTERN, VISIBLE_PATTERN, no_controls, terminal_safe, visible_text
from bot.security.keys import Keys
from bot.store.memory import MemoryStore
from tests.functional.test_admin_cli import assert_terminal_safe
from tests.functional.test_admin_service import SECRET, Clock

HOSTILE = [
    *"\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\x9d\u2028\u2029\u202a\u202b\u202c\u202d\u202e",
    *"\u2066\u2067\u2068\u2069\u200e\u200f\u061c\ufeff\u200b",
    *"\ud800\udc00\udfff",  # lone surrogates
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\x1b]8;;http://x\x1b\\",
]
any_character = st.characters(exclude_categories=())  # every code point, lone surrogates included
any_text = st.lists(st.one_of(any_character, st.sampled_from(HOSTILE)), max_size=40).map("".join)
PROPERTY = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
CLI_PROPERTY = settings(PROPERTY, max_examples=50)  # each example runs the CLI three times

TEXT_EVENTS = {  # every admin text field, in the event that carries it
    "title": lambda t: {
        "operation": "add_session",
        "session_id": "s-new",
        "title": t,
        "first_entry": _entry(),
    },
    "prompt": lambda t: {"operation": "add_message", "session_id": "s-1", "entry": _entry(prompt=t)},
    "response": lambda t: {"operation": "add_message", "session_id": "s-1", "entry": _entry(response=t)},
    "updated title": lambda t: {"operation": "update_session", "session_id": "s-1", "title": t},
    "comment": lambda t: {"operation": "add_feedback", "session_id": "s-1", "rating": "up", "comment": t},
    "reviewer": lambda t: {"operation": "add_review", "session_id": "s-1", "reviewer": t, "verdict": "ok"},
    "notes": lambda t: {
        "operation": "add_review",
        "session_id": "s-1",
        "reviewer": "ana",
        "verdict": "ok",
        "notes": t,
    },
    "user_id": lambda t: {"operation": "list_sessions_by_user", "user_id": t},
    "owner": lambda t: {"operation": "get_session", "session_id": "s-1", "user_id": t},
    "session_id": lambda t: {"operation": "get_session", "session_id": t},
    "cursor": lambda t: {"operation": "list_sessions_by_user", "user_id": "u", "cursor": t},
    "start": lambda t: {"operation": "list_all_sessions", "start": t, "end": "2025-03-11"},
}


def _entry(prompt: str = "p", response: str = "r") -> dict[str, str]:
    return {"prompt": prompt, "response": response}


@pytest.fixture(scope="module")
def lambda_admin() -> SessionAdmin:
    admin = SessionAdmin(MemoryStore(), Keys.from_secrets(SECRET), clock=Clock())
    admin.add_session("s-1", "alice", "t", _entry())
    return admin


@pytest.mark.parametrize("field", sorted(TEXT_EVENTS))
@PROPERTY
@given(text=any_text)
def test_any_text_in_any_field_is_answered_by_the_lambda(
    lambda_admin: SessionAdmin, field: str, text: str
) -> None:
    response = handler.handle(TEXT_EVENTS[field](text), lambda: lambda_admin)
    if not response["ok"]:
        assert response["error"]["code"] in {"invalid_input", "not_found", "conflict"}, response
    document = json.dumps(response, ensure_ascii=False)
    if not response["ok"]:
        document.encode("utf-8")  # the answer to bad input quotes none of it: no surrogate to choke on
        assert_terminal_safe(document.replace("\\n", ""))


# --- the CLI --------------------------------------------------------------------------------------

CLI_FIELDS = {
    "title": ["sessions", "add", "s-new", "--prompt", "p", "--response", "r", "--title={}"],
    "prompt": ["sessions", "add", "s-new", "--title", "t", "--response", "r", "--prompt={}"],
    "response": ["sessions", "add", "s-new", "--title", "t", "--prompt", "p", "--response={}"],
    "comment": ["sessions", "feedback", "s-1", "--down", "--comment={}"],
    "reviewer": ["sessions", "review", "s-1", "--verdict", "ok", "--reviewer={}"],
    "notes": ["sessions", "review", "s-1", "--verdict", "ok", "--reviewer", "ana", "--notes={}"],
    "user": ["sessions", "list", "--user={}"],
    "show user": ["sessions", "show", "s-1", "--user={}"],
    "session id": ["sessions", "show", "--", "{}"],
    "cursor": ["sessions", "list", "--user", "alice", "--cursor={}"],
    "since": ["sessions", "list-all", "--since={}"],
    "until": ["sessions", "list-all", "--since", "1d", "--until={}"],
}


@pytest.fixture
def cli_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MemoryStore:
    shared = MemoryStore()
    monkeypatch.setenv("BOT_LOCAL_DIR", str(tmp_path / "local"))
    monkeypatch.setenv("BOT_SIGNING_KEY", SECRET.decode())
    monkeypatch.setenv("BOT_STORE", "memory")
    monkeypatch.setattr("bot.admin.factory.build_store", lambda settings: shared)
    assert main(["sessions", "add", "s-1", "--title", "t", "--prompt", "p", "--response", "r"]) == 0
    return shared


@pytest.mark.parametrize("field", sorted(CLI_FIELDS))
@CLI_PROPERTY
@given(text=any_text)
def test_any_text_in_any_option_gives_a_clean_answer_on_the_terminal(
    cli_store: MemoryStore, capsys: pytest.CaptureFixture[str], field: str, text: str
) -> None:
    capsys.readouterr()
    code = main([arg.replace("{}", text) for arg in CLI_FIELDS[field]])
    out, err = capsys.readouterr()
    assert code in {0, 1, 2, 3}
    assert "Traceback" not in err
    assert_terminal_safe(out)
    assert_terminal_safe(err)
    if code != 0:
        assert out == ""
        assert err.startswith("error: ")
    for argv in (["sessions", "show", "s-1"], ["sessions", "list-all", "--since", "1d"]):  # what was stored
        assert main(argv) == 0
        assert_terminal_safe(capsys.readouterr().out)
    cli_store.delete("s-new")


# --- the rules themselves ---------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(any_text)
def test_the_schema_patterns_say_what_the_checks_do(text: str) -> None:
    def accepts(check: Any) -> bool:
        try:
            check(text)
        except ValueError:
            return False
        return True

    assert accepts(no_controls) == bool(re.fullmatch(NO_CONTROLS_PATTERN, text))
    assert accepts(visible_text) == bool(re.fullmatch(VISIBLE_PATTERN, text))


@settings(max_examples=500, deadline=None)
@given(any_text)
def test_terminal_safe_text_has_nothing_a_terminal_acts_on(text: str) -> None:
    shown = terminal_safe(text)
    assert_terminal_safe(shown.replace("\n", "\\n"))
    shown.encode("utf-8")  # no lone surrogate left
    if _no_controls_ok(text) and not any(c in text for c in "\u200e\u200f\u061c"):
        assert shown == text  # everything else is shown as it is


def _no_controls_ok(text: str) -> bool:
    try:
        no_controls(text)
    except ValueError:
        return False
    return not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\u202eb", "a\\u202eb"),
        ("\x9b", "\\x9b"),
        ("x\ud800", "x\\ud800"),
        ("tab\there", "tab\\x09here"),
        ("café ☕ 山田", "café ☕ 山田"),
        ("back\\slash", "back\\slash"),
    ],
)
def test_terminal_safe_examples(raw: str, shown: str) -> None:
    assert terminal_safe(raw) == shown


def test_the_range_limit_is_the_stores() -> None:
    from bot.store.checks import MAX_LIST_DAYS

    assert MAX_RANGE_DAYS == MAX_LIST_DAYS


def test_the_schema_documents_the_text_rules() -> None:
    schema = OPERATION.json_schema()
    review = schema["$defs"]["AddReview"]["properties"]
    assert review["reviewer"]["pattern"] == VISIBLE_PATTERN
    assert review["notes"]["pattern"] == NO_CONTROLS_PATTERN
    assert "redacted" in review["notes"]["description"]

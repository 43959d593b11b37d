"""Issue 10's leak scan: full conversations in every form the review found card data stored in,
played through the real handler on the SQLite store, then everything that was stored or can be
shown is read: every row of every table, the raw database file, its WAL and shared-memory files,
`python -m bot sessions show` (text and JSON) and the admin Lambda's `get_session`. The card
numbers and security codes used appear nowhere."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.store.sqlite import SqliteStore
from tests.conftest import TEST_SECRET, checked

EXPIRY = "12/30"
FULL_WIDTH = "４０００ ０５６６ ５５６６ ５５５６"  # 4000056655665556
ARABIC = "٥٥٥٥٥٥٥٥٥٥٥٥٤٤٤٤"  # 5555555555554444
PANS = ["4000056655665556", "5555555555554444", "4242424242424242", "378282246310005", "6011111111111117"]
CODES = ["389", "563", "817", "294", "7351"]
SPOKEN = {"563": "five six three", "294": "two nine four"}


def card_entry(client: LexTestClient) -> None:
    client.say("I'd like to make a payment", intent="CollectName")
    client.say("John")
    client.say("Smith")


def conversations(client_for: Any) -> None:
    # 1. full-width digits at the card prompt, then a code in free text
    c = client_for("leak-fullwidth")
    card_entry(c)
    c.say(FULL_WIDTH)
    c.say("sorry, it is 4000  0566  5566  5556")  # at the expiry prompt, odd separators
    c.say(EXPIRY)
    c.say("389")
    c.say("my cvv is 389", intent="FallbackIntent")
    # 2. a card number in 4-digit chunks, then a hand-off, then one more chunk
    c = client_for("leak-chunks")
    card_entry(c)
    for chunk in ("5555", "5555", "5555"):
        c.say(chunk)
    c.say("4444", intent="FallbackIntent")
    # 3. codes said in words and after an expiry, at the expiry prompt
    c = client_for("leak-codes")
    card_entry(c)
    c.say("4242 4242 4242 4242")
    c.say(f"{EXPIRY} and the security code is 817")
    c.say("my security code is five six three", intent="FallbackIntent")
    c.say("817")
    # 4. card number, expiry and code in one answer; Arabic-Indic digits; zero-width characters
    c = client_for("leak-oneanswer")
    card_entry(c)
    c.say(f"4242 4242 4242 4242 {EXPIRY} 294")
    c = client_for("leak-scripts")
    card_entry(c)
    c.say(ARABIC)
    c.say("3782\u200b822463\u200b10005")
    c.say("two nine four")
    # 5. spoken, with multipliers, given out of turn
    c = client_for("leak-spoken")
    c.say("my card is six oh double one triple one one one one one one one one seven", intent="CollectCard")
    c.say("the amex code is 7351", intent="FallbackIntent")


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    local = tmp_path / "local"
    env = {"BOT_STORE": "sqlite", "BOT_SIGNING_KEY": TEST_SECRET, "BOT_LOCAL_DIR": str(local)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env(env)
    pipeline = build_app(settings)
    conversations(lambda sid: LexTestClient(checked(pipeline.handle), session_id=sid))
    from bot.admin.factory import build_admin

    admin = build_admin(settings)  # operator text, through the admin service
    admin.add_session(
        "leak-admin", None, f"call back re {PANS[2]}", {"prompt": f"card {PANS[3]}", "response": "ok"}
    )
    admin.add_feedback("leak-admin", "down", comment=f"user read out {PANS[4]} cvv 389")
    admin.add_review("leak-admin", f"ops {PANS[0]}", "needs_attention", notes="security code 817 was said")
    assert isinstance(pipeline.store, SqliteStore)
    return settings.sqlite_path


def findings(text: str) -> list[str]:
    """Every card number or code of this test found in `text` (any script's digits, any spacing)."""
    folded = unicodedata.normalize("NFKC", text)
    digits = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in folded)
    compact = re.sub(r"[\s\u200b\-./,]", "", digits)
    found = [pan for pan in PANS if pan in compact or pan[-8:] in compact]
    # MACs, signatures and sealed values are long random tokens: "…a389b…" inside one is no code
    words = re.sub(r"[A-Za-z0-9_\-+/=]{20,}", " ", digits)
    found += [code for code in CODES if re.search(rf"(?<![0-9]){code}(?![0-9])", words)]
    found += [words for words in SPOKEN.values() if words in text.lower()]
    return found


def test_no_stored_row_holds_card_data(stored: Path) -> None:
    connection = sqlite3.connect(stored)
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [(table, row) for table in tables for row in connection.execute(f"SELECT * FROM {table}")]
    finally:
        connection.close()
    assert len(rows) > 40  # every turn of every conversation was stored
    for table, row in rows:
        for value in row:
            if isinstance(value, str):
                text = value
                for piece in re.findall(r'"(?:[^"\\]|\\.)*"', value):  # JSON columns: decode \u escapes
                    text += " " + json.loads(piece)
                assert findings(_without_numbers(text)) == [], (table, row)


_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")


def _without_numbers(text: str) -> str:
    """Timestamps, versions and indexes are numbers, not card data: ISO times (whose milliseconds
    could read as a code) and JSON number values are dropped (a code is text in a stored
    message, never a clock or a number field)."""
    text = _ISO_TIME.sub("<time>", text)
    return re.sub(r"(?<=[:\[,])\s*-?[0-9]+(?:\.[0-9]+)?(?=[,}\]])", "0", text)


def test_no_byte_of_the_database_its_wal_or_shm_holds_a_card_number(stored: Path) -> None:
    files = [p for p in (stored, Path(f"{stored}-wal"), Path(f"{stored}-shm")) if p.exists()]
    assert files
    for path in files:
        data = path.read_bytes()
        for pan in PANS:
            assert pan.encode() not in data, path
            assert pan[-8:].encode() not in data, path
        for text in (FULL_WIDTH, ARABIC, "4000  0566", *SPOKEN.values()):
            assert text.encode("utf-8") not in data, path
            assert text.encode("utf-16-le") not in data, path


def test_sessions_show_and_the_admin_lambda_show_no_card_data(
    stored: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.admin.handler import handle

    session_ids = [
        "leak-fullwidth",
        "leak-chunks",
        "leak-codes",
        "leak-oneanswer",
        "leak-scripts",
        "leak-spoken",
        "leak-admin",
    ]
    for sid in session_ids:
        for argv in (["sessions", "show", sid], ["sessions", "show", sid, "--json"]):
            assert main(argv) == 0
            out = capsys.readouterr().out
            assert out.strip()
            assert findings(_without_numbers(out)) == [], (sid, argv, out)
        result = handle({"operation": "get_session", "session_id": sid})
        assert result["ok"], result
        assert findings(_without_numbers(json.dumps(result, ensure_ascii=False))) == [], (sid, result)
    chunks = main(["sessions", "show", "leak-chunks", "--json"])
    assert chunks == 0
    history = json.loads(capsys.readouterr().out)["history"]
    users = [m["content"] for m in history if m["role"] == "user"]
    assert users[3:] == ["•••", "•••", "•••", "•••"]  # no chunk of the card is kept, hand-off or not

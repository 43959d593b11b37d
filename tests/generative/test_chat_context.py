"""`python -m bot chat --show-state` shows the context generative help would send for the next
question: redacted as sent, with its token estimate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.functional.test_chat_cli import chat


def test_show_state_prints_the_redacted_context_and_its_estimate(tmp_path: Path) -> None:
    lines = ["what can you do", "I'd like to make a payment", "John", "is this safe?", "Smith"]
    lines += ["my card is 4242 4242 4242 4242 ok?", "4242 4242 4242 4242", "my cvv is 389 right?"]
    run = chat(tmp_path, lines, "--show-state")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    found = re.findall(r"generative context \(offline; ~(\d+) tokens, budget 3000\)", out)
    assert len(found) == len(lines)
    assert all(0 < int(tokens) <= 3000 for tokens in found)
    assert "user: <user_text>is this safe?</user_text>" in out
    assert "2. remember your crypto wallet address" in out
    assert "first_name: John" in out
    for secret in ("4242424242424242", "4242 4242 4242 4242", "389"):
        assert secret not in out


def test_no_context_is_shown_with_generative_help_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENERATOR", "off")  # the chat subprocess inherits the environment
    run = chat(tmp_path, ["what can you do"], "--show-state")
    assert run.returncode == 0, run.stderr
    assert "generative context" not in run.stdout

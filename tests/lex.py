"""Checks a code-hook response the way Lex does (botocore's lexv2-runtime shapes + Lex's dialog
rules) — the same checks the local simulator applies to every Lambda response."""

from __future__ import annotations

from typing import Any

from bot.dev.simulator.checks import response_errors


def lex_errors(response: Any) -> list[str]:
    """Everything Lex would reject in this response (empty list = valid)."""
    return response_errors(response)


def assert_valid_lex_response(response: Any) -> None:
    errors = lex_errors(response)
    assert not errors, "\n".join(errors)

"""Typed errors of the session administration service, mapped to codes by the Lambda and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pydantic import ValidationError

MAX_DETAILS = 20
MAX_LOC_PART = 64
SUMMARIZED = 3  # details quoted in the message


class AdminError(Exception):
    """Base class: `code` is the machine-readable error code, `str(exc)` a safe message."""

    code: ClassVar[str] = "internal"
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidInput(AdminError):
    code = "invalid_input"
    exit_code = 2


class NotFound(AdminError):
    code = "not_found"
    exit_code = 1


class Conflict(AdminError):
    code = "conflict"
    exit_code = 1


class Unavailable(AdminError):
    code = "unavailable"
    exit_code = 3


def _loc_part(part: Any) -> str | int:
    if isinstance(part, int) and not isinstance(part, bool):
        return part
    text = str(part)
    return text if len(text) <= MAX_LOC_PART else text[:MAX_LOC_PART] + "…"


def invalid_input(exc: ValidationError, *, operation: str | None = None) -> InvalidInput:
    """An `InvalidInput` from a pydantic error: where and what, never the input values.

    `operation` (the discriminator tag) is dropped from the front of each location.
    """
    details: list[dict[str, Any]] = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        loc = [_loc_part(part) for part in error["loc"]]
        if operation is not None and loc[:1] == [operation]:
            loc = loc[1:]
        kind = error["type"]
        if kind == "union_tag_invalid":
            from bot.admin.models import OPERATION_NAMES

            message = f"unknown operation (expected one of: {', '.join(OPERATION_NAMES)})"
            loc = ["operation"]
        elif kind == "union_tag_not_found":
            message = "missing operation"
            loc = ["operation"]
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        details.append({"loc": loc, "msg": message, "type": kind})
    omitted = len(details) - MAX_DETAILS
    details = details[:MAX_DETAILS]
    if omitted > 0:
        details.append({"loc": [], "msg": f"{omitted} more errors not shown", "type": "too_many_errors"})
    return InvalidInput(f"invalid request: {summarize(details)}" if details else "invalid request", details)


def where(detail: dict[str, Any]) -> str:
    """ "first_entry.prompt: String should have at most 1024 characters" (or just the message)."""
    loc = ".".join(str(part) for part in detail.get("loc", []))
    return f"{loc}: {detail.get('msg')}" if loc else str(detail.get("msg"))


def summarize(details: list[dict[str, Any]], shown: int | None = None) -> str:
    """The first details as one line (the rest counted)."""
    shown = SUMMARIZED if shown is None else shown
    text = "; ".join(where(detail) for detail in details[:shown])
    return text + (f" (and {len(details) - shown} more)" if len(details) > shown else "")

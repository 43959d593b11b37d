"""Lambda entry point of SessionAdminFunction: `bot.admin.handler.lambda_handler(event, context)`.

The event is one operation, `{"operation": "get_session", "session_id": "..."}` (the JSON schema is
`bot/admin/schema.json`). The answer is always a JSON object, never an unhandled exception:

    {"ok": true, "result": {...}}
    {"ok": false, "error": {"code": "invalid_input" | "not_found" | "conflict" | "unavailable"
                                    | "internal", "message": "...", "details": [{"loc", "msg", "type"}]}}

Input values are never echoed back (validation details carry locations and messages only) and
never logged. The service (settings, keys, store) is built once per container, on first use.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.admin.errors import AdminError, InvalidInput
from bot.config import ConfigError

if TYPE_CHECKING:
    from bot.admin.models import Operation
    from bot.admin.service import SessionAdmin

logger = logging.getLogger("bot.admin")

_admin: SessionAdmin | None = None


def get_admin() -> SessionAdmin:
    """The container's service, built on first use (a failed build is retried next time)."""
    global _admin
    if _admin is None:
        from bot.admin.factory import admin_settings, build_admin
        from bot.logs import configure_logging

        settings = admin_settings()
        configure_logging(settings.log_level)
        _admin = build_admin(settings)
    return _admin


def parse_event(event: Any) -> Operation:
    """The validated operation of an event; `InvalidInput` (with safe details) otherwise."""
    from pydantic import ValidationError

    from bot.admin.errors import invalid_input
    from bot.admin.models import OPERATION

    if not isinstance(event, dict):
        raise InvalidInput(
            'the event must be a JSON object like {"operation": "get_session", "session_id": "..."}',
            [{"loc": [], "msg": "expected a JSON object", "type": "model_type"}],
        )
    try:
        return OPERATION.validate_python(event)
    except ValidationError as exc:
        tag = event.get("operation")
        raise invalid_input(exc, operation=tag if isinstance(tag, str) else None) from None


def _error(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message, "details": details or []}}


def handle(event: Any, admin: Callable[[], SessionAdmin] = get_admin) -> dict[str, Any]:
    """Validate, dispatch, and wrap the outcome (`admin` builds or returns the service)."""
    operation_name = "unknown"
    try:
        operation = parse_event(event)
        operation_name = operation.operation
        result = admin().execute(operation)
    except AdminError as exc:
        logger.info("admin %s: %s", operation_name, exc.code, extra={"operation": operation_name})
        return _error(exc.code, exc.message, exc.details)
    except ConfigError as exc:  # our own message, safe to log; the caller only learns the kind
        logger.error("admin service misconfigured: %s", exc, extra={"operation": operation_name})
        return _error("internal", "the session admin service is misconfigured; see the function's logs")
    except Exception as exc:
        # The type and where, not the message: an exception message may quote the input.
        logger.error(
            "admin %s failed: %s",
            operation_name,
            type(exc).__name__,
            extra={"operation": operation_name, "where": traceback.format_tb(exc.__traceback__)[-3:]},
        )
        return _error("internal", "internal error; see the function's logs")
    logger.info("admin %s: ok", operation_name, extra={"operation": operation_name})
    return {"ok": True, "result": result}


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    return handle(event)

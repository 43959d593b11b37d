"""Wiring of the session administration service from `Settings` (shared by the Lambda and the CLI).

The admin Lambda runs no bot: it needs only the framework's settings (a DynamoDB table and the
signing-key secret under Lambda); the settings of a bot's parts (a payment gateway) are never
read or required here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from bot.admin.service import SessionAdmin
    from bot.security.keys import Keys
    from bot.store.base import SessionStore


def admin_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings for the admin service: the framework's, with their Lambda checks."""
    return Settings.from_env(dict(os.environ if env is None else env))


def build_store(settings: Settings) -> SessionStore:
    """The session store of these settings (the same construction as `bot.handler.build_app`).

    A store that cannot even be opened (an unwritable BOT_LOCAL_DIR, a bad endpoint URL) is a
    settings problem: `ConfigError`, saying which settings to check.
    """
    from bot.store import make_store

    try:
        return make_store(
            settings.store,
            sqlite_path=str(settings.sqlite_path),
            table_name=settings.session_table,
            endpoint_url=settings.dynamodb_endpoint_url,
            region=settings.aws_region,
            # nothing lives longer than this after its last activity: time listings skip older days
            retention_seconds=max(settings.session_ttl_seconds, settings.review_retention_seconds),
        )
    except _open_errors(settings) as exc:
        raise ConfigError(_open_failure(settings, exc)) from None


def _open_errors(settings: Settings) -> tuple[type[Exception], ...]:
    """What opening this kind of store raises for bad settings (backend modules imported lazily)."""
    from bot.store import StoreUnavailable

    errors: tuple[type[Exception], ...] = (StoreUnavailable, OSError, ValueError)
    if settings.store == "sqlite":
        import sqlite3

        errors += (sqlite3.Error,)
    elif settings.store == "dynamodb":
        from botocore.exceptions import BotoCoreError

        errors += (BotoCoreError,)
    return errors


def _open_failure(settings: Settings, exc: Exception) -> str:
    reason = str(exc) if not isinstance(exc, OSError) else f"{type(exc).__name__}: {exc.strerror}"
    if settings.store == "sqlite":
        return (
            f"cannot open the SQLite session store {settings.sqlite_path} ({reason}): "
            "make BOT_LOCAL_DIR (or BOT_SQLITE_PATH) a writable directory"
        )
    return (
        f"cannot set up the {settings.store} session store ({reason}): "
        "check SESSION_TABLE, AWS_REGION and DYNAMODB_ENDPOINT_URL"
    )


def build_admin(
    settings: Settings | None = None,
    *,
    store: SessionStore | None = None,
    keys: Keys | None = None,
    clock: Callable[[], float] = time.time,
) -> SessionAdmin:
    """A `SessionAdmin` over the configured store, signing with the configured history key."""
    from bot.admin.service import SessionAdmin
    from bot.security.keys import load_keys

    settings = settings or admin_settings()
    return SessionAdmin(
        store if store is not None else build_store(settings),
        keys if keys is not None else load_keys(settings),
        clock=clock,
        session_ttl_seconds=settings.session_ttl_seconds,
        history_grace_seconds=settings.history_grace_seconds,
        review_retention_seconds=settings.review_retention_seconds,
    )

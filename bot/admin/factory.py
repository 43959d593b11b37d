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

from bot.config import Settings

if TYPE_CHECKING:
    from bot.admin.service import SessionAdmin
    from bot.security.keys import Keys
    from bot.store.base import SessionStore


def admin_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings for the admin service: the framework's, with their Lambda checks."""
    return Settings.from_env(dict(os.environ if env is None else env))


def build_store(settings: Settings) -> SessionStore:
    """The session store of these settings (the same construction as `bot.handler.build_app`)."""
    from bot.store import make_store

    return make_store(
        settings.store,
        sqlite_path=str(settings.sqlite_path),
        table_name=settings.session_table,
        endpoint_url=settings.dynamodb_endpoint_url,
        region=settings.aws_region,
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

"""Wiring of the session administration service from `Settings` (shared by the Lambda and the CLI).

The admin Lambda takes no payments: under Lambda its settings are checked for what it uses (a
DynamoDB table and the signing-key secret) instead of the fulfillment function's checks, which
also require the Stripe secret. The fulfillment function's own checks are untouched.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, in_lambda

if TYPE_CHECKING:
    from bot.admin.service import SessionAdmin
    from bot.security.keys import Keys
    from bot.store.base import SessionStore


def admin_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings for the admin service: the bot's, minus the payment requirements under Lambda."""
    e = dict(os.environ if env is None else env)
    if not in_lambda(e):
        return Settings.from_env(e)
    # Read the variables as outside Lambda (no payment checks), with Lambda's store default,
    # then apply the admin function's own Lambda checks.
    e.pop("AWS_LAMBDA_FUNCTION_NAME")
    e.setdefault("BOT_STORE", "dynamodb")
    e.pop("PAYMENT_GATEWAY", None)
    settings = dataclasses.replace(Settings.from_env(e), in_lambda=True)
    check_admin_lambda(settings)
    return settings


def check_admin_lambda(settings: Settings) -> None:
    """What the admin Lambda needs: the DynamoDB table and the signing-key secret (never a literal)."""
    if settings.store != "dynamodb":
        raise ConfigError(f"BOT_STORE={settings.store} is local-only; use dynamodb under Lambda")
    if not settings.signing_secret_arn:
        raise ConfigError("SIGNING_KEY_SECRET_ARN is required under Lambda: there is no default signing key")
    if settings.signing_key:
        raise ConfigError("BOT_SIGNING_KEY is not accepted under Lambda: use SIGNING_KEY_SECRET_ARN")


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

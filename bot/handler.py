"""Lambda entry point: `bot.handler.lambda_handler(event, context)`.

The app (settings, keys, store, router) is built once per container. Under Lambda it is built
at import (init), so a missing setting fails the cold start with a clear message instead of
failing a user's turn. Each invocation builds its own Turn and session: nothing a turn
mutates is shared between invocations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import App
from bot.config import ConfigError, Settings, in_lambda
from bot.identity import TokenVerifier
from bot.logs import configure_logging


def build_app(settings: Settings | None = None, **overrides: Any) -> App:
    """Wire an App from settings (the environment by default). `overrides` replace App arguments."""
    from bot.payments import PaymentGateway, make_gateway
    from bot.security.keys import fetch_secret_string, load_keys
    from bot.store import make_store
    from bot.turn import Services
    from intents import ROUTER, SENSITIVE_SLOTS

    settings = settings or Settings.from_env()
    keys = load_keys(settings)
    token_secret = settings.user_token_secret
    if settings.user_token_secret_arn:
        token_secret = fetch_secret_string(settings.user_token_secret_arn, settings)
    verifier = TokenVerifier(
        hs256_secret=token_secret.encode() if token_secret else None,
        rs256_public_key=settings.user_token_public_key,
        jwks=_jwks(settings.user_token_jwks),
        issuer=settings.user_token_issuer,
        audience=settings.user_token_audience,
    )

    def gateway_factory() -> PaymentGateway:
        api_key = settings.stripe_api_key
        if settings.payment_gateway == "stripe" and settings.stripe_secret_arn:
            api_key = fetch_secret_string(settings.stripe_secret_arn, settings)
        return make_gateway(
            settings.payment_gateway,
            secret=keys.ids,
            stripe_api_key=api_key,
            stripe_api_base=settings.stripe_api_base,
        )

    arguments: dict[str, Any] = {
        "router": ROUTER,
        "store": make_store(
            settings.store,
            sqlite_path=str(settings.sqlite_path),
            table_name=settings.session_table,
            endpoint_url=settings.dynamodb_endpoint_url,
            region=settings.aws_region,
        ),
        "services": Services(
            keys=keys, gateway_factory=gateway_factory, max_slot_attempts=settings.max_slot_attempts
        ),
        "sensitive_slots": SENSITIVE_SLOTS,
        "session_ttl_seconds": settings.session_ttl_seconds,
        "verifier": verifier,
        "history_window": settings.history_window,
        "history_grace_seconds": settings.history_grace_seconds,
        "profile_ttl_seconds": settings.profile_ttl_seconds,
    }
    arguments.update(overrides)
    return App(**arguments)


def _jwks(value: str | None) -> str | None:
    """USER_TOKEN_JWKS holds the JWKS document itself, or a path to it."""
    if not value or value.lstrip().startswith("{"):
        return value
    try:
        return Path(value).read_text()
    except OSError as exc:
        raise ConfigError(f"USER_TOKEN_JWKS: cannot read {value}: {exc.strerror}") from None


_app: App | None = None


def get_app() -> App:
    global _app
    if _app is None:
        settings = Settings.from_env()
        configure_logging(settings.log_level)
        _app = build_app(settings)
    return _app


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return get_app().handle(event, context)


if in_lambda():  # fail at init, not mid-conversation
    get_app()

"""Lambda entry point: `bot.handler.lambda_handler(event, context)`.

The app named by `BOT_APP` (see `bot.loader`) is built once per container. Under Lambda it is
built at import (init), so a missing setting fails the cold start with a clear message instead
of failing a user's turn. Each invocation builds its own Turn and session: nothing a turn mutates
is shared between invocations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.config import Settings, in_lambda
from bot.logs import configure_logging

if TYPE_CHECKING:
    from bot.app import App
    from bot.pipeline import Pipeline


def build_app(
    settings: Settings | None = None, *, app: App[Any] | None = None, **overrides: Any
) -> Pipeline[Any]:
    """Build `app` (default: the one `BOT_APP` names) for this container. `overrides` replace
    what would be built (`store`, `keys`, `clock`, ...), see `App.build`."""
    from bot.loader import load_app

    return (app or load_app()).build(settings, **overrides)


_pipeline: Pipeline[Any] | None = None


def get_app() -> Pipeline[Any]:
    global _pipeline
    if _pipeline is None:
        settings = Settings.from_env()
        configure_logging(settings.log_level)
        _pipeline = build_app(settings)
    return _pipeline


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return get_app().handle(event, context)


if in_lambda():  # fail at init, not mid-conversation
    get_app()

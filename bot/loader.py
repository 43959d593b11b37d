"""Which app to run: `BOT_APP=package.module:attribute` (default: the reference payment bot).

Used by `bot.handler.lambda_handler` and by every local command (`--app` overrides it). The
attribute defaults to `app`. The current directory is importable, as with `python -m`, and
`app_dir` adds another (`--app-dir`), so a bot outside the checkout runs as well.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from typing import Any

from bot.app import App
from bot.config import ConfigError

DEFAULT_APP = "intents.app:app"  # the reference bot, by name only: the framework never imports it


def app_spec(env: Mapping[str, str] | None = None) -> str:
    return (env if env is not None else os.environ).get("BOT_APP") or DEFAULT_APP


def load_app(spec: str | None = None, *, app_dir: str | os.PathLike[str] | None = None) -> App[Any]:
    """Import `package.module:attribute` and return the `App` it names.

    Raises `ConfigError` with what to do when the module cannot be imported or the attribute is
    not an `App`.
    """
    spec = spec or app_spec()
    module_name, _, attribute = spec.partition(":")
    attribute = attribute or "app"
    if not module_name or not all(part.isidentifier() for part in module_name.split(".")):
        raise ConfigError(f"BOT_APP must look like package.module:attribute (got {spec!r})")
    for directory in (app_dir, os.getcwd()):
        if directory is not None and os.fspath(directory) not in sys.path:
            sys.path.insert(0, os.fspath(directory))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise ConfigError(
                f"BOT_APP={spec}: no module named {exc.name!r} (run from the directory that holds it, "
                "or pass --app-dir)"
            ) from None
        raise
    app = getattr(module, attribute, None)
    if not isinstance(app, App):
        raise ConfigError(f"BOT_APP={spec}: {module_name}.{attribute} is not a bot.App")
    return app

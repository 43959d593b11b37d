"""An app built for local use with its bot definition: the simulator, the test client and every
local command start here.

    bot = local_bot("appointments.app:app", "examples/appointments/template.yaml")
    bot.problems                    # how the app and the template disagree (reported, not fatal)
    sim = bot.simulator()           # a local Lex V2 runtime for the app
    sim.say("book an appointment tomorrow at 3pm")

The pipeline is built with the template's names (`bot.schema`): a handler that uses a slot or an
intent the template does not define raises `UnknownName` naming it and the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.app import App
from bot.loader import load_app
from bot.schema import BotSchema

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.dev.simulator.definition import BotDefinition
    from bot.dev.simulator.runtime import LexSimulator
    from bot.dev.testing import LexTestClient
    from bot.pipeline import Pipeline

DEFAULT_TEMPLATE = "template.yaml"


def schema_of(definition: BotDefinition, locale: str = "en_US") -> BotSchema:
    """The intents and slots of one locale of the bot definition."""
    found = definition.locale(locale)
    where = Path(definition.source).name if definition.source else definition.name
    return BotSchema(
        source=f"{where} (bot {definition.name}, locale {locale})",
        intents={name: frozenset(intent.slots) for name, intent in found.intents.items()},
    )


@dataclass(slots=True)
class LocalBot:
    app: App[Any]
    definition: BotDefinition
    pipeline: Pipeline[Any]
    locale: str = "en_US"
    problems: list[str] = field(default_factory=list)

    @property
    def schema(self) -> BotSchema:
        return schema_of(self.definition, self.locale)

    def simulator(self, **kw: Any) -> LexSimulator:
        from bot.dev.simulator.runtime import LexSimulator

        kw.setdefault("locale", self.locale)
        kw.setdefault("masked_slots", frozenset(self.app.sensitive_slots))
        return LexSimulator(self.definition, self.pipeline.handle, **kw)

    def client(self, **kw: Any) -> LexTestClient:
        from bot.dev.testing import LexTestClient

        kw.setdefault("bot_name", self.definition.name)
        return LexTestClient(self.pipeline.handle, **kw)


def local_bot(
    app: str | App[Any] | None = None,
    template: str | os.PathLike[str] = DEFAULT_TEMPLATE,
    *,
    settings: Settings | None = None,
    locale: str = "en_US",
    app_dir: str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> LocalBot:
    """Load the app (a `BOT_APP`-style spec, an App, or None for `BOT_APP`), read its template,
    and build it with name checks against the template. `overrides` go to `App.build`."""
    from bot.dev.simulator.definition import load_definition

    chosen = app if isinstance(app, App) else load_app(app, app_dir=app_dir)
    definition = load_definition(template)
    schema = schema_of(definition, locale)
    pipeline = chosen.build(settings, schema=schema, **overrides)
    return LocalBot(chosen, definition, pipeline, locale, chosen.check(schema))


def conversations_dir(template: str | os.PathLike[str] = DEFAULT_TEMPLATE) -> Path:
    """Where a bot's conversation files live: `conversations/` beside its template, else
    `tests/conversations` (the reference bot's)."""
    beside = Path(template).resolve().parent / "conversations"
    return beside if beside.is_dir() else Path("tests") / "conversations"

"""A framework for Amazon Lex V2 fulfillment Lambdas.

    from bot import App, Ask, Form, Intent, Session, Turn, dialog

The public names are imported on first use, so `import bot.store` (the admin Lambda) or
`import bot.validation` pays only for what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot import dialog
    from bot.app import App
    from bot.dialog import Message, Reply
    from bot.forms import Ask, Form, FormContext, FormValues, retry
    from bot.handlers import Intent
    from bot.parts import Part, PartContext
    from bot.pipeline import Pipeline
    from bot.schema import BotSchema, UnknownName
    from bot.session import Session
    from bot.texts import Texts
    from bot.turn import Turn
    from bot.validation.result import Invalid, Valid, Validation

_EXPORTS = {
    "App": "bot.app",
    "Ask": "bot.forms",
    "BotSchema": "bot.schema",
    "Form": "bot.forms",
    "FormContext": "bot.forms",
    "FormValues": "bot.forms",
    "Intent": "bot.handlers",
    "Invalid": "bot.validation.result",
    "Message": "bot.dialog",
    "Part": "bot.parts",
    "PartContext": "bot.parts",
    "Pipeline": "bot.pipeline",
    "Reply": "bot.dialog",
    "Session": "bot.session",
    "Texts": "bot.texts",
    "Turn": "bot.turn",
    "UnknownName": "bot.schema",
    "Valid": "bot.validation.result",
    "Validation": "bot.validation.result",
    "retry": "bot.forms",
}

__all__ = [
    "App",
    "Ask",
    "BotSchema",
    "Form",
    "FormContext",
    "FormValues",
    "Intent",
    "Invalid",
    "Message",
    "Part",
    "PartContext",
    "Pipeline",
    "Reply",
    "Session",
    "Texts",
    "Turn",
    "UnknownName",
    "Valid",
    "Validation",
    "dialog",
    "retry",
]


def __getattr__(name: str) -> Any:
    if name == "dialog":
        return importlib.import_module("bot.dialog")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bot' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

"""A bot's messages, one catalogue per locale, chosen from the event's `bot.localeId` every turn.

The keys are a dataclass the bot declares (typed: `say(turn).ask_card_number`); each locale is a
module of its package named after the Lex locale id, holding a dict:

    # intents/messages/__init__.py
    @dataclass(frozen=True)
    class Messages:
        ask_card_number: Phrase
        summary: Phrase
        card_problems: Mapping[str, Phrase]

    CATALOG = Catalog(Messages, __name__)          # default locale: en_US

    # intents/messages/es_US.py
    MESSAGES = {"ask_card_number": "¿Cuál es el número de la tarjeta?", ...}
    TEXTS = {"sorry_retry": "..."}                 # optional: the framework's texts (bot.texts)

A value is a `str.format` template or a `Phrase(text=..., voice=...)`. A key a locale lacks falls
back to the default locale's (per key, also inside a mapping); a locale the bot has no module for
falls back to another locale of its language (es_MX -> es_US), then to the default. `problems()`
reports unknown keys, wrong value types and placeholders that differ from the default's; the
pytest plugin and `python -m bot chat` run it. Adding a locale is adding its module (and the
template's locale): nothing else.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import typing
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from bot.language import language_code
from bot.speech import Phrase
from bot.texts import Texts, framework_texts

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.forms import FormContext
    from bot.turn import Turn

_LOCALE = re.compile(r"[a-z]{2}_[A-Z0-9]{2,3}")


class Catalog[M]:
    """The per-locale messages of one bot (`M`: a dataclass of `Phrase` or `Mapping[str, Phrase]`)."""

    def __init__(self, messages: type[M], package: str, *, default: str = "en_US") -> None:
        if not dataclasses.is_dataclass(messages):
            raise TypeError(f"{messages.__name__} must be a dataclass of Phrase fields")
        self.messages = messages
        self.package = package
        self.default = default
        self._built: dict[str, M] = {}
        self._texts: dict[str, Texts] = {}

    # -- what a turn reads ----------------------------------------------------------------------

    def __call__(self, turn: Turn[Any]) -> M:
        """The messages in `turn`'s locale: `say(turn).ask_card_number`."""
        return self.get(turn.locale)

    def prompt(self, pick: Callable[[M], Phrase]) -> Callable[[FormContext[Any]], Phrase]:
        """A form prompt from this catalogue, in the turn's locale, formatted with the session's
        fields: `Ask("CardNumber", ..., CATALOG.prompt(lambda m: m.ask_card_number))`."""
        return lambda form: pick(self.get(form.turn.locale))

    def get(self, locale_id: str) -> M:
        """The messages for `locale_id` (cached; built from its module over the default's)."""
        locale = self.resolve(locale_id)
        built = self._built.get(locale)
        if built is None:
            built = self._build(locale)
            self._built[locale] = built
        return built

    def texts(self, locale_id: str, base: Texts | None = None) -> Texts:
        """The framework's texts for `locale_id`: `base` (default: the language's, `bot.texts`),
        with the locale module's `TEXTS` (and the default locale's, where the language is the
        same) over them."""
        locale = self.resolve(locale_id)
        found = self._texts.get(locale) if base is None else None
        if found is None:
            found = base or framework_texts(language_code(locale))
            layers = (
                [self.default, locale] if language_code(self.default) == language_code(locale) else [locale]
            )
            for layer in dict.fromkeys(layers):
                overrides = getattr(self._module(layer), "TEXTS", None) or {}
                found = dataclasses.replace(found, **overrides)
            if base is None:
                self._texts[locale] = found
        return found

    def resolve(self, locale_id: str) -> str:
        """The locale whose module serves `locale_id`."""
        if locale_id in self.locales:
            return locale_id
        language = language_code(locale_id)
        for locale in self.locales:
            if language_code(locale) == language:
                return locale
        return self.default

    @cached_property
    def locales(self) -> tuple[str, ...]:
        """The locales this catalogue has a module for, the default first."""
        package = importlib.import_module(self.package)
        names = sorted(
            info.name for info in pkgutil.iter_modules(package.__path__) if _LOCALE.fullmatch(info.name)
        )
        if self.default not in names:
            raise LookupError(f"{self.package} has no module for its default locale {self.default}")
        return (self.default, *(n for n in names if n != self.default))

    # -- checks ---------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """What is wrong in the catalogues: unknown keys, wrong types, placeholders that differ
        from the default locale's, TEXTS keys that are not `bot.texts.Texts` fields."""
        found: list[str] = []
        base = self._raw(self.default)
        text_fields = {f.name for f in dataclasses.fields(Texts)}
        for locale in self.locales:
            raw = self._raw(locale)
            where = f"{self.package}.{locale}"
            for key in sorted(set(raw) - self._keys):
                found.append(f"{where}: unknown key {key!r} (not a field of {self.messages.__name__})")
            for key in sorted(set(raw) & self._keys):
                found += _compare(where, key, raw[key], base.get(key), self._is_mapping(key))
            texts = getattr(self._module(locale), "TEXTS", None) or {}
            for key in sorted(set(texts) - text_fields):
                found.append(f"{where}: TEXTS has unknown key {key!r}")
        for key in sorted(self._keys - set(base)):
            found.append(f"{self.package}.{self.default}: the default locale lacks {key!r}")
        return found

    def missing(self, locale_id: str) -> list[str]:
        """The keys `locale_id` takes from the default locale (not translated yet)."""
        raw = self._raw(self.resolve(locale_id))
        gaps = [key for key in sorted(self._keys) if key not in raw]
        for key in sorted(self._keys & set(raw)):
            if self._is_mapping(key) and isinstance(raw[key], Mapping):
                base = self._raw(self.default).get(key) or {}
                gaps += [f"{key}.{sub}" for sub in sorted(set(base) - set(raw[key]))]
        return gaps

    # -- building -------------------------------------------------------------------------------

    @cached_property
    def _keys(self) -> frozenset[str]:
        return frozenset(f.name for f in dataclasses.fields(self.messages))  # type: ignore[arg-type]

    @cached_property
    def _mappings(self) -> frozenset[str]:
        """The keys whose value is a mapping of messages (read from the dataclass's annotations once)."""
        hints = typing.get_type_hints(self.messages)
        return frozenset(key for key, hint in hints.items() if typing.get_origin(hint) in (Mapping, dict))

    def _is_mapping(self, key: str) -> bool:
        return key in self._mappings

    def _module(self, locale: str) -> Any:
        return importlib.import_module(f"{self.package}.{locale}")

    def _raw(self, locale: str) -> Mapping[str, Any]:
        raw = getattr(self._module(locale), "MESSAGES", None)
        if not isinstance(raw, Mapping):
            raise TypeError(f"{self.package}.{locale} must define MESSAGES, a dict of message templates")
        return raw

    def _build(self, locale: str) -> M:
        base, own = self._raw(self.default), self._raw(locale)
        values: dict[str, Any] = {}
        for key in self._keys:
            if self._is_mapping(key):
                merged = {**_mapping(base.get(key)), **_mapping(own.get(key))}
                values[key] = {sub: _phrase(value) for sub, value in merged.items()}
            else:
                value = own.get(key, base.get(key))
                if value is None:
                    raise LookupError(f"{self.package}: no locale defines {key!r}")
                values[key] = _phrase(value)
        return self.messages(**values)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _phrase(value: Any) -> Phrase:
    if isinstance(value, Phrase):
        return value
    if isinstance(value, str):
        return Phrase(value)
    raise TypeError(f"a message must be a str or a Phrase, not {type(value).__name__}")


def _compare(where: str, key: str, value: Any, base: Any, is_mapping: bool) -> list[str]:
    if is_mapping:
        if not isinstance(value, Mapping):
            return [f"{where}: {key!r} must be a mapping of messages"]
        found: list[str] = []
        for sub in sorted(value):
            if not isinstance(base, Mapping) or sub not in base:
                found.append(f"{where}: {key}.{sub} is not a key of the default locale")
            else:
                found += _compare(where, f"{key}.{sub}", value[sub], base[sub], False)
        return found
    if not isinstance(value, (str, Phrase)):
        return [f"{where}: {key!r} must be a str or a Phrase"]
    if base is None or not isinstance(base, (str, Phrase)):
        return []
    mine, theirs = _phrase(value).placeholders(), _phrase(base).placeholders()
    if mine != theirs:
        return [f"{where}: {key!r} has placeholders {sorted(mine)}, the default locale {sorted(theirs)}"]
    return []

"""Wire codec for typed session attributes: a Pydantic model <-> Lex's string->string map.

lex-helper serializes each attribute with `str()`, so lists, dicts and nested models become
Python reprs that fail to parse on the next turn. Here every field has one exact encoding:
strings (and string enums) travel as themselves; everything else as compact JSON. Fields equal
to their default are omitted, so the map stays small and its serialization is canonical.
Only the fields an application declares travel: lex-helper's own bookkeeping fields
(`previous_message`, `user_authenticated`, ...) of a session that mixes in its `SessionAttributes`
are never serialized, and never read back. lex-helper is never imported here: its fields are
recognised by the module of the class that declares them.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from bot.jsontext import encoder

_LIBRARY_MODULE = "lex_helper"  # classes from this package declare bookkeeping fields, not the bot's


class StateDecodeError(ValueError):
    """The map does not describe a valid model. The message names fields, never values."""


@cache
def wire_fields(model: type[BaseModel]) -> dict[str, bool]:
    """Field name -> True if the field travels as a raw string (str / str-enum / optional of those)."""
    library = _library_fields(model)
    own = {name: info for name, info in model.model_fields.items() if name not in library}
    return {name: _is_stringy(info.annotation) for name, info in own.items()}


def _library_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields a lex-helper base class (`SessionAttributes`) declares, if the model has one."""
    names: set[str] = set()
    for base in model.__mro__:
        module = getattr(base, "__module__", "") or ""
        if (module == _LIBRARY_MODULE or module.startswith(_LIBRARY_MODULE + ".")) and issubclass(
            base, BaseModel
        ):
            names.update(base.model_fields)
    return frozenset(names)


def encode[T: BaseModel](state: T) -> dict[str, str]:
    """The model as a str->str map: non-default fields only, sorted by name."""
    out: dict[str, str] = {}
    defaults = _defaults(type(state))
    for name, raw in sorted(wire_fields(type(state)).items()):
        value = getattr(state, name)
        if value is None or value == defaults.get(name, _MISSING):
            continue
        if raw:
            out[name] = value.value if isinstance(value, enum.Enum) else str(value)
        else:
            out[name] = _ENCODE(_adapter(type(state), name).dump_python(value, mode="json"))
    return out


def decode[T: BaseModel](model: type[T], attributes: Mapping[str, str]) -> T:
    """Rebuild the model from a map produced by `encode` (unknown keys are ignored)."""
    data: dict[str, Any] = {}
    bad: list[str] = []
    for name, raw in wire_fields(model).items():
        if name not in attributes:
            continue
        text: object = attributes[name]
        if not isinstance(text, str):  # a map built outside `encode` (e.g. a hand-made event)
            bad.append(name)
            continue
        if raw:
            data[name] = text
            continue
        try:
            data[name] = json.loads(text)
        except ValueError:
            bad.append(name)
    if bad:
        raise StateDecodeError(f"malformed session attributes: {', '.join(sorted(bad))}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        raise StateDecodeError(f"invalid session attributes: {', '.join(fields)}") from None


class _Missing:
    pass


_MISSING = _Missing()
# json.dumps(value, separators=(",", ":"), sort_keys=True), from one prebuilt encoder
_ENCODE = encoder(ensure_ascii=True, sort_keys=True)


@cache
def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    instance = model()
    return {name: getattr(instance, name) for name in wire_fields(model)}


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    annotation = model.model_fields[name].annotation
    assert annotation is not None
    return TypeAdapter(annotation)


def _is_stringy(annotation: Any) -> bool:
    if annotation is str:
        return True
    if isinstance(annotation, type) and issubclass(annotation, str):
        return True  # str subclasses, StrEnum
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(args) == 1 and _is_stringy(args[0])
    return False

"""`copy_record` / `copy_message` (built positionally for speed) copy every field to itself,
share no mutable map or list, apply changes, and refuse unknown fields."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.store.base import Feedback, MessageRecord, Review, SessionRecord
from bot.store.layout import copy_message, copy_record


def _distinct(cls: Any) -> Any:
    """An instance whose every field holds a value no other field has."""
    values: dict[str, object] = {}
    for number, f in enumerate(dataclasses.fields(cls)):
        kind = str(f.type)
        if "dict" in kind:
            values[f.name] = {f"k{number}": f"v{number}"}
        elif "list" in kind:
            values[f.name] = [f"line {number}"]
        elif kind.startswith("int"):
            values[f.name] = 1000 + number
        elif kind == "bool":
            values[f.name] = True
        elif "Feedback" in kind:
            values[f.name] = Feedback(rating="up", comment=f"c{number}", at=number)
        elif "Review" in kind:
            values[f.name] = Review(reviewer=f"r{number}", verdict="ok", at=number)
        else:
            values[f.name] = f"text {number}"
    return cls(**values)


@pytest.mark.parametrize(("cls", "copy"), [(SessionRecord, copy_record), (MessageRecord, copy_message)])
def test_every_field_is_copied_and_nothing_mutable_is_shared(cls: Any, copy: Any) -> None:
    original = _distinct(cls)
    copied = copy(original)
    assert copied == original
    assert type(copied) is cls
    for f in dataclasses.fields(cls):
        value = getattr(original, f.name)
        if isinstance(value, (dict, list)):
            assert getattr(copied, f.name) is not value


def test_changes_replace_fields_as_dataclasses_replace_does() -> None:
    record = _distinct(SessionRecord)
    state = {"step": "card"}
    changed = copy_record(record, state=state, version=7)
    assert changed == dataclasses.replace(record, state=state, version=7)
    message = _distinct(MessageRecord)
    assert copy_message(message, user="hi", bot=["a"]) == dataclasses.replace(message, user="hi", bot=["a"])


@pytest.mark.parametrize(("cls", "copy"), [(SessionRecord, copy_record), (MessageRecord, copy_message)])
def test_an_unknown_field_is_refused(cls: Any, copy: Any) -> None:
    with pytest.raises(AttributeError):
        copy(_distinct(cls), no_such_field=1)

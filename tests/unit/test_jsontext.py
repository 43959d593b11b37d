"""`bot.jsontext.encoder` gives exactly json.dumps's text for the same options."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import jsontext

OPTIONS = [
    (separators, a, s)
    for separators in ((",", ":"), (", ", ": "), (",", ": "))
    for a in (True, False)
    for s in (True, False)
]
text = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)  # lone surrogates too
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), text
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=values, options=st.sampled_from(OPTIONS))
def test_the_text_is_json_dumps(value: Any, options: tuple[tuple[str, str], bool, bool]) -> None:
    separators, ensure_ascii, sort_keys = options
    expected = json.dumps(value, separators=separators, ensure_ascii=ensure_ascii, sort_keys=sort_keys)
    made = jsontext.encoder(separators=separators, ensure_ascii=ensure_ascii, sort_keys=sort_keys)
    assert made(value) == expected


@settings(max_examples=100, deadline=None)
@given(value=st.dictionaries(text, st.one_of(values, st.builds(object), st.sets(st.integers(), max_size=3))))
def test_default_sees_what_json_cannot_encode(value: dict[str, Any]) -> None:
    expected = json.dumps(value, default=str, ensure_ascii=False)
    assert jsontext.encoder(separators=(", ", ": "), default=str, ensure_ascii=False)(value) == expected


@pytest.mark.parametrize("bad", [object(), {1j: 1}, [b"bytes"], {"k": {1, 2}}])
def test_non_json_values_raise_jsons_type_error(bad: object) -> None:
    with pytest.raises(TypeError) as ours:
        jsontext.encoder()(bad)
    with pytest.raises(TypeError) as theirs:
        json.dumps(bad, separators=(",", ":"))
    assert str(ours.value) == str(theirs.value)


def test_the_fast_path_is_taken_here_and_the_fallback_is_the_same_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = jsontext.encoder(sort_keys=True)
    assert fast.__name__ == "encode"  # the prebuilt iterator, not JSONEncoder.encode
    monkeypatch.setattr(jsontext, "_accelerator", lambda: None)
    slow = jsontext.encoder(sort_keys=True)
    assert isinstance(slow.__self__, json.JSONEncoder)  # type: ignore[attr-defined]
    assert slow(jsontext._PROBE) == fast(jsontext._PROBE)


def test_an_accelerator_with_another_signature_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def other(*_: object) -> object:
        raise TypeError("takes 10 arguments")

    monkeypatch.setattr(jsontext, "_accelerator", lambda: other)
    encode = jsontext.encoder()
    assert encode({"a": [1]}) == '{"a":[1]}'


def test_an_accelerator_giving_other_text_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsontext, "_accelerator", lambda: lambda *_: lambda value, level: ["?"])
    assert jsontext.encoder()({"a": 1}) == '{"a":1}'

"""Mutated Lex V2 events through the warm handler: never an unhandled exception, always a response
Lex accepts (botocore's lexv2-runtime shapes, Lex's dialog-action rules, valid contexts and names,
UTF-8 text), never an echo of the malformed part (issue 10, item 11).

The default loop runs a few hundred events; the slow run (CI) 10,000.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dev.simulator.checks import response_errors
from bot.pipeline import Pipeline
from tests.conftest import TEST_SECRET

EVENTS = [json.loads(p.read_text()) for p in sorted((Path(__file__).parents[2] / "events").glob("*.json"))]
MARKER = "ZZ-MALFORMED-ZZ"  # planted in mutated values: it must never come back

weird_text = st.one_of(
    st.text(max_size=40),
    st.just(MARKER),
    st.just(MARKER + " \ud800 lone surrogate"),
    st.just("\udfff" * 3),
    st.just(MARKER * 400),  # a huge string
    st.just(""),
    st.just("NaN"),
    st.sampled_from(["Confirmed", "Denied", "None", "Maybe", "ElicitSlot", "Close", "FallbackIntent"]),
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63),
        st.floats(allow_nan=True, allow_infinity=True),
        weird_text,
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(weird_text, inner, max_size=4),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(EVENTS)))
    event["sessionId"] = draw(st.sampled_from(["fuzz-session-1", "fuzz-session-2", event["sessionId"]]))
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 4]))):  # most events stay parseable
        targets = [p for p in paths(event) if p]
        if not targets:
            break
        path = draw(st.sampled_from(targets))
        parent: Any = event
        for step in path[:-1]:
            parent = parent[step]
        op = draw(st.sampled_from(["replace", "delete", "add"]))
        if op == "delete" and isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif op == "add" and isinstance(parent, dict):
            parent[draw(weird_text)] = draw(json_values)
        else:
            parent[path[-1]] = draw(json_values)
    extras = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "activeContexts": st.lists(
                    st.one_of(
                        st.dictionaries(weird_text, json_values, max_size=3),
                        st.fixed_dictionaries(
                            {
                                "name": weird_text,
                                "timeToLive": st.fixed_dictionaries(
                                    {"timeToLiveInSeconds": json_values, "turnsToLive": json_values}
                                ),
                                "contextAttributes": st.dictionaries(weird_text, json_values, max_size=3),
                            }
                        ),
                    ),
                    max_size=3,
                ),
                "slots": st.dictionaries(
                    weird_text,
                    st.one_of(
                        st.none(),
                        st.builds(
                            lambda text, original: {
                                "shape": "Scalar",
                                "value": {
                                    "originalValue": original,
                                    "interpretedValue": text,
                                    "resolvedValues": [],
                                },
                            },
                            weird_text,
                            weird_text,
                        ),
                        json_values,
                    ),
                    max_size=4,
                ),
                "confirmationState": weird_text,
                "sessionAttributes": st.dictionaries(weird_text, weird_text, max_size=5),
            },
        )
    )
    state = event.get("sessionState")
    if isinstance(state, dict):
        for key in ("activeContexts", "sessionAttributes"):
            if key in extras:
                state[key] = extras[key]
        intent = state.get("intent")
        if isinstance(intent, dict):
            if "slots" in extras:
                intent["slots"] = extras["slots"]
            if "confirmationState" in extras:
                intent["confirmationState"] = extras["confirmationState"]
    return event


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Pipeline[Any]:
    from bot.config import Settings
    from bot.handler import build_app
    from bot.store.memory import MemoryStore

    local = tmp_path_factory.mktemp("fuzz")
    settings = Settings.from_env(
        {"BOT_STORE": "memory", "BOT_SIGNING_KEY": TEST_SECRET, "BOT_LOCAL_DIR": str(local)}
    )
    return build_app(settings, store=MemoryStore())


def check_one(pipeline: Pipeline[Any], event: dict[str, Any]) -> None:
    response = pipeline.handle(copy.deepcopy(event))  # must not raise, whatever the event
    errors = response_errors(response)
    assert not errors, errors
    text = json.dumps(response, ensure_ascii=False, allow_nan=False)  # valid JSON: no NaN, no inf
    text.encode("utf-8")  # no lone surrogate anywhere
    # The client's own session attributes pass through as they were sent (issue 11); nothing else
    # of the event comes back.
    state = response["sessionState"]
    event_state = event.get("sessionState")
    sent = event_state.get("sessionAttributes") if isinstance(event_state, dict) else None
    for key, value in state.get("sessionAttributes", {}).items():
        if MARKER in key or MARKER in value:
            assert isinstance(sent, dict), "an attribute was made up from the event"
            assert sent.get(key) == value, "an attribute was made up from the event"
    rest = {**response, "sessionState": {**state, "sessionAttributes": {}}}
    assert MARKER not in json.dumps(rest, ensure_ascii=False), "a malformed part of the event was echoed"
    for value in _floats(response):
        assert math.isfinite(value)


def _floats(value: Any) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return []


COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}


@settings(max_examples=300, **COMMON)  # type: ignore[arg-type]
@given(event=mutated_events())
def test_mutated_events_get_a_valid_response(warm: Pipeline[Any], event: dict[str, Any]) -> None:
    check_one(warm, event)


@pytest.mark.slow
@settings(max_examples=10_000, **COMMON)  # type: ignore[arg-type]
@given(event=mutated_events())
def test_ten_thousand_mutated_events_get_a_valid_response(warm: Pipeline[Any], event: dict[str, Any]) -> None:
    check_one(warm, event)

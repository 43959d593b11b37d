"""The fast EMF writer and log formatter say exactly what the generic JSON passes said."""

from __future__ import annotations

import io
import json
import logging
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import metrics
from bot.logs import JsonFormatter
from bot.redact import redact

names = st.text(min_size=1, max_size=12)
values = st.one_of(st.floats(allow_nan=False, allow_infinity=True), st.integers(-(10**6), 10**6).map(float))
adds = st.lists(
    st.tuples(
        st.sampled_from(["Turns", "SlotRejected", "TurnLatency", "intent", "service"]),
        values,
        st.sampled_from(["Count", "Seconds", "Milliseconds"]),
        st.dictionaries(st.sampled_from(["intent", "slot", "kind", "service", 'é"\\']), names, max_size=3),
    ),
    max_size=8,
)


@settings(max_examples=80, deadline=None)
@given(recorded=adds)
def test_flush_writes_json_dumps_of_the_documents(
    recorded: list[tuple[str, float, Any, dict[str, str]]],
) -> None:
    metrics.discard()
    now = 1_800_000_000.123
    for name, value, unit, dims in recorded:
        metrics.add(name, value, unit=unit, **dims)
    expected = metrics.documents(now_ms=int(now * 1000))
    for name, value, unit, dims in recorded:
        metrics.add(name, value, unit=unit, **dims)
    out = io.StringIO()
    with mock.patch("bot.metrics.time.time", return_value=now):
        written = metrics.flush(out)
    assert written == len(expected)
    assert out.getvalue() == "".join(json.dumps(d, separators=(",", ":")) + "\n" for d in expected)
    assert metrics.pending() == 0


def _old_format(record: logging.LogRecord) -> str:
    """The formatter as it was: one json.dumps with default=str, redaction of the whole line."""
    import time

    standard = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
    entry: dict[str, Any] = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        + f".{int(record.msecs):03d}Z",
        "level": record.levelname,
        "logger": record.name,
        "message": record.getMessage(),
    }
    for key, value in vars(record).items():
        if key not in standard and not key.startswith("_"):
            entry[key] = value
    return redact(json.dumps(entry, default=str, ensure_ascii=False))


texts = st.text(alphabet="0123456789 -.ab\n€", max_size=40)


@settings(max_examples=80, deadline=None)
@given(
    message=texts,
    extra=st.dictionaries(st.sampled_from(["session_id", "slot", "n", "when"]), texts, max_size=4),
)
def test_the_log_line_is_the_same_as_before(message: str, extra: dict[str, str]) -> None:
    record = logging.makeLogRecord(
        {"name": "bot.turn", "levelno": 20, "levelname": "INFO", "msg": message, **extra}
    )
    assert JsonFormatter().format(record) == _old_format(record)


def test_a_card_number_after_a_newline_is_masked() -> None:
    record = logging.makeLogRecord(
        {"name": "bot", "levelname": "INFO", "msg": "card:\n4242424242424242", "x": "a\t4242 4242 4242 4242"}
    )
    line = JsonFormatter().format(record)
    assert "4242424242424242" not in line
    assert "4242 4242 4242 4242" not in line
    assert line.count("•••• 4242") == 2


def test_a_card_number_in_a_log_line_is_still_masked() -> None:
    record = logging.makeLogRecord(
        {"name": "bot", "levelname": "INFO", "msg": "card 4242 4242 4242 4242", "other": 4242424242424242}
    )
    line = JsonFormatter().format(record)
    assert "4242 4242 4242 4242" not in line
    assert "4242424242424242" not in line
    assert "•••• 4242" in line

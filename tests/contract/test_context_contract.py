"""`SessionRecord.context`: opaque server-side text every backend keeps as given (once redacted),
bounded in size, "" for records written before it existed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from bot.store.base import Feedback, SessionRecord
from bot.store.checks import MAX_CONTEXT_BYTES
from bot.store.layout import copy_record

from .conftest import T0, fresh_id, make_message, make_record
from .test_legacy_items_contract import legacy_session, write_raw

if TYPE_CHECKING:
    from bot.store import SessionStore

PAN = "4242 4242 4242 4242"
CONTEXT = json.dumps(
    {"summary": "wants to pay an invoice; asked about fees", "entities": {"name": "Zoë", "invoice": "INV-7"}},
    ensure_ascii=False,
)


def test_context_round_trips_on_save_load_get_and_listings(store: SessionStore) -> None:
    sid = fresh_id()
    saved = store.save(make_record(sid, context=CONTEXT), expected_version=0, now=T0)
    assert saved.context == CONTEXT

    record, _ = store.load(sid, now=T0, window=3)
    assert record is not None
    assert record.context == CONTEXT
    assert store.get(sid, now=T0) == record
    assert any(
        r.context == CONTEXT for r in store.list_by_user("user-1", now=T0).items if r.session_id == sid
    )
    listed = store.list_by_time(start=T0, end=T0 + 1, now=T0).items
    assert [r.context for r in listed if r.session_id == sid] == [CONTEXT]


def test_context_is_replaced_cleared_and_kept_by_admin_writes(store: SessionStore) -> None:
    sid = fresh_id()
    record = make_record(sid, context=CONTEXT, message_count=1)
    first = store.save(record, expected_version=0, now=T0, messages=[make_message(sid, 0)])
    second = store.save(copy_record(first, context='{"summary":"b"}'), expected_version=1, now=T0 + 1)
    loaded, _ = store.load(sid, now=T0 + 1, window=0)
    assert loaded is not None
    assert loaded.context == '{"summary":"b"}' == second.context

    assert store.set_message_feedback(sid, 0, Feedback("up"), now=T0 + 2)  # an admin write
    after_feedback = store.get(sid, now=T0 + 2)
    assert after_feedback is not None
    assert after_feedback.context == '{"summary":"b"}'
    assert store.retain(sid, until=T0 + 90 * 86400, now=T0 + 2) >= 1
    retained = store.get(sid, now=T0 + 2)
    assert retained is not None
    assert retained.context == '{"summary":"b"}'

    store.put(copy_record(retained, context=""), expected_version=retained.version, now=T0 + 3)
    cleared = store.get(sid, now=T0 + 3)
    assert cleared is not None
    assert cleared.context == ""


def test_card_data_in_context_is_masked(store: SessionStore) -> None:
    sid = fresh_id()
    context = json.dumps({"summary": f"user gave card {PAN}, cvv 389", "entities": {"card": PAN}})
    saved = store.save(make_record(sid, context=context), expected_version=0, now=T0)
    for text in (saved.context, (store.get(sid, now=T0) or make_record()).context):
        digits = "".join(c for c in text if c.isdigit())
        assert "4242424242424242" not in digits
        assert "389" not in digits
        assert json.loads(text)["entities"]["card"] == "•••• 4242"  # still valid JSON


def test_context_size_is_bounded(store: SessionStore) -> None:
    sid = fresh_id()
    at_cap = "x" * MAX_CONTEXT_BYTES
    assert store.save(make_record(sid, context=at_cap), expected_version=0, now=T0).context == at_cap

    other = fresh_id()
    for too_big in ("x" * (MAX_CONTEXT_BYTES + 1), "é" * (MAX_CONTEXT_BYTES // 2 + 1)):
        with pytest.raises(ValueError, match="context"):
            store.save(make_record(other, context=too_big), expected_version=0, now=T0)
    assert store.get(other, now=T0) is None  # nothing was written


@pytest.mark.parametrize("bad", [None, 5, b"{}", ["x"]])
def test_a_context_that_is_not_text_is_a_type_error(store: SessionStore, bad: object) -> None:
    sid = fresh_id()
    with pytest.raises(TypeError, match="context"):
        store.save(make_record(sid, context=bad), expected_version=0, now=T0)
    assert store.get(sid, now=T0) is None


def test_lone_surrogates_in_context_are_made_storable(store: SessionStore) -> None:
    sid = fresh_id()
    store.save(make_record(sid, context='{"s":"a\ud800b"}'), expected_version=0, now=T0)
    record = store.get(sid, now=T0)
    assert record is not None
    assert record.context == '{"s":"a\ufffdb"}'


def test_records_written_without_context_load_as_empty(store: SessionStore) -> None:
    write_raw(store, legacy_session("legacy-ctx", gen=T0 - 100))
    record, _ = store.load("legacy-ctx", now=T0, window=2)
    assert record is not None
    assert record.context == ""
    assert SessionRecord("s-1", {}).context == ""

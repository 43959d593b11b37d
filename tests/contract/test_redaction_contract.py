"""The store is the one choke point for card data (issue 10): every free text it writes — history
utterances and messages, titles, feedback comments, reviews, profile values — comes back with card
numbers and security codes masked, on every backend, whoever called it. Signed history entries
stay authentic through it (the redaction is idempotent)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from bot.history import is_authentic, new_entry
from bot.store.base import Feedback, ProfileRecord, Review

from .conftest import T0, fresh_id, make_message, make_record

if TYPE_CHECKING:
    from bot.store import SessionStore

PAN = "４２４２ ４２４２ ４２４２ ４２４２"  # full-width, as a user might type it
PLAIN = "4242424242424242"
KEY = b"h" * 32


def digits(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())


def clean(text: str | None) -> bool:
    return text is not None and PLAIN not in digits(text) and "389" not in digits(text)


def test_free_text_is_masked_on_its_way_into_every_backend(store: SessionStore) -> None:
    sid = fresh_id()
    record = make_record(sid, message_count=1, title=f"card {PAN} cvv 389")
    message = make_message(sid, 0, user=f"my card is {PAN}, cvv 389", bot=[f"got {PLAIN}"])
    store.save(record, expected_version=0, now=T0, messages=[message])
    stored, messages = store.load(sid, now=T0, window=5)
    assert stored is not None
    assert clean(stored.title)
    assert clean(messages[0].user)
    assert all(clean(line) for line in messages[0].bot)
    assert "•••• 4242" in messages[0].user

    store.set_message_feedback(sid, 0, Feedback("down", f"it said {PLAIN}, code 389", at=T0), now=T0)
    current = store.get(sid, now=T0)
    assert current is not None
    updated = dataclasses.replace(
        current,
        feedback=Feedback("up", f"thanks {PAN}"),
        review=Review(f"ops {PLAIN}", "ok", notes="the security code is 389", at=T0),
    )
    store.put(updated, expected_version=updated.version, now=T0)
    again = store.get(sid, now=T0)
    assert again is not None
    assert again.feedback is not None
    assert clean(again.feedback.comment)
    assert again.review is not None
    assert clean(again.review.notes)
    assert clean(again.review.reviewer)
    assert clean(store.messages(sid, now=T0)[0].feedback.comment)  # type: ignore[union-attr]


def test_profile_values_are_masked(store: SessionStore) -> None:
    store.put_profile(ProfileRecord("user-1", {"note": f"card {PLAIN}"}, expires_at=T0 + 3600), now=T0)
    profile = store.get_profile("user-1", now=T0)
    assert profile is not None
    assert clean(profile.data["note"])


def test_a_signed_entry_stays_authentic_through_the_store(store: SessionStore) -> None:
    sid = fresh_id()
    entry = new_entry(
        KEY,
        session_id=sid,
        index=0,
        at_ms=T0 * 1000,
        user=f"sorry, it is {PAN} and the cvv is 389 \ud800",
        bot=["What's the card number?"],
        intent="CollectCard",
        source="DialogCodeHook",
        slot="CardNumber",
        expires_at=T0 + 3600,
    )
    store.save(make_record(sid, message_count=1), expected_version=0, now=T0, messages=[entry])
    _, loaded = store.load(sid, now=T0, window=1)
    assert loaded[0].user == entry.user
    assert clean(loaded[0].user)
    assert is_authentic([KEY], loaded[0])

"""Text safe for storage, every backend: lone surrogates become U+FFFD before any backend sees them.

A lone surrogate ("\\ud800") is a valid Python str but not encodable as UTF-8: SQLite raised
UnicodeEncodeError, DynamoDB (botocore) refused or mangled it, memory stored it as it was. Ids
are keys and never rewritten: an id with a lone surrogate is refused (see the argument contract).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.store.base import Feedback, ProfileRecord, Review

from .conftest import LONG_TTL, T0, make_message, make_record

if TYPE_CHECKING:
    from bot.store import SessionStore

LONE = "hi \ud800 there \udfff"
SAFE = "hi \ufffd there \ufffd"
PAIR = "\ud83d\ude00"  # two surrogate code points (not combined): each is replaced


def test_records_with_lone_surrogates_are_stored_with_replacement_characters(store: SessionStore) -> None:
    record = make_record(
        state={"step": LONE, "key \udc00": "v"},
        extra={"profile": LONE},
        title=LONE,
        feedback=Feedback("down", comment=LONE, at=T0),
        review=Review(reviewer=LONE, verdict="ok " + PAIR, notes=LONE, at=T0),
        has_feedback=True,
    )

    stored = store.put(record, expected_version=0, now=T0)

    loaded = store.get("s-1", now=T0)
    assert loaded == stored
    assert loaded is not None
    assert loaded.state == {"step": SAFE, "key \ufffd": "v"}
    assert loaded.extra == {"profile": SAFE}
    assert loaded.title == SAFE
    assert loaded.feedback == Feedback("down", comment=SAFE, at=T0)
    assert loaded.review == Review(reviewer=SAFE, verdict="ok \ufffd\ufffd", notes=SAFE, at=T0)
    assert record.state["step"] == LONE  # the caller's record is not modified
    assert store.list_by_user("user-1", now=T0).items == [loaded]


def test_messages_and_profiles_with_lone_surrogates_are_stored_with_replacement_characters(
    store: SessionStore,
) -> None:
    message = make_message(
        "s-1",
        0,
        user=LONE,
        bot=[LONE, "fine", PAIR],
        intent="Intent\ud800",
        source="src\udfff",
        slot="Slot\ud800",
        signature="sig\ud800",
        feedback=Feedback("up", comment=LONE),
    )
    profile = ProfileRecord("user-1", {"name": LONE, "k\ud800": "v"}, expires_at=T0 + LONG_TTL)

    store.save(make_record(message_count=1), expected_version=0, now=T0, messages=[message], profile=profile)

    _, (loaded,) = store.load("s-1", now=T0, window=5)
    assert (loaded.user, loaded.bot) == (SAFE, [SAFE, "fine", "\ufffd\ufffd"])
    assert (loaded.intent, loaded.source, loaded.slot) == ("Intent\ufffd", "src\ufffd", "Slot\ufffd")
    assert loaded.signature == "sig\ufffd"
    assert loaded.feedback == Feedback("up", comment=SAFE)
    assert store.messages("s-1", now=T0) == [loaded]
    stored_profile = store.get_profile("user-1", now=T0)
    assert stored_profile is not None
    assert stored_profile.data == {"name": SAFE, "k\ufffd": "v"}
    assert message.user == LONE

    put = store.put_profile(ProfileRecord("user-1", {"wallet": LONE}, expires_at=T0 + LONG_TTL), now=T0 + 1)
    assert put.data == {"wallet": SAFE}
    assert store.get_profile("user-1", now=T0 + 1) == put


def test_feedback_comments_with_lone_surrogates_are_stored_with_replacement_characters(
    store: SessionStore,
) -> None:
    store.save(make_record(message_count=1), expected_version=0, now=T0, messages=[make_message("s-1", 0)])

    assert store.set_message_feedback("s-1", 0, Feedback("down", comment=LONE, at=T0), now=T0 + 1)

    assert store.messages("s-1", now=T0 + 1)[0].feedback == Feedback("down", comment=SAFE, at=T0)


def test_text_without_surrogates_is_unchanged(store: SessionStore) -> None:
    text = "plain ascii, ünïcödé, 名前, 😀 (a real astral character), \ufffd, \x00 and \uffff"
    store.save(
        make_record(state={"t": text}, title=text, message_count=1),
        expected_version=0,
        now=T0,
        messages=[make_message("s-1", 0, user=text, bot=[text])],
    )

    record, (message,) = store.load("s-1", now=T0, window=1)
    assert record is not None
    assert (record.state["t"], record.title, message.user, message.bot) == (text, text, text, [text])

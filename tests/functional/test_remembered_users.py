"""Seed 001: a signed-in user's wallet is remembered across sessions; an anonymous one's is not."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest

from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.pipeline import Pipeline as App
from bot.profiles import Profiles
from bot.store.memory import MemoryStore
from tests.conftest import TEST_SECRET, checked
from tests.functional.test_conversations import EXPIRY, start

TOKEN_SECRET = "user-token-secret-" + "r" * 32
WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"
DAY = 86400


class Clock:
    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def remembering_app(tmp_path: Path, store: MemoryStore, clock: Clock) -> App:
    settings = Settings.from_env(
        {
            "BOT_STORE": "memory",
            "BOT_SIGNING_KEY": TEST_SECRET,
            "USER_TOKEN_SECRET": TOKEN_SECRET,
            "BOT_LOCAL_DIR": str(tmp_path),
        }
    )
    return build_app(settings, store=store, clock=clock)


def session(app: App, clock: Clock, user: str | None, name: str) -> LexTestClient:
    attributes = {}
    if user is not None:  # the verifier checks tokens against the app's clock
        claims = {"sub": user, "exp": int(clock.now) + 3600}
        attributes["user_token"] = jwt.encode(claims, TOKEN_SECRET, algorithm="HS256")
    return LexTestClient(
        checked(app.handle), session_id=f"{name}-{time.time_ns()}", request_attributes=attributes
    )


def test_a_returning_user_is_offered_their_wallet_in_a_new_session(
    remembering_app: App, clock: Clock, store: MemoryStore
) -> None:
    first = session(remembering_app, clock, "user-ada", "first")
    reply = first.say(f"my wallet is {WALLET}", intent="WalletAddress", slots={"WalletAddress": WALLET})
    assert reply.text_reply == "Saved — your wallet 0x5290…9EE7 is on file."

    clock.now += 7 * DAY  # next week, a new conversation
    second = session(remembering_app, clock, "user-ada", "second")
    reply = second.say("what's my wallet address", intent="WalletAddress")
    assert reply.action == "ConfirmIntent"
    assert reply.text_reply == "I have your wallet 0x5290…9EE7 on file — use it?"
    assert WALLET not in str(reply.response)  # shown masked, not sent back in full
    reply = second.say("yes")
    assert reply.text_reply == "Great — I'll use your wallet 0x5290…9EE7."
    assert reply.attributes["wallet_address"] == WALLET


def test_declining_the_remembered_wallet_asks_for_a_new_one_and_remembers_that(
    remembering_app: App, clock: Clock, store: MemoryStore
) -> None:
    Profiles(store, clock=clock).store_wallet_address("user-bo", WALLET)
    client = session(remembering_app, clock, "user-bo", "decline")
    assert client.say("my wallet", intent="WalletAddress").action == "ConfirmIntent"
    reply = client.say("no")
    assert reply.slot_to_elicit == "WalletAddress"
    other = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
    client.say(other)
    assert Profiles(store, clock=clock).get_wallet_address("user-bo") == other


def test_an_anonymous_users_wallet_lives_only_in_their_session(
    remembering_app: App, clock: Clock, store: MemoryStore
) -> None:
    first = session(remembering_app, clock, None, "anon-1")
    first.say(f"my wallet is {WALLET}", intent="WalletAddress", slots={"WalletAddress": WALLET})
    assert store.get_profile("anonymous", now=int(clock.now)) is None
    second = session(remembering_app, clock, None, "anon-2")
    reply = second.say("what's my wallet", intent="WalletAddress")
    assert reply.text_reply.startswith("I don't have a wallet address for you yet.")


def test_another_user_is_not_offered_someone_elses_wallet(
    remembering_app: App, clock: Clock, store: MemoryStore
) -> None:
    Profiles(store, clock=clock).store_wallet_address("user-ada", WALLET)
    client = session(remembering_app, clock, "user-eve", "eve")
    reply = client.say("what's my wallet", intent="WalletAddress")
    assert reply.text_reply.startswith("I don't have a wallet address for you yet.")


def test_a_profile_lasts_30_days_and_each_use_refreshes_it(
    remembering_app: App, clock: Clock, store: MemoryStore
) -> None:
    profiles = Profiles(store, clock=clock)
    profiles.store_wallet_address("user-cy", WALLET)
    for week in range(6):  # used every 25 days for months: never forgotten
        clock.now += 25 * DAY
        client = session(remembering_app, clock, "user-cy", f"use-{week}")
        assert client.say("my wallet", intent="WalletAddress").action == "ConfirmIntent"
    clock.now += 31 * DAY  # then unused for more than 30 days
    assert profiles.get_user_data("user-cy") is None
    client = session(remembering_app, clock, "user-cy", "late")
    assert client.say("my wallet", intent="WalletAddress").text_reply.startswith("I don't have")


def test_the_profile_is_read_once_per_session_not_every_turn(
    remembering_app: App, clock: Clock, store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    Profiles(store, clock=clock).store_wallet_address("user-dee", WALLET)
    reads: list[str] = []
    original = store.get_profile

    def counting(user_id: str, *, now: int) -> object:
        reads.append(user_id)
        return original(user_id, now=now)

    monkeypatch.setattr(store, "get_profile", counting)
    client = session(remembering_app, clock, "user-dee", "once")
    start(client)
    client.say("4242 4242 4242 4242")
    client.say("what's my wallet", intent="WalletAddress")
    assert reads == ["user-dee"]


def test_the_cardholder_name_is_remembered_only_when_the_user_allows_it(
    remembering_app: App, clock: Clock, store: MemoryStore
) -> None:
    profiles = Profiles(store, clock=clock)

    def pay(user: str) -> None:
        client = session(remembering_app, clock, user, f"pay-{user}")
        start(client)
        client.say("4242 4242 4242 4242")
        client.say(EXPIRY)
        client.say("123")
        assert client.say("yes").text_reply.startswith("Done")

    pay("user-private")
    assert "cardholder_name" not in (profiles.get_user_data("user-private") or {})
    profiles.store_user_data("user-open", {"remember_name": "yes"})
    pay("user-open")
    assert profiles.get_user_data("user-open") == {"remember_name": "yes", "cardholder_name": "John Smith"}


def test_the_profiles_api(store: MemoryStore, clock: Clock) -> None:
    profiles = Profiles(store, clock=clock)
    assert profiles.get_user_data("u1") is None
    assert profiles.get_wallet_address("u1") is None
    assert profiles.store_wallet_address("u1", WALLET.lower()) == WALLET  # checksummed
    assert profiles.store_user_data("u1", {"locale": "en_GB"}) == {
        "wallet_address": WALLET,
        "locale": "en_GB",
    }
    assert profiles.store_user_data("u1", {"locale": ""}) == {"wallet_address": WALLET}  # "" removes
    assert profiles.store_user_data("u1", {"a": "b"}, replace=True) == {"a": "b"}
    profiles.forget_user("u1")
    assert profiles.get_user_data("u1") is None
    with pytest.raises(ValueError, match=r"checksum|wallet|address"):
        profiles.store_wallet_address("u1", "0x1234")
    with pytest.raises(ValueError, match="user_id"):
        profiles.get_user_data("")
    with pytest.raises(ValueError, match="values"):
        profiles.store_user_data("u1", {"k": "x" * 5000})
    with pytest.raises(TypeError):
        profiles.store_user_data("u1", ["not", "a", "mapping"])  # type: ignore[arg-type]

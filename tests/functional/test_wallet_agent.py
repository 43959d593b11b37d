"""The wallet action group for a Bedrock Agent (bot.agent): realistic agent events in, the exact
Bedrock Agent response shape out; identity only from a verified token; one profile store shared
with the Lex bot (SQLite, and DynamoDB through moto)."""

from __future__ import annotations

import copy
import io
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from bot.agent.handler import build_agent, failure
from bot.agent.schema import SCHEMA, generate, render
from bot.agent.wallet import WalletAgent
from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.store.base import SessionStore
from bot.store.sqlite import SqliteStore
from tests.conftest import TEST_SECRET, checked

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events" / "agent"
TOKEN_SECRET = "agent-token-secret-" + "k" * 32
WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"
OTHER = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
BAD_CHECKSUM = "0x52908400098527886e0F7030069857D2E4169EE7"


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "BOT_STORE": "sqlite",
            "BOT_SIGNING_KEY": TEST_SECRET,
            "USER_TOKEN_SECRET": TOKEN_SECRET,
            "BOT_LOCAL_DIR": str(tmp_path),
        }
    )


def token(user: str, clock: Clock, *, expires_in: int = 600, secret: str = TOKEN_SECRET) -> str:
    return jwt.encode({"sub": user, "exp": int(clock.now) + expires_in}, secret, algorithm="HS256")


def event(
    name: str, *, user_token: str | None = None, where: str = "sessionAttributes", **changes: Any
) -> dict[str, Any]:
    """A sample event from events/agent/, with the token in `where` (or none)."""
    raw: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    raw["sessionAttributes"], raw["promptSessionAttributes"] = {}, {}
    if user_token is not None:
        raw[where] = {"user_token": user_token}
    raw.update(changes)
    return raw


def with_wallet(raw: dict[str, Any], address: str) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    raw["requestBody"]["content"]["application/json"]["properties"] = [
        {"name": "wallet_address", "type": "string", "value": address}
    ]
    return raw


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    sqlite = SqliteStore(str(tmp_path / "sessions.db"))
    yield sqlite
    sqlite.close()


@pytest.fixture
def agent(tmp_path: Path, store: SessionStore, clock: Clock) -> WalletAgent:
    return build_agent(settings(tmp_path), store=store, clock=clock)


@pytest.fixture
def security_log() -> Iterator[io.StringIO]:
    from bot.logs import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


# -- the response shape ------------------------------------------------------------------------------


def assert_api_response(response: dict[str, Any], raw: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The documented OpenAPI action-group response; returns (status, parsed body)."""
    assert set(response) <= {"messageVersion", "response", "sessionAttributes", "promptSessionAttributes"}
    assert response["messageVersion"] == "1.0"
    inner = response["response"]
    assert set(inner) == {"actionGroup", "apiPath", "httpMethod", "httpStatusCode", "responseBody"}
    assert (inner["actionGroup"], inner["apiPath"], inner["httpMethod"]) == (
        raw["actionGroup"],
        raw["apiPath"],
        raw["httpMethod"],
    )
    assert isinstance(inner["httpStatusCode"], int)
    [(content_type, payload)] = inner["responseBody"].items()
    assert content_type == "application/json"
    assert set(payload) == {"body"}
    assert isinstance(payload["body"], str)
    body: dict[str, Any] = json.loads(payload["body"])
    return inner["httpStatusCode"], body


def assert_function_response(
    response: dict[str, Any], raw: dict[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """The documented function-details response; returns (responseState, parsed body)."""
    assert response["messageVersion"] == "1.0"
    inner = response["response"]
    assert (inner["actionGroup"], inner["function"]) == (raw["actionGroup"], raw["function"])
    function_response = inner["functionResponse"]
    assert set(function_response) <= {"responseBody", "responseState"}
    state = function_response.get("responseState")
    assert state in (None, "FAILURE", "REPROMPT")
    body: dict[str, Any] = json.loads(function_response["responseBody"]["TEXT"]["body"])
    return state, body


# -- the operations ------------------------------------------------------------------------------------


def test_a_verified_user_stores_reads_changes_and_forgets_a_wallet(agent: WalletAgent, clock: Clock) -> None:
    ada = token("user-ada", clock)
    get = event("get_wallet.json", user_token=ada)
    assert assert_api_response(agent.handle(get, None), get) == (
        200,
        {"wallet_address": None, "short_form": None},
    )

    put = with_wallet(event("store_wallet.json", user_token=ada), WALLET.lower())
    status, body = assert_api_response(agent.handle(put, None), put)
    assert (status, body) == (200, {"wallet_address": WALLET, "short_form": "0x5290…9EE7"})  # checksummed

    assert assert_api_response(agent.handle(get, None), get) == (200, body)
    put = with_wallet(put, OTHER)
    assert assert_api_response(agent.handle(put, None), put)[1]["wallet_address"] == OTHER

    forget = event("forget_me.json", user_token=ada)
    assert assert_api_response(agent.handle(forget, None), forget) == (200, {"forgotten": True})
    assert assert_api_response(agent.handle(get, None), get)[1]["wallet_address"] is None


def test_the_token_may_come_in_prompt_session_attributes(agent: WalletAgent, clock: Clock) -> None:
    put = with_wallet(
        event("store_wallet.json", user_token=token("user-bo", clock), where="promptSessionAttributes"),
        WALLET,
    )
    assert assert_api_response(agent.handle(put, None), put)[0] == 200


def test_function_details_action_groups_are_served_too(agent: WalletAgent, clock: Clock) -> None:
    ada = token("user-ada", clock)
    store = event("function_get_wallet.json", user_token=ada, function="store_wallet")
    store["parameters"] = [{"name": "wallet_address", "type": "string", "value": WALLET}]
    assert assert_function_response(agent.handle(store, None), store) == (
        None,
        {"wallet_address": WALLET, "short_form": "0x5290…9EE7"},
    )
    get = event("function_get_wallet.json", user_token=ada)
    assert assert_function_response(agent.handle(get, None), get)[1]["wallet_address"] == WALLET
    bad = copy.deepcopy(store)
    bad["parameters"][0]["value"] = BAD_CHECKSUM
    state, body = assert_function_response(agent.handle(bad, None), bad)
    assert state == "REPROMPT"
    assert body["error"] == "invalid_wallet"
    anonymous = event("function_get_wallet.json")
    assert assert_function_response(agent.handle(anonymous, None), anonymous)[0] == "REPROMPT"


# -- refusals ---------------------------------------------------------------------------------------


def test_bad_input_gets_a_clear_error_that_never_repeats_it(agent: WalletAgent, clock: Clock) -> None:
    ada = token("user-ada", clock)
    bad = with_wallet(event("store_wallet.json", user_token=ada), BAD_CHECKSUM)
    status, body = assert_api_response(agent.handle(bad, None), bad)
    assert status == 400
    assert body["error"] == "invalid_wallet"
    assert "checksum" in body["message"]
    assert BAD_CHECKSUM not in json.dumps(body)
    for junk in ("not an address", "4242424242424242", "x" * 5000):
        raw = with_wallet(event("store_wallet.json", user_token=ada), junk)
        status, body = assert_api_response(agent.handle(raw, None), raw)
        assert status in (400, 422)
        assert junk[:20] not in json.dumps(body)
    missing = event("store_wallet.json", user_token=ada)
    missing["requestBody"]["content"]["application/json"]["properties"] = []
    status, body = assert_api_response(agent.handle(missing, None), missing)
    assert status == 422


def test_an_unverified_caller_gets_401_and_no_data(agent: WalletAgent, clock: Clock) -> None:
    put = with_wallet(event("store_wallet.json", user_token=token("user-ada", clock)), WALLET)
    agent.handle(put, None)
    for user_token in (
        None,
        "not-a-jwt",
        token("user-ada", clock, expires_in=-3600),
        token("user-ada", clock, secret="w" * 40),
    ):
        for name in ("get_wallet.json", "store_wallet.json", "forget_me.json"):
            raw = event(name, user_token=user_token)
            status, body = assert_api_response(agent.handle(raw, None), raw)
            assert status == 401
            assert body["error"] == "unverified"
            assert WALLET not in json.dumps(body)
    still = event("get_wallet.json", user_token=token("user-ada", clock))
    assert (
        assert_api_response(agent.handle(still, None), still)[1]["wallet_address"] == WALLET
    )  # nothing forgotten


def test_a_user_id_from_unsigned_input_is_never_used(
    agent: WalletAgent, clock: Clock, security_log: io.StringIO
) -> None:
    victim = with_wallet(event("store_wallet.json", user_token=token("user-victim", clock)), WALLET)
    agent.handle(victim, None)
    forged = event("get_wallet.json", sessionAttributes={"user_id": "user-victim"})
    assert assert_api_response(agent.handle(forged, None), forged)[0] == 401
    mixed = event(
        "get_wallet.json",
        user_token=token("user-mallory", clock),
        parameters=[{"name": "userId", "type": "string", "value": "user-victim"}],
    )
    status, body = assert_api_response(agent.handle(mixed, None), mixed)
    assert (status, body["wallet_address"]) == (200, None)  # mallory's own (empty) profile
    events = [json.loads(line) for line in security_log.getvalue().splitlines()]
    assert [e.get("security_event") for e in events if e.get("security_event")] == [
        "unsigned_user_id",
        "unsigned_user_id",
    ]


def test_a_store_failure_is_a_503_and_an_unexpected_one_a_500(tmp_path: Path, clock: Clock) -> None:
    from bot.store.base import StoreUnavailable
    from bot.store.memory import MemoryStore

    class Down(MemoryStore):
        def get_profile(self, user_id: str, *, now: int) -> Any:
            raise StoreUnavailable("throttled")

    agent = build_agent(settings(tmp_path), store=Down(), clock=clock)
    raw = event("get_wallet.json", user_token=token("user-ada", clock))
    status, body = assert_api_response(agent.handle(raw, None), raw)
    assert (status, body["error"]) == (503, "unavailable")
    assert assert_api_response(failure(raw), raw)[0] == 500
    function = event("function_get_wallet.json")
    assert assert_function_response(failure(function), function)[0] == "FAILURE"
    assert failure("junk")["response"]["httpStatusCode"] == 500


# -- one profile for the Lex bot and the agent --------------------------------------------------------


def lex_session(tmp_path: Path, store: SessionStore, clock: Clock, user: str) -> LexTestClient:
    app = build_app(settings(tmp_path), store=store, clock=clock)
    return LexTestClient(
        checked(app.handle),
        session_id=f"lex-{time.time_ns()}",
        request_attributes={"user_token": token(user, clock)},
    )


def shared_wallet_round_trip(tmp_path: Path, store: SessionStore, clock: Clock) -> None:
    agent = build_agent(settings(tmp_path), store=store, clock=clock)
    lex = lex_session(tmp_path, store, clock, "user-ada")
    reply = lex.say(f"my wallet is {WALLET}", intent="WalletAddress", slots={"WalletAddress": WALLET})
    assert reply.text_reply == "Saved — your wallet 0x5290…9EE7 is on file."
    get = event("get_wallet.json", user_token=token("user-ada", clock))
    assert (
        assert_api_response(agent.handle(get, None), get)[1]["wallet_address"] == WALLET
    )  # the bot's, read by the agent

    put = with_wallet(event("store_wallet.json", user_token=token("user-ada", clock)), OTHER)
    assert assert_api_response(agent.handle(put, None), put)[0] == 200
    clock.now += 86400
    later = lex_session(tmp_path, store, clock, "user-ada")  # a new Lex conversation
    reply = later.say("what's my wallet address", intent="WalletAddress")
    assert (
        reply.text_reply == "I have your wallet 0xfB69…d359 on file — use it?"
    )  # the agent's, read by the bot


def test_the_lex_bot_and_the_agent_share_one_profile_on_sqlite(
    tmp_path: Path, store: SessionStore, clock: Clock
) -> None:
    shared_wallet_round_trip(tmp_path, store, clock)


def test_the_lex_bot_and_the_agent_share_one_profile_on_dynamodb(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from moto import mock_aws

    from bot.store.dynamodb import DynamoDBStore, create_table

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "sessions")
        shared_wallet_round_trip(tmp_path, DynamoDBStore("sessions", client=client), clock)


# -- the schema and the samples -----------------------------------------------------------------------


def test_the_openapi_schema_file_is_the_one_the_routes_generate() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == render(generate())
    document = generate()
    assert set(document["paths"]) == {"/wallet", "/me"}
    assert set(document["paths"]["/wallet"]) == {"get", "put"}
    for operations in document["paths"].values():
        for operation in operations.values():
            assert operation["description"]  # Bedrock Agents need one per operation


def test_every_sample_event_is_answered_in_the_response_shape(agent: WalletAgent) -> None:
    for path in sorted(EVENTS.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        response = agent.handle(copy.deepcopy(raw), None)
        if "function" in raw:
            assert_function_response(response, raw)
        else:
            assert assert_api_response(response, raw)[0] == 401  # the samples carry a placeholder token


def test_the_lambda_entry_point_answers_and_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.agent.handler as entry

    for name, value in {
        "BOT_STORE": "sqlite",
        "USER_TOKEN_SECRET": TOKEN_SECRET,
        "BOT_LOCAL_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BOT_SIGNING_KEY", raising=False)  # the agent signs nothing: it needs no key
    monkeypatch.setattr(entry, "_agent", None)  # built from this environment, restored after
    ada = jwt.encode({"sub": "user-ada", "exp": int(time.time()) + 600}, TOKEN_SECRET, algorithm="HS256")
    put = with_wallet(event("store_wallet.json", user_token=ada), WALLET)
    status, body = assert_api_response(entry.lambda_handler(put, None), put)
    assert (status, body["wallet_address"]) == (200, WALLET)
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(doc.get("AgentCalls") == [1.0] and doc.get("outcome") == "stored" for doc in emf)
    broken = {
        "messageVersion": "1.0",
        "apiPath": "/wallet",
        "httpMethod": "GET",
        "actionGroup": "WalletActions",
    }
    assert assert_api_response(entry.lambda_handler(broken, None), broken)[0] in (401, 500)

"""Seed 002 scenario 2: the handler process dies mid-conversation; a new one continues it.

The handler runs in a real child process (a warm Lambda container), killed with SIGKILL after
some turns; a second process on the same store picks up the conversation with its full context:
the collected name, the tokenized card and an unbroken history.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.dev.testing import LexTestClient
from tests.conftest import TEST_SECRET
from tests.contract.conftest import moto_endpoint, server_table
from tests.functional.test_conversations import EXPIRY

__all__ = ["moto_endpoint", "server_table"]  # fixtures

ROOT = Path(__file__).resolve().parents[2]


class HandlerProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.functional.handler_process"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        assert json.loads(self.proc.stdout.readline()) == {"ready": True}

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(event) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "handler process died"
        response: dict[str, Any] = json.loads(line)
        return response

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no shutdown hooks, no flushing, like a container being stopped
        self.proc.wait(timeout=10)


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "AWS_", "SESSION_"))}
    env.update(
        {
            "PAYMENT_GATEWAY": "offline",
            "BOT_SIGNING_KEY": TEST_SECRET,
            "BOT_LOCAL_DIR": str(tmp_path / "local"),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


@pytest.fixture(params=["sqlite", "dynamodb-server"])
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    env = base_env(tmp_path)
    if request.param == "sqlite":
        env.update({"BOT_STORE": "sqlite", "BOT_SQLITE_PATH": str(tmp_path / "sessions.db")})
    else:
        endpoint = request.getfixturevalue("moto_endpoint")
        table = request.getfixturevalue("server_table")
        env.update(
            {
                "BOT_STORE": "dynamodb",
                "SESSION_TABLE": table,
                "DYNAMODB_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true",
            }
        )
    return env


def test_a_killed_handler_process_loses_nothing(
    store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = HandlerProcess(store_env)
    client = LexTestClient(first, session_id=f"restart-{time.time_ns()}")
    try:
        client.say("I'd like to make a payment", intent="CollectName")
        client.say("Grace")
        client.say("Hopper")
        assert client.say("4242 4242 4242 4242").slot_to_elicit == "ExpirationDate"
    finally:
        first.kill()

    second = HandlerProcess(store_env)  # a new container: empty memory, same store
    client.handler = second
    try:
        assert client.say(EXPIRY).slot_to_elicit == "SecurityCode"
        reply = client.say("123")
        assert reply.action == "ConfirmIntent"
        assert reply.text_reply.startswith("Visa ending 4242")
        assert "for Grace Hopper" in reply.text_reply  # context from before the restart
        assert client.say("yes").text_reply == "Done — your Visa ending 4242 is saved."
    finally:
        second.kill()

    # the history is complete and in order across both processes
    from bot.config import Settings
    from bot.store import make_store

    for name, value in store_env.items():  # this process reads the store the same way
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    settings = Settings.from_env(store_env)
    store = make_store(
        settings.store,
        sqlite_path=str(settings.sqlite_path),
        table_name=settings.session_table,
        endpoint_url=settings.dynamodb_endpoint_url,
        region=settings.aws_region,
    )
    entries = store.messages(client.session_id, now=int(time.time()), limit=100)
    invocations = sum(len(exchange.responses) for exchange in client.history)
    assert [e.index for e in entries] == list(range(invocations))
    assert [e.user for e in entries][:4] == ["I'd like to make a payment", "Grace", "Hopper", "•••• 4242"]

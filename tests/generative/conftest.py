"""Generative help wired as in production: the reference bot, a memory store, and Bedrock's
Converse API served by the local fake (`tests.fakes.converse_api`)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import metrics
from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.pipeline import Pipeline
from bot.store.memory import MemoryStore
from tests.conftest import TEST_SECRET, checked
from tests.fakes.converse_api import FakeConverse


@pytest.fixture
def fake() -> Iterator[FakeConverse]:
    with FakeConverse() as server:
        yield server


@pytest.fixture(autouse=True)
def _aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 signs every request: any credentials do for the fake (never real ones)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emf(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The EMF lines the pipeline writes."""
    out = io.StringIO()
    monkeypatch.setattr(metrics, "output", out)
    return out


def metric_values(emf: io.StringIO, name: str, **dimensions: str) -> list[float]:
    values: list[float] = []
    for line in emf.getvalue().splitlines():
        doc = json.loads(line)
        if name in doc and all(doc.get(k) == v for k, v in dimensions.items()):
            values += doc[name]
    return values


type Build = Callable[..., tuple[Pipeline[Any], Callable[..., LexTestClient]]]


@pytest.fixture
def build(tmp_path: Path) -> Build:
    """build(env overrides...) -> (pipeline, client factory)."""

    def make(**env: str) -> tuple[Pipeline[Any], Callable[..., LexTestClient]]:
        base = {
            "BOT_STORE": "memory",
            "PAYMENT_GATEWAY": "offline",
            "BOT_SIGNING_KEY": TEST_SECRET,
            "BOT_LOCAL_DIR": str(tmp_path / "local"),
            "GENERATOR": "offline",
        }
        base.update(env)
        pipeline = build_app(Settings.from_env(base), store=MemoryStore())

        def client(**kwargs: Any) -> LexTestClient:
            return LexTestClient(checked(pipeline.handle), **kwargs)

        return pipeline, client

    return make


@pytest.fixture
def bedrock(
    build: Build, fake: FakeConverse
) -> Callable[..., tuple[Pipeline[Any], Callable[..., LexTestClient]]]:
    def make(**env: str) -> tuple[Pipeline[Any], Callable[..., LexTestClient]]:
        settings = {
            "GENERATOR": "bedrock",
            "BEDROCK_ENDPOINT_URL": fake.url,
            "GENERATIVE_TIMEOUT_SECONDS": "2",
        }
        settings.update(env)
        return build(**settings)

    return make


def to_card_number(client: LexTestClient) -> None:
    client.say("I'd like to make a payment", intent="CollectName")
    client.say("John")
    reply = client.say("Smith")
    assert reply.slot_to_elicit == "CardNumber"

"""A `serve` server on 127.0.0.1 with an ephemeral port, and boto3's real `lexv2-runtime` client
pointed at it with dummy credentials."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import Settings
from bot.dev.serve import LexRuntime, LexServer, RequestClock, make_server

# The server's wall clock: noon UTC on the day the conversation files pin (today: 2026-12-01).
NOON = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC).timestamp()
IDS = {"botId": "SIMBOT0001", "botAliasId": "TSTALIASID", "localeId": "en_US"}


def new_runtime() -> LexRuntime:
    settings = Settings.from_env(
        {"BOT_STORE": "memory", "BOT_SIGNING_KEY": secrets.token_urlsafe(48), "LOG_LEVEL": "WARNING"}
    )
    return LexRuntime(None, "template.yaml", settings=settings, clock=RequestClock(wall=lambda: NOON))


@pytest.fixture
def runtime() -> LexRuntime:
    return new_runtime()


@pytest.fixture
def server(runtime: LexRuntime) -> Iterator[LexServer]:
    found = make_server(runtime, "127.0.0.1", 0)
    found.start()
    try:
        yield found
    finally:
        found.stop()


def client_for(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "lexv2-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        config=Config(retries={"max_attempts": 0}),
    )


@pytest.fixture
def lex(server: LexServer) -> Any:
    return client_for(server.url)

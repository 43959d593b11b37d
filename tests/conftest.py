"""Shared fixtures: an App wired for tests (memory store, offline gateway, fixed key), a client,
and a capture of every log line formatted exactly as in production."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.handler import build_app
from bot.logs import JsonFormatter
from bot.pipeline import Pipeline as App
from bot.store.memory import MemoryStore
from tests.lex import assert_valid_lex_response

TEST_SECRET = "test-secret-" + "k" * 40

# The default edit-test loop (`pytest`) deselects what is slow (`-m "not slow"` in pyproject):
# DynamoDB over moto's HTTP server, threads and processes racing, handlers killed mid-conversation,
# subprocess CLIs, wheel builds and the big property runs. `scripts/test.sh` (CI) runs everything.
SLOW_MODULES = frozenset({"tests/contract/test_store_concurrency.py", "tests/functional/test_restart.py"})
SLOW_TESTS = frozenset(
    {
        "test_processes_starting_together_on_a_fresh_directory_all_get_the_same_key",
        "test_a_write_failing_in_a_real_process_leaves_no_empty_key_file",
        "test_processes_on_one_file_never_lose_a_turn",
        "test_sessions_of_a_local_chat_are_listed",
        "test_any_text_in_any_option_gives_a_clean_answer_on_the_terminal",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        name = getattr(item, "originalname", item.name)
        if "dynamodb-server" in item.nodeid or module in SLOW_MODULES or name in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_pending_metrics() -> None:
    """Metrics recorded by a test that never reaches App.handle (which flushes) stay in that test."""
    from bot import metrics

    metrics.discard()


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """Commands run in-process (chat, invoke...) configure logging for a CLI: root handlers and the
    levels of the libraries' loggers. Each test gets them back as they were."""
    names = ("bot", "botocore", "boto3", "urllib3", "stripe")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)


@pytest.fixture(autouse=True)
def _no_lambda_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "BOT_STORE", "PAYMENT_GATEWAY", "SIGNING_KEY_SECRET_ARN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "BOT_STORE": "memory",
            "PAYMENT_GATEWAY": "offline",
            "BOT_SIGNING_KEY": TEST_SECRET,
            "BOT_LOCAL_DIR": str(tmp_path / "local"),
        }
    )


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def app(settings: Settings, store: MemoryStore) -> App:
    return build_app(settings, store=store)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every log record of the run, formatted by the production JSON formatter (with redaction)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    with _on_root_logger(handler):
        yield buffer


@pytest.fixture
def raw_log_messages() -> Iterator[list[logging.LogRecord]]:
    """Every log record, unformatted: checks that nothing relies on the redaction safety net."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    with _on_root_logger(Keep()):
        yield records


@contextlib.contextmanager
def _on_root_logger(handler: logging.Handler) -> Iterator[None]:
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def checked(
    handler: Callable[[dict[str, Any], Any], dict[str, Any]],
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Wrap a handler so every response it returns is checked against Lex's response contract."""

    def wrapper(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = handler(event, context)
        assert_valid_lex_response(response)
        return response

    return wrapper


@pytest.fixture
def client(app: App) -> LexTestClient:
    return LexTestClient(checked(app.handle))


@pytest.fixture
def new_client(app: App) -> Callable[..., LexTestClient]:
    def make(**kwargs: Any) -> LexTestClient:
        return LexTestClient(checked(app.handle), **kwargs)

    return make

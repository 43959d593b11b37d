"""Fixtures shared by the store contract tests: every backend behind one `store` fixture."""

from __future__ import annotations

import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from bot.store import SessionStore

REGION = "us-east-1"
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
BACKENDS = ["memory", "sqlite", "dynamodb-moto", "dynamodb-server"]


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials and region; no profile, config file or endpoint leaking in from the host."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


class _OneRequestAtATime:
    """WSGI wrapper: handle one request at a time.

    moto checks a ConditionExpression and then writes the item as two unlocked Python steps, and
    ThreadedMotoServer serves each request on its own thread, so two conditional PutItems can
    both pass the check (measured: 8 threads x 25 increments lost 7-9 updates with a tiny
    sys.setswitchinterval). Real DynamoDB applies a conditional write to one item atomically;
    serialising requests restores that guarantee, so a lost update seen here is our bug.
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        with self._lock:
            return self._app(environ, start_response)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One real HTTP moto server on 127.0.0.1 (random port) for the whole session."""
    from moto.server import ThreadedMotoServer

    werkzeug_log = logging.getLogger("werkzeug")
    previous_level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # not one INFO line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    wsgi_server = server._server  # werkzeug reads .app per request; see _OneRequestAtATime
    assert wsgi_server is not None
    wsgi_server.app = _OneRequestAtATime(wsgi_server.app)
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    werkzeug_log.setLevel(previous_level)


def unique_table_name() -> str:
    return f"sessions-{uuid.uuid4().hex[:12]}"


_SESSION: list[Any] = []


def boto_session() -> Any:
    """One boto3 Session with fake credentials, shared so service models are parsed once.

    Building a client is not thread-safe on a shared session: build clients in the main thread
    and hand one to each worker thread.
    """
    if not _SESSION:
        import boto3

        _SESSION.append(boto3.session.Session(region_name=REGION, **FAKE_CREDENTIALS))
    return _SESSION[0]


def new_client(endpoint: str | None = None, *, config: Any | None = None) -> Any:
    """A new low-level DynamoDB client (the moto server at `endpoint`, or in-process moto)."""
    from bot.store.dynamodb import client_config

    return boto_session().client("dynamodb", endpoint_url=endpoint, config=config or client_config())


@pytest.fixture
def server_table(moto_endpoint: str) -> str:
    """A freshly created table on the moto server."""
    from bot.store.dynamodb import create_table

    name = unique_table_name()
    create_table(new_client(moto_endpoint), name)
    return name


@pytest.fixture
def moto_table(aws_env: None) -> Iterator[tuple[Any, str]]:
    """In-process moto (mock_aws): a client and a freshly created table."""
    from moto import mock_aws

    from bot.store.dynamodb import create_table

    with mock_aws():
        client = new_client()
        name = unique_table_name()
        create_table(client, name)
        yield client, name


@pytest.fixture(params=BACKENDS)
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], SessionStore]]:
    """Builds stores of one backend that all see the same data (fresh data per test)."""
    kind: str = request.param
    if kind == "memory":
        from bot.store.memory import MemoryStore

        shared = MemoryStore()
        yield lambda: shared
    elif kind == "sqlite":
        from bot.store.sqlite import SqliteStore

        path = tmp_path / "db" / "sessions.sqlite3"
        opened: list[SqliteStore] = []

        def make_sqlite() -> SessionStore:
            opened.append(SqliteStore(path))
            return opened[-1]

        yield make_sqlite
        for store in opened:
            store.close()
    elif kind == "dynamodb-moto":
        from bot.store.dynamodb import DynamoDBStore

        client, name = request.getfixturevalue("moto_table")
        yield lambda: DynamoDBStore(name, client=client)
    else:
        from bot.store.dynamodb import DynamoDBStore

        endpoint = request.getfixturevalue("moto_endpoint")
        name = request.getfixturevalue("server_table")
        yield lambda: DynamoDBStore(name, client=new_client(endpoint))


@pytest.fixture
def store(store_factory: Callable[[], SessionStore]) -> SessionStore:
    return store_factory()


# -- helpers shared by the history, profile, listing and expiry contract tests --------------------

if TYPE_CHECKING:
    from bot.store.base import MessageRecord, SessionRecord

T0 = 1_800_000_000  # 2027-01-15T08:00:00Z: explicit clocks, never the wall clock
DAY = 86_400
LONG_TTL = 30 * DAY


def fresh_id(prefix: str = "s") -> str:
    """A session id no other example uses (hypothesis reuses the function-scoped store)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def make_record(session_id: str = "s-1", **changes: Any) -> SessionRecord:
    """A session record as a turn would build it (owner user-1, 30-day expiry)."""
    from bot.store.base import SessionRecord

    values: dict[str, Any] = {
        "session_id": session_id,
        "state": {"step": "start"},
        "expires_at": T0 + LONG_TTL,
        "owner": "user-1",
    }
    values.update(changes)
    return SessionRecord(**values)


def make_message(session_id: str, index: int, **changes: Any) -> MessageRecord:
    """One recorded turn with every field set (slot None, feedback None)."""
    from bot.store.base import MessageRecord

    values: dict[str, Any] = {
        "session_id": session_id,
        "index": index,
        "at_ms": T0 * 1000 + index,
        "user": f"user says {index}",
        "bot": [f"bot says {index}", "second line"],
        "intent": "CollectName",
        "source": "DialogCodeHook",
        "slot": None,
        "signature": f"sig-{index}",
        "expires_at": T0 + LONG_TTL,
    }
    values.update(changes)
    return MessageRecord(**values)


def start_session(
    store: SessionStore, session_id: str = "s-1", *, now: int = T0, count: int = 0, **changes: Any
) -> SessionRecord:
    """A new session (expected_version 0) saved with messages 0..count-1 expiring with it."""
    record = make_record(session_id, message_count=count, **changes)
    messages = [make_message(session_id, i, expires_at=record.expires_at) for i in range(count)]
    return store.save(record, expected_version=0, now=now, messages=messages)


def add_turn(store: SessionStore, session_id: str, *, now: int, **message_changes: Any) -> SessionRecord:
    """One turn: load, then save the record forward with one new message at index message_count."""
    from bot.store.layout import copy_record

    record, _ = store.load(session_id, now=now, window=0)
    assert record is not None
    message = make_message(session_id, record.message_count, **message_changes)
    return store.save(
        copy_record(record, message_count=record.message_count + 1),
        expected_version=record.version,
        now=now,
        messages=[message],
    )

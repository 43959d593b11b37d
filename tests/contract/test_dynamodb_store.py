"""DynamoDB-specific behaviour: requests per operation, error mapping, retries, item layout, table setup."""

from __future__ import annotations

import json
import socket
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest

from bot.store import SessionRecord, StoreUnavailable, VersionConflict

from .conftest import new_client, unique_table_name

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

NOW = 1_700_000_000
SECRET = "do-not-leak-7f3a"  # marker: must never appear in error messages


def record(session_id: str = "s-1", **changes: Any) -> SessionRecord:
    values: dict[str, Any] = {
        "session_id": session_id,
        "state": {"step": "collect", "marker": SECRET},
        "expires_at": NOW + 3600,
    }
    values.update(changes)
    return SessionRecord(**values)


def few_attempts(attempts: int) -> Any:
    """At most `attempts` HTTP requests per call (botocore's `max_attempts` counts retries only)."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": attempts}, connect_timeout=1, read_timeout=1
    )


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def error_response(request: Any, status: int, code: str) -> Any:
    from botocore.awsrequest import AWSResponse

    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"})
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "test"}
    return AWSResponse(request.url, status, headers, _RawBody(body.encode()))


class Sent:
    """Counts HTTP attempts per DynamoDB operation (botocore emits before-send once per attempt)."""

    def __init__(self, client: Any) -> None:
        self.operations: list[str] = []
        client.meta.events.register("before-send.dynamodb.*", self)

    def __call__(self, event_name: str, **_: Any) -> None:
        self.operations.append(event_name.rsplit(".", 1)[-1])


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without sleeping (standard mode would wait up to 1 s, 2 s, ... on throttling)."""
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.fixture(params=["moto", "server"])
def client_and_table(request: pytest.FixtureRequest) -> tuple[Any, str]:
    if request.param == "moto":
        client, table = request.getfixturevalue("moto_table")
        return client, table
    endpoint = request.getfixturevalue("moto_endpoint")
    return new_client(endpoint), request.getfixturevalue("server_table")


# --- one request per operation -----------------------------------------------------------------


def test_each_operation_is_exactly_one_request(client_and_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = client_and_table
    store = DynamoDBStore(table, client=client)
    sent = Sent(client)

    def requests_for(operation: Callable[[], object]) -> list[str]:
        sent.operations.clear()
        operation()
        return list(sent.operations)

    assert requests_for(lambda: store.get("s-1", now=NOW)) == ["GetItem"]
    assert requests_for(lambda: store.put(record(), expected_version=0, now=NOW)) == ["PutItem"]
    assert requests_for(lambda: store.get("s-1", now=NOW)) == ["GetItem"]
    assert requests_for(lambda: store.put(record(), expected_version=1, now=NOW)) == ["PutItem"]
    with pytest.raises(VersionConflict):
        requests_for(lambda: store.put(record(), expected_version=1, now=NOW))
    assert sent.operations == ["PutItem"]  # a conflict is not retried
    assert requests_for(lambda: store.delete("s-1")) == ["DeleteItem"]


def test_get_is_strongly_consistent(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    seen: list[Any] = []
    client.meta.events.register(
        "provide-client-params.dynamodb.GetItem", lambda params, **_: seen.append(params)
    )
    DynamoDBStore(table, client=client).get("s-1", now=NOW)

    assert seen[0]["ConsistentRead"] is True


# --- failures surviving botocore's retries become StoreUnavailable ------------------------------
# These inject responses with before-send hooks on clients aimed at the moto *server*: under
# in-process mock_aws, botocore's emit() still runs moto's own before-send handler after ours, so
# moto would execute (and persist) the request even though our injected response is the one used.


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "ProvisionedThroughputExceededException"),
        (400, "ThrottlingException"),
        (400, "RequestLimitExceeded"),
        (500, "InternalServerError"),
        (503, "ServiceUnavailable"),
    ],
)
def test_throttling_and_server_errors_become_store_unavailable(
    moto_endpoint: str, server_table: str, no_backoff: None, status: int, code: str
) -> None:
    from bot.store.dynamodb import DynamoDBStore

    table = server_table
    client = new_client(moto_endpoint, config=few_attempts(3))
    sent = Sent(client)
    client.meta.events.register(
        "before-send.dynamodb", lambda request, **_: error_response(request, status, code)
    )
    store = DynamoDBStore(table, client=client)

    with pytest.raises(StoreUnavailable) as raised:
        store.put(record(), expected_version=0, now=NOW)

    assert sent.operations == ["PutItem"] * 3  # retried up to max_attempts, then gave up
    assert code in str(raised.value)
    assert table in str(raised.value)
    assert SECRET not in str(raised.value)
    assert SECRET not in str(raised.value.__cause__)
    # Nothing was written.
    assert DynamoDBStore(table, client=new_client(moto_endpoint)).get("s-1", now=NOW) is None

    sent.operations.clear()
    with pytest.raises(StoreUnavailable):
        store.get("s-1", now=NOW)
    with pytest.raises(StoreUnavailable):
        store.delete("s-1")
    assert sent.operations == ["GetItem"] * 3 + ["DeleteItem"] * 3


def test_default_config_sends_one_request_plus_five_retries(
    moto_endpoint: str, server_table: str, no_backoff: None
) -> None:
    from bot.store.dynamodb import DynamoDBStore, client_config

    table = server_table
    client = new_client(moto_endpoint, config=client_config())
    sent = Sent(client)
    client.meta.events.register(
        "before-send.dynamodb",
        lambda request, **_: error_response(request, 400, "ProvisionedThroughputExceededException"),
    )

    with pytest.raises(StoreUnavailable):
        DynamoDBStore(table, client=client).get("s-1", now=NOW)
    assert sent.operations == ["GetItem"] * 3  # total_max_attempts=3: the first try and two retries


def test_read_timeouts_become_store_unavailable(
    moto_endpoint: str, server_table: str, no_backoff: None
) -> None:
    from botocore.exceptions import ReadTimeoutError

    from bot.store.dynamodb import DynamoDBStore

    table = server_table
    client = new_client(moto_endpoint, config=few_attempts(2))
    sent = Sent(client)

    def timeout(request: Any, **_: Any) -> None:
        raise ReadTimeoutError(endpoint_url=request.url)

    client.meta.events.register("before-send.dynamodb", timeout)

    with pytest.raises(StoreUnavailable, match="ReadTimeoutError"):
        DynamoDBStore(table, client=client).get("s-1", now=NOW)
    assert sent.operations == ["GetItem", "GetItem"]


def test_unreachable_endpoint_becomes_store_unavailable(aws_env: None, no_backoff: None) -> None:
    from bot.store.dynamodb import DynamoDBStore

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = new_client(f"http://127.0.0.1:{port}", config=few_attempts(2))
    sent = Sent(client)

    with pytest.raises(StoreUnavailable, match="EndpointConnectionError"):
        DynamoDBStore("t", client=client).put(record(), expected_version=0, now=NOW)
    assert sent.operations == ["PutItem", "PutItem"]


def test_missing_table_becomes_store_unavailable(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, _ = moto_table
    with pytest.raises(StoreUnavailable, match="ResourceNotFoundException"):
        DynamoDBStore("no-such-table", client=client).get("s-1", now=NOW)


def test_validation_errors_are_not_disguised_as_outages(moto_table: tuple[Any, str]) -> None:
    from botocore.exceptions import ClientError

    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    too_big = record(state={"blob": "x" * 410_000})  # DynamoDB items are limited to 400 KB

    with pytest.raises(ClientError) as raised:
        DynamoDBStore(table, client=client).put(too_big, expected_version=0, now=NOW)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


# --- a retried PutItem whose first attempt landed ------------------------------------------------


def _forward_then_time_out(attempts: list[str]) -> Callable[..., None]:
    """First attempt: deliver the request to the server, then lose the response."""
    from botocore.exceptions import ReadTimeoutError

    def hook(request: Any, **_: Any) -> None:
        attempts.append("PutItem")
        if len(attempts) == 1:
            body = request.body if isinstance(request.body, bytes) else request.body.encode()
            forwarded = urllib.request.Request(request.url, data=body, headers=dict(request.headers.items()))
            with urllib.request.urlopen(forwarded, timeout=5) as response:
                assert response.status == 200
            raise ReadTimeoutError(endpoint_url=request.url)

    return hook


@pytest.mark.parametrize("expected_version", [0, 1])
def test_retry_of_a_write_that_landed_reports_success(
    moto_endpoint: str, server_table: str, no_backoff: None, expected_version: int
) -> None:
    from bot.store.dynamodb import DynamoDBStore

    setup = DynamoDBStore(server_table, client=new_client(moto_endpoint))
    if expected_version:
        setup.put(record(state={"step": "before"}), expected_version=0, now=NOW)
    client = new_client(moto_endpoint)
    attempts: list[str] = []
    client.meta.events.register("before-send.dynamodb.PutItem", _forward_then_time_out(attempts))

    stored = DynamoDBStore(server_table, client=client).put(
        record(state={"step": "after"}), expected_version=expected_version, now=NOW
    )

    assert attempts == ["PutItem", "PutItem"]  # the retry failed its condition on our own write
    assert stored.version == expected_version + 1
    assert setup.get("s-1", now=NOW) == stored


def test_retry_does_not_hide_a_real_conflict(moto_endpoint: str, server_table: str, no_backoff: None) -> None:
    from botocore.exceptions import ReadTimeoutError

    from bot.store.dynamodb import DynamoDBStore

    other = DynamoDBStore(server_table, client=new_client(moto_endpoint))
    client = new_client(moto_endpoint)
    attempts: list[str] = []

    def lost_then_raced(request: Any, **_: Any) -> None:
        attempts.append("PutItem")
        if len(attempts) == 1:  # our first attempt never arrives; meanwhile another writer wins
            other.put(record(state={"step": "theirs"}), expected_version=0, now=NOW)
            raise ReadTimeoutError(endpoint_url=request.url)

    client.meta.events.register("before-send.dynamodb.PutItem", lost_then_raced)

    with pytest.raises(VersionConflict):
        DynamoDBStore(server_table, client=client).put(record(), expected_version=0, now=NOW)
    assert attempts == ["PutItem", "PutItem"]
    stored = other.get("s-1", now=NOW)
    assert stored is not None
    assert stored.state == {"step": "theirs"}


# --- item layout and table setup ----------------------------------------------------------------


def test_item_layout(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    store.put(record(state={"a": "1"}, extra={"e": "x"}), expected_version=0, now=NOW)
    store.put(record("s-2", owner="user-9"), expected_version=0, now=NOW)

    item = client.get_item(TableName=table, Key={"pk": {"S": "SESSION#s-1"}, "sk": {"S": "STATE"}})["Item"]
    token = item.pop("wtok")
    assert token["S"]
    assert item == {
        "pk": {"S": "SESSION#s-1"},
        "sk": {"S": "STATE"},
        "version": {"N": "1"},
        "expires_at": {"N": str(NOW + 3600)},
        "updated_at": {"N": str(NOW)},
        "state": {"M": {"a": {"S": "1"}}},
        "extra": {"M": {"e": {"S": "x"}}},
    }  # no owner attribute when owner is None
    owned = client.get_item(TableName=table, Key={"pk": {"S": "SESSION#s-2"}, "sk": {"S": "STATE"}})["Item"]
    assert owned["owner"] == {"S": "user-9"}


def test_expired_item_still_in_the_table_reads_as_absent(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import DynamoDBStore

    client, table = moto_table
    store = DynamoDBStore(table, client=client)
    store.put(record(expires_at=NOW + 1), expected_version=0, now=NOW)

    key = {"pk": {"S": "SESSION#s-1"}, "sk": {"S": "STATE"}}
    assert "Item" in client.get_item(TableName=table, Key=key)  # TTL has not deleted it (moto never does)
    assert store.get("s-1", now=NOW + 1) is None
    assert store.put(record(), expected_version=0, now=NOW + 1).version == 1


def test_create_table_is_idempotent_and_enables_ttl(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import create_table

    client, table = moto_table  # created once by the fixture
    create_table(client, table)
    create_table(client, table)

    described = client.describe_table(TableName=table)["Table"]
    assert described["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")


def test_create_table_refuses_a_table_with_ttl_on_another_attribute(moto_table: tuple[Any, str]) -> None:
    from bot.store.dynamodb import create_table

    client, _ = moto_table
    other = unique_table_name()
    create_table(client, other)
    client.update_time_to_live(
        TableName=other, TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires_at"}
    )
    client.update_time_to_live(
        TableName=other, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )

    with pytest.raises(ValueError, match="ttl"):
        create_table(client, other)


# --- construction ------------------------------------------------------------------------------


def test_builds_its_client_with_standard_retries_and_short_timeouts(
    aws_env: None, moto_endpoint: str
) -> None:
    from bot.store.dynamodb import DynamoDBStore

    store = DynamoDBStore("t", endpoint_url=moto_endpoint, region="eu-west-1")
    config = store.client.meta.config

    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (config.connect_timeout, config.read_timeout) == (2, 3)
    assert store.client.meta.region_name == "eu-west-1"
    assert store.client.meta.endpoint_url == moto_endpoint


def test_client_and_endpoint_are_exclusive() -> None:
    from bot.store.dynamodb import DynamoDBStore

    with pytest.raises(ValueError, match="either client"):
        DynamoDBStore("t", client=object(), endpoint_url="http://127.0.0.1:1")

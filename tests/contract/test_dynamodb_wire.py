"""`bot.store.dynamodb_wire`: the fast serializer writes exactly the bytes botocore's writes, and the
fast parser returns exactly what botocore's parser returns."""

from __future__ import annotations

import base64
import json
from typing import Any

import botocore.session
from botocore.parsers import JSONParser, ResponseParserFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.store.dynamodb_wire import _Factory, fast_wire

MODEL = botocore.session.get_session().get_service_model("dynamodb")
text = st.text(max_size=12)
b64 = st.binary(max_size=12).map(lambda b: base64.b64encode(b).decode())
number = st.integers(-(10**12), 10**12).map(str)
scalars = st.one_of(
    text.map(lambda s: {"S": s}),
    number.map(lambda n: {"N": n}),
    b64.map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(text, max_size=3).map(lambda v: {"SS": v}),
    st.lists(number, max_size=3).map(lambda v: {"NS": v}),
    st.lists(b64, max_size=3).map(lambda v: {"BS": v}),
    # what the wire should never carry, but must parse the same: wrong JSON types, two tags, none
    st.integers().map(lambda n: {"S": n}),
    st.text(max_size=3).map(lambda s: {"BOOL": s}),
    st.just({"S": "a", "N": "1"}),
    st.just({}),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.dictionaries(text, inner, max_size=3).map(lambda m: {"M": m}),
        st.lists(inner, max_size=3).map(lambda v: {"L": v}),
    ),
    max_leaves=12,
)
items = st.dictionaries(text, values, max_size=5)


def _response(body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    return {
        "status_code": status,
        "headers": {"x-amzn-requestid": "r-1", "content-type": "application/x-amz-json-1.0"},
        "body": json.dumps(body).encode(),
    }


def _both(operation: str, body: dict[str, Any], status: int = 200) -> tuple[Any, Any]:
    shape = MODEL.operation_model(operation).output_shape
    theirs = JSONParser().parse(_response(body, status), shape)
    ours = _Factory(ResponseParserFactory()).create_parser("json").parse(_response(body, status), shape)
    return ours, theirs


@settings(max_examples=300, deadline=None)
@given(found=st.lists(items, max_size=4), last=st.none() | items)
def test_a_query_parses_as_botocore_parses_it(found: list[dict[str, Any]], last: Any) -> None:
    body: dict[str, Any] = {"Items": found, "Count": len(found), "ScannedCount": len(found)}
    if last is not None:
        body["LastEvaluatedKey"] = last
    ours, theirs = _both("Query", body)
    assert ours == theirs


@settings(max_examples=100, deadline=None)
@given(item=items)
def test_a_cancelled_transaction_parses_as_botocore_parses_it(item: dict[str, Any]) -> None:
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled",
        "CancellationReasons": [{"Code": "ConditionalCheckFailed", "Item": item}, {"Code": "None"}],
    }
    ours, theirs = _both("TransactWriteItems", body, status=400)
    assert ours == theirs


def _serialized(serializer: Any, operation: str, params: dict[str, Any]) -> Any:
    request = serializer.serialize_to_request(params, MODEL.operation_model(operation))
    return request["body"], request["headers"]


@settings(max_examples=300, deadline=None)
@given(first=items, second=items, key=items)
def test_writes_serialize_as_botocore_serializes_them(
    first: dict[str, Any], second: dict[str, Any], key: dict[str, Any]
) -> None:
    from botocore.serialize import JSONSerializer

    from bot.store.dynamodb_wire import _serializer_class

    theirs, ours = JSONSerializer(), _serializer_class()()
    transact = {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": first, "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": "t", "Item": second}},
            {"Delete": {"TableName": "t", "Key": key}},
        ]
    }
    query = {
        "TableName": "t",
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {
            ":pk": {"S": "SESSION#x"},
            **{f":{i}": v for i, v in enumerate(first.values())},
        },
        "Limit": 11,
    }
    for operation, params in (
        ("TransactWriteItems", transact),
        ("PutItem", {"TableName": "t", "Item": first}),
        ("Query", query),
    ):
        assert _serialized(ours, operation, params) == _serialized(theirs, operation, params)


def test_the_view_shares_the_client_but_its_parser(aws_env: None) -> None:
    client = botocore.session.get_session().create_client("dynamodb", region_name="us-east-1")
    view = fast_wire(client)
    assert view is not client
    assert view._endpoint is not client._endpoint
    assert view._endpoint.http_session is client._endpoint.http_session
    assert view.meta.events is client.meta.events
    assert type(view._endpoint._response_parser_factory.create_parser("json")).__name__ == "FastJSONParser"
    assert type(client._endpoint._response_parser_factory.create_parser("json")) is JSONParser
    # the serializer is swapped only when it is botocore's plain one (validation already removed)
    assert view._serializer is client._serializer
    from bot.store.dynamodb_requests import unvalidated

    hot = fast_wire(unvalidated(client))
    assert type(hot._serializer).__name__ == "FastJSONSerializer"
    assert type(client._serializer).__name__ == "ParamValidationDecorator"


def test_a_client_of_another_shape_is_returned_as_it_is() -> None:
    class Stub:
        pass

    stub = Stub()
    assert fast_wire(stub) is stub

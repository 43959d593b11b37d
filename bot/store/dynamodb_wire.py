"""The turn's DynamoDB requests and responses for less: the same bytes and dicts as botocore's.

botocore parses a JSON response by walking the output shape: for every attribute value of every
item it visits each of `AttributeValue`'s ten members to find the one that is there. The turn's
Query returns the session item and its window of history, so this walk is the biggest single
cost of a DynamoDB-path turn (17% in the profile).

An attribute value of a scalar type (`S`, `N`, `BOOL`, `NULL`) that arrives with the JSON type
botocore would pass through unchanged is returned as it came. Everything else (binary values,
sets, maps, lists, and anything unexpected) goes through botocore's own code. The result is the
same either way, and a property test compares the two on generated items.

Serializing a request walks the same shapes the other way (a new dict and a method lookup per
member); a scalar attribute value is copied as it is there too, with the same bytes on the wire.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

__all__ = ["fast_wire"]

# The scalar members of AttributeValue and the JSON type botocore returns as it is.
_SCALARS: dict[str, type] = {"S": str, "N": str, "BOOL": bool, "NULL": bool}


def fast_wire(client: Any) -> Any:
    """A view of `client` whose JSON requests are serialized by `FastJSONSerializer` (when its
    serializer is botocore's plain JSON one: pass a client `unvalidated` already unwrapped) and
    whose responses are parsed by `FastJSONParser`. Everything else is shared: configuration,
    credentials, the connection pool, the event hooks. A client of another shape (a stub, a
    botocore that changed) is returned as it is."""
    try:
        from botocore.endpoint import Endpoint
        from botocore.parsers import ResponseParserFactory
        from botocore.serialize import JSONSerializer

        endpoint = client.__dict__.get("_endpoint")
        factory = getattr(endpoint, "_response_parser_factory", None)
        if not isinstance(endpoint, Endpoint) or not isinstance(factory, ResponseParserFactory):
            return client
        fast_endpoint = copy.copy(endpoint)  # the same host, hooks and HTTP session
        fast_endpoint._response_parser_factory = _Factory(factory)
        view = object.__new__(type(client))
        view.__dict__.update(client.__dict__)
        view.__dict__["_endpoint"] = fast_endpoint
        serializer = client.__dict__.get("_serializer")
        if type(serializer) is JSONSerializer:
            fast = object.__new__(_serializer_class())
            fast.__dict__.update(serializer.__dict__)
            view.__dict__["_serializer"] = fast
    except (ImportError, AttributeError, TypeError):
        return client
    return view


def _scalar(value: Any) -> bool:
    """An attribute value of one scalar member, of the JSON type botocore passes through."""
    if type(value) is dict and len(value) == 1:
        ((tag, raw),) = value.items()
        return type(raw) is _SCALARS.get(tag)
    return False


@functools.cache
def _serializer_class() -> type[Any]:
    from botocore.serialize import JSONSerializer

    class FastJSONSerializer(JSONSerializer):  # type: ignore[misc]
        def _serialize_type_structure(self, serialized: Any, value: Any, shape: Any, key: Any) -> None:
            if key is not None and shape.name == "AttributeValue" and _scalar(value):
                serialized[key] = dict(value)
                return
            super()._serialize_type_structure(serialized, value, shape, key)

        def _serialize_type_map(self, serialized: Any, value: Any, shape: Any, key: Any) -> None:
            item = shape.value
            if not (
                item.name == "AttributeValue" and shape.key.type_name == "string" and type(value) is dict
            ):
                super()._serialize_type_map(serialized, value, shape, key)
                return
            map_obj = self.MAP_TYPE()
            serialized[key] = map_obj
            for name, attribute in value.items():
                if _scalar(attribute):
                    map_obj[name] = dict(attribute)
                else:
                    self._serialize(map_obj, attribute, item, name)

    return FastJSONSerializer


@functools.cache
def _parser_class() -> type[Any]:
    from botocore.parsers import JSONParser

    # botocore's JSON parser returns string keys as they are (no `_handle_string`): a map's keys
    # need no parsing then.
    keys_as_they_are = not hasattr(JSONParser, "_handle_string")

    class FastJSONParser(JSONParser):  # type: ignore[misc]
        def _handle_structure(self, shape: Any, value: Any) -> Any:
            if shape.name == "AttributeValue" and _scalar(value):
                return dict(value)
            return super()._handle_structure(shape, value)

        def _handle_map(self, shape: Any, value: Any) -> Any:
            item = shape.value
            if not (
                keys_as_they_are
                and item.name == "AttributeValue"
                and shape.key.type_name == "string"
                and type(value) is dict
            ):
                return super()._handle_map(shape, value)
            return {  # an item: name -> attribute value
                key: dict(raw) if _scalar(raw) else self._parse_shape(item, raw) for key, raw in value.items()
            }

    return FastJSONParser


class _Factory:
    """The endpoint's parser factory, with the fast parser for the JSON protocol."""

    def __init__(self, inner: Any) -> None:
        from botocore.parsers import JSONParser

        self._inner = inner
        self._plain = JSONParser

    def create_parser(self, protocol_name: str) -> Any:
        parser = self._inner.create_parser(protocol_name)
        if type(parser) is not self._plain:
            return parser
        fast = object.__new__(_parser_class())
        fast.__dict__.update(parser.__dict__)  # the factory's defaults (blob and timestamp parsers)
        return fast

    def set_parser_defaults(self, **kwargs: Any) -> None:
        self._inner.set_parser_defaults(**kwargs)

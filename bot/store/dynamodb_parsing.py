"""Parsing the turn's DynamoDB responses for less: the same dicts botocore's parser returns.

botocore parses a JSON response by walking the output shape: for every attribute value of every
item it visits each of `AttributeValue`'s ten members to find the one that is there. The turn's
Query returns the session item and its window of history, so this walk is the biggest single
cost of a DynamoDB-path turn (17% in the profile).

An attribute value of a scalar type (`S`, `N`, `BOOL`, `NULL`) that arrives with the JSON type
botocore would pass through unchanged is returned as it came. Everything else (binary values,
sets, maps, lists, and anything unexpected) goes through botocore's own code. The result is the
same either way, and a property test compares the two on generated items.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["fast_parsing"]

# The scalar members of AttributeValue and the JSON type botocore returns as it is.
_SCALARS: dict[str, type] = {"S": str, "N": str, "BOOL": bool, "NULL": bool}


def fast_parsing(client: Any) -> Any:
    """A view of `client` whose JSON responses are parsed by `FastJSONParser`. Everything else is
    shared: configuration, credentials, the connection pool, the event hooks. A client of another
    shape (a stub, a botocore that changed) is returned as it is."""
    try:
        from botocore.endpoint import Endpoint
        from botocore.parsers import ResponseParserFactory

        endpoint = client.__dict__.get("_endpoint")
        factory = getattr(endpoint, "_response_parser_factory", None)
        if not isinstance(endpoint, Endpoint) or not isinstance(factory, ResponseParserFactory):
            return client
        fast_endpoint = copy.copy(endpoint)  # the same host, hooks and HTTP session
        fast_endpoint._response_parser_factory = _Factory(factory)
        view = object.__new__(type(client))
        view.__dict__.update(client.__dict__)
        view.__dict__["_endpoint"] = fast_endpoint
    except (ImportError, AttributeError, TypeError):
        return client
    return view


def _parser_class() -> type[Any]:
    from botocore.parsers import JSONParser

    # botocore's JSON parser returns string keys as they are (no `_handle_string`): a map's keys
    # need no parsing then.
    keys_as_they_are = not hasattr(JSONParser, "_handle_string")

    class FastJSONParser(JSONParser):  # type: ignore[misc]
        def _handle_structure(self, shape: Any, value: Any) -> Any:
            if shape.name == "AttributeValue" and type(value) is dict and len(value) == 1:
                ((tag, raw),) = value.items()
                if type(raw) is _SCALARS.get(tag):
                    return {tag: raw}
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
            parsed = {}
            for key, raw in value.items():  # an item: name -> attribute value
                if type(raw) is dict and len(raw) == 1:
                    ((tag, scalar),) = raw.items()
                    if type(scalar) is _SCALARS.get(tag):
                        parsed[key] = {tag: scalar}
                        continue
                parsed[key] = self._parse_shape(item, raw)
            return parsed

    return FastJSONParser


_PARSER: type[Any] | None = None


class _Factory:
    """The endpoint's parser factory, with the fast parser for the JSON protocol."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def create_parser(self, protocol_name: str) -> Any:
        global _PARSER
        parser = self._inner.create_parser(protocol_name)
        from botocore.parsers import JSONParser

        if type(parser) is not JSONParser:
            return parser
        if _PARSER is None:
            _PARSER = _parser_class()
        fast = object.__new__(_PARSER)
        fast.__dict__.update(parser.__dict__)  # the factory's defaults (blob and timestamp parsers)
        return fast

    def set_parser_defaults(self, **kwargs: Any) -> None:
        self._inner.set_parser_defaults(**kwargs)

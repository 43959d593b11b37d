"""The Lex V2 runtime's error shapes, as botocore's `lexv2-runtime` model defines them.

Each error is an HTTP status, the `x-amzn-ErrorType` header naming the exception and a JSON body
`{"message": "..."}`. Messages are written here, never built from what the client sent: a
malformed request is described by what is wrong with it, not echoed back.
"""

from __future__ import annotations

import json
from typing import Any


class LexApiError(Exception):
    """An error the runtime answers with (subclasses are the model's exception shapes)."""

    code = "InternalServerException"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> bytes:
        return json.dumps({"message": self.message}).encode()


class ValidationException(LexApiError):
    code = "ValidationException"
    status = 400


class AccessDeniedException(LexApiError):
    code = "AccessDeniedException"
    status = 403


class ResourceNotFoundException(LexApiError):
    code = "ResourceNotFoundException"
    status = 404


class ConflictException(LexApiError):
    code = "ConflictException"
    status = 409


class DependencyFailedException(LexApiError):
    """The code hook (Lambda) failed: it raised, or could not be run."""

    code = "DependencyFailedException"
    status = 424


class BadGatewayException(LexApiError):
    """The code hook answered with a response Lex refuses ("Invalid Lambda Response: ...")."""

    code = "BadGatewayException"
    status = 502


class InternalServerException(LexApiError):
    code = "InternalServerException"
    status = 500


def request_object(body: bytes) -> dict[str, Any]:
    """A request body as a JSON object ({} when empty); ValidationException otherwise."""
    if not body.strip():
        return {}
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationException("The request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ValidationException("The request body must be a JSON object")
    return value

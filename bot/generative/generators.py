"""Generators: what turns a question and its context into an answer.

- `Bedrock`  Bedrock Runtime's Converse API through boto3 (`bedrock-runtime`).
- offline    no model: the best retrieved passage, extractively (`extract`), or nothing.

A generator raises `GenerationFailed(reason)` for anything that is not a usable answer; the
help desk then answers offline. Reasons are a fixed vocabulary (they become metric dimensions).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from bot.generative.retrieval import Hit

log = logging.getLogger("bot.generative")

Reason = Literal[
    "timeout",
    "throttled",
    "too_long",
    "access_denied",
    "guardrail",
    "unavailable",
    "invalid_request",
    "unsafe_output",
    "empty_output",
    "malformed_output",
    "over_budget",
    "deadline",
    "error",
]


class GenerationFailed(Exception):
    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: Reason = reason


@dataclass(frozen=True, slots=True)
class Generated:
    text: str
    input_tokens: int
    output_tokens: int
    latency_ms: float
    attempts: int = 1


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a sentence end when there is one."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    ends = [m.start() for m in _SENTENCE_END.finditer(cut)]
    if ends and ends[-1] > limit // 3:
        return cut[: ends[-1]].rstrip()
    return cut.rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def extract(hits: list[Hit], limit: int) -> str | None:
    """The offline answer: the best passage's text, shortened; None when nothing matched."""
    return shorten(hits[0].passage.text, limit) if hits else None


# -- Bedrock ---------------------------------------------------------------------------------------

_CODES: dict[str, Reason] = {
    "ThrottlingException": "throttled",
    "ServiceQuotaExceededException": "throttled",
    "AccessDeniedException": "access_denied",
    "UnrecognizedClientException": "access_denied",
    "ModelTimeoutException": "timeout",
    "ServiceUnavailableException": "unavailable",
    "InternalServerException": "unavailable",
    "ModelNotReadyException": "unavailable",
    "ModelErrorException": "unavailable",
    "ResourceNotFoundException": "invalid_request",
}
_RETRIED = frozenset({"throttled", "unavailable"})
_TOO_LONG = re.compile(
    r"too long|too many (?:input )?tokens|context (?:window|length)|max(?:imum)? tokens", re.I
)
_STOPS: dict[str, Reason] = {
    "guardrail_intervened": "guardrail",
    "content_filtered": "guardrail",
    "model_context_window_exceeded": "too_long",
    "malformed_model_output": "malformed_output",
}


class Bedrock:
    """Converse through one boto3 client per container, with our own deadline and retries:
    botocore's retries are off (they know no deadline), each attempt is bounded by the client's
    connect and read timeouts, and another attempt starts only for throttling or a 5xx and only
    while `deadline()` leaves room for a whole attempt."""

    def __init__(
        self,
        *,
        model_id: str,
        region: str | None,
        endpoint_url: str | None,
        timeout: float,
        max_attempts: int,
        client: Any = None,
    ) -> None:
        self.model_id = model_id
        self.timeout = timeout
        self.max_attempts = max_attempts
        if client is None:
            from botocore.config import Config

            from bot import aws

            client = aws.client(
                "bedrock-runtime",
                region_name=region,
                endpoint_url=endpoint_url,
                config=Config(
                    connect_timeout=min(timeout, 1.0),
                    read_timeout=timeout,
                    retries={"total_max_attempts": 1},
                    tcp_keepalive=True,
                ),
            )
        self.client = client

    def converse(self, request: dict[str, Any], *, remaining: Any) -> Generated:
        """One answer for `request` (already through the choke point). `remaining()` is how
        many seconds the turn still has for generation."""
        started = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            if remaining() < self.timeout:
                raise GenerationFailed("deadline", "no time left for an attempt")
            try:
                response = self.client.converse(**request)
                break
            except Exception as exc:  # every failure maps to a reason
                reason = _reason(exc)
                if reason in _RETRIED and attempt < self.max_attempts:
                    log.info("generative call failed, retrying: %s", reason)
                    continue
                raise GenerationFailed(reason, type(exc).__name__) from None
        latency = (time.perf_counter() - started) * 1000
        return _generated(response, latency, attempt)

    def count_tokens(self, request: dict[str, Any]) -> int | None:
        """The model's own input-token count for `request`, or None when it cannot be had."""
        try:
            counted = self.client.count_tokens(
                modelId=self.model_id,
                input={"converse": {"messages": request["messages"], "system": request.get("system", [])}},
            )
            return int(counted["inputTokens"])
        except Exception as exc:  # counting is an optimization: the estimate stands
            log.info("token counting unavailable: %s", type(exc).__name__)
            return None


def _reason(exc: Exception) -> Reason:
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ResponseParserError):
        return "malformed_output"
    if isinstance(exc, (ReadTimeoutError, ConnectTimeoutError)):
        return "timeout"
    if isinstance(exc, EndpointConnectionError):
        return "unavailable"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code == "ValidationException":
            return "too_long" if _TOO_LONG.search(str(error.get("Message", ""))) else "invalid_request"
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return _CODES.get(code, "unavailable" if status >= 500 else "error")
    return "error"


def _generated(response: dict[str, Any], latency_ms: float, attempts: int) -> Generated:
    stop = str(response.get("stopReason", ""))
    if stop in _STOPS:
        raise GenerationFailed(_STOPS[stop], stop)
    content = ((response.get("output") or {}).get("message") or {}).get("content") or []
    text = " ".join(
        block["text"] for block in content if isinstance(block, dict) and isinstance(block.get("text"), str)
    )
    usage = response.get("usage") or {}
    if not text.strip():
        raise GenerationFailed("empty_output")
    return Generated(
        text=text,
        input_tokens=int(usage.get("inputTokens", 0) or 0),
        output_tokens=int(usage.get("outputTokens", 0) or 0),
        latency_ms=latency_ms,
        attempts=attempts,
    )

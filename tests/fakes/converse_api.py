"""A small fake of Bedrock Runtime's Converse and CountTokens APIs, served over real HTTP on
127.0.0.1, for driving boto3's `bedrock-runtime` client (moto does not implement Converse).

    with FakeConverse() as fake:
        env = {"GENERATOR": "bedrock", "BEDROCK_ENDPOINT_URL": fake.url, ...}
        fake.reply("The security code proves you have the card.")
        fake.fail_next("ThrottlingException", status=429)
        ...
        fake.bodies  # every request body received, as parsed JSON (to scan for card data)

Implements `POST /model/{modelId}/converse` and `POST /model/{modelId}/count-tokens` with the
response and error shapes of the service model: `output.message.content[].text`, `stopReason`,
`usage` (inputTokens counted from the request as 1 per 4 bytes, outputTokens from the reply),
`metrics.latencyMs`; errors as `{"message": ...}` with the `x-amzn-ErrorType` header. Scripted:
`reply(text, stop_reason=...)` queues answers (default: an echo of the first passage title),
`fail_next(code, status, message)` queues failures, `delay` holds a response (for timeouts).
SigV4 is not checked (any credentials), the Authorization header must be present.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


@dataclass
class Received:
    operation: str  # "Converse" | "CountTokens"
    model_id: str
    body: dict[str, Any]
    raw: str  # the body as sent, for scanning


@dataclass
class _Reply:
    text: str
    stop_reason: str = "end_turn"


@dataclass
class _Failure:
    code: str
    status: int
    message: str


@dataclass
class FakeConverse:
    delay: float = 0.0  # seconds before every Converse response (a timeout test sets it)
    received: list[Received] = field(default_factory=list)
    count_tokens_available: bool = True
    token_multiplier: float = 1.0  # CountTokens reports this many times the fake's own count

    def __post_init__(self) -> None:
        self._replies: deque[_Reply] = deque()
        self._failures: deque[_Failure] = deque()
        self._raw: deque[bytes] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.default_reply = "Here is what I can tell you."

    # -- scripting ------------------------------------------------------------------------------

    def reply(self, text: str, *, stop_reason: str = "end_turn") -> None:
        with self._lock:
            self._replies.append(_Reply(text, stop_reason))

    def malformed_next(self, body: bytes = b'{"output": {"message": {"content": [{"text": ') -> None:
        """The next Converse answer is a 200 whose body is not a Converse response (cut short)."""
        with self._lock:
            self._raw.append(body)

    def fail_next(self, code: str, *, status: int = 400, message: str = "", times: int = 1) -> None:
        with self._lock:
            for _ in range(times):
                self._failures.append(_Failure(code, status, message or code))

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.received]

    @property
    def conversations(self) -> list[Received]:
        return [r for r in self.received if r.operation == "Converse"]

    # -- serving --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first (use it as a context manager)"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeConverse:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    # -- the API --------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode("utf-8")
        parts = request.path.split("/")
        if len(parts) != 4 or parts[1] != "model" or parts[3] not in ("converse", "count-tokens"):
            return self._send(request, 404, {"message": "unknown path"}, "UnknownOperationException")
        if "Authorization" not in request.headers:
            return self._send(request, 403, {"message": "missing signature"}, "AccessDeniedException")
        model_id = unquote(parts[2])
        try:
            body = json.loads(raw or "{}")
        except ValueError:
            return self._send(request, 400, {"message": "malformed JSON"}, "ValidationException")
        operation = "Converse" if parts[3] == "converse" else "CountTokens"
        with self._lock:
            self.received.append(Received(operation, model_id, body, raw))
            failure = self._failures.popleft() if self._failures and operation == "Converse" else None
            reply = (
                self._replies.popleft() if self._replies and operation == "Converse" and not failure else None
            )
        if operation == "CountTokens":
            if not self.count_tokens_available:
                return self._send(request, 400, {"message": "not supported"}, "ValidationException")
            converse = body.get("input", {}).get("converse", {})
            counted = math.ceil(count(converse) * self.token_multiplier)
            return self._send(request, 200, {"inputTokens": counted})
        if self.delay:
            time.sleep(self.delay)
        if failure is not None:
            return self._send(request, failure.status, {"message": failure.message}, failure.code)
        with self._lock:
            raw_reply = self._raw.popleft() if self._raw else None
        if raw_reply is not None:
            request.send_response(200)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(raw_reply)))
            request.end_headers()
            request.wfile.write(raw_reply)
            return None
        answer = reply or _Reply(self.default_reply)
        output_tokens = max(1, math.ceil(len(answer.text.encode()) / 4))
        self._send(
            request,
            200,
            {
                "output": {"message": {"role": "assistant", "content": [{"text": answer.text}]}},
                "stopReason": answer.stop_reason,
                "usage": {
                    "inputTokens": count(body),
                    "outputTokens": output_tokens,
                    "totalTokens": count(body) + output_tokens,
                },
                "metrics": {"latencyMs": 12},
            },
        )
        return None

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler, status: int, body: dict[str, Any], error: str | None = None
    ) -> None:
        data = json.dumps(body).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.send_header("x-amzn-RequestId", "fake-request")
            if error:
                request.send_header(
                    "x-amzn-ErrorType", f"{error}:http://internal.amazon.com/coral/com.amazon.bedrock/"
                )
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass


def texts(body: dict[str, Any]) -> list[str]:
    """Every text block of a Converse request body (system and messages)."""
    out = [b.get("text", "") for b in body.get("system", []) if isinstance(b, dict)]
    for message in body.get("messages", []):
        out += [b.get("text", "") for b in message.get("content", []) if isinstance(b, dict)]
    return out


def count(body: dict[str, Any]) -> int:
    """The fake model's token count: 1 per 4 bytes of text (a typical English tokenizer)."""
    return sum(math.ceil(len(t.encode()) / 4) for t in texts(body))

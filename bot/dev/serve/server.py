"""HTTP: the Lex V2 runtime's restJson routes, the console's page and its API, on the stdlib's
ThreadingHTTPServer.

    runtime = LexRuntime("intents.app:app", "template.yaml")
    server = make_server(runtime, "127.0.0.1", 0)       # 0: an ephemeral port
    server.start()                                       # serves on a thread; server.url
    ...
    server.stop()                                        # stops accepting, closes the socket

Routes (paths as botocore's `lexv2-runtime` model defines them), under
`/bots/{botId}/botAliases/{botAliasId}/botLocales/{localeId}/sessions/{sessionId}`:

    POST   .../text         RecognizeText
    POST   .../utterance    RecognizeUtterance (text/plain input only)
    POST   ...              PutSession
    GET    ...              GetSession
    DELETE ...              DeleteSession

and the console: `GET /` (bot/dev/console/static) and its JSON API under `/console/api/`
(`bot.dev.serve.console`).

Requests may be SigV4-signed with any credentials: the signature is not checked (local use). The
server listens on loopback only unless told otherwise (`allow_remote`), and on loopback answers
only requests whose Host is a loopback name (a page elsewhere cannot reach it by DNS rebinding).
Every failure is a Lex error shape (`bot.dev.serve.errors`); a bug is logged here and answered
with InternalServerException, never a traceback.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import sys
import threading
import uuid
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from bot.dev.serve.errors import (
    AccessDeniedException,
    LexApiError,
    ResourceNotFoundException,
    ValidationException,
    request_object,
)
from bot.dev.serve.runtime import CLOCK_HEADER, LexRuntime, Target

log = logging.getLogger("bot.dev.serve")

MAX_BODY = 1024 * 1024  # bytes; a RecognizeText body is a few KiB at most
INPUT_MODE_HEADER = "x-lexbot-input-mode"  # Text | Speech | DTMF (the conversation runner's)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_LEX_PATH = re.compile(
    r"^/bots/(?P<bot>[^/]+)/botAliases/(?P<alias>[^/]+)/botLocales/(?P<locale>[^/]+)"
    r"/sessions/(?P<session>[^/]+)(?P<op>/text|/utterance|/conversation)?/?$"
)
_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/console.css": ("console.css", "text/css; charset=utf-8"),
    "/console.js": ("console.js", "text/javascript; charset=utf-8"),
}
_STDLIB_ERRORS = {
    400: "The request is malformed",
    404: "No such route",
    408: "The request timed out",
    414: "The request line is too long",
    431: "The request headers are too large",
    501: "Unsupported method",
    505: "Unsupported HTTP version",
}
_SECURITY_HEADERS = {
    # The console loads nothing from elsewhere and is never framed.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class LexServer(ThreadingHTTPServer):
    daemon_threads = True  # an idle keep-alive connection never holds shutdown up
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        runtime: LexRuntime,
        *,
        allow_origins: tuple[str, ...] = (),
        access_log: TextIO | None = None,
    ) -> None:
        from bot.dev.serve.console import ConsoleApi

        self.runtime = runtime
        self.console = ConsoleApi(runtime)
        self.allow_origins = allow_origins
        self.access_log = access_log
        self.loopback_only = is_loopback(address[0])
        self._thread: threading.Thread | None = None
        super().__init__(address, _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = str(self.server_address[0])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    def start(self) -> None:
        """Serve on a background thread (tests, embedding); `stop()` ends it."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="lexbot-serve", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket (waits for the serving loop to end)."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()


def make_server(
    runtime: LexRuntime,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    allow_remote: bool = False,
    allow_origins: tuple[str, ...] = (),
    access_log: TextIO | None = None,
) -> LexServer:
    """A server bound to (host, port). Anything but a loopback host is refused unless
    `allow_remote` (the CLI sets it only when --host is given explicitly)."""
    if not allow_remote and not is_loopback(host):
        raise ValueError(
            f"refusing to listen on {host}: not a loopback address (give --host explicitly to allow it)"
        )
    return LexServer((host, port), runtime, allow_origins=allow_origins, access_log=access_log)


class _Handler(BaseHTTPRequestHandler):
    server: LexServer
    protocol_version = "HTTP/1.1"
    server_version = "lexbot-serve"

    def version_string(self) -> str:
        return self.server_version

    timeout = 60  # an idle keep-alive connection is closed after this many seconds

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What the stdlib answers itself (a malformed request line, an unknown method, headers too
        long), as a Lex error: a fixed message by status, never the request's text echoed."""
        self.close_connection = True
        kind: type[LexApiError] = ValidationException if 400 <= code < 500 else LexApiError
        error = kind(_STDLIB_ERRORS.get(code, "The request could not be handled"))
        error.status = code
        try:
            if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
                self.request_version = "HTTP/1.1"  # answer with headers all the same
            self._send(code, error.body(), {"x-amzn-ErrorType": error.code}, str(uuid.uuid4()))
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        out = self.server.access_log
        if out is not None:
            path = urlsplit(self.path).path if isinstance(self.path, str) else "-"
            shown = path.encode("ascii", "backslashreplace").decode()[:200]
            print(f"{self.command or '-'} {shown} {args[1] if len(args) > 1 else ''}", file=out)

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)

    # -- dispatch ------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        request_id = str(uuid.uuid4())
        try:
            self._check_host()
            path = urlsplit(self.path).path
            if method == "OPTIONS":
                self._preflight()
                return
            body = self._body()
            match = _LEX_PATH.match(path)
            if match:
                self._lex(method, match, body, request_id)
            elif path.startswith("/console/api/"):
                status, headers, payload = self.server.console.handle(method, path, body)
                self._send(status, payload, headers, request_id)
            elif method in ("GET", "HEAD") and path in _STATIC:
                self._static(*_STATIC[path])
            else:
                raise ResourceNotFoundException("No such route")
        except LexApiError as exc:
            self._error(exc, request_id)
        except Exception:
            log.exception("serve: unexpected error")
            self._error(LexApiError("An internal error occurred"), request_id)

    def _check_host(self) -> None:
        if not self.server.loopback_only:
            return
        host = (self.headers.get("Host") or "").strip()
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1 : host.find("]")]
        if not is_loopback(name):
            self.close_connection = True
            raise AccessDeniedException("This server answers loopback host names only")

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            raise ValidationException("Send the request body with a Content-Length")
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        if not raw.strip().isdigit():
            self.close_connection = True
            raise ValidationException("Content-Length is not a number")
        length = int(raw)
        if length > MAX_BODY:
            self.close_connection = True
            raise ValidationException(f"The request body is larger than {MAX_BODY} bytes")
        return self.rfile.read(length)

    def _lex(self, method: str, match: re.Match[str], body: bytes, request_id: str) -> None:
        runtime = self.server.runtime
        try:
            parts = {k: unquote(v, errors="strict") for k, v in match.groupdict(default="").items()}
        except UnicodeDecodeError:
            raise ValidationException("The path is not percent-encoded UTF-8") from None
        operation = parts["op"]
        target = runtime.target(parts["bot"], parts["alias"], parts["locale"])
        session_id = parts["session"]
        with runtime.clock.pinned(self._pinned_clock()):
            if operation == "/text" and method == "POST":
                answer = self._recognize_text(runtime, target, session_id, body)
                self._send(200, _json(answer), {}, request_id)
            elif operation == "/utterance" and method == "POST":
                headers = {k.lower(): v for k, v in self.headers.items()}
                out = runtime.recognize_utterance(target, session_id, headers, body)
                self._send(200, b"", out, request_id)
            elif operation == "" and method == "POST":
                out = runtime.put_session(
                    target, session_id, request_object(body), self.headers.get("ResponseContentType")
                )
                self._send(200, b"", out, request_id)
            elif operation == "" and method == "GET":
                self._send(200, _json(runtime.get_session(target, session_id)), {}, request_id)
            elif operation == "" and method == "DELETE":
                self._send(200, _json(runtime.delete_session(target, session_id)), {}, request_id)
            elif operation == "/conversation":
                raise ValidationException("StartConversation (HTTP/2 event streams) is not supported here")
            else:
                raise ResourceNotFoundException("No such operation on this path")

    def _recognize_text(
        self, runtime: LexRuntime, target: Target, session_id: str, body: bytes
    ) -> dict[str, Any]:
        # The conversation runner's channel (voice, keypad) for one turn: not part of Lex's API.
        mode = self.headers.get(INPUT_MODE_HEADER) or "Text"
        if mode not in ("Text", "Speech", "DTMF"):
            raise ValidationException(f"{INPUT_MODE_HEADER} must be Text, Speech or DTMF")
        return runtime.recognize_text(target, session_id, request_object(body), input_mode=mode)

    def _pinned_clock(self) -> float | None:
        raw = self.headers.get(CLOCK_HEADER)
        if raw is None:
            return None
        try:
            instant = float(raw)
        except ValueError:
            raise ValidationException(f"{CLOCK_HEADER} must be epoch seconds") from None
        if not 0 <= instant < 10**11:
            raise ValidationException(f"{CLOCK_HEADER} must be epoch seconds")
        return instant

    # -- answers -------------------------------------------------------------------------------

    def _preflight(self) -> None:
        origin = self.headers.get("Origin")
        if origin is None or origin not in self.server.allow_origins:
            raise AccessDeniedException("Cross-origin requests are not allowed from this origin")
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", origin)
        self.send_header("Access-Control-Allow-Methods", "GET, POST, DELETE")
        self.send_header(
            "Access-Control-Allow-Headers", self.headers.get("Access-Control-Request-Headers", "*")
        )
        self.send_header(
            "Access-Control-Expose-Headers",
            "x-amzn-RequestId, x-amzn-ErrorType, x-amz-lex-session-state, x-amz-lex-messages, "
            "x-amz-lex-interpretations, x-amz-lex-request-attributes, x-amz-lex-session-id, "
            "x-amz-lex-input-mode, x-amz-lex-input-transcript",
        )
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _static(self, name: str, content_type: str) -> None:
        data = resources.files("bot.dev.console").joinpath("static", name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        for key, value in _SECURITY_HEADERS.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _send(self, status: int, payload: bytes, headers: Mapping[str, str], request_id: str) -> None:
        self.send_response(status)
        self.send_header("x-amzn-RequestId", request_id)
        if "Content-Type" not in headers:
            self.send_header("Content-Type", "application/json")
        for key, value in headers.items():
            self.send_header(key, value)
        for key, value in _SECURITY_HEADERS.items():
            if key not in headers:
                self.send_header(key, value)
        sent = getattr(self, "headers", None)  # None: the request line itself was refused
        origin = sent.get("Origin") if sent is not None else None
        if origin is not None and origin in self.server.allow_origins:
            self.send_header("Access-Control-Allow-Origin", origin)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _error(self, exc: LexApiError, request_id: str) -> None:
        try:
            self._send(exc.status, exc.body(), {"x-amzn-ErrorType": exc.code}, request_id)
        except OSError:  # the client went away
            self.close_connection = True


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode("ascii")


def serve_forever(server: LexServer, out: TextIO = sys.stdout) -> int:
    """Run in the foreground until interrupted (Ctrl-C, SIGTERM), then close cleanly."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = (
        signal.signal(signal.SIGTERM, stop) if threading.current_thread() is threading.main_thread() else None
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("stopped", file=out, flush=True)
    return 0

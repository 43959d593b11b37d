"""The server below boto3: bad input always gets a Lex error shape botocore parses (never a
traceback, never an echo of the bad part); loopback only unless asked; a clean shutdown."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import botocore.session
import pytest
from botocore.parsers import RestJSONParser

from bot.dev.serve import LexRuntime, LexServer, make_server
from bot.dev.serve.server import MAX_BODY

PATH = "/bots/SIMBOT0001/botAliases/TSTALIASID/botLocales/en_US/sessions/raw-1"
MODEL = botocore.session.get_session().get_service_model("lexv2-runtime")


def request(
    server: LexServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        sent = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def parsed_error(status: int, headers: dict[str, str], body: bytes, operation: str = "RecognizeText") -> Any:
    """The error as botocore reads it (the code comes from x-amzn-ErrorType, the message from the body)."""
    shape = MODEL.operation_model(operation).output_shape
    found = RestJSONParser().parse({"status_code": status, "headers": headers, "body": body}, shape)
    return found["Error"]


BAD_BODIES = [
    (b"{not json", "ValidationException"),
    (b"[1, 2]", "ValidationException"),
    (b'{"text": 5}', "ValidationException"),
    (b'{"text": ["a"]}', "ValidationException"),
    (b'{"text": "hi", "requestAttributes": {"k": 7}}', "ValidationException"),
    (b'{"text": "hi", "sessionState": {"dialogAction": {"type": "Dance"}}}', "ValidationException"),
    (b'{"text": "hi", "sessionState": "oops"}', "ValidationException"),
    (b'{"text": "\\ud800 secret-part"}', "ValidationException"),
    (b'{"text": "hi", "requestAttributes": {"\\udfff": "v"}}', "ValidationException"),
    (b'{"text": "\xff\xfe secret-part"}', "ValidationException"),
    (b'{"text": ""}', "ValidationException"),
    (b'{"text": "   "}', "ValidationException"),
    (b"{}", "ValidationException"),
    (b"[" * 100_000 + b"]" * 100_000, "ValidationException"),
]


@pytest.mark.parametrize(("body", "code"), BAD_BODIES)
def test_malformed_recognize_text_bodies_get_a_validation_exception(
    server: LexServer, body: bytes, code: str
) -> None:
    status, headers, answer = request(server, "POST", PATH + "/text", body)
    assert status == 400
    error = parsed_error(status, headers, answer)
    assert error["Code"] == code
    assert error["Message"]
    assert set(json.loads(answer)) == {"message"}
    assert b"secret-part" not in answer
    assert b"Traceback" not in answer
    assert b"Dance" not in answer
    assert b"oops" not in answer


def test_a_huge_body_is_refused_without_being_read(server: LexServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
        raw.sendall(
            f"POST {PATH}/text HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {MAX_BODY + 1}\r\n\r\n".encode()
        )
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = raw.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"x-amzn-ErrorType: ValidationException" in head
    assert json.loads(body)["message"]


def test_a_chunked_body_is_refused(server: LexServer) -> None:
    status, headers, body = request(
        server, "POST", PATH + "/text", b'{"text": "hi"}', {"Transfer-Encoding": "chunked"}
    )
    assert parsed_error(status, headers, body)["Code"] == "ValidationException"


@pytest.mark.parametrize(
    ("method", "path", "code", "status"),
    [
        ("GET", "/nothing/here", "ResourceNotFoundException", 404),
        ("PUT", PATH, "ResourceNotFoundException", 404),
        ("GET", PATH, "ResourceNotFoundException", 404),  # no such session yet
        ("POST", PATH + "/conversation", "ValidationException", 400),
        ("POST", PATH.replace("SIMBOT0001", "short"), "ValidationException", 400),
        ("POST", PATH.replace("raw-1", "x"), "ValidationException", 400),
        ("POST", PATH.replace("raw-1", "bad%2Fid"), "ValidationException", 400),
        ("POST", PATH.replace("raw-1", "%ED%A0%80%FF"), "ValidationException", 400),
        ("GET", "/console/api/nothing", "ResourceNotFoundException", 404),
    ],
)
def test_wrong_routes_get_lex_errors(
    server: LexServer, method: str, path: str, code: str, status: int
) -> None:
    found, headers, body = request(server, method, path, b'{"sessionState": {}}')
    assert found == status
    assert parsed_error(found, headers, body, "PutSession")["Code"] == code


def test_put_session_needs_a_session_state(server: LexServer) -> None:
    status, headers, body = request(server, "POST", PATH, b"{}")
    assert parsed_error(status, headers, body, "PutSession")["Code"] == "ValidationException"


def test_bad_compressed_headers_of_recognize_utterance(server: LexServer) -> None:
    status, headers, body = request(
        server,
        "POST",
        PATH + "/utterance",
        b"hello",
        {"Content-Type": "text/plain; charset=utf-8", "x-amz-lex-session-state": "%%not-base64 secret-part"},
    )
    error = parsed_error(status, headers, body, "RecognizeUtterance")
    assert error["Code"] == "ValidationException"
    assert b"secret-part" not in body


def test_a_foreign_host_name_is_refused_on_loopback(server: LexServer) -> None:
    status, headers, body = request(server, "GET", "/", headers={"Host": "evil.example:80"})
    assert (status, parsed_error(status, headers, body)["Code"]) == (403, "AccessDeniedException")
    assert request(server, "GET", "/", headers={"Host": f"localhost:{server.port}"})[0] == 200


def test_a_bug_is_an_internal_server_error_without_a_traceback(
    server: LexServer, runtime: LexRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kw: Any) -> Any:
        raise KeyError("internal detail")

    monkeypatch.setattr(runtime, "recognize_text", broken)
    status, headers, body = request(server, "POST", PATH + "/text", b'{"text": "hi"}')
    assert status == 500
    assert parsed_error(status, headers, body)["Code"] == "InternalServerException"
    assert b"internal detail" not in body
    assert b"Traceback" not in body


def test_the_console_page_is_served_with_a_strict_policy(server: LexServer) -> None:
    status, headers, body = request(server, "GET", "/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in headers["content-security-policy"]
    assert b"console.js" in body
    for asset in ("/console.js", "/console.css"):
        found, _, content = request(server, "GET", asset)
        assert found == 200
        assert content
        assert b"http://" not in content
        assert b"https://" not in content


def test_cors_only_for_allowed_origins(runtime: LexRuntime) -> None:
    server = make_server(runtime, "127.0.0.1", 0, allow_origins=("http://localhost:5173",))
    server.start()
    try:
        status, headers, _ = request(
            server, "OPTIONS", PATH + "/text", headers={"Origin": "http://localhost:5173"}
        )
        assert status == 204
        assert headers["access-control-allow-origin"] == "http://localhost:5173"
        status, _, _ = request(server, "OPTIONS", PATH + "/text", headers={"Origin": "http://elsewhere"})
        assert status == 403
    finally:
        server.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "example.com"])
def test_non_loopback_binds_are_refused_unless_allowed(runtime: LexRuntime, host: str) -> None:
    with pytest.raises(ValueError, match="refusing to listen"):
        make_server(runtime, host, 0)


def test_a_non_loopback_bind_when_allowed(runtime: LexRuntime) -> None:
    server = make_server(runtime, "0.0.0.0", 0, allow_remote=True)
    try:
        assert not server.loopback_only
    finally:
        server.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2"])
def test_loopback_binds_are_allowed(runtime: LexRuntime, host: str) -> None:
    server = make_server(runtime, host, 0)
    try:
        assert server.loopback_only
    finally:
        server.server_close()


def test_shutdown_is_clean_with_an_idle_keep_alive_connection(runtime: LexRuntime) -> None:
    server = make_server(runtime, "127.0.0.1", 0)
    server.start()
    port = server.port
    idle = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    idle.request("GET", "/console/api/bot")
    assert idle.getresponse().read()  # the connection stays open (HTTP/1.1 keep-alive)
    server.stop()  # returns: the serving loop ended, the socket is closed
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=30).close()
    idle.close()


def raw_exchange(server: LexServer, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
        raw.sendall(data)
        raw.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize(
    "data",
    [
        b"BREW /pot HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /\x00secret-part HTTP/9.9\r\n\r\n",
        b"secret-part\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
    ],
)
def test_what_the_stdlib_refuses_is_a_lex_error_too(server: LexServer, data: bytes) -> None:
    answer = raw_exchange(server, data)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 4") or head.startswith(b"HTTP/1.1 5")
    assert b"x-amzn-ErrorType: " in head
    assert set(json.loads(body)) == {"message"}
    assert b"secret-part" not in answer
    assert b"<html" not in answer.lower()


def test_head_requests(server: LexServer) -> None:
    status, headers, body = request(server, "HEAD", "/")
    assert (status, body) == (200, b"")
    status, headers, body = request(server, "HEAD", "/nothing")
    assert status == 404
    assert headers["x-amzn-errortype"] == "ResourceNotFoundException"

"""`python -m bot serve` on the command line: loopback by default, a non-loopback address only
when --host says so, and a clean stop on SIGTERM."""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.dev.cli import serve as serve_cli


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    which = argparse.ArgumentParser(add_help=False)
    which.add_argument("--app")
    which.add_argument("--app-dir")
    which.add_argument("--template", default="template.yaml")
    serve_cli.add_parser(commands, which)
    return parser.parse_args(["serve", *argv])


class Stop(Exception):
    pass


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """What `run` asks make_server for (the server itself is not started)."""
    seen: dict[str, Any] = {}

    def fake(runtime: Any, host: str, port: int, **kw: Any) -> Any:
        seen.update(host=host, port=port, **kw)
        raise Stop

    monkeypatch.setattr("bot.dev.serve.server.make_server", fake)
    monkeypatch.setenv("BOT_STORE", "memory")
    monkeypatch.setenv("BOT_LOCAL_DIR", str(tmp_path))
    return seen


def test_the_default_is_loopback_and_refuses_nothing_else(made: dict[str, Any]) -> None:
    with pytest.raises(Stop):
        serve_cli.run(parse("--port", "0"))
    assert made["host"] == "127.0.0.1"
    assert made["allow_remote"] is False


def test_an_explicit_host_is_allowed(made: dict[str, Any]) -> None:
    with pytest.raises(Stop):
        serve_cli.run(parse("--host", "0.0.0.0", "--port", "0"))
    assert (made["host"], made["allow_remote"]) == ("0.0.0.0", True)


def test_a_bad_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve_cli.run(parse("--port", "70000")) == 2
    assert "--port" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "BOT_STORE": "memory", "BOT_LOCAL_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", first)
        assert found, first + (process.stderr.read() if process.stderr else "")
        port = int(found.group(1))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/console/api/bot")
        response = connection.getresponse()
        assert response.status == 200
        assert b"PaymentBot" in response.read()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err

"""`test-conversations --runtime serve|aws`: the YAML suite over HTTP through boto3's client. The
local server stands in for AWS in the `aws` runs (the same client code path, no extensions)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.__main__ import main as cli
from bot.dev.cli.test_conversations import main as play_conversations
from bot.dev.serve import LexServer

SUITE = sorted(Path("tests/conversations").glob("*.yaml"))
HAPPY = Path("tests/conversations/happy_path.yaml")


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Credentials from the environment, as boto3 finds them for a deployed bot (dummy ones)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        code = cli(["test-conversations", *args])
    return code, out.getvalue()


@pytest.mark.slow
def test_the_whole_suite_passes_over_serve(server: LexServer) -> None:
    out = io.StringIO()
    code = play_conversations([], runtime="serve", endpoint_url=server.url, out=out)
    text = out.getvalue()
    assert code == 0, text
    assert f"{len(SUITE)} passed, 0 failed, 0 skipped" in text
    assert "skipped expectations only the simulator can see: nlu_intent" in text


@pytest.mark.slow
@pytest.mark.usefixtures("aws_credentials")
def test_the_whole_suite_against_a_stand_in_for_aws(server: LexServer) -> None:
    out = io.StringIO()
    code = play_conversations(
        [],
        runtime="aws",
        endpoint_url=server.url,
        bot_id="SIMBOT0001",
        bot_alias_id="TSTALIASID",
        region="eu-west-1",
        out=out,
    )
    text = out.getvalue()
    assert code == 0, text
    assert ", 0 failed, " in text
    assert "SKIP card keyed in with DTMF (voice or keypad turns need a phone channel" in text
    assert "today:/now: cannot be pinned" in text


def test_one_file_over_serve_from_the_command_line(server: LexServer) -> None:
    code, text = run("--runtime", "serve", "--endpoint-url", server.url, str(HAPPY))
    assert code == 0, text
    assert "PASS happy path" in text
    assert "1 passed, 0 failed, 0 skipped" in text


@pytest.mark.usefixtures("aws_credentials")
def test_one_file_over_aws_from_the_command_line(server: LexServer) -> None:
    code, text = run(
        "--runtime",
        "aws",
        "--endpoint-url",
        server.url,
        "--bot-id",
        "SIMBOT0001",
        "--bot-alias-id",
        "TSTALIASID",
        "--region",
        "us-west-2",
        "--locale",
        "en_US",
        str(HAPPY),
        "tests/conversations/dtmf_card_entry.yaml",
    )
    assert code == 0, text
    assert "PASS happy path" in text
    assert "1 passed, 0 failed, 1 skipped" in text


def test_a_failing_expectation_fails_over_serve(server: LexServer, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "name: wrong\nturns:\n  - user: make a payment\n"
        "    expect: {slot: LastName, nlu_intent: CollectName}\n"
    )
    code, text = run("--runtime", "serve", "--endpoint-url", server.url, str(wrong))
    assert code == 1
    assert "FAIL wrong" in text
    assert "expected slot LastName, got FirstName" in text
    assert "nlu_intent ×1" in text
    assert "0 passed, 1 failed, 0 skipped" in text


def test_a_leak_fails_over_serve(server: LexServer, tmp_path: Path) -> None:
    leaky = tmp_path / "leaky.yaml"
    leaky.write_text(  # the client itself puts the card number in an attribute: the check sees it
        "name: leaky\nturns:\n  - forge_attributes: {note: '4242424242424242'}\n  - user: make a payment\n"
    )
    code, text = run("--runtime", "serve", "--endpoint-url", server.url, str(leaky))
    assert code in (0, 1)
    assert "Traceback" not in text


def test_aws_needs_the_bot_and_alias_ids() -> None:
    code, text = run("--runtime", "aws", str(HAPPY))
    assert code == 2
    assert "--bot-id and --bot-alias-id" in text


def test_aws_without_credentials_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, text = run("--runtime", "aws", "--bot-id", "ABCDEFGHIJ", "--bot-alias-id", "TSTALIASID", str(HAPPY))
    assert code == 2
    assert "no AWS credentials" in text


def test_nothing_listening_is_a_failure_not_a_hang(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, text = run("--runtime", "serve", "--endpoint-url", f"http://127.0.0.1:{port}", str(HAPPY))
    assert code == 1
    assert "FAIL happy path" in text

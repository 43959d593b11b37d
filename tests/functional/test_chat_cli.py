"""`python -m bot chat`: the simulator's REPL, driven through a pipe like a user's terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPIRY = f"12/{(datetime.now(UTC).year + 4) % 100:02d}"
PAYMENT = ["I'd like to make a payment", "John", "Smith", "4242 4242 4242 4242", EXPIRY, "123", "yes"]
SAVED = "Done — your Visa ending 4242 is saved."


def chat(tmp_path: Path, lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"AWS_LAMBDA_FUNCTION_NAME", "BOT_STORE", "PAYMENT_GATEWAY", "SIGNING_KEY_SECRET_ARN"}
    }
    env.update(BOT_LOCAL_DIR=str(tmp_path), BOT_SIGNING_KEY="chat-test-" + "s" * 40, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_a_piped_payment_conversation(tmp_path: Path) -> None:
    run = chat(tmp_path, PAYMENT)
    assert run.returncode == 0, run.stderr
    bot_lines = [line for line in run.stdout.splitlines() if line.startswith("bot: ")]
    assert bot_lines[0] == "bot: Sure. What's the cardholder's first name?"
    assert bot_lines[-1] == f"bot: {SAVED}"
    assert len(bot_lines) == len(PAYMENT)
    assert '"_aws"' not in run.stdout + run.stderr  # EMF metric lines are for CloudWatch, not the transcript
    assert (tmp_path / "sessions.db").exists()  # the embedded SQLite store by default


def test_show_state_masks_the_card(tmp_path: Path) -> None:
    run = chat(tmp_path, [*PAYMENT[:4], "/state", *PAYMENT[4:]], "--show-state")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert SAVED in out
    assert "[ElicitSlot CollectCard.ExpirationDate" in out
    assert "CardNumber=(sealed)" in out
    assert '"sig": "…"' in out
    assert '"first_name": "John"' in out
    for secret in ("4242424242424242", "4242 4242 4242 4242"):
        assert secret not in out
        assert secret not in run.stderr


def test_a_session_resumes_with_session_id(tmp_path: Path) -> None:
    first = chat(tmp_path, PAYMENT[:2], "--session", "resume-me")
    assert first.returncode == 0, first.stderr
    assert "bot: Thanks John. And the cardholder's last name?" in first.stdout
    second = chat(tmp_path, [*PAYMENT[2:], "/quit", "never said"], "--session", "resume-me", "--as", "alice")
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("resuming resume-me")
    assert "Thanks John. What's the card number?" in second.stdout
    assert SAVED in second.stdout
    assert (tmp_path / "lex-sessions" / "resume-me.json").stat().st_mode & 0o077 == 0


def test_bad_arguments_and_commands(tmp_path: Path) -> None:
    run = chat(tmp_path, ["/help", "/reset", "/state"], "--session", "../etc")
    assert run.returncode == 2
    assert "--session" in run.stderr
    run = chat(tmp_path, ["/help", "/reset", "/state", ""], "--dtmf")
    assert run.returncode == 0, run.stderr
    assert "commands:" in run.stderr
    assert "(no turn yet)" in run.stdout


def test_invoke_prints_the_response_on_stdout_and_metrics_on_stderr(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"AWS_LAMBDA_FUNCTION_NAME", "BOT_STORE"}}
    env.update(
        BOT_LOCAL_DIR=str(tmp_path), BOT_SIGNING_KEY="chat-test-" + "s" * 40, PAYMENT_GATEWAY="offline"
    )
    run = subprocess.run(
        [sys.executable, "-m", "bot", "invoke", "events/CollectCard_DialogCodeHook.json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "sessionState" in json.loads(run.stdout)
    emf = [json.loads(line) for line in run.stderr.splitlines() if line.startswith('{"_aws"')]
    assert any(doc.get("intent") == "CollectCard" for doc in emf)


def test_a_spanish_phone_call(tmp_path: Path) -> None:
    spanish = ["quiero hacer un pago", "Ana", "García", "4242 4242 4242 4242", EXPIRY, "uno dos tres", "sí"]
    run = chat(tmp_path, spanish, "--locale", "es_US", "--voice", "--show-state")
    assert run.returncode == 0, run.stderr
    bot_lines = [line for line in run.stdout.splitlines() if line.startswith("bot: ")]
    assert bot_lines[0] == "bot: Claro. ¿Cuál es el nombre del titular de la tarjeta?"
    assert "Puede decir los dígitos, o marcarlos y oprimir numeral" in bot_lines[2]
    assert (
        bot_lines[-1] == "bot: Listo, su Visa terminada en 4242 quedó guardada."
    )  # spoken: the dash is a pause
    assert (
        'ssml: <speak>Listo, <break time="300ms"/> su Visa terminada en <say-as interpret-as="digits">4242'
        in run.stdout
    )
    assert "es_US" in run.stdout.splitlines()[0]

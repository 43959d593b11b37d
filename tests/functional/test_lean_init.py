"""Lean init: the framework does not need lex-helper.

A bot whose session model is a plain Pydantic model (the appointments example) is built and runs a
turn through the Lambda entry point in a fresh interpreter without lex-helper ever being imported;
the reference bot, which mixes lex-helper's `SessionAttributes` into its session, loads only the
module that class is defined in (`bot.lexhelper`), never the rest of lex-helper.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "appointments"

_CHILD = """
import json, sys
from bot.handler import get_app
app = get_app()
event = json.load(open(sys.argv[1], encoding="utf-8"))
response = app.handle(event, None)
print(json.dumps({
    "action": response["sessionState"]["dialogAction"]["type"],
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in {"lex_helper", "yaml", "stripe"}),
}))
"""


def _turn(bot_app: str, event: Path, *paths: Path, **env: str) -> dict[str, Any]:
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "BOT_"))}
    child_env.update(
        {
            "PYTHONPATH": os.pathsep.join(str(p) for p in (*paths, ROOT)),
            "BOT_APP": bot_app,
            "BOT_STORE": "memory",
            "BOT_SIGNING_KEY": "lean-init-test-" + "k" * 40,
            "LOG_LEVEL": "INFO",
            **env,
        }
    )
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(event)],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_a_plain_pydantic_session_never_imports_lex_helper() -> None:
    result = _turn(
        "appointments.app:app", EXAMPLE / "events" / "BookAppointment_DialogCodeHook.json", EXAMPLE
    )
    assert result["action"] == "ElicitSlot"  # a real turn ran
    assert result["modules"] == []  # no lex_helper (nor the YAML parser it pulls in)


def test_the_reference_bot_keeps_lex_helpers_session_attributes() -> None:
    from lex_helper import SessionAttributes

    from intents.session import PaymentSession

    assert issubclass(PaymentSession, SessionAttributes)
    result = _turn(
        "intents.app:app", ROOT / "events" / "CollectName_DialogCodeHook.json", PAYMENT_GATEWAY="offline"
    )
    # lex-helper's own types module and the dataclass module it needs; not its package __init__
    # (channels, dialog, Bedrock helpers, the message manager and PyYAML).
    assert result["modules"] == ["lex_helper.core.types", "lex_helper.formatters.buttons"]
    assert "stripe" not in result["modules"]  # the offline gateway: Stripe's SDK is not loaded

"""The action group's OpenAPI schema, generated from the routes (`bot.agent.wallet`).

    python -m bot.agent.schema            # rewrite bot/agent/openapi.json
    python -m bot.agent.schema --check    # exit 1 if it is out of date (the tests do the same)

template.yaml's WalletAgent action group declares the same document (a test compares them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).with_name("openapi.json")
TITLE = "Wallet action group"
DESCRIPTION = (
    "The signed-in user's remembered wallet address, shared with the Lex payment bot: read it, "
    "store or change it, or forget the user."
)


def generate() -> dict[str, Any]:
    from bot.agent.wallet import Services, WalletAgent
    from bot.identity import TokenVerifier
    from bot.profiles import Profiles
    from bot.store.memory import MemoryStore

    agent = WalletAgent(Services(profiles=Profiles(MemoryStore()), verifier=TokenVerifier()))
    text = agent.resolver.get_openapi_json_schema(title=TITLE, version="1.0.0", description=DESCRIPTION)
    document: dict[str, Any] = json.loads(text)
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    current = render(generate())
    if "--check" in args:
        if not SCHEMA.exists() or SCHEMA.read_text(encoding="utf-8") != current:
            print(f"{SCHEMA} is out of date: run python -m bot.agent.schema", file=sys.stderr)
            return 1
        return 0
    SCHEMA.write_text(current, encoding="utf-8")
    print(f"wrote {SCHEMA}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

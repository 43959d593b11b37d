"""`python -m bot demo`: the product's reference conversation, played through the real handler
with the local store and the offline gateway, printed as a transcript."""

from __future__ import annotations

import json

from bot.config import Settings
from bot.dev.testing import LexTestClient
from bot.handler import build_app

SCRIPT: list[tuple[str, str | None]] = [
    ("I'd like to make a payment", "CollectName"),
    ("John", None),
    ("Smith", None),
    ("4242 4242 4242 4241", None),
    ("4242 4242 4242 4242", None),
    ("December 2027", None),
    ("123", None),
    ("yes", None),
    ("my wallet is 0x52908400098527886E0F7030069857D2E4169EE7", "WalletAddress"),
    ("what's my wallet address?", "WalletAddress"),
]


def run_demo(*, show_state: bool = False) -> int:
    settings = Settings.from_env()
    app = build_app(settings)
    client = LexTestClient(app.handle)
    print(f"session {client.session_id} · store={settings.store} · {app.app.name}\n")
    for text, intent in SCRIPT:
        exchange = client.say(text, intent=intent)
        print(f"user: {text}")
        for message in exchange.messages:
            print(f"bot:  {message}")
        if show_state:
            print(f"      [{exchange.action} {exchange.intent_name or ''} {exchange.slot_to_elicit or ''}]")
            print(f"      {json.dumps({k: v for k, v in exchange.attributes.items() if k != 'sig'})}")
        print()
    return 0

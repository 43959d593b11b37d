"""WalletAddress: a format check (no EIP-55 checksum: lex-helper ships no keccak), then close."""

from __future__ import annotations

import re
from typing import Any

from lex_helper import dialog

from lexhelper_bot.intents._common import say

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def handler(lex_request: Any) -> Any:
    attrs = lex_request.sessionState.sessionAttributes
    raw = dialog.get_slot("WalletAddress", lex_request.sessionState.intent)
    if raw is None or not _ADDRESS.match(str(raw).strip()):
        return dialog.elicit_slot("WalletAddress", say("What's your wallet address?"), lex_request)
    attrs.wallet_address = str(raw).strip()
    shown = f"{attrs.wallet_address[:6]}…{attrs.wallet_address[-4:]}"
    return dialog.close(lex_request, say(f"Saved — your wallet {shown} is on file."))

"""The reference bot's intents: one module per intent, each with a dialog and a fulfillment hook."""

from __future__ import annotations

from bot.router import Router
from intents import collect_card, collect_name, confirm, fallback, wallet_address

# Slots that can carry card data: sealed whenever returned to Lex, obfuscated in the template.
SENSITIVE_SLOTS = frozenset({"CardNumber", "SecurityCode"})

ROUTER = Router(fallback=fallback.dialog_hook)
ROUTER.intent("CollectName", dialog=collect_name.dialog_hook, fulfillment=collect_name.fulfillment_hook)
ROUTER.intent("CollectCard", dialog=collect_card.dialog_hook, fulfillment=collect_card.fulfillment_hook)
ROUTER.intent("Confirm", dialog=confirm.dialog_hook, fulfillment=confirm.fulfillment_hook)
ROUTER.intent("WalletAddress", dialog=wallet_address.dialog_hook, fulfillment=wallet_address.fulfillment_hook)
ROUTER.intent("FallbackIntent", dialog=fallback.dialog_hook, fulfillment=fallback.fulfillment_hook)

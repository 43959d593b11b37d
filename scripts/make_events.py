"""Regenerate events/: realistic Lex V2 code-hook events (input format 1.0), one per intent x
invocation source, plus invalid inputs. The same files work with `python -m bot invoke` and
`sam local invoke -e`. Usage: .venv/bin/python scripts/make_events.py"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).parents[1] / "events"
SLOTS = {
    "CollectName": ["FirstName", "LastName"],
    "CollectCard": ["CardNumber", "ExpirationDate", "SecurityCode"],
    "Confirm": [],
    "WalletAddress": ["WalletAddress"],
    "FallbackIntent": [],
}


def slot(value: str) -> dict[str, Any]:
    return {
        "shape": "Scalar",
        "value": {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]},
    }


def make(
    intent: str,
    source: str,
    text: str,
    values: dict[str, str] | None = None,
    *,
    mode: str = "Text",
    confirmation: str = "None",
    attributes: dict[str, str] | None = None,
    elicited: str | None = None,
) -> dict[str, Any]:
    values = values or {}
    slots = {name: (slot(values[name]) if name in values else None) for name in SLOTS[intent]}
    state = "ReadyForFulfillment" if source == "FulfillmentCodeHook" else "InProgress"
    lex_intent = {"name": intent, "slots": slots, "state": state, "confirmationState": confirmation}
    missing = [n for n in SLOTS[intent] if n not in values]
    session_state: dict[str, Any] = {
        "sessionAttributes": attributes or {},
        "activeContexts": [],
        "originatingRequestId": "7c3b1f5e-2d7a-4e43-9b7e-0c1f2a3b4c5d",
        "intent": lex_intent,
    }
    if elicited:
        session_state["dialogAction"] = {"type": "ElicitSlot", "slotToElicit": elicited}
    return {
        "messageVersion": "1.0",
        "invocationSource": source,
        "inputMode": mode,
        "responseContentType": "audio/pcm" if mode == "Speech" else "text/plain; charset=utf-8",
        "sessionId": "550e8400-e29b-41d4-a716-446655440000",
        "inputTranscript": text,
        "invocationLabel": None,
        "bot": {
            "id": "ABCDEFGHIJ",
            "name": "PaymentBot",
            "localeId": "en_US",
            "version": "DRAFT",
            "aliasId": "TSTALIASID",
            "aliasName": "TestBotAlias",
        },
        "interpretations": [
            {"interpretationSource": "Lex", "nluConfidence": 0.92, "intent": lex_intent},
            {
                "interpretationSource": "Lex",
                "intent": {
                    "name": "FallbackIntent",
                    "slots": {},
                    "state": "InProgress",
                    "confirmationState": "None",
                },
            },
        ],
        "proposedNextState": (
            {
                "dialogAction": {"type": "ElicitSlot", "slotToElicit": missing[0]},
                "intent": lex_intent,
                "prompt": {"attempt": "Initial"},
            }
            if missing and source == "DialogCodeHook"
            else None
        ),
        "requestAttributes": {},
        "sessionState": session_state,
        "transcriptions": [
            {
                "transcription": text,
                "transcriptionConfidence": 0.94 if mode == "Speech" else 1.0,
                "resolvedContext": {"intent": intent},
                "resolvedSlots": {k: v for k, v in slots.items() if v},
            }
        ],
    }


EVENTS: dict[str, dict[str, Any]] = {
    "CollectName_DialogCodeHook": make("CollectName", "DialogCodeHook", "I'd like to make a payment"),
    "CollectName_DialogCodeHook_full_name": make(
        "CollectName", "DialogCodeHook", "my name is John Smith", {"FirstName": "John", "LastName": "Smith"}
    ),
    "CollectName_DialogCodeHook_invalid_name": make(
        "CollectName", "DialogCodeHook", "J0hn!", {"FirstName": "J0hn!"}, elicited="FirstName"
    ),
    "CollectName_FulfillmentCodeHook": make(
        "CollectName", "FulfillmentCodeHook", "Smith", {"FirstName": "John", "LastName": "Smith"}
    ),
    "CollectCard_DialogCodeHook": make(
        "CollectCard",
        "DialogCodeHook",
        "4242 4242 4242 4242",
        {"CardNumber": "4242 4242 4242 4242"},
        elicited="CardNumber",
    ),
    "CollectCard_DialogCodeHook_invalid_luhn": make(
        "CollectCard",
        "DialogCodeHook",
        "4242424242424241",
        {"CardNumber": "4242424242424241"},
        elicited="CardNumber",
    ),
    "CollectCard_DialogCodeHook_spoken": make(
        "CollectCard",
        "DialogCodeHook",
        "four two four two four two four two four two four two four two four two",
        {"CardNumber": "four two four two four two four two four two four two four two four two"},
        mode="Speech",
        elicited="CardNumber",
    ),
    "CollectCard_DialogCodeHook_dtmf": make(
        "CollectCard",
        "DialogCodeHook",
        "5555555555554444#",
        {"CardNumber": "5555555555554444#"},
        mode="DTMF",
        elicited="CardNumber",
    ),
    "CollectCard_DialogCodeHook_expired": make(
        "CollectCard",
        "DialogCodeHook",
        "01/20",
        {"CardNumber": "4242424242424242", "ExpirationDate": "01/20"},
        elicited="ExpirationDate",
    ),
    "CollectCard_DialogCodeHook_amex_short_code": make(
        "CollectCard",
        "DialogCodeHook",
        "123",
        {"CardNumber": "378282246310005", "ExpirationDate": "12/30", "SecurityCode": "123"},
        elicited="SecurityCode",
    ),
    "CollectCard_FulfillmentCodeHook": make(
        "CollectCard",
        "FulfillmentCodeHook",
        "123",
        {"CardNumber": "4242424242424242", "ExpirationDate": "12/30", "SecurityCode": "123"},
    ),
    "Confirm_DialogCodeHook": make("Confirm", "DialogCodeHook", "confirm"),
    "Confirm_DialogCodeHook_denied": make("Confirm", "DialogCodeHook", "no", confirmation="Denied"),
    "Confirm_FulfillmentCodeHook": make("Confirm", "FulfillmentCodeHook", "yes", confirmation="Confirmed"),
    "WalletAddress_DialogCodeHook": make(
        "WalletAddress",
        "DialogCodeHook",
        "my wallet is 0x52908400098527886E0F7030069857D2E4169EE7",
        {"WalletAddress": "0x52908400098527886E0F7030069857D2E4169EE7"},
    ),
    "WalletAddress_DialogCodeHook_read_back": make(
        "WalletAddress", "DialogCodeHook", "what's my wallet address?"
    ),
    "WalletAddress_DialogCodeHook_bad_checksum": make(
        "WalletAddress",
        "DialogCodeHook",
        "my wallet is 0x52908400098527886e0F7030069857D2E4169EE7",
        {"WalletAddress": "0x52908400098527886e0F7030069857D2E4169EE7"},
    ),
    "WalletAddress_FulfillmentCodeHook": make(
        "WalletAddress",
        "FulfillmentCodeHook",
        "0x52908400098527886E0F7030069857D2E4169EE7",
        {"WalletAddress": "0x52908400098527886E0F7030069857D2E4169EE7"},
    ),
    "FallbackIntent_DialogCodeHook": make("FallbackIntent", "DialogCodeHook", "asdfgh qwerty"),
    "Forged_session_attributes": make(
        "Confirm",
        "FulfillmentCodeHook",
        "yes",
        confirmation="Confirmed",
        attributes={
            "status": "awaiting_confirmation",
            "payment_method_id": "pm_forged",
            "first_name": "Mallory",
            "last_name": "Doe",
            "card_brand": "visa",
            "card_last4": "4242",
            "card_exp_month": "12",
            "card_exp_year": "2030",
            "sig": "v1.forgedforgedforgedforgedforgedforgedforge",
        },
    ),
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, event in EVENTS.items():
        (OUT / f"{name}.json").write_text(json.dumps(event, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(EVENTS)} events to {OUT}")


if __name__ == "__main__":
    main()

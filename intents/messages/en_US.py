"""What the bot says in English (US). Voice-friendly: short sentences, nothing read aloud awkwardly."""

from __future__ import annotations

from typing import Any

from bot.speech import Phrase

_ASK_WALLET = "What's your wallet address? It starts with 0x, followed by 40 letters and digits."
_HAND_OFF = (
    "I'm sorry, I still couldn't get the {what}. I'll stop here rather than keep asking — "
    "a member of our team can help you, or you can say “make a payment” to start again."
)

MESSAGES: dict[str, Any] = {
    "sure_first_name": "Sure. What's the cardholder's first name?",
    "ask_first_name": "What's the cardholder's first name?",
    "ask_last_name": "Thanks {first_name}. And the cardholder's last name?",
    "thanks": "Thanks {first_name}.",
    "ask_card_number": Phrase(
        text="What's the card number?",
        voice="What's the card number? You can say the digits, or key them in and press pound.",
    ),
    "ask_expiry": Phrase(
        text="And the expiry date? For example, 12/27.",
        voice="And the expiry date, month and year? For example, twelve twenty-seven.",
    ),
    "ask_security_code": Phrase(
        text="Last one: the 3-digit security code on the back of the card.",
        voice="Last one: the three-digit security code on the back of the card. You can say it or key it in.",
    ),
    "ask_security_code_amex": Phrase(
        text="Last one: the 4-digit security code on the front of the card.",
        voice="Last one: the four-digit security code on the front of the card. You can say it or key it in.",
    ),
    "got_card": "Got it — {brand} ending {last4}.",
    "summary": Phrase(
        text="{brand} ending {last4}, expires {expiry}, for {name}. Shall I save it?",
        voice="{brand} ending {last4}, expires {expiry}, for {name}.{pause} Shall I save it? Say yes or no.",
    ),
    "saved": "Done — your {brand} ending {last4} is saved.",
    "already_saved": "Your card is already saved. Say “make a payment” to add another one.",
    "denied": "OK, I won't save that card.",
    "card_problems": {
        "incorrect_number": "The card number wasn't accepted — please check it and say it again.",
        "invalid_expiry": "The card issuer didn't accept that expiry date — please check it and say it again.",
        "incorrect_cvc": "The security code didn't match — please check it and say it again.",
        "card_declined": "That card was declined. Let's try another card — what's the card number?",
        "expired_card": "The issuer says that card has expired. Let's try another card — what's the card number?",
        "insufficient_funds": "The issuer declined that card. Let's try another card — what's the card number?",
        "processing_error": "The card couldn't be processed. Let's try again — what's the card number?",
    },
    "gateway_busy_tokenize": (
        "I couldn't reach the card processor just now. I still have your card number and expiry — "
        "please say the security code again in a moment."
    ),
    "gateway_busy_commit": "I couldn't reach the payment service just now. Shall I try saving the card again?",
    "gateway_down": "Sorry, I can't take card details right now. Please try again later — nothing has been saved.",
    "ask_wallet": Phrase(
        text=_ASK_WALLET,
        voice="What's your wallet address? It starts with zero x, followed by 40 letters and digits.",
    ),
    "wallet_saved": "Saved — your wallet {wallet} is on file.",
    "wallet_updated": "Updated — your wallet on file is now {wallet}.",
    "wallet_on_file": "Your wallet address on file is {wallet}.",
    "wallet_remembered": "I have your wallet {wallet} on file — use it?",
    "wallet_reused": "Great — I'll use your wallet {wallet}.",
    "wallet_none": "I don't have a wallet address for you yet. " + _ASK_WALLET,
    "help": Phrase(
        text=(
            "I can save a card for payments, or remember your crypto wallet address. "
            "Try saying “make a payment”, or “my wallet is” followed by the address."
        ),
        voice=(
            "I can save a card for payments, or remember your crypto wallet address. "
            "Say “make a payment”, or “my wallet”."
        ),
    ),
    "didnt_catch": "Sorry, I didn't catch that.",
    "what": {
        "FirstName": "first name",
        "LastName": "last name",
        "CardNumber": "card details",
        "ExpirationDate": "expiry date",
        "SecurityCode": "security code",
        "WalletAddress": "wallet address",
    },
    "hand_off": _HAND_OFF,
}

# What the framework says for this bot in English (bot.texts.Texts fields).
TEXTS = {
    "bad_request": (
        "Sorry, I couldn't process that request. "
        "You can say “make a payment” or “my wallet is” followed by the address."
    ),
    "hand_off": _HAND_OFF,
}

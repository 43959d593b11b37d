"""What the bot says (en_US). Voice-friendly: short sentences, no symbols read aloud awkwardly."""

from __future__ import annotations

from bot.texts import Texts

ASK_FIRST_NAME = "Sure. What's the cardholder's first name?"
ASK_LAST_NAME = "Thanks {first_name}. And the cardholder's last name?"
ASK_CARD_NUMBER = "What's the card number?"
ASK_EXPIRY = "And the expiry date? For example, 12/27."
ASK_SECURITY_CODE = "Last one: the 3-digit security code on the back of the card."
ASK_SECURITY_CODE_AMEX = "Last one: the 4-digit security code on the front of the card."
ASK_WALLET = "What's your wallet address? It starts with 0x, followed by 40 letters and digits."

SUMMARY = "{brand} ending {last4}, expires {expiry}, for {name}. Shall I save it?"
SAVED = "Done — your {brand} ending {last4} is saved."
ALREADY_SAVED = "Your card is already saved. Say “make a payment” to add another one."
DENIED = "OK, I won't save that card."
HANDOFF = (
    "I'm sorry, I still couldn't get the {what}. I'll stop here rather than keep asking — "
    "a member of our team can help you, or you can say “make a payment” to start again."
)
CARD_PROBLEMS = {
    "incorrect_number": "The card number wasn't accepted — please check it and say it again.",
    "invalid_expiry": "The card issuer didn't accept that expiry date — please check it and say it again.",
    "incorrect_cvc": "The security code didn't match — please check it and say it again.",
    "card_declined": "That card was declined. Let's try another card — what's the card number?",
    "expired_card": "The issuer says that card has expired. Let's try another card — what's the card number?",
    "insufficient_funds": "The issuer declined that card. Let's try another card — what's the card number?",
    "processing_error": "The card couldn't be processed. Let's try again — what's the card number?",
}
GATEWAY_BUSY_TOKENIZE = (
    "I couldn't reach the card processor just now. I still have your card number and expiry — "
    "please say the security code again in a moment."
)
GATEWAY_BUSY_COMMIT = "I couldn't reach the payment service just now. Shall I try saving the card again?"
GATEWAY_DOWN = "Sorry, I can't take card details right now. Please try again later — nothing has been saved."

WALLET_SAVED = "Saved — your wallet {wallet} is on file."
WALLET_UPDATED = "Updated — your wallet on file is now {wallet}."
WALLET_ON_FILE = "Your wallet address on file is {wallet}."
WALLET_REMEMBERED = "I have your wallet {wallet} on file — use it?"
WALLET_REUSED = "Great — I'll use your wallet {wallet}."
WALLET_NONE = "I don't have a wallet address for you yet. " + ASK_WALLET

HELP = (
    "I can save a card for payments, or remember your crypto wallet address. "
    "Try saying “make a payment”, or “my wallet is” followed by the address."
)
DIDNT_CATCH = "Sorry, I didn't catch that."

# What the framework says for this bot (apologies, identity notices, the malformed-event answer).
TEXTS = Texts(
    bad_request=(
        "Sorry, I couldn't process that request. "
        "You can say “make a payment” or “my wallet is” followed by the address."
    ),
    hand_off=HANDOFF,
)

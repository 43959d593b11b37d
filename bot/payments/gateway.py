"""The payment gateway interface: tokenize a complete card at once, commit it on confirmation.

Implementations: `bot.payments.offline.OfflineGateway` (deterministic, Stripe test cards, never in
Lambda) and `bot.payments.stripe_gateway.StripeGateway` (stripe-python's `StripeClient`).
No exception raised through this interface ever carries card data in its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

from bot.validation.types import CardBrand, Expiry, Pan, SecurityCode

type CardField = Literal["number", "expiry", "code"]


@dataclass(frozen=True, slots=True)
class CardToken:
    """All that is kept of a card once tokenized."""

    payment_method_id: str
    brand: CardBrand
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True, slots=True)
class Commitment:
    """The result of committing a tokenized card to a customer."""

    customer_id: str
    payment_method_id: str


class CardProblem(StrEnum):
    """Why a gateway refused a card, mapped to what the dialog does next."""

    INCORRECT_NUMBER = "incorrect_number"  # re-ask the card number
    INVALID_EXPIRY = "invalid_expiry"  # re-ask the expiry date
    INCORRECT_CVC = "incorrect_cvc"  # re-ask the security code
    DECLINED = "card_declined"  # explain, re-collect the card
    EXPIRED_CARD = "expired_card"  # explain, re-collect the card
    INSUFFICIENT_FUNDS = "insufficient_funds"  # explain, re-collect the card
    PROCESSING_ERROR = "processing_error"  # explain, re-collect the card

    @property
    def field(self) -> CardField | None:
        """The card field to re-ask, or None to re-collect the whole card
        (`CardCapture.slot_for(problem)` names the bot's slot)."""
        fields: dict[CardProblem, CardField] = {
            CardProblem.INCORRECT_NUMBER: "number",
            CardProblem.INVALID_EXPIRY: "expiry",
            CardProblem.INCORRECT_CVC: "code",
        }
        return fields.get(self)


class PaymentError(Exception):
    """Base class. Messages are safe to log: they never contain card data."""


class CardRejected(PaymentError):
    """The gateway refused the card itself (the user can fix it)."""

    def __init__(self, problem: CardProblem, detail: str = "") -> None:
        super().__init__(f"card rejected: {problem.value}" + (f" ({detail})" if detail else ""))
        self.problem = problem


class GatewayUnavailable(PaymentError):
    """Transient failure (rate limit, 5xx, network) that persisted through bounded retries."""


class GatewayMisconfigured(PaymentError):
    """Authentication/permission/invalid-request errors: an operator must act, the user cannot."""


class PaymentGateway(Protocol):
    """What the dialog needs from a payment provider."""

    name: str

    def tokenize(self, pan: Pan, expiry: Expiry, cvc: SecurityCode, *, idempotency_key: str) -> CardToken:
        """Turn a complete, validated card into a reusable token. Raises `PaymentError`."""
        ...

    def commit(self, payment_method_id: str, *, cardholder_name: str, idempotency_key: str) -> Commitment:
        """Create a customer and attach the payment method, idempotently. Raises `PaymentError`."""
        ...

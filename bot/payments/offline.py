"""A deterministic, local stand-in for Stripe, for development and tests. Never runs in Lambda.

Card behaviour mirrors Stripe's documented test cards (https://docs.stripe.com/testing):

    4242424242424242  succeeds (as does any other card that reached the gateway)
    4000000000000002  declined (generic_decline)
    4000000000009995  declined (insufficient_funds)
    4000000000000069  expired_card
    4000000000000127  incorrect_cvc
    4000000000000119  processing_error
    4242424242424241  incorrect_number (Luhn-invalid: the validators should stop it first)

A card whose expiry has already passed is refused with `INVALID_EXPIRY`, like Stripe's
`invalid_expiry_year` / `invalid_expiry_month`.

Ids are keyed by a server secret and the idempotency key, never derived from the card, so they
are no oracle for the card number; the same idempotency key always yields the same id.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from bot.payments._util import check_idempotency_key
from bot.payments.gateway import (
    CardProblem,
    CardRejected,
    CardToken,
    Commitment,
    GatewayMisconfigured,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.validation.types import Expiry, Pan, SecurityCode

__all__ = ["OfflineGateway"]

_TEST_CARDS: dict[str, CardProblem] = {
    "4000000000000002": CardProblem.DECLINED,
    "4000000000009995": CardProblem.INSUFFICIENT_FUNDS,
    "4000000000000069": CardProblem.EXPIRED_CARD,
    "4000000000000127": CardProblem.INCORRECT_CVC,
    "4000000000000119": CardProblem.PROCESSING_ERROR,
    "4242424242424241": CardProblem.INCORRECT_NUMBER,
}

PAYMENT_METHOD_PREFIX = "pm_offline_"
CUSTOMER_PREFIX = "cus_offline_"


def _utc_today() -> date:
    return datetime.now(UTC).date()


class OfflineGateway:
    """`PaymentGateway` without a network: deterministic ids, Stripe test-card outcomes."""

    name = "offline"

    def __init__(self, secret: bytes, *, today: Callable[[], date] = _utc_today) -> None:
        if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:
            raise GatewayMisconfigured(
                "the offline payment gateway refuses to run inside AWS Lambda; configure the stripe gateway"
            )
        if not isinstance(secret, bytes) or not secret:
            raise GatewayMisconfigured("the offline payment gateway needs a non-empty secret (bytes)")
        self._secret = secret
        self._today = today

    def __repr__(self) -> str:
        return "OfflineGateway()"

    def _id(self, prefix: str, purpose: bytes, idempotency_key: str) -> str:
        mac = hmac.new(self._secret, purpose + b"\x00" + idempotency_key.encode(), hashlib.sha256)
        return prefix + mac.hexdigest()[:24]

    def tokenize(self, pan: Pan, expiry: Expiry, cvc: SecurityCode, *, idempotency_key: str) -> CardToken:
        check_idempotency_key(idempotency_key)
        problem = _TEST_CARDS.get(pan.reveal())
        if problem is None and expiry.last_day < self._today():
            problem = CardProblem.INVALID_EXPIRY
        if problem is not None:
            raise CardRejected(problem, "offline test card")
        return CardToken(
            payment_method_id=self._id(PAYMENT_METHOD_PREFIX, b"payment_method", idempotency_key),
            brand=pan.brand,
            last4=pan.last4,
            exp_month=expiry.month,
            exp_year=expiry.year,
        )

    def commit(self, payment_method_id: str, *, cardholder_name: str, idempotency_key: str) -> Commitment:
        check_idempotency_key(idempotency_key)
        if not payment_method_id.startswith(PAYMENT_METHOD_PREFIX):
            raise GatewayMisconfigured("offline gateway: payment method was not issued by this gateway")
        return Commitment(
            customer_id=self._id(CUSTOMER_PREFIX, b"customer", idempotency_key),
            payment_method_id=payment_method_id,
        )

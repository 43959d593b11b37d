"""Card capture (an opt-in part), payment gateways and a factory that imports an implementation
only when asked.

`import bot.payments` stays cheap: `stripe` (≈0.14 s) is imported only by the Stripe gateway.
"""

from __future__ import annotations

from bot.payments.capture import GATEWAY_KINDS, CardCapture, PaymentSettings
from bot.payments.gateway import (
    CardProblem,
    CardRejected,
    CardToken,
    Commitment,
    GatewayMisconfigured,
    GatewayUnavailable,
    PaymentError,
    PaymentGateway,
)

__all__ = [
    "GATEWAY_KINDS",
    "CardCapture",
    "CardProblem",
    "CardRejected",
    "CardToken",
    "Commitment",
    "GatewayMisconfigured",
    "GatewayUnavailable",
    "PaymentError",
    "PaymentGateway",
    "PaymentSettings",
    "make_gateway",
]


def make_gateway(
    kind: str,
    *,
    secret: bytes,
    stripe_api_key: str | None = None,
    stripe_api_base: str | None = None,
) -> PaymentGateway:
    """Build the configured gateway: "offline" (local, never in Lambda) or "stripe".

    Raises `ValueError` for an unknown kind and `GatewayMisconfigured` for missing settings
    (a Stripe gateway without an API key, an offline gateway inside Lambda).
    """
    if kind == "offline":
        from bot.payments.offline import OfflineGateway

        return OfflineGateway(secret)
    if kind == "stripe":
        if not stripe_api_key:
            raise GatewayMisconfigured("the stripe payment gateway needs an API key (none configured)")
        from bot.payments.stripe_gateway import StripeGateway

        return StripeGateway(stripe_api_key, api_base=stripe_api_base)
    raise ValueError(f"unknown payment gateway kind {kind!r}; expected one of {', '.join(GATEWAY_KINDS)}")

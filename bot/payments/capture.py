"""Card capture, an opt-in part: tokenize-and-drop with a payment gateway.

    cards = CardCapture(number="CardNumber", expiry="ExpirationDate", code="SecurityCode")
    app = App("PaymentBot", session=PaymentSession, parts=[cards])   # the slots as the template names them

    token = cards.tokenize(turn, pan, expiry, cvc)       # the moment the card is complete
    done = cards.commit(turn, token.payment_method_id, cardholder_name="John Smith")

What the part does for a bot:
- the number and code slots are *sensitive*: between turns Lex holds the number only sealed
  (AES-256-GCM, bound to session and slot), the code never outlives its invocation, the history
  masks both (see `bot.history`), and the simulator shows them masked;
- the gateway comes from its own settings (`PAYMENT_GATEWAY`, `STRIPE_*`), read and checked only
  by bots that use this part; under Lambda the offline gateway is refused and the Stripe key must
  come from Secrets Manager. The gateway is created on first use (stripe is slow to import);
- tokenize and commit are idempotent: their idempotency keys are derived from the session and
  the card (a retried Lex turn never creates a second payment method or customer), and every
  outcome is counted (`Tokenizations` metric by outcome).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot import metrics
from bot.config import ConfigError
from bot.parts import PartContext
from bot.payments.gateway import (
    CardField,
    CardProblem,
    CardRejected,
    GatewayMisconfigured,
    GatewayUnavailable,
)

if TYPE_CHECKING:
    from typing import Any

    from bot.payments.gateway import CardToken, Commitment, PaymentGateway
    from bot.turn import Turn
    from bot.validation.types import Expiry, Pan, SecurityCode

GATEWAY_KINDS = ("offline", "stripe")


@dataclass(frozen=True, slots=True)
class PaymentSettings:
    """The card capture's settings (see the README's configuration table)."""

    gateway: str  # offline | stripe
    stripe_secret_arn: str | None = None
    stripe_api_key: str | None = None
    stripe_api_base: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, in_lambda: bool) -> PaymentSettings:
        gateway = env.get("PAYMENT_GATEWAY", "stripe" if in_lambda else "offline").strip().lower()
        settings = cls(
            gateway=gateway,
            stripe_secret_arn=env.get("STRIPE_SECRET_ARN") or None,
            stripe_api_key=env.get("STRIPE_API_KEY") or None,
            stripe_api_base=env.get("STRIPE_API_BASE") or None,
        )
        if gateway not in GATEWAY_KINDS:
            raise ConfigError(f"PAYMENT_GATEWAY must be stripe or offline (got {gateway!r})")
        if in_lambda and gateway == "offline":
            raise ConfigError("PAYMENT_GATEWAY=offline is refused under Lambda")
        if in_lambda and not settings.stripe_secret_arn:
            raise ConfigError("STRIPE_SECRET_ARN is required under Lambda for PAYMENT_GATEWAY=stripe")
        return settings


@dataclass(slots=True)
class CardRuntime:
    """One container's gateway, created on first use."""

    settings: PaymentSettings
    context: PartContext
    gateway_override: PaymentGateway | None = None
    _gateway: PaymentGateway | None = field(default=None, repr=False)

    @property
    def gateway(self) -> PaymentGateway:
        if self.gateway_override is not None:
            return self.gateway_override
        if self._gateway is None:
            self._gateway = self._make()
        return self._gateway

    @gateway.setter
    def gateway(self, gateway: PaymentGateway) -> None:
        """Replace the gateway (tests wrap it to count calls)."""
        self.gateway_override = gateway

    def _make(self) -> PaymentGateway:
        from bot.payments import make_gateway

        api_key = self.settings.stripe_api_key
        if self.settings.gateway == "stripe" and self.settings.stripe_secret_arn:
            from bot.security.keys import fetch_secret_string

            api_key = fetch_secret_string(self.settings.stripe_secret_arn, self.context.settings)
        return make_gateway(
            self.settings.gateway,
            secret=self.context.keys.ids,
            stripe_api_key=api_key,
            stripe_api_base=self.settings.stripe_api_base,
        )


@dataclass(frozen=True, slots=True, eq=False)
class CardCapture:
    """The card slots of a bot (named as in its bot definition), and the gateway that tokenizes
    what they collect."""

    number: str
    expiry: str
    code: str

    @property
    def sensitive_slots(self) -> Mapping[str, str]:
        return {self.number: "card_number", self.code: "security_code"}

    @property
    def slots(self) -> tuple[str, str, str]:
        return (self.number, self.expiry, self.code)

    def start(self, context: PartContext) -> CardRuntime:
        return CardRuntime(
            PaymentSettings.from_env(context.env, in_lambda=context.settings.in_lambda), context
        )

    def runtime(self, turn: Turn[Any]) -> CardRuntime:
        runtime: CardRuntime = turn.services.part(self)
        return runtime

    def gateway(self, turn: Turn[Any]) -> PaymentGateway:
        return self.runtime(turn).gateway

    def slot_for(self, problem: CardProblem) -> str | None:
        """The slot to ask again for a card the gateway refused (None: collect the whole card again)."""
        chosen: CardField | None = problem.field
        return {"number": self.number, "expiry": self.expiry, "code": self.code}.get(chosen or "")

    def tokenize(self, turn: Turn[Any], pan: Pan, expiry: Expiry, cvc: SecurityCode) -> CardToken:
        """Tokenize a complete card. Raises `CardRejected`, `GatewayUnavailable`, `GatewayMisconfigured`."""
        from bot.security.keys import derive_id

        key = "tok_" + derive_id(
            turn.services.keys.ids, turn.session_id, pan.reveal(), expiry.display(), cvc.reveal()
        )
        try:
            token = self.gateway(turn).tokenize(pan, expiry, cvc, idempotency_key=key)
        except CardRejected as rejected:
            metrics.add("Tokenizations", outcome=f"rejected_{rejected.problem.value}")
            raise
        except GatewayUnavailable:
            metrics.add("Tokenizations", outcome="gateway_unavailable")
            raise
        except GatewayMisconfigured:
            metrics.add("Tokenizations", outcome="gateway_misconfigured")
            raise
        metrics.add("Tokenizations", outcome="tokenized")
        return token

    def commit(self, turn: Turn[Any], payment_method_id: str, *, cardholder_name: str) -> Commitment:
        """Attach a tokenized card to a new customer, once per session and payment method."""
        from bot.security.keys import derive_id

        key = "commit_" + derive_id(turn.services.keys.ids, turn.session_id, payment_method_id)
        return self.gateway(turn).commit(
            payment_method_id, cardholder_name=cardholder_name, idempotency_key=key
        )

    def elicitation_attributes(self, intent: str, slot: str) -> dict[str, str]:
        """Voice and keypad capture for the card slots, sent when Lex elicits one (Amazon Connect
        reads them per intent and slot): a long enough end of speech for 16 digits read slowly,
        `#` to end keypad entry, at most 19 digits for the number, 6 for the expiry (MMYYYY), 4
        for the code."""
        from bot.attributes import capture_settings

        if slot == self.number:
            return capture_settings(
                intent, slot, end_timeout_ms=2500, dtmf_end_character="#", dtmf_max_length=19
            )
        if slot == self.expiry:
            return capture_settings(
                intent, slot, end_timeout_ms=1500, dtmf_end_character="#", dtmf_max_length=6
            )
        if slot == self.code:
            return capture_settings(
                intent, slot, end_timeout_ms=1500, dtmf_end_character="#", dtmf_max_length=4
            )
        return {}

    def __repr__(self) -> str:
        return f"CardCapture(number={self.number!r}, expiry={self.expiry!r}, code={self.code!r})"

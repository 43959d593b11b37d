"""The payment bot's typed session: what every intent handler reads and mutates.

It travels to the client in Lex session attributes on every turn (signed) and is kept
server-side in the session store. So it holds only what the client may see: never a card
number or security code, only brand, last4 and expiry.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import ConfigDict, Field

from bot.lexhelper import types as lex_helper_types
from bot.session import Session
from bot.validation.types import CardBrand

if TYPE_CHECKING:
    from lex_helper import SessionAttributes
else:  # lex-helper's own class, without importing the rest of lex-helper (bot/lexhelper.py)
    SessionAttributes = lex_helper_types().SessionAttributes


class Step(StrEnum):
    """Where the payment flow stands."""

    START = "start"
    NAME = "name"
    CARD = "card"
    CONFIRM = "confirm"
    DONE = "done"


class Status(StrEnum):
    COLLECTING = "collecting"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    COMPLETED = "completed"
    HANDED_OFF = "handed_off"


class PaymentSession(Session, SessionAttributes):
    """The framework's `Session` with lex-helper's `SessionAttributes` mixed in (as the design asks:
    its typed attributes; its bookkeeping fields never travel, `bot.state`)."""

    # SessionAttributes' use_enum_values=True would otherwise win: enums stay enums here.
    model_config = ConfigDict(use_enum_values=False, extra="ignore", validate_assignment=True)

    step: Step = Step.START
    status: Status = Status.COLLECTING
    first_name: str | None = Field(default=None, max_length=50)
    last_name: str | None = Field(default=None, max_length=50)
    card_brand: CardBrand | None = None
    card_last4: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    card_exp_month: int | None = Field(default=None, ge=1, le=12)
    card_exp_year: int | None = Field(default=None, ge=2000, le=2200)
    payment_method_id: str | None = Field(default=None, max_length=255)
    customer_id: str | None = Field(default=None, max_length=255)
    wallet_address: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{40}$")

    @property
    def cardholder_name(self) -> str | None:
        if self.first_name and self.last_name:
            return f"{self.first_name} {self.last_name}"
        return None

    @property
    def has_card(self) -> bool:
        return bool(self.payment_method_id and self.card_last4 and self.card_brand and self.card_exp_month)

    def forget_card(self) -> None:
        """Drop everything known about the card (a denied confirmation, a new flow)."""
        self.card_brand = None
        self.card_last4 = None
        self.card_exp_month = None
        self.card_exp_year = None
        self.payment_method_id = None

    def start_over(self) -> None:
        """A new payment flow: forget the previous one's collection data, keep the wallet."""
        self.forget_card()
        self.first_name = None
        self.last_name = None
        self.customer_id = None
        self.attempts = {}
        self.step = Step.START
        self.status = Status.COLLECTING

"""OfflineGateway (Stripe test cards, deterministic ids, never in Lambda) and the gateway factory."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.payments import (
    CardProblem,
    CardRejected,
    CardToken,
    GatewayMisconfigured,
    make_gateway,
)
from bot.payments.offline import OfflineGateway
from bot.validation.types import CardBrand, Expiry, Pan, SecurityCode

SECRET = b"offline-test-secret"
EXPIRY = Expiry(12, 2030)
CVC = SecurityCode("987")
PM_ID = re.compile(r"pm_offline_[0-9a-f]{24}")
CUS_ID = re.compile(r"cus_offline_[0-9a-f]{24}")


@pytest.fixture(autouse=True)
def _not_in_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)


@pytest.fixture
def gateway() -> OfflineGateway:
    return OfflineGateway(SECRET, today=lambda: date(2026, 6, 15))


def visa(digits: str) -> Pan:
    return Pan(digits, CardBrand.VISA)


def luhn_complete(body: str) -> str:
    """`body` + its Luhn check digit."""
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return body + str(-total % 10)


def assert_no_card_data(text: str, pan: str, cvc: str = "987") -> None:
    assert pan not in text
    assert not re.search(rf"(?<![0-9A-Za-z]){cvc}(?![0-9A-Za-z])", text)


# --- tokenize ------------------------------------------------------------------------------------


def test_success_card_gives_token(gateway: OfflineGateway) -> None:
    token = gateway.tokenize(visa("4242424242424242"), EXPIRY, CVC, idempotency_key="k1")
    assert token == CardToken(token.payment_method_id, CardBrand.VISA, "4242", 12, 2030)
    assert PM_ID.fullmatch(token.payment_method_id)
    assert_no_card_data(repr(token), "4242424242424242")


@pytest.mark.parametrize(
    ("digits", "brand"),
    [
        ("5555555555554444", CardBrand.MASTERCARD),
        ("378282246310005", CardBrand.AMEX),
        ("6011111111111117", CardBrand.DISCOVER),
    ],
)
def test_any_other_valid_card_succeeds(gateway: OfflineGateway, digits: str, brand: CardBrand) -> None:
    token = gateway.tokenize(Pan(digits, brand), EXPIRY, SecurityCode("1234"), idempotency_key="k")
    assert (token.brand, token.last4) == (brand, digits[-4:])


@pytest.mark.parametrize(
    ("digits", "problem"),
    [
        ("4000000000000002", CardProblem.DECLINED),
        ("4000000000009995", CardProblem.INSUFFICIENT_FUNDS),
        ("4000000000000069", CardProblem.EXPIRED_CARD),
        ("4000000000000127", CardProblem.INCORRECT_CVC),
        ("4000000000000119", CardProblem.PROCESSING_ERROR),
        ("4242424242424241", CardProblem.INCORRECT_NUMBER),
    ],
)
def test_stripe_test_cards_are_refused(gateway: OfflineGateway, digits: str, problem: CardProblem) -> None:
    with pytest.raises(CardRejected) as caught:
        gateway.tokenize(visa(digits), EXPIRY, CVC, idempotency_key="k")
    assert caught.value.problem is problem
    for text in (str(caught.value), repr(caught.value), repr(caught.value.args)):
        assert_no_card_data(text, digits)


def test_past_expiry_is_invalid_expiry(gateway: OfflineGateway) -> None:
    with pytest.raises(CardRejected) as caught:
        gateway.tokenize(visa("4242424242424242"), Expiry(5, 2026), CVC, idempotency_key="k")
    assert caught.value.problem is CardProblem.INVALID_EXPIRY
    assert caught.value.problem.field == "expiry"
    # the current month is still valid
    gateway.tokenize(visa("4242424242424242"), Expiry(6, 2026), CVC, idempotency_key="k")


def test_ids_are_deterministic_and_keyed(gateway: OfflineGateway) -> None:
    card = visa("4242424242424242")
    first = gateway.tokenize(card, EXPIRY, CVC, idempotency_key="k1").payment_method_id
    assert gateway.tokenize(card, EXPIRY, CVC, idempotency_key="k1").payment_method_id == first
    assert OfflineGateway(SECRET).tokenize(card, EXPIRY, CVC, idempotency_key="k1").payment_method_id == first
    assert gateway.tokenize(card, EXPIRY, CVC, idempotency_key="k2").payment_method_id != first
    assert (
        OfflineGateway(b"other").tokenize(card, EXPIRY, CVC, idempotency_key="k1").payment_method_id != first
    )


def test_ids_are_no_pan_oracle(gateway: OfflineGateway) -> None:
    """The id depends on the key (and secret), not on the card: equal ids say nothing about PANs."""
    a = gateway.tokenize(visa("4242424242424242"), EXPIRY, CVC, idempotency_key="same")
    b = gateway.tokenize(Pan("5555555555554444", CardBrand.MASTERCARD), EXPIRY, CVC, idempotency_key="same")
    assert a.payment_method_id == b.payment_method_id


@given(body=st.text(alphabet="0123456789", min_size=15, max_size=15), key=st.text(min_size=1, max_size=40))
def test_no_card_data_in_tokens_property(body: str, key: str) -> None:
    digits = luhn_complete("4" + body[1:])
    gateway = OfflineGateway(SECRET)
    try:
        token = gateway.tokenize(visa(digits), EXPIRY, CVC, idempotency_key=key)
    except CardRejected as exc:  # one of the test cards
        texts = [str(exc), repr(exc)]
    else:
        assert token.last4 == digits[-4:]
        texts = [repr(token), token.payment_method_id]
    for text in texts:
        assert digits not in text


def test_bad_idempotency_keys_are_programming_errors(gateway: OfflineGateway) -> None:
    for key in ("", "x" * 256):
        with pytest.raises(ValueError, match="idempotency_key"):
            gateway.tokenize(visa("4242424242424242"), EXPIRY, CVC, idempotency_key=key)
        with pytest.raises(ValueError, match="idempotency_key"):
            gateway.commit("pm_offline_" + "0" * 24, cardholder_name="A", idempotency_key=key)


# --- commit --------------------------------------------------------------------------------------


def test_commit_is_idempotent_per_key(gateway: OfflineGateway) -> None:
    token = gateway.tokenize(visa("4242424242424242"), EXPIRY, CVC, idempotency_key="t")
    first = gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c1")
    again = gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c1")
    other = gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c2")
    assert first == again
    assert first.payment_method_id == token.payment_method_id
    assert CUS_ID.fullmatch(first.customer_id)
    assert other.customer_id != first.customer_id


def test_commit_refuses_foreign_payment_methods(gateway: OfflineGateway) -> None:
    with pytest.raises(GatewayMisconfigured):
        gateway.commit("pm_1Abc", cardholder_name="Jo", idempotency_key="c")


# --- construction and the factory ----------------------------------------------------------------


def test_refuses_to_run_in_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "payment-bot")
    with pytest.raises(GatewayMisconfigured, match="Lambda"):
        OfflineGateway(SECRET)
    with pytest.raises(GatewayMisconfigured, match="Lambda"):
        make_gateway("offline", secret=SECRET)


def test_needs_a_secret() -> None:
    with pytest.raises(GatewayMisconfigured, match="secret"):
        OfflineGateway(b"")


def test_repr_shows_no_secret() -> None:
    assert "offline-test-secret" not in repr(OfflineGateway(SECRET))


def test_make_gateway_offline() -> None:
    gateway = make_gateway("offline", secret=SECRET)
    assert isinstance(gateway, OfflineGateway)
    assert gateway.name == "offline"


def test_make_gateway_stripe() -> None:
    from bot.payments.stripe_gateway import StripeGateway

    gateway = make_gateway("stripe", secret=SECRET, stripe_api_key="sk_test_x", stripe_api_base="http://x")
    assert isinstance(gateway, StripeGateway)
    assert gateway.name == "stripe"
    assert "sk_test_x" not in repr(gateway)


@pytest.mark.parametrize("key", [None, ""])
def test_make_gateway_stripe_without_key(key: str | None) -> None:
    with pytest.raises(GatewayMisconfigured, match="API key"):
        make_gateway("stripe", secret=SECRET, stripe_api_key=key)


def test_make_gateway_unknown_kind() -> None:
    with pytest.raises(ValueError, match=r"unknown payment gateway kind 'paypal'.*offline, stripe"):
        make_gateway("paypal", secret=SECRET)


def test_importing_bot_payments_does_not_import_stripe() -> None:
    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys, bot.payments; "
        "bot.payments.make_gateway('offline', secret=b's'); "
        "assert 'stripe' not in sys.modules, 'stripe imported'"
    )
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr

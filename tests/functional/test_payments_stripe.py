"""StripeGateway driving the real stripe-python SDK over HTTP against `tests.fakes.stripe_api.FakeStripe`."""

from __future__ import annotations

import logging
import re
import socket
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import stripe

from bot.payments import (
    CardProblem,
    CardRejected,
    GatewayMisconfigured,
    GatewayUnavailable,
    PaymentError,
)
from bot.payments import stripe_gateway as stripe_gateway_module
from bot.payments.stripe_gateway import MAX_BACKOFF_SECONDS, StripeGateway
from bot.validation.types import CardBrand, Expiry, Pan, SecurityCode
from tests.fakes.stripe_api import FakeStripe, unused_local_url

API_KEY = "sk_test_fake"
EXPIRY = Expiry(12, 2030)
CVC = "987"
VISA = "4242424242424242"

ERROR_CARDS = [
    ("4000000000000002", CardProblem.DECLINED),
    ("4000000000009995", CardProblem.INSUFFICIENT_FUNDS),
    ("4000000000009987", CardProblem.DECLINED),  # lost_card
    ("4000000000000069", CardProblem.EXPIRED_CARD),
    ("4000000000000127", CardProblem.INCORRECT_CVC),
    ("4000000000000119", CardProblem.PROCESSING_ERROR),
]


class Sleeps:
    """A `sleep` that records instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make(sleeps: Sleeps) -> Callable[..., StripeGateway]:
    def build(api_base: str, **kwargs: Any) -> StripeGateway:
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("api_key", API_KEY)
        return StripeGateway(api_base=api_base, **kwargs)

    return build


@pytest.fixture
def gateway(fake: FakeStripe, make: Callable[..., StripeGateway]) -> StripeGateway:
    return make(fake.url)


def pan(digits: str) -> Pan:
    return Pan(digits, CardBrand.VISA)


def tokenize(gateway: StripeGateway, digits: str = VISA, key: str = "tok-1", **kwargs: Any) -> Any:
    return gateway.tokenize(
        kwargs.get("pan", pan(digits)),
        kwargs.get("expiry", EXPIRY),
        SecurityCode(kwargs.get("cvc", CVC)),
        idempotency_key=key,
    )


# --- tokenize ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "brand", "cvc"),
    [
        ("4242424242424242", CardBrand.VISA, "987"),
        ("5555555555554444", CardBrand.MASTERCARD, "987"),
        ("378282246310005", CardBrand.AMEX, "9876"),
        ("6011111111111117", CardBrand.DISCOVER, "987"),
        ("3566002020360505", CardBrand.JCB, "987"),
        ("36227206271667", CardBrand.DINERS, "987"),
        ("6200000000000005", CardBrand.UNIONPAY, "987"),
    ],
)
def test_tokenize_success(
    gateway: StripeGateway, fake: FakeStripe, digits: str, brand: CardBrand, cvc: str
) -> None:
    token = gateway.tokenize(Pan(digits, brand), EXPIRY, SecurityCode(cvc), idempotency_key="tok-1")
    assert token.payment_method_id in fake.payment_methods
    assert (token.brand, token.last4, token.exp_month, token.exp_year) == (brand, digits[-4:], 12, 2030)
    [request] = fake.requests
    assert (request.method, request.path, request.idempotency_key) == ("POST", "/v1/payment_methods", "tok-1")
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.form == {
        "type": "card",
        "card[number]": digits,
        "card[exp_month]": "12",
        "card[exp_year]": "2030",
        "card[cvc]": cvc,
    }
    assert digits not in repr(request)  # the fake's own record masks it


def test_brand_falls_back_to_detected_brand(gateway: StripeGateway) -> None:
    """Stripe's brand wins when we know it; an unknown one (here "unknown") keeps the validators' brand."""
    assert tokenize(gateway, pan=Pan(VISA, CardBrand.MASTERCARD)).brand is CardBrand.VISA
    token = tokenize(gateway, key="tok-2", pan=Pan("7000000000000005", CardBrand.DISCOVER))
    assert (token.brand, token.last4) == (CardBrand.DISCOVER, "0005")


@pytest.mark.parametrize(("digits", "problem"), ERROR_CARDS)
def test_error_cards_map_to_card_problems(gateway: StripeGateway, digits: str, problem: CardProblem) -> None:
    with pytest.raises(CardRejected) as caught:
        tokenize(gateway, digits)
    assert caught.value.problem is problem


@pytest.mark.parametrize(
    ("digits", "expiry", "problem"),
    [
        ("4242424242424241", EXPIRY, CardProblem.INCORRECT_NUMBER),
        (VISA, Expiry(1, 2020), CardProblem.INVALID_EXPIRY),
        (VISA, Expiry(13, 2030), CardProblem.INVALID_EXPIRY),
    ],
)
def test_number_and_expiry_problems(
    gateway: StripeGateway, digits: str, expiry: Expiry, problem: CardProblem
) -> None:
    with pytest.raises(CardRejected) as caught:
        tokenize(gateway, digits, expiry=expiry)
    assert caught.value.problem is problem
    assert caught.value.problem.field in {"number", "expiry"}


@pytest.mark.parametrize(("digits", "problem"), ERROR_CARDS)
def test_declines_at_attach_like_real_stripe(
    make: Callable[..., StripeGateway], digits: str, problem: CardProblem
) -> None:
    """Real Stripe creates PaymentMethods for decline cards and declines them on attach."""
    with FakeStripe(decline_at="attach") as fake:
        gateway = make(fake.url)
        token = tokenize(gateway, digits)
        with pytest.raises(CardRejected) as caught:
            gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c1")
    assert caught.value.problem is problem


def test_card_rejection_is_not_retried(gateway: StripeGateway, fake: FakeStripe, sleeps: Sleeps) -> None:
    with pytest.raises(CardRejected):
        tokenize(gateway, "4000000000000002")
    assert len(fake.requests) == 1
    assert sleeps.calls == []


# --- retries -------------------------------------------------------------------------------------


def test_rate_limit_then_success_reuses_the_idempotency_key(
    gateway: StripeGateway, fake: FakeStripe, sleeps: Sleeps
) -> None:
    fake.fail_next(429, 1)
    token = tokenize(gateway, key="tok-429")
    assert token.last4 == "4242"
    assert [r.status for r in fake.requests] == [429, 200]
    assert {r.idempotency_key for r in fake.requests} == {"tok-429"}
    assert len(fake.payment_methods) == 1
    assert len(sleeps.calls) == 1
    assert 0.125 <= sleeps.calls[0] <= 0.25  # backoff 0.25 s with equal jitter


@pytest.mark.parametrize("max_attempts", [1, 3, 5])
def test_persistent_500_gives_up_after_max_attempts(
    make: Callable[..., StripeGateway], fake: FakeStripe, sleeps: Sleeps, max_attempts: int
) -> None:
    gateway = make(fake.url, max_attempts=max_attempts, backoff_seconds=0.5)
    fake.fail_next(500, 100)
    with pytest.raises(GatewayUnavailable, match="http_status=500"):
        tokenize(gateway, key="tok-500")
    assert len(fake.requests) == max_attempts
    assert {r.idempotency_key for r in fake.requests} == {"tok-500"}
    assert len(sleeps.calls) == max_attempts - 1
    for attempt, delay in enumerate(sleeps.calls, start=1):
        ceiling = min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling


def test_backoff_is_capped(make: Callable[..., StripeGateway], fake: FakeStripe, sleeps: Sleeps) -> None:
    gateway = make(fake.url, max_attempts=8, backoff_seconds=1.0)
    fake.fail_next(503, 100)
    with pytest.raises(GatewayUnavailable):
        tokenize(gateway)
    assert len(sleeps.calls) == 7
    assert max(sleeps.calls) <= MAX_BACKOFF_SECONDS


def test_conflict_409_is_retried(gateway: StripeGateway, fake: FakeStripe) -> None:
    fake.fail_next(409, 1)
    tokenize(gateway, key="tok-409")
    assert [r.status for r in fake.requests] == [409, 200]


def test_stripe_should_retry_false_is_honoured(gateway: StripeGateway, fake: FakeStripe) -> None:
    fake.fail_next(500, 5, should_retry=False)
    with pytest.raises(GatewayUnavailable):
        tokenize(gateway)
    assert len(fake.requests) == 1


def test_connection_refused_is_unavailable(make: Callable[..., StripeGateway], sleeps: Sleeps) -> None:
    gateway = make(unused_local_url())
    with pytest.raises(GatewayUnavailable, match="network"):
        tokenize(gateway)
    assert len(sleeps.calls) == 2


def test_timeout_is_unavailable(make: Callable[..., StripeGateway]) -> None:
    """A server that accepts the connection and never answers: the timeout applies."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        host, port = listener.getsockname()
        gateway = make(f"http://{host}:{port}", timeout_seconds=0.1, max_attempts=2)
        with pytest.raises(GatewayUnavailable):
            tokenize(gateway)


def test_retried_request_that_landed_is_replayed_not_duplicated(
    gateway: StripeGateway, fake: FakeStripe
) -> None:
    """Same key twice (e.g. a Lambda retry after a lost response): one PaymentMethod."""
    first = tokenize(gateway, key="tok-x")
    second = tokenize(gateway, key="tok-x")
    assert first == second
    assert len(fake.payment_methods) == 1
    assert [r.replayed for r in fake.requests] == [False, True]


# --- misconfiguration ----------------------------------------------------------------------------


@pytest.mark.parametrize("api_key", ["sk_live_nope", "rk_test_nope"])
def test_bad_api_key_is_misconfigured(
    make: Callable[..., StripeGateway], fake: FakeStripe, sleeps: Sleeps, api_key: str
) -> None:
    gateway = make(fake.url, api_key=api_key)
    with pytest.raises(GatewayMisconfigured, match="AuthenticationError http_status=401") as caught:
        tokenize(gateway)
    assert api_key not in str(caught.value)
    assert len(fake.requests) == 1
    assert sleeps.calls == []


def test_wrong_test_key_is_misconfigured(make: Callable[..., StripeGateway]) -> None:
    with FakeStripe(api_key="sk_test_right") as fake, pytest.raises(GatewayMisconfigured):
        tokenize(make(fake.url, api_key="sk_test_wrong"))


@pytest.mark.parametrize("api_key", ["", "   ", "pk_test_publishable"])
def test_unusable_keys_are_refused_up_front(api_key: str) -> None:
    with pytest.raises(GatewayMisconfigured):
        StripeGateway(api_key)


def test_raw_card_data_disabled_is_misconfigured(make: Callable[..., StripeGateway]) -> None:
    with (
        FakeStripe(raw_card_data_enabled=False) as fake,
        pytest.raises(GatewayMisconfigured, match="raw_card_data_apis_not_enabled") as caught,
    ):
        tokenize(make(fake.url))
    assert "InvalidRequestError http_status=400" in str(caught.value)


def test_reusing_a_key_for_another_card_is_misconfigured(gateway: StripeGateway) -> None:
    tokenize(gateway, VISA, key="tok-1")
    with pytest.raises(GatewayMisconfigured, match="IdempotencyError"):
        tokenize(gateway, "5555555555554444", key="tok-1")


def test_invalid_constructor_arguments() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        StripeGateway(API_KEY, max_attempts=0)
    with pytest.raises(ValueError, match="timeout"):
        StripeGateway(API_KEY, timeout_seconds=0)


# --- commit --------------------------------------------------------------------------------------


def test_commit_creates_customer_and_attaches(gateway: StripeGateway, fake: FakeStripe) -> None:
    token = tokenize(gateway)
    commitment = gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c1")
    assert commitment.payment_method_id == token.payment_method_id
    customer = fake.customers[commitment.customer_id]
    assert customer["name"] == "Jo Bloggs"
    assert fake.payment_methods[token.payment_method_id]["customer"] == commitment.customer_id
    [create] = fake.requests_to("POST", "/v1/customers")
    [attach] = fake.requests_to("POST", f"/v1/payment_methods/{token.payment_method_id}/attach")
    assert (create.idempotency_key, attach.idempotency_key) == ("c1:customer", "c1:attach")
    assert attach.form == {"customer": commitment.customer_id}


def test_commit_twice_with_the_same_key_is_idempotent(gateway: StripeGateway, fake: FakeStripe) -> None:
    token = tokenize(gateway)
    first = gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c1")
    second = gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c1")
    assert first == second
    assert len(fake.customers) == 1
    attaches = fake.requests_to("POST", f"/v1/payment_methods/{token.payment_method_id}/attach")
    assert [a.replayed for a in attaches] == [False, True]  # one real attach, one replay


def test_commit_already_attached_to_this_customer_succeeds(gateway: StripeGateway, fake: FakeStripe) -> None:
    """The attach landed but its idempotent result is gone: verified by reading the PaymentMethod."""
    token = tokenize(gateway)
    first = gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c1")
    fake.forget_idempotency_key("c1:attach")
    second = gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c1")
    assert second == first
    assert len(fake.customers) == 1
    assert [
        r.status for r in fake.requests_to("POST", f"/v1/payment_methods/{token.payment_method_id}/attach")
    ] == [
        200,
        400,
    ]
    assert len(fake.requests_to("GET", f"/v1/payment_methods/{token.payment_method_id}")) == 1


def test_commit_attached_to_another_customer_fails(gateway: StripeGateway) -> None:
    token = tokenize(gateway)
    gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c1")
    with pytest.raises(GatewayMisconfigured, match="InvalidRequestError"):
        gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c2")


def test_commit_unknown_payment_method(gateway: StripeGateway, fake: FakeStripe) -> None:
    with pytest.raises(GatewayMisconfigured, match="code=resource_missing"):
        gateway.commit("pm_missing", cardholder_name="Jo Bloggs", idempotency_key="c1")
    assert fake.requests_to("GET", "/v1/payment_methods/pm_missing") == []


def test_commit_retries_transient_failures(gateway: StripeGateway, fake: FakeStripe) -> None:
    token = tokenize(gateway)
    fake.fail_next(500, 1)
    commitment = gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key="c1")
    assert len(fake.customers) == 1
    assert commitment.customer_id in fake.customers
    statuses = [(r.path, r.status) for r in fake.requests[1:]]
    assert statuses[:2] == [("/v1/customers", 500), ("/v1/customers", 200)]


# --- the urllib fallback (no `requests` installed, e.g. a slim Lambda package) ------------------


@pytest.fixture
def without_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stripe_gateway_module, "_requests_available", lambda: False)


@pytest.mark.usefixtures("without_requests")
def test_urllib_client_success_and_retry(make: Callable[..., StripeGateway], fake: FakeStripe) -> None:
    gateway = make(fake.url)
    assert isinstance(gateway._client._requestor._client, stripe.UrllibClient)
    fake.fail_next(429, 1)
    assert tokenize(gateway, key="u1").last4 == "4242"
    assert [r.status for r in fake.requests] == [429, 200]
    with pytest.raises(CardRejected):
        tokenize(gateway, "4000000000000002", key="u2")


@pytest.mark.usefixtures("without_requests")
def test_urllib_client_timeout_and_refusal(make: Callable[..., StripeGateway]) -> None:
    with pytest.raises(GatewayUnavailable):
        tokenize(make(unused_local_url()))
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        host, port = listener.getsockname()
        with pytest.raises(GatewayUnavailable):
            tokenize(make(f"http://{host}:{port}", timeout_seconds=0.1, max_attempts=1))


# --- card data never leaks -----------------------------------------------------------------------


def _card_data_in(text: str, digits: str, cvc: str) -> list[str]:
    found = []
    if digits in text:
        found.append("PAN")
    if re.search(rf"(?<![0-9A-Za-z]){cvc}(?![0-9A-Za-z])", text):
        found.append("CVC")
    return found


def _exception_texts(exc: BaseException) -> Iterator[str]:
    yield str(exc)
    yield repr(exc)
    yield repr(exc.args)
    yield "".join(traceback.format_exception(exc))
    # no frame of ours keeps the digits in a local variable
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if "bot/payments" in frame.f_code.co_filename:
            for value in frame.f_locals.values():
                if isinstance(value, str | dict | list | tuple):
                    yield repr(value)
        tb = tb.tb_next


def test_no_card_data_in_exceptions_or_logs(
    make: Callable[..., StripeGateway],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Drive every failure path with DEBUG logging everywhere (and stripe's console debug on)."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(stripe, "log", "debug")  # stripe would print request bodies to stderr
    raised: list[tuple[PaymentError, str, str]] = []
    used: list[tuple[str, str]] = []

    def attempt(gateway: StripeGateway, digits: str, key: str, cvc: str = CVC, **kwargs: Any) -> None:
        used.append((digits, cvc))
        try:
            token = tokenize(gateway, digits, key=key, cvc=cvc, **kwargs)
            gateway.commit(token.payment_method_id, cardholder_name="Jo Bloggs", idempotency_key=f"c-{key}")
        except PaymentError as exc:
            raised.append((exc, digits, cvc))

    with FakeStripe() as fake:
        gateway = make(fake.url)
        attempt(gateway, VISA, "ok")  # success, then its commit
        for index, (digits, _) in enumerate(ERROR_CARDS):
            attempt(gateway, digits, f"err-{index}", cvc=f"{871 + index}")
        attempt(gateway, "4242424242424241", "luhn")
        attempt(gateway, VISA, "expired", cvc="654", expiry=Expiry(1, 2020))
        fake.fail_next(429, 3)  # = max_attempts
        attempt(gateway, VISA, "rate-limited", cvc="765")
        attempt(gateway, "5555555555554444", "ok")  # idempotency_error: same key, other card
        attempt(make(fake.url, api_key="sk_live_bad"), VISA, "auth")
    with FakeStripe(decline_at="attach") as fake:
        attempt(make(fake.url), "4000000000000002", "attach-decline", cvc="543")
    with FakeStripe(raw_card_data_enabled=False) as fake:
        attempt(make(fake.url), VISA, "raw")
    attempt(make(unused_local_url()), "6011111111111117", "refused", cvc="432")

    assert len(raised) == len(used) - 1  # everything but the first attempt failed
    assert stripe.log == "info"  # the gateway lowered stripe's console debug output
    stripe_records = [r for r in caplog.records if r.name == "stripe"]
    assert any("Post details" in r.getMessage() for r in stripe_records)  # stripe did log the bodies
    assert any(r.name.startswith("bot.payments") for r in caplog.records)

    log_text = "\n".join(
        [caplog.text]
        + [r.getMessage() for r in caplog.records]
        + [repr(r.args) for r in caplog.records]
        + list(capfd.readouterr())
    )
    for digits, cvc in used:
        assert _card_data_in(log_text, digits, cvc) == [], (digits, cvc)
    for exc, digits, cvc in raised:
        assert exc.__cause__ is None
        assert exc.__context__ is None
        for text in _exception_texts(exc):
            assert _card_data_in(text, digits, cvc) == [], (type(exc).__name__, text)


def test_stripe_log_filter_redacts_stripe_records(caplog: pytest.LogCaptureFixture) -> None:
    StripeGateway(API_KEY)  # installs the filter
    caplog.set_level(logging.DEBUG)
    stripe_logger = logging.getLogger("stripe")
    stripe_logger.debug("message='Post details' post_data=card[number]=%s&card[cvc]=987", VISA)
    stripe_logger.info("error_message='bad card 5555555555554444' message='Stripe v1 API error received'")
    text = caplog.text
    assert VISA not in text
    assert "5555555555554444" not in text
    assert "card[cvc]=987" not in text
    assert "Stripe v1 API error received" in text


def test_filter_is_installed_once() -> None:
    StripeGateway(API_KEY)
    StripeGateway(API_KEY)
    filters = [f for f in logging.getLogger("stripe").filters if type(f).__name__ == "_StripeLogRedactor"]
    assert len(filters) == 1

"""The Stripe gateway: stripe-python's `StripeClient`, bounded retries, card-safe errors and logs.

Tokenize creates a card PaymentMethod from raw card data (the account must have raw card data APIs
enabled); commit creates a Customer and attaches the PaymentMethod to it.

Retries are ours, not stripe-python's (`max_network_retries=0`): every attempt of one operation
reuses the caller's idempotency key, so a retried request whose first try actually landed is
replayed by Stripe instead of creating a second object. Backoff is exponential with "equal
jitter" (a random value in [d/2, d]), capped at `MAX_BACKOFF_SECONDS`.

Card data never reaches an exception text, a log record or a repr:
- exceptions raised here carry only Stripe's error type/code/decline code, the HTTP status and
  the request id, each checked against a conservative pattern; Stripe's human message and body
  are never copied, and the Stripe exception is not chained (we raise after the `except` block,
  so not even `__context__` links to it);
- stripe-python logs the form-encoded request (`card[number]=...&card[cvc]=...`) at DEBUG on the
  `stripe` logger; a filter installed on that logger replaces request/response-body records and
  masks any 12+ digit run in the others; `stripe.log` / `STRIPE_LOG` console *debug* output
  (printed straight to stderr, where no filter applies) is lowered to "info".
`stripe` is imported lazily: it costs ~0.14 s of cold start.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from typing import TYPE_CHECKING, Any, TypeVar

from bot.payments._util import check_idempotency_key
from bot.payments.gateway import (
    CardProblem,
    CardRejected,
    CardToken,
    Commitment,
    GatewayMisconfigured,
    GatewayUnavailable,
    PaymentError,
)
from bot.validation.types import CardBrand, Expiry, Pan, SecurityCode

if TYPE_CHECKING:
    from collections.abc import Callable

    import stripe

__all__ = ["MAX_BACKOFF_SECONDS", "StripeGateway"]

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_BACKOFF_SECONDS = 2.0

# Stripe `card.brand` strings that we know; anything else keeps the brand the validators detected.
_BRANDS: dict[str, CardBrand] = {brand.value: brand for brand in CardBrand}

# Stripe error codes (and `card_declined` decline codes) that the user can fix.
_CARD_CODES: dict[str, CardProblem] = {
    "incorrect_number": CardProblem.INCORRECT_NUMBER,
    "invalid_number": CardProblem.INCORRECT_NUMBER,
    "invalid_expiry_month": CardProblem.INVALID_EXPIRY,
    "invalid_expiry_year": CardProblem.INVALID_EXPIRY,
    "incorrect_cvc": CardProblem.INCORRECT_CVC,
    "invalid_cvc": CardProblem.INCORRECT_CVC,
    "card_declined": CardProblem.DECLINED,
    "expired_card": CardProblem.EXPIRED_CARD,
    "processing_error": CardProblem.PROCESSING_ERROR,
    "insufficient_funds": CardProblem.INSUFFICIENT_FUNDS,
}

_SAFE_TOKEN = re.compile(r"[A-Za-z0-9_.\[\]]{1,80}")
_DIGIT_RUN = re.compile(r"\d{6,}")


def _safe(value: object) -> str | None:
    """`value` if it is a short identifier-like string with no long digit run, else None."""
    if isinstance(value, str) and _SAFE_TOKEN.fullmatch(value) and not _DIGIT_RUN.search(value):
        return value
    return None


# --- logging guard -------------------------------------------------------------------------------

_PAN_LIKE = re.compile(r"\d{12,}")
_BODY_MARKERS = ("message='Post details'", "message='API response body'")


class _StripeLogRedactor(logging.Filter):
    """Installed on the `stripe` logger: its DEBUG records carry full request/response bodies."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record: keep nothing of it
            text = "<unformattable stripe log record>"
        for marker in _BODY_MARKERS:
            if marker in text:
                text = f"{marker} <body redacted by bot.payments>"
                break
        else:
            text = _PAN_LIKE.sub("<redacted>", text)
        record.msg, record.args = text, ()
        return True


def _guard_stripe_logging(stripe_module: Any) -> None:
    """Idempotent; cheap enough to call before every request."""
    logger = logging.getLogger("stripe")
    if not any(isinstance(f, _StripeLogRedactor) for f in logger.filters):
        logger.addFilter(_StripeLogRedactor())
    # stripe-python *prints* records to stderr when `stripe.log` (or STRIPE_LOG) is set; no
    # logging filter sees those, and "debug" prints the request body with the card number.
    console = stripe_module.log
    if console is None:
        util = getattr(stripe_module, "_util", None)
        console = getattr(util, "STRIPE_LOG", None) or os.environ.get("STRIPE_LOG")
    if console == "debug":
        log.warning("stripe console debug logging would print card data to stderr; lowering it to 'info'")
        stripe_module.log = "info"


# --- HTTP client ---------------------------------------------------------------------------------


def _requests_available() -> bool:
    try:
        import requests  # noqa: F401
    except ImportError:
        return False
    return True


class _UrllibWithTimeout:
    """Stands in for `urllib.request` inside stripe's `UrllibClient`, which has no timeout."""

    def __init__(self, timeout: float) -> None:
        import urllib.request

        self._lib = urllib.request
        self._timeout = timeout
        self.Request = urllib.request.Request
        self.ProxyHandler = urllib.request.ProxyHandler
        self.build_opener = urllib.request.build_opener

    def urlopen(self, req: Any) -> Any:
        return self._lib.urlopen(req, timeout=self._timeout)


def _make_http_client(stripe_module: Any, timeout: float) -> Any:
    # stripe-python prefers `requests` (thread-local keep-alive session) when it is installed.
    if _requests_available():
        return stripe_module.RequestsClient(timeout=timeout)
    return stripe_module.UrllibClient(_lib=_UrllibWithTimeout(timeout))


# --- error mapping -------------------------------------------------------------------------------


class _InvalidRequest(GatewayMisconfigured):
    """An `invalid_request_error`; `code` lets commit recognise "already attached"."""

    def __init__(self, message: str, code: str | None) -> None:
        super().__init__(message)
        self.code = code


def _describe(operation: str, exc: stripe.StripeError) -> str:
    """What is safe to say about a Stripe error: class, status, type, code, decline code, request id."""
    error = exc.error
    parts = [f"stripe {operation}: {type(exc).__name__}"]
    if isinstance(exc.http_status, int):
        parts.append(f"http_status={exc.http_status}")
    for name, value in (
        ("type", getattr(error, "type", None)),
        ("code", exc.code or getattr(error, "code", None)),
        ("decline_code", getattr(error, "decline_code", None)),
        ("param", getattr(error, "param", None)),
        ("request_id", exc.request_id),
    ):
        if value is not None:
            parts.append(f"{name}={_safe(value) or '<unrecognised>'}")
    return " ".join(parts)


def _card_problem(exc: stripe.StripeError) -> CardProblem | None:
    code = exc.code or getattr(exc.error, "code", None)
    problem = _CARD_CODES.get(code) if isinstance(code, str) else None
    if problem is CardProblem.DECLINED:
        decline_code = getattr(exc.error, "decline_code", None)
        if isinstance(decline_code, str):
            problem = _CARD_CODES.get(decline_code, problem)
    return problem


def _card_rejected(operation: str, exc: stripe.StripeError, problem: CardProblem) -> CardRejected:
    code = _safe(exc.code or getattr(exc.error, "code", None)) or "unknown"
    decline_code = _safe(getattr(exc.error, "decline_code", None))
    detail = f"stripe {operation}: code={code}" + (f" decline_code={decline_code}" if decline_code else "")
    return CardRejected(problem, detail)


def _header(exc: stripe.StripeError, name: str) -> str | None:
    for key, value in (exc.headers or {}).items():
        if key.lower() == name:
            return value
    return None


def _customer_id(payment_method: Any) -> str | None:
    customer = getattr(payment_method, "customer", None)
    if isinstance(customer, str):
        return customer
    customer_id = getattr(customer, "id", None)
    return customer_id if isinstance(customer_id, str) else None


class StripeGateway:
    """`PaymentGateway` backed by Stripe (stripe-python >= 13, `StripeClient`)."""

    name = "stripe"

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        max_attempts: int = 3,
        backoff_seconds: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
        timeout_seconds: float = 8.0,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise GatewayMisconfigured("stripe: no API key configured")
        if api_key.startswith("pk_"):
            raise GatewayMisconfigured("stripe: a publishable key (pk_...) cannot create payment methods")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if backoff_seconds < 0 or timeout_seconds <= 0:
            raise ValueError("backoff_seconds must be >= 0 and timeout_seconds > 0")

        import stripe

        _guard_stripe_logging(stripe)
        self._api_base = api_base
        self._max_attempts = max_attempts
        self._backoff_seconds = backoff_seconds
        self._sleep = sleep
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=0,
            http_client=_make_http_client(stripe, timeout_seconds),
        )

    def __repr__(self) -> str:
        return f"StripeGateway(api_base={self._api_base!r}, max_attempts={self._max_attempts})"

    # --- PaymentGateway --------------------------------------------------------------------------

    def tokenize(self, pan: Pan, expiry: Expiry, cvc: SecurityCode, *, idempotency_key: str) -> CardToken:
        check_idempotency_key(idempotency_key)
        client = self._client
        # The digits exist only inside this lambda's call: no local variable, no frame, holds them.
        payment_method = self._call(
            "tokenize",
            lambda: client.v1.payment_methods.create(
                params={
                    "type": "card",
                    "card": {
                        "number": pan.reveal(),
                        "exp_month": expiry.month,
                        "exp_year": expiry.year,
                        "cvc": cvc.reveal(),
                    },
                },
                options={"idempotency_key": idempotency_key},
            ),
        )
        payment_method_id = getattr(payment_method, "id", None)
        card = getattr(payment_method, "card", None)
        if not isinstance(payment_method_id, str) or card is None:
            raise GatewayMisconfigured("stripe tokenize: the response is not a card payment method")
        brand = getattr(card, "brand", None)
        last4 = getattr(card, "last4", None)
        exp_month = getattr(card, "exp_month", None)
        exp_year = getattr(card, "exp_year", None)
        return CardToken(
            payment_method_id=payment_method_id,
            brand=_BRANDS.get(brand, pan.brand) if isinstance(brand, str) else pan.brand,
            last4=last4 if isinstance(last4, str) and len(last4) == 4 and last4.isdigit() else pan.last4,
            exp_month=exp_month if isinstance(exp_month, int) else expiry.month,
            exp_year=exp_year if isinstance(exp_year, int) else expiry.year,
        )

    def commit(self, payment_method_id: str, *, cardholder_name: str, idempotency_key: str) -> Commitment:
        check_idempotency_key(idempotency_key)
        check_idempotency_key(f"{idempotency_key}:customer")  # the derived keys must fit too
        client = self._client
        customer = self._call(
            "commit.customer",
            lambda: client.v1.customers.create(
                params={"name": cardholder_name},
                options={"idempotency_key": f"{idempotency_key}:customer"},
            ),
        )
        customer_id = customer.id

        attach_failure: _InvalidRequest | None = None
        try:
            self._call(
                "commit.attach",
                lambda: client.v1.payment_methods.attach(
                    payment_method_id,
                    params={"customer": customer_id},
                    options={"idempotency_key": f"{idempotency_key}:attach"},
                ),
            )
        except _InvalidRequest as failure:
            if failure.code == "resource_missing":
                raise
            attach_failure = failure
        if attach_failure is not None:
            # Most likely "already attached" (e.g. an earlier attempt landed but its idempotent
            # result was not kept): success if it is attached to *this* customer.
            current = self._call(
                "commit.verify", lambda: client.v1.payment_methods.retrieve(payment_method_id)
            )
            if _customer_id(current) != customer_id:
                raise attach_failure
            log.info("stripe commit.attach: payment method already attached to this customer")
        return Commitment(customer_id=customer_id, payment_method_id=payment_method_id)

    # --- retries and error mapping ---------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        delay = min(MAX_BACKOFF_SECONDS, self._backoff_seconds * 2.0 ** (attempt - 1))
        return delay * (0.5 + random.random() / 2)  # noqa: S311 (jitter, not cryptography)

    def _call(self, operation: str, request: Callable[[], T]) -> T:
        """Run `request` up to `max_attempts` times; map every failure to a card-safe `PaymentError`.

        The mapped exception is raised *after* the `except` clauses so it has neither a
        `__cause__` nor a `__context__` pointing at the Stripe exception (whose args hold the
        raw HTTP body).
        """
        import stripe

        failure: PaymentError | None = None
        for attempt in range(1, self._max_attempts + 1):
            _guard_stripe_logging(stripe)
            retry = False
            try:
                return request()
            except stripe.CardError as exc:
                failure = _card_rejected(operation, exc, _card_problem(exc) or CardProblem.DECLINED)
            except stripe.RateLimitError as exc:
                failure = GatewayUnavailable(_describe(operation, exc))
                retry = _header(exc, "stripe-should-retry") != "false"
            except stripe.APIConnectionError as exc:
                failure = GatewayUnavailable(f"stripe {operation}: {type(exc).__name__} (network)")
                retry = True
            except stripe.IdempotencyError as exc:  # same key, different parameters: a bug here
                failure = GatewayMisconfigured(_describe(operation, exc))
            except stripe.InvalidRequestError as exc:
                problem = _card_problem(exc)
                if problem is not None:
                    failure = _card_rejected(operation, exc, problem)
                else:
                    description = _describe(operation, exc)
                    if "raw card data" in (exc.user_message or "").lower():
                        description += " reason=raw_card_data_apis_not_enabled"
                    failure = _InvalidRequest(description, _safe(exc.code))
            except (stripe.AuthenticationError, stripe.PermissionError) as exc:
                failure = GatewayMisconfigured(_describe(operation, exc))
            except stripe.APIError as exc:
                status = exc.http_status or 0
                if status >= 500 or status == 409:  # 409: a request with this key is in flight
                    failure = GatewayUnavailable(_describe(operation, exc))
                    retry = _header(exc, "stripe-should-retry") != "false"
                else:
                    failure = GatewayMisconfigured(_describe(operation, exc))
            except stripe.StripeError as exc:
                failure = GatewayMisconfigured(_describe(operation, exc))
            except OSError as exc:  # e.g. a read timeout that the urllib client lets through
                failure = GatewayUnavailable(f"stripe {operation}: {type(exc).__name__} (network)")
                retry = True

            if not retry or attempt == self._max_attempts:
                break
            delay = self._backoff(attempt)
            log.warning(
                "%s; retrying (attempt %d of %d) in %.2fs", failure, attempt + 1, self._max_attempts, delay
            )
            self._sleep(delay)

        assert failure is not None
        log.info("%s", failure)
        raise failure

"""A small fake of the Stripe v1 API, served over real HTTP on 127.0.0.1, for driving stripe-python.

    with FakeStripe() as fake:
        gateway = StripeGateway("sk_test_fake", api_base=fake.url, sleep=lambda s: None)
        ...
        assert [r.path for r in fake.requests] == ["/v1/payment_methods"]

Implements `POST /v1/payment_methods`, `GET /v1/payment_methods/{id}`,
`POST /v1/payment_methods/{id}/attach`, `POST /v1/customers` and `GET /v1/customers/{id}`, with:

- Stripe's test cards (https://docs.stripe.com/testing) and the error bodies Stripe returns.
  Real Stripe accepts decline cards (…0002, …9995, …0069, …0127, …0119) when the PaymentMethod is
  created and declines them when it is attached to a Customer; `FakeStripe(decline_at="attach")`
  does that, the default `decline_at="create"` declines at creation (what the offline gateway
  does). Luhn failures and past expiries are refused at creation either way.
- Idempotency like Stripe: a key replays the stored response for the same method, path and
  parameters (header `Idempotent-Replayed: true`, no second object); with different parameters
  it is a 400 `idempotency_error`. Injected failures (`fail_next`) are not stored, as Stripe does
  not store 429s and 500s.
- `Authorization: Bearer sk_test_…` required (401 otherwise), or exactly `api_key` if given.

It never logs: `BaseHTTPRequestHandler.log_message` is silenced. Recorded requests keep the form
body (tests may assert on it) but their repr masks `card[number]` and `card[cvc]`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["FakeStripe", "RecordedRequest", "unused_local_url"]

JsonObject = dict[str, Any]

_SECRET_FIELDS = ("card[number]", "card[cvc]")

# number -> (code, decline_code, param, message)
_DECLINES: dict[str, tuple[str, str | None, str, str]] = {
    "4000000000000002": ("card_declined", "generic_decline", "", "Your card was declined."),
    "4000000000009995": ("card_declined", "insufficient_funds", "", "Your card has insufficient funds."),
    "4000000000009987": ("card_declined", "lost_card", "", "Your card was declined."),
    "4000000000009979": ("card_declined", "stolen_card", "", "Your card was declined."),
    "4000000000000069": ("expired_card", "expired_card", "exp_month", "Your card has expired."),
    "4000000000000127": ("incorrect_cvc", "incorrect_cvc", "cvc", "Your card's security code is incorrect."),
    "4000000000000119": (
        "processing_error",
        "processing_error",
        "",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
}

_FAILURE_BODIES: dict[int, JsonObject] = {
    409: {
        "type": "idempotency_error",
        "message": "There is currently another in-progress request using this Idempotent Key "
        "(that probably means you submitted twice, and the other request is still going through).",
    },
    429: {
        "type": "invalid_request_error",
        "code": "rate_limit",
        "message": "Request rate limit exceeded. Learn more about rate limits here "
        "https://stripe.com/docs/rate-limits.",
    },
}


def _luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _brand(number: str) -> str:
    two, four = int(number[:2]), int(number[:4])
    if number.startswith("4"):
        return "visa"
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard"
    if two in (34, 37):
        return "amex"
    if number.startswith(("6011", "65")) or 644 <= int(number[:3]) <= 649:
        return "discover"
    if 3528 <= four <= 3589:
        return "jcb"
    if two in (36, 38, 39) or 300 <= int(number[:3]) <= 305:
        return "diners"
    if two == 62:
        return "unionpay"
    return "unknown"


def _new_id(prefix: str) -> str:
    return f"{prefix}_1Fk{uuid.uuid4().hex[:21]}"


def _error(status: int, **error: Any) -> tuple[int, JsonObject]:
    return status, {"error": {k: v for k, v in error.items() if v is not None}}


def _card_error(
    code: str, message: str, param: str = "", decline_code: str | None = None
) -> tuple[int, JsonObject]:
    return _error(
        402,
        type="card_error",
        code=code,
        decline_code=decline_code,
        message=message,
        param=param,
        doc_url=f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
    )


@dataclass
class RecordedRequest:
    """One request as the fake saw it (also the ones answered by an injected failure)."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    form: dict[str, str] = field(repr=False)  # flat Stripe form keys, e.g. "card[number]"
    status: int = 0  # the status the fake answered with
    replayed: bool = False  # answered from the idempotency store

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")

    def __repr__(self) -> str:
        shown = {k: ("<masked>" if k in _SECRET_FIELDS else v) for k, v in self.form.items()}
        return (
            f"RecordedRequest({self.method} {self.path} status={self.status} "
            f"idempotency_key={self.idempotency_key!r} replayed={self.replayed} form={shown})"
        )


@dataclass
class _Stored:
    method: str
    path: str
    form: dict[str, str]
    status: int
    body: JsonObject


@dataclass
class _Injected:
    status: int
    remaining: int
    headers: dict[str, str]


class FakeStripe:
    """The fake server. Starts on construction; `close()` (or leaving `with`) stops it."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        decline_at: Literal["create", "attach"] = "create",
        raw_card_data_enabled: bool = True,
    ) -> None:
        self.api_key = api_key
        self.decline_at = decline_at
        self.raw_card_data_enabled = raw_card_data_enabled
        self.requests: list[RecordedRequest] = []
        self.payment_methods: dict[str, JsonObject] = {}
        self.customers: dict[str, JsonObject] = {}
        self._numbers: dict[str, str] = {}  # payment method id -> number (for decline_at="attach")
        self._idempotency: dict[tuple[str, str], _Stored] = {}  # (api key, idempotency key)
        self._injected: list[_Injected] = []
        self._fingerprint_key = uuid.uuid4().bytes
        self._lock = threading.Lock()

        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on keep-alive connections
            wbufsize = 64 * 1024  # headers and body leave in one write (flushed per request)

            def log_message(self, format: str, *args: Any) -> None:  # never log anything
                pass

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

            def do_DELETE(self) -> None:
                fake._serve(self, "DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="FakeStripe", daemon=True
        )
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"

    # --- test controls ---------------------------------------------------------------------------

    def fail_next(self, status: int, n: int = 1, *, should_retry: bool | None = None) -> None:
        """Answer the next `n` requests (any route) with `status` and a Stripe-shaped error body."""
        headers = {} if should_retry is None else {"Stripe-Should-Retry": str(should_retry).lower()}
        with self._lock:
            self._injected.append(_Injected(status, n, headers))

    def forget_idempotency_key(self, key: str) -> None:
        """Drop a stored idempotent result (as if it expired, or was never stored)."""
        with self._lock:
            for stored_key in [k for k in self._idempotency if k[1] == key]:
                del self._idempotency[stored_key]

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeStripe:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- HTTP plumbing ---------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode("utf-8") if length else ""
        url = urlsplit(handler.path)
        form = dict(parse_qsl(raw or url.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        record = RecordedRequest(method, url.path, headers, form)
        with self._lock:
            self.requests.append(record)
            status, body, extra_headers = self._respond(record)
            record.status = status
        payload = json.dumps(body, indent=2).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
        for name, value in extra_headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _respond(self, record: RecordedRequest) -> tuple[int, JsonObject, dict[str, str]]:
        if self._injected:
            injected = self._injected[0]
            injected.remaining -= 1
            if injected.remaining <= 0:
                self._injected.pop(0)
            error = _FAILURE_BODIES.get(
                injected.status, {"type": "api_error", "message": "An unknown error occurred"}
            )
            return injected.status, {"error": dict(error)}, dict(injected.headers)

        auth = record.headers.get("authorization", "")
        key = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        if not key.startswith("sk_test_") or (self.api_key is not None and key != self.api_key):
            masked = f"{key[:8]}{'*' * max(len(key) - 12, 0)}{key[-4:]}" if len(key) > 12 else "****"
            status, body = _error(
                401, type="invalid_request_error", message=f"Invalid API Key provided: {masked}"
            )
            return status, body, {}

        idempotency_key = record.idempotency_key if record.method == "POST" else None
        if idempotency_key:
            stored = self._idempotency.get((key, idempotency_key))
            if stored is not None:
                if (stored.method, stored.path, stored.form) != (record.method, record.path, record.form):
                    status, body = _error(
                        400,
                        type="idempotency_error",
                        message="Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with. Try using a key other than "
                        f"'{idempotency_key}' if you meant to execute a different request.",
                    )
                    return status, body, {}
                record.replayed = True
                return stored.status, stored.body, {"Idempotent-Replayed": "true"}

        status, body = self._route(record)
        if idempotency_key:
            self._idempotency[(key, idempotency_key)] = _Stored(
                record.method, record.path, dict(record.form), status, body
            )
        return status, body, {"Idempotency-Key": idempotency_key} if idempotency_key else {}

    def _route(self, record: RecordedRequest) -> tuple[int, JsonObject]:
        method, path, form = record.method, record.path, record.form
        if method == "POST" and path == "/v1/payment_methods":
            return self._create_payment_method(form)
        if method == "POST" and path == "/v1/customers":
            return self._create_customer(form)
        if method == "POST" and (match := re.fullmatch(r"/v1/payment_methods/([^/]+)/attach", path)):
            return self._attach(match.group(1), form)
        if method == "GET" and (match := re.fullmatch(r"/v1/payment_methods/([^/]+)", path)):
            return self._get(self.payment_methods, match.group(1), "PaymentMethod", "payment_method")
        if method == "GET" and (match := re.fullmatch(r"/v1/customers/([^/]+)", path)):
            return self._get(self.customers, match.group(1), "customer", "id")
        return _error(
            404, type="invalid_request_error", message=f"Unrecognized request URL ({method}: {path})."
        )

    # --- resources -------------------------------------------------------------------------------

    @staticmethod
    def _get(table: dict[str, JsonObject], object_id: str, noun: str, param: str) -> tuple[int, JsonObject]:
        if object_id in table:
            return 200, table[object_id]
        return _error(
            404,
            type="invalid_request_error",
            code="resource_missing",
            param=param,
            message=f"No such {noun}: '{object_id}'",
        )

    def _create_payment_method(self, form: dict[str, str]) -> tuple[int, JsonObject]:
        if form.get("type") != "card":
            return _error(400, type="invalid_request_error", code="parameter_missing", param="type",
                          message="Missing required param: type.")  # fmt: skip
        if not self.raw_card_data_enabled:
            return _error(
                400,
                type="invalid_request_error",
                message="Sending credit card numbers directly to the Stripe API is generally unsafe. "
                "To enable testing raw card data APIs, see "
                "https://support.stripe.com/questions/enabling-access-to-raw-card-data-apis.",
            )
        for name in ("number", "exp_month", "exp_year"):
            if not form.get(f"card[{name}]"):
                missing = f"card[{name}]"
                return _error(400, type="invalid_request_error", code="parameter_missing",
                              param=missing, message=f"Missing required param: {missing}.")  # fmt: skip
        number = form["card[number]"]
        if not number.isdigit() or not 12 <= len(number) <= 19:
            return _card_error(
                "invalid_number", "Your card number is not a valid credit card number.", "number"
            )
        if not _luhn_ok(number):
            return _card_error("incorrect_number", "Your card number is incorrect.", "number")
        try:
            exp_month, exp_year = int(form["card[exp_month]"]), int(form["card[exp_year]"])
        except ValueError:
            return _error(400, type="invalid_request_error", code="parameter_invalid_integer",
                          param="card[exp_month]", message="Invalid integer.")  # fmt: skip
        now = datetime.now(UTC)
        if not 1 <= exp_month <= 12:
            return _card_error(
                "invalid_expiry_month", "Your card's expiration month is invalid.", "exp_month"
            )
        if exp_year < now.year or exp_year > now.year + 50:
            return _card_error("invalid_expiry_year", "Your card's expiration year is invalid.", "exp_year")
        if exp_year == now.year and exp_month < now.month:
            return _card_error(
                "invalid_expiry_month", "Your card's expiration month is invalid.", "exp_month"
            )
        cvc = form.get("card[cvc]", "")
        if cvc and (not cvc.isdigit() or len(cvc) not in (3, 4)):
            return _card_error("invalid_cvc", "Your card's security code is invalid.", "cvc")
        if self.decline_at == "create" and number in _DECLINES:
            code, decline_code, param, message = _DECLINES[number]
            return _card_error(code, message, param, decline_code)

        brand = _brand(number)
        fingerprint = hmac.new(self._fingerprint_key, number.encode(), hashlib.sha256).hexdigest()[:16]
        payment_method_id = _new_id("pm")
        self._numbers[payment_method_id] = number
        payment_method: JsonObject = {
            "id": payment_method_id,
            "object": "payment_method",
            "allow_redisplay": "unspecified",
            "billing_details": {
                "address": dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state")),
                "email": None,
                "name": None,
                "phone": None,
            },
            "card": {
                "brand": brand,
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": None,
                    "cvc_check": "unchecked" if cvc else None,
                },
                "country": "US",
                "display_brand": brand,
                "exp_month": exp_month,
                "exp_year": exp_year,
                "fingerprint": fingerprint,
                "funding": "credit",
                "generated_from": None,
                "last4": number[-4:],
                "networks": {"available": [brand], "preferred": None},
                "three_d_secure_usage": {"supported": True},
                "wallet": None,
            },
            "created": int(time.time()),
            "customer": None,
            "livemode": False,
            "metadata": {},
            "type": "card",
        }
        self.payment_methods[payment_method_id] = payment_method
        return 200, payment_method

    def _create_customer(self, form: dict[str, str]) -> tuple[int, JsonObject]:
        customer_id = _new_id("cus")
        customer: JsonObject = {
            "id": customer_id,
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": int(time.time()),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": form.get("description"),
            "email": form.get("email"),
            "invoice_prefix": customer_id[-8:].upper(),
            "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None},
            "livemode": False,
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "name": form.get("name"),
            "phone": form.get("phone"),
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
        }
        self.customers[customer_id] = customer
        return 200, customer

    def _attach(self, payment_method_id: str, form: dict[str, str]) -> tuple[int, JsonObject]:
        customer_id = form.get("customer")
        if not customer_id:
            return _error(400, type="invalid_request_error", code="parameter_missing", param="customer",
                          message="Missing required param: customer.")  # fmt: skip
        if payment_method_id not in self.payment_methods:
            return self._get(self.payment_methods, payment_method_id, "PaymentMethod", "payment_method")
        if customer_id not in self.customers:
            return self._get(self.customers, customer_id, "customer", "customer")
        payment_method = self.payment_methods[payment_method_id]
        if payment_method["customer"] is not None:
            return _error(
                400,
                type="invalid_request_error",
                message="The payment method you provided has already been attached to a customer.",
            )
        number = self._numbers.get(payment_method_id, "")
        if self.decline_at == "attach" and number in _DECLINES:
            code, decline_code, param, message = _DECLINES[number]
            return _card_error(code, message, param, decline_code)
        payment_method["customer"] = customer_id
        return 200, payment_method


def unused_local_url() -> str:
    """An http://127.0.0.1 URL on which (almost certainly) nothing listens: connection refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"

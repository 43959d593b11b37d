from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.identity import ANONYMOUS, TokenVerifier

SECRET = b"s" * 32
NOW = 1_900_000_000  # a fixed instant: tokens never expire because the suite is slow


def clock() -> float:
    return NOW


def hs(claims: dict[str, object], secret: bytes = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _hmac_token(header: dict[str, object], claims: dict[str, object], key: bytes) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    body = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    return body + "." + b64(hmac.new(key, body.encode(), hashlib.sha256).digest())


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_hs256_token_gives_the_subject() -> None:
    identity = TokenVerifier(hs256_secret=SECRET, clock=clock).identify(
        {"user_token": hs({"sub": "user-1", "exp": NOW + 60})}
    )
    assert (identity.status, identity.user_id) == ("verified", "user-1")


@pytest.mark.parametrize(
    ("token", "status"),
    [
        (hs({"sub": "u", "exp": NOW - 3600}), "expired"),
        (hs({"sub": "u"}), "invalid"),  # exp is required
        (hs({"exp": NOW + 60}), "invalid"),  # sub is required
        (hs({"sub": "u", "exp": NOW + 60}, secret=b"x" * 32), "invalid"),
        ("a.b.c", "invalid"),
        ("not a jwt", "invalid"),
        ("x" * 10_000, "invalid"),
    ],
)
def test_bad_tokens_are_rejected_with_a_status_not_an_exception(token: str, status: str) -> None:
    identity = TokenVerifier(hs256_secret=SECRET, clock=clock).identify({"user_token": token})
    assert identity.status == status
    assert identity.user_id is None
    assert token[:20] not in (identity.reason or "")


def test_alg_none_and_algorithm_confusion_are_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    unsigned = jwt.encode({"sub": "u", "exp": NOW + 60}, None, algorithm="none")  # type: ignore[arg-type]
    assert (
        TokenVerifier(hs256_secret=SECRET, clock=clock).identify({"user_token": unsigned}).status == "invalid"
    )
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # an HS256 token "signed" with the public key must not pass an RS256 verifier
    forged = _hmac_token({"alg": "HS256", "typ": "JWT"}, {"sub": "u", "exp": NOW + 60}, pem)
    assert TokenVerifier(rs256_public_key=pem.decode()).identify({"user_token": forged}).status == "invalid"


def test_rs256_with_public_key_and_with_jwks(rsa_key: rsa.RSAPrivateKey) -> None:
    token = jwt.encode({"sub": "user-9", "exp": NOW + 60}, rsa_key, algorithm="RS256", headers={"kid": "k1"})
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert TokenVerifier(rs256_public_key=pem.decode()).identify({"user_token": token}).user_id == "user-9"
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    jwks = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})
    assert TokenVerifier(jwks=jwks, clock=clock).identify({"user_token": token}).user_id == "user-9"
    other = json.dumps({"keys": [{**jwk, "kid": "other", "use": "sig", "alg": "RS256"}]})
    assert TokenVerifier(jwks=other, clock=clock).identify({"user_token": token}).status == "invalid"


def test_issuer_and_audience_when_configured() -> None:
    verifier = TokenVerifier(hs256_secret=SECRET, issuer="https://idp", audience="payment-bot", clock=clock)
    good = hs({"sub": "u", "exp": NOW + 60, "iss": "https://idp", "aud": "payment-bot"})
    assert verifier.identify({"user_token": good}).verified
    assert (
        verifier.identify(
            {"user_token": hs({"sub": "u", "exp": NOW + 60, "iss": "evil", "aud": "payment-bot"})}
        ).status
        == "invalid"
    )


def test_no_token_is_anonymous_and_other_request_attributes_are_ignored() -> None:
    verifier = TokenVerifier(hs256_secret=SECRET, clock=clock)
    assert verifier.identify({}) == ANONYMOUS
    assert verifier.identify(None) == ANONYMOUS
    assert verifier.identify({"user_id": "admin", "sub": "admin"}) == ANONYMOUS


def test_rs256_signed_by_another_key_is_rejected(rsa_key: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode({"sub": "mallory", "exp": NOW + 60}, other, algorithm="RS256")
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert TokenVerifier(rs256_public_key=pem.decode()).identify({"user_token": token}).status == "invalid"
    tampered = jwt.encode({"sub": "user-9", "exp": NOW + 60}, rsa_key, algorithm="RS256")
    head, _, sig = tampered.split(".")
    evil = head + "." + _hmac_token({}, {"sub": "admin", "exp": NOW + 60}, b"k").split(".")[1] + "." + sig
    assert TokenVerifier(rs256_public_key=pem.decode()).identify({"user_token": evil}).status == "invalid"


def test_the_verifier_reads_time_from_its_clock_not_the_wall_clock() -> None:
    token = hs({"sub": "u", "exp": NOW + 60})
    assert TokenVerifier(hs256_secret=SECRET, clock=clock).identify({"user_token": token}).verified
    later = TokenVerifier(hs256_secret=SECRET, clock=lambda: NOW + 3600)
    assert later.identify({"user_token": token}).status == "expired"
    early = hs({"sub": "u", "exp": NOW + 7200, "nbf": NOW + 3600})
    assert TokenVerifier(hs256_secret=SECRET, clock=clock).identify({"user_token": early}).status == "invalid"
    future = hs({"sub": "u", "exp": NOW + 7200, "iat": NOW + 3600})
    assert (
        TokenVerifier(hs256_secret=SECRET, clock=clock).identify({"user_token": future}).status == "invalid"
    )
    for bad in ("soon", True, None):
        token = hs({"sub": "u", "exp": bad})
        assert (
            TokenVerifier(hs256_secret=SECRET, clock=clock).identify({"user_token": token}).status
            == "invalid"
        )

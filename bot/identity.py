"""Who is talking: a verified user id, only ever from a signed token.

The token is a JWT in `requestAttributes["user_token"]`, verified with PyJWT: HS256 with a
configured secret, or RS256 with a configured public key (PEM) or JWKS document. `exp` is
required and enforced, `sub` is the user id; `iss`/`aud` are checked when configured. Without a
valid token the user is anonymous. A user id is never taken from session attributes or from
unsigned request attributes. PyJWT is imported only when a token is present.

Time comes from the verifier's `clock` (the app's clock), never from the wall clock directly:
`exp`, `nbf` and `iat` are checked here against it, with `LEEWAY_SECONDS` of tolerance.

RS256 signatures are verified with pycryptodome (PKCS#1 v1.5 over SHA-256), which the bot
already ships for AES-GCM and keccak, plugged into PyJWT as its RS256 algorithm: PyJWT's own
RSA support needs `cryptography`, which would add 15 MB to the Lambda artifact.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.parts import PartContext

TOKEN_ATTRIBUTE = "user_token"  # noqa: S105 - an attribute name, not a secret
MAX_TOKEN_LENGTH = 8192
LEEWAY_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Identity:
    """The outcome of verification. `user_id` is set only when `status == "verified"`."""

    status: Literal["verified", "anonymous", "invalid", "expired"]
    user_id: str | None = None
    reason: str | None = None  # for logs; never contains the token

    @property
    def verified(self) -> bool:
        return self.status == "verified"


ANONYMOUS = Identity("anonymous")


@dataclass(frozen=True, slots=True)
class TokenVerifier:
    """How tokens are checked. Built once per container by the `UserIdentity` part."""

    hs256_secret: bytes | None = None
    rs256_public_key: str | None = None  # PEM
    jwks: str | None = None  # a JWKS document (JSON text)
    issuer: str | None = None
    audience: str | None = None
    clock: Callable[[], float] = field(default=time.time, compare=False)

    @property
    def configured(self) -> bool:
        return bool(self.hs256_secret or self.rs256_public_key or self.jwks)

    def identify(self, request_attributes: dict[str, str] | None) -> Identity:
        token = (request_attributes or {}).get(TOKEN_ATTRIBUTE)
        if not token:
            return ANONYMOUS
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            return Identity("invalid", reason="malformed token")
        if not self.configured:
            return Identity("invalid", reason="user tokens are not configured")
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            key, algorithm = self._key_for(header)
            claims = _decoder().decode(
                token,
                key=key,
                algorithms=[algorithm],
                options={
                    "require": ["exp", "sub"],
                    "verify_aud": self.audience is not None,
                    "verify_exp": False,  # checked below against the injected clock
                    "verify_nbf": False,
                    "verify_iat": False,
                },
                audience=self.audience,
                issuer=self.issuer,
            )
        except (jwt.InvalidTokenError, ValueError, KeyError, TypeError) as exc:
            return Identity("invalid", reason=type(exc).__name__)
        timing = _check_times(claims, self.clock())
        if timing is not None:
            return timing
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject or len(subject) > 256 or not subject.isprintable():
            return Identity("invalid", reason="bad sub claim")
        return Identity("verified", user_id=subject)

    def _key_for(self, header: dict[str, Any]) -> tuple[Any, str]:
        algorithm = header.get("alg")
        if algorithm == "HS256" and self.hs256_secret:
            return self.hs256_secret, "HS256"
        if algorithm == "RS256" and self.rs256_public_key:
            return self.rs256_public_key, "RS256"
        if algorithm == "RS256" and self.jwks:
            kid = header.get("kid")
            for jwk in json.loads(self.jwks).get("keys", []):
                if jwk.get("kty") == "RSA" and (kid is None or jwk.get("kid") == kid):
                    return _rsa_from_jwk(jwk), "RS256"
            raise KeyError("no matching key in JWKS")
        raise ValueError(f"algorithm {algorithm!r} is not accepted")


def _check_times(claims: dict[str, Any], now: float) -> Identity | None:
    """exp (required), nbf and iat against `now`; None when the token is current."""
    times: dict[str, float] = {}
    for name in ("exp", "nbf", "iat"):
        value = claims.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            return Identity("invalid", reason=f"bad {name} claim")
        times[name] = float(value)
    if "exp" not in times:
        return Identity("invalid", reason="bad exp claim")
    if now > times["exp"] + LEEWAY_SECONDS:
        return Identity("expired", reason="token expired")
    if "nbf" in times and now < times["nbf"] - LEEWAY_SECONDS:
        return Identity("invalid", reason="token not yet valid")
    if "iat" in times and now < times["iat"] - LEEWAY_SECONDS:
        return Identity("invalid", reason="token issued in the future")
    return None


@dataclass(frozen=True, slots=True, eq=False)
class UserIdentity:
    """Opt-in part: verified users from signed `user_token` request attributes.

    Reads `USER_TOKEN_SECRET` (refused under Lambda) or `USER_TOKEN_SECRET_ARN`,
    `USER_TOKEN_PUBLIC_KEY`, `USER_TOKEN_JWKS` (the document or a path to it),
    `USER_TOKEN_ISSUER`, `USER_TOKEN_AUDIENCE`. A bot without this part treats every caller as
    anonymous and ignores `user_token` entirely.
    """

    @property
    def sensitive_slots(self) -> dict[str, str]:
        return {}

    def start(self, context: PartContext) -> TokenVerifier:
        return token_verifier(context.settings, context.clock)

    def __repr__(self) -> str:
        return "UserIdentity()"


def token_verifier(settings: Settings, clock: Callable[[], float]) -> TokenVerifier:
    """The verifier the `USER_TOKEN_*` settings describe (the secret fetched once, here)."""
    secret = settings.user_token_secret
    if settings.user_token_secret_arn:
        from bot.security.keys import fetch_secret_string

        secret = fetch_secret_string(settings.user_token_secret_arn, settings)
    return TokenVerifier(
        hs256_secret=secret.encode() if secret else None,
        rs256_public_key=settings.user_token_public_key,
        jwks=_jwks(settings.user_token_jwks),
        issuer=settings.user_token_issuer,
        audience=settings.user_token_audience,
        clock=clock,
    )


def _jwks(value: str | None) -> str | None:
    """USER_TOKEN_JWKS holds the JWKS document itself, or a path to it."""
    if not value or value.lstrip().startswith("{"):
        return value
    from pathlib import Path

    from bot.config import ConfigError

    try:
        return Path(value).read_text()
    except OSError as exc:
        raise ConfigError(f"USER_TOKEN_JWKS: cannot read {value}: {exc.strerror}") from None


@cache
def _decoder() -> Any:
    """A PyJWT decoder that knows HS256 and (pycryptodome) RS256, nothing else."""
    from jwt import api_jws, api_jwt
    from jwt.algorithms import Algorithm

    class RS256(Algorithm):
        """Verify-only RS256 backed by pycryptodome."""

        def prepare_key(self, key: Any) -> Any:
            from Crypto.PublicKey import RSA

            if isinstance(key, RSA.RsaKey):
                return key
            if isinstance(key, (str, bytes)):
                return RSA.import_key(key)
            raise TypeError("RS256 needs a PEM public key")

        def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
            from Crypto.Hash import SHA256
            from Crypto.Signature import pkcs1_15

            try:
                pkcs1_15.new(key).verify(SHA256.new(msg), sig)
            except (ValueError, TypeError):
                return False
            return True

        def sign(self, msg: bytes, key: Any) -> bytes:
            raise NotImplementedError("the bot only verifies tokens")

        @staticmethod
        def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
            raise NotImplementedError

        @staticmethod
        def from_jwk(jwk: Any) -> Any:
            return _rsa_from_jwk(json.loads(jwk) if isinstance(jwk, str) else jwk)

    jws = api_jws.PyJWS(algorithms=["HS256"])
    jws.register_algorithm("RS256", RS256())
    decoder = api_jwt.PyJWT()
    decoder._jws = jws  # PyJWT 2.x keeps its JWS verifier here (version pinned, behaviour tested)
    return decoder


def _rsa_from_jwk(jwk: dict[str, Any]) -> Any:
    from Crypto.PublicKey import RSA

    def number(field: str) -> int:
        text = str(jwk[field])
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

    return RSA.construct((number("n"), number("e")))

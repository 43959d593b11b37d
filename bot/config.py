"""The framework's settings, read once per container from the environment.

Every variable is listed in the README's configuration table. Under Lambda there are no
defaults for anything secret, and missing required settings fail at init with a clear message.
Opt-in parts read their own settings (e.g. `bot.payments.capture.PaymentSettings`), so a bot is
asked only for what it uses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(RuntimeError):
    """A setting is missing or invalid. Raised at init, never mid-conversation."""


def in_lambda(env: Mapping[str, str] | None = None) -> bool:
    """True inside the AWS Lambda runtime (the variable the runtime always sets)."""
    return bool((env if env is not None else os.environ).get("AWS_LAMBDA_FUNCTION_NAME"))


@dataclass(frozen=True, slots=True)
class Settings:
    in_lambda: bool
    store: str  # memory | sqlite | dynamodb
    sqlite_path: Path
    session_table: str | None
    dynamodb_endpoint_url: str | None
    aws_region: str | None
    signing_secret_arn: str | None
    signing_key: str | None
    key_file: Path
    session_ttl_seconds: int
    max_slot_attempts: int
    log_level: str
    user_token_secret: str | None = None
    user_token_secret_arn: str | None = None
    user_token_public_key: str | None = None
    user_token_jwks: str | None = None
    user_token_issuer: str | None = None
    user_token_audience: str | None = None
    history_window: int = 10
    history_grace_seconds: int = 86400
    profile_ttl_seconds: int = 30 * 86400
    review_retention_seconds: int = 30 * 86400
    # The environment these settings were read from: opt-in parts read their own settings from it.
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, signing: bool = True) -> Settings:
        """The settings of this environment, checked (`signing=False`: a function that signs and
        seals nothing, such as the Bedrock Agent action group, needs no signing key)."""
        e = dict(os.environ if env is None else env)
        lam = in_lambda(e)
        local_dir = Path(e.get("BOT_LOCAL_DIR", ".local"))
        store = e.get("BOT_STORE", "dynamodb" if lam else "sqlite").strip().lower()
        settings = cls(
            in_lambda=lam,
            store=store,
            sqlite_path=Path(e.get("BOT_SQLITE_PATH", str(local_dir / "sessions.db"))),
            session_table=e.get("SESSION_TABLE") or None,
            dynamodb_endpoint_url=e.get("DYNAMODB_ENDPOINT_URL") or None,
            aws_region=e.get("AWS_REGION") or e.get("AWS_DEFAULT_REGION") or None,
            signing_secret_arn=e.get("SIGNING_KEY_SECRET_ARN") or None,
            signing_key=e.get("BOT_SIGNING_KEY") or None,
            key_file=Path(e.get("BOT_KEY_FILE", str(local_dir / "signing.key"))),
            session_ttl_seconds=_int(e, "SESSION_TTL_SECONDS", 3600, minimum=60),
            max_slot_attempts=_int(e, "MAX_SLOT_ATTEMPTS", 3, minimum=1),
            log_level=e.get("LOG_LEVEL", "INFO").upper(),
            user_token_secret=e.get("USER_TOKEN_SECRET") or None,
            user_token_secret_arn=e.get("USER_TOKEN_SECRET_ARN") or None,
            user_token_public_key=e.get("USER_TOKEN_PUBLIC_KEY") or None,
            user_token_jwks=e.get("USER_TOKEN_JWKS") or None,
            user_token_issuer=e.get("USER_TOKEN_ISSUER") or None,
            user_token_audience=e.get("USER_TOKEN_AUDIENCE") or None,
            history_window=_int(e, "HISTORY_WINDOW", 10, minimum=1),
            history_grace_seconds=_int(e, "HISTORY_GRACE_SECONDS", 86400, minimum=0),
            profile_ttl_seconds=_int(e, "PROFILE_TTL_SECONDS", 30 * 86400, minimum=3600),
            review_retention_seconds=_int(e, "REVIEW_RETENTION_SECONDS", 30 * 86400, minimum=3600),
            env=e,
        )
        settings.check(signing=signing)
        return settings

    def check(self, *, signing: bool = True) -> None:
        """Fail fast on settings that cannot work."""
        if self.store not in {"memory", "sqlite", "dynamodb"}:
            raise ConfigError(f"BOT_STORE must be memory, sqlite or dynamodb (got {self.store!r})")
        if self.store == "dynamodb" and not self.session_table:
            raise ConfigError("SESSION_TABLE is required when BOT_STORE=dynamodb (the default under Lambda)")
        if not self.in_lambda:
            return
        if signing and not self.signing_secret_arn:
            raise ConfigError(
                "SIGNING_KEY_SECRET_ARN is required under Lambda: there is no default signing key"
            )
        if self.signing_key:
            raise ConfigError("BOT_SIGNING_KEY is not accepted under Lambda: use SIGNING_KEY_SECRET_ARN")
        if self.user_token_secret:
            raise ConfigError("USER_TOKEN_SECRET is not accepted under Lambda: use USER_TOKEN_SECRET_ARN")
        if self.store in {"memory", "sqlite"}:
            raise ConfigError(f"BOT_STORE={self.store} is local-only; use dynamodb under Lambda")


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer (got {raw!r})") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum} (got {value})")
    return value


int_setting = _int  # for parts' own settings (`bot.generative.settings`): the same checks and messages

"""Where the server-side secret comes from, and the purpose-bound keys derived from it.

- Under Lambda: Secrets Manager (`SIGNING_KEY_SECRET_ARN`), fetched once per container.
- Elsewhere: `BOT_SIGNING_KEY`, else a key file generated on first use (`BOT_KEY_FILE`, mode 0600).
There is no default literal anywhere.

The secret string is either the key itself, or JSON `{"current": "...", "previous": ["..."]}`
so a key can be rotated without breaking live sessions (sign with current, verify with any).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings

MIN_SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class Keys:
    """Independent keys derived from one master secret, one per purpose."""

    signing: bytes
    verifying: tuple[bytes, ...]  # signing key first, then previous keys
    sealing: tuple[bytes, ...]  # current first
    ids: bytes  # deterministic ids and idempotency keys
    history: tuple[bytes, ...] = ()  # conversation-history entry MACs, current first

    @classmethod
    def from_secrets(cls, current: bytes, previous: tuple[bytes, ...] = ()) -> Keys:
        if len(current) < MIN_SECRET_BYTES:
            raise ConfigError(f"the signing secret must be at least {MIN_SECRET_BYTES} bytes")
        masters = (current, *previous)
        return cls(
            signing=derive(current, "session-signing"),
            verifying=tuple(derive(m, "session-signing") for m in masters),
            sealing=tuple(derive(m, "slot-sealing") for m in masters),
            ids=derive(current, "ids"),
            history=tuple(derive(m, "history-signing") for m in masters),
        )


def derive(master: bytes, purpose: str) -> bytes:
    """HKDF-Expand (RFC 5869) with SHA-256, one block: a 32-byte key bound to `purpose`."""
    prk = hmac.new(b"lexbot/v1", master, hashlib.sha256).digest()
    return hmac.new(prk, purpose.encode() + b"\x01", hashlib.sha256).digest()


def load_keys(settings: Settings, *, secretsmanager: Any | None = None) -> Keys:
    """Load the master secret for these settings and derive the keys."""
    if settings.signing_secret_arn:
        return _parse_secret(_fetch_secret(settings.signing_secret_arn, settings, secretsmanager))
    if settings.in_lambda:  # Settings.check() already refuses this; never fall back to a file in Lambda.
        raise ConfigError("SIGNING_KEY_SECRET_ARN is required under Lambda")
    if settings.signing_key:
        return _parse_secret(settings.signing_key)
    return _parse_secret(_key_file(settings.key_file))


def fetch_secret_string(arn: str, settings: Settings, client: Any | None = None) -> str:
    """A secret's string from Secrets Manager (boto3 imported only when needed)."""
    return _fetch_secret(arn, settings, client)


def _fetch_secret(arn: str, settings: Settings, client: Any | None) -> str:
    if client is None:
        import boto3

        client = boto3.client("secretsmanager", region_name=settings.aws_region)
    try:
        value = client.get_secret_value(SecretId=arn).get("SecretString")
    except Exception as exc:  # botocore errors: report the kind, never the payload
        raise ConfigError(f"could not read secret {arn}: {type(exc).__name__}") from None
    if not value:
        raise ConfigError(f"secret {arn} has no SecretString")
    return str(value)


def _parse_secret(text: str) -> Keys:
    text = text.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
            current = str(doc["current"]).encode()
            previous = tuple(str(p).encode() for p in doc.get("previous", []))
        except (ValueError, KeyError, TypeError):
            raise ConfigError(
                'signing secret JSON must look like {"current": "...", "previous": [...]}'
            ) from None
        return Keys.from_secrets(current, previous)
    return Keys.from_secrets(text.encode())


def _key_file(path: Path) -> str:
    """Read the local key file, creating it (0600) with 256 random bits on first use."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def derive_id(key: bytes, *parts: str) -> str:
    """A stable, opaque id from `parts` (e.g. an idempotency key). Reveals nothing about its inputs."""
    mac = hmac.new(key, "\x00".join(parts).encode(), hashlib.sha256).hexdigest()
    return mac[:40]

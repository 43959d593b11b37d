"""Where the server-side secret comes from, and the purpose-bound keys derived from it.

- Under Lambda: Secrets Manager (`SIGNING_KEY_SECRET_ARN`), fetched once per container.
- Elsewhere: `BOT_SIGNING_KEY`, else a key file generated on first use (`BOT_KEY_FILE`, mode 0600).
There is no default literal anywhere.

The secret string is either the key itself, or JSON `{"current": "...", "previous": ["..."]}`
so a key can be rotated without breaking live sessions (sign with current, verify with any).

Every loaded secret (each one of a rotation) must be at least 32 bytes of UTF-8 and must not be
obviously guessable: fewer than 6 distinct bytes, a short pattern repeated, or too little variety
(an empirical entropy under 48 bits) is refused with a `ConfigError` that names the source and the
fix, never the secret. This is a floor against broken secrets (all zeros, one repeated character),
not a strength meter: generate secrets with `secrets.token_urlsafe(48)`. `Keys.from_secrets` (the
programmatic constructor) checks the length only.

The key file is created atomically: a temporary file in the same directory is written, fsynced and
hard-linked into place (which never replaces an existing file), then the directory is fsynced. A
reader therefore sees either no key file or a complete one, and processes starting together all
end up with the key of whichever link won. An existing key file is never rewritten: if it cannot
be used, the error says to delete it (or to set BOT_SIGNING_KEY).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import math
import os
import secrets
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings

MIN_SECRET_BYTES = 32
MIN_DISTINCT_BYTES = 6
MIN_PERIOD = 16  # a secret that is a pattern of fewer bytes, repeated, is refused
MIN_ESTIMATED_BITS = 48.0  # length x empirical Shannon entropy per byte
MAX_KEY_FILE_BYTES = 4096

_GENERATE = "e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
_FILE_FIX = "delete it to generate a new key, or set BOT_SIGNING_KEY"
_ENV_FIX = f"set it to a random secret of at least {MIN_SECRET_BYTES} bytes ({_GENERATE}), or unset it"
_SECRET_FIX = (
    f"store a random secret of at least {MIN_SECRET_BYTES} bytes ({_GENERATE}), "
    'or JSON {"current": "...", "previous": ["..."]}'
)


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
        arn = settings.signing_secret_arn
        return _parse_secret(_fetch_secret(arn, settings, secretsmanager), f"the secret {arn}", _SECRET_FIX)
    if settings.in_lambda:  # Settings.check() already refuses this; never fall back to a file in Lambda.
        raise ConfigError("SIGNING_KEY_SECRET_ARN is required under Lambda")
    if settings.signing_key:
        return _parse_secret(settings.signing_key, "BOT_SIGNING_KEY", _ENV_FIX)
    path = settings.key_file
    return _parse_secret(_key_file(path), f"the key file {path}", _FILE_FIX)


def fetch_secret_string(arn: str, settings: Settings, client: Any | None = None) -> str:
    """A secret's string from Secrets Manager (botocore imported only when needed)."""
    return _fetch_secret(arn, settings, client)


_SECRETS_CLIENTS: dict[str | None, Any] = {}  # one Secrets Manager client per region, per container


def _fetch_secret(arn: str, settings: Settings, client: Any | None) -> str:
    if client is None:
        # Init reads up to three secrets (signing key, Stripe key, user-token secret): building a
        # client each time costs more than the read itself, so they share one.
        client = _SECRETS_CLIENTS.get(settings.aws_region)
        if client is None:
            from bot import aws

            client = _SECRETS_CLIENTS[settings.aws_region] = aws.client(
                "secretsmanager", region_name=settings.aws_region
            )
    try:
        value = client.get_secret_value(SecretId=arn).get("SecretString")
    except Exception as exc:  # botocore errors: report the kind, never the payload
        raise ConfigError(f"could not read secret {arn}: {type(exc).__name__}") from None
    if not value:
        raise ConfigError(f"secret {arn} has no SecretString")
    return str(value)


# -- checking a secret ----------------------------------------------------------------------------


def secret_weakness(secret: bytes) -> str | None:
    """Why `secret` cannot be a master secret, or None if it can. The reason never quotes it."""
    if len(secret) < MIN_SECRET_BYTES:
        return f"is shorter than {MIN_SECRET_BYTES} bytes"
    counts = Counter(secret)
    if len(counts) < MIN_DISTINCT_BYTES:
        return f"has fewer than {MIN_DISTINCT_BYTES} distinct characters"
    if _period(secret) < MIN_PERIOD:
        return "repeats a short pattern"
    if _estimated_bits(counts, len(secret)) < MIN_ESTIMATED_BITS:
        return "has too little variety (mostly one character)"
    return None


def _period(data: bytes) -> int:
    """The smallest p such that data[i] == data[i + p] for every i (KMP failure function)."""
    failure = [0] * len(data)
    matched = 0
    for i in range(1, len(data)):
        while matched and data[i] != data[matched]:
            matched = failure[matched - 1]
        if data[i] == data[matched]:
            matched += 1
        failure[i] = matched
    return len(data) - failure[-1] if data else 0


def _estimated_bits(counts: Counter[int], length: int) -> float:
    return -sum(n * math.log2(n / length) for n in counts.values())


def _checked(text: str, origin: str, fix: str) -> bytes:
    try:
        secret = text.encode("utf-8")
    except UnicodeEncodeError:  # os.environ holds undecodable bytes as lone surrogates
        raise ConfigError(f"{origin} is not valid UTF-8 text: {fix}") from None
    weakness = secret_weakness(secret)
    if weakness is not None:
        raise ConfigError(f"{origin} {weakness}: {fix}")
    return secret


def _parse_secret(text: str, origin: str, fix: str) -> Keys:
    text = text.strip()
    if not text.startswith("{"):
        return Keys.from_secrets(_checked(text, origin, fix))
    current, previous = _rotation(text, origin, fix)
    return Keys.from_secrets(
        _checked(current, f"{origin} (current)", fix),
        tuple(_checked(p, f"{origin} (previous[{i}])", fix) for i, p in enumerate(previous)),
    )


def _rotation(text: str, origin: str, fix: str) -> tuple[str, list[str]]:
    """The current and previous secrets of the JSON form."""
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    current = doc.get("current") if isinstance(doc, dict) else None
    previous = doc.get("previous", []) if isinstance(doc, dict) else None
    if (
        not isinstance(current, str)
        or not isinstance(previous, list)
        or not all(isinstance(p, str) for p in previous)
    ):
        raise ConfigError(
            f'{origin}: signing secret JSON must look like {{"current": "...", "previous": [...]}}; {fix}'
        )
    return current, previous


# -- the local key file ---------------------------------------------------------------------------


def _key_file(path: Path) -> str:
    """The local key file's text, creating the file (0600, 256 random bits) on first use."""
    text = _read_key_file(path)
    if text is None:
        _create_key_file(path)
        text = _read_key_file(path)
    if text is None:  # linked, then gone (deleted at once), or a dangling symlink in the way
        raise ConfigError(f"the key file {path} could not be created; check the path, or set BOT_SIGNING_KEY")
    return text


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _read_key_file(path: Path) -> str | None:
    """The stripped text of an existing key file, or None if there is none."""
    unreadable = (
        "cannot read the key file {path} ({reason}): fix it or its permissions, or set BOT_SIGNING_KEY"
    )
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ConfigError(
                f"the key file {path} is a directory: remove it, point BOT_KEY_FILE at a file, "
                "or set BOT_SIGNING_KEY"
            )
        if not stat.S_ISREG(mode):
            raise ConfigError(f"the key file {path} is not a regular file: {_FILE_FIX}")
        with path.open("rb") as fh:
            data = fh.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(unreadable.format(path=path, reason=_reason(exc))) from None
    return _key_text(path, data)


def _key_text(path: Path, data: bytes) -> str:
    if len(data) > MAX_KEY_FILE_BYTES:
        raise ConfigError(f"the key file {path} is larger than {MAX_KEY_FILE_BYTES} bytes: {_FILE_FIX}")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"the key file {path} is not UTF-8 text: {_FILE_FIX}") from None
    if not text:
        raise ConfigError(f"the key file {path} is empty: {_FILE_FIX}")
    return text


def _create_key_file(path: Path) -> None:
    """Put a complete new key file at `path`, unless one appears there first (then keep that one)."""
    directory = path.parent
    fix = "make it writable, point BOT_KEY_FILE (or BOT_LOCAL_DIR) elsewhere, or set BOT_SIGNING_KEY"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temp = _write_temp(directory, (secrets.token_urlsafe(48) + "\n").encode())
    except OSError as exc:
        raise ConfigError(f"could not write a new key file in {directory} ({_reason(exc)}): {fix}") from None
    try:
        os.link(temp, path)  # fails if `path` exists: never replaces another process's key
    except FileExistsError:
        return
    except OSError as exc:
        raise ConfigError(f"could not create the key file {path} ({_reason(exc)}): {fix}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    _fsync_directory(directory)


def _write_temp(directory: Path, data: bytes) -> str:
    """A new 0600 file in `directory` holding `data`, flushed to disk; removed again on any failure."""
    fd, temp = tempfile.mkstemp(prefix=".signing-key-", suffix=".tmp", dir=directory)
    try:
        try:
            os.fchmod(fd, 0o600)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp


def _fsync_directory(directory: Path) -> None:
    """Make the new directory entry durable (best effort: not every filesystem allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def derive_id(key: bytes, *parts: str) -> str:
    """A stable, opaque id from `parts` (e.g. an idempotency key). Reveals nothing about its inputs."""
    mac = hmac.new(key, "\x00".join(parts).encode(), hashlib.sha256).hexdigest()
    return mac[:40]

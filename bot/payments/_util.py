"""Helpers shared by the gateway implementations."""

from __future__ import annotations

MAX_IDEMPOTENCY_KEY = 255  # Stripe's limit


def check_idempotency_key(key: str) -> None:
    """Stripe accepts keys of 1..255 characters; anything else is a programming error."""
    if not isinstance(key, str) or not 0 < len(key) <= MAX_IDEMPOTENCY_KEY:
        raise ValueError(f"idempotency_key must be a non-empty string of at most {MAX_IDEMPOTENCY_KEY} chars")

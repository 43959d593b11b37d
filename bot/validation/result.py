"""The result every validator returns: a clean value, or a reason the user can act on.

Reasons are shown to the user verbatim, so they must never contain the input
(a card number or security code must never be echoed back).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Valid[T]:
    """A cleaned, normalized value."""

    value: T


@dataclass(frozen=True, slots=True)
class Invalid:
    """Why the input was rejected, phrased for the user (what was wrong, the expected format)."""

    reason: str


type Validation[T] = Valid[T] | Invalid

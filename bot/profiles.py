"""Remembered users: a small Python API over the store's profiles (seed 001's session manager).

Only verified users have profiles (the bot keys them by the `sub` of a valid user token);
an anonymous user's data lives only in their session. A profile expires `ttl_seconds` after
its last write, and every write (including the bot's use of it at the start of a session)
refreshes it.

    profiles = Profiles(store)
    profiles.store_wallet_address("user-123", "0x52908400098527886E0F7030069857D2E4169EE7")
    profiles.get_wallet_address("user-123")   # -> "0x52908400098527886E0F7030069857D2E4169EE7"
    profiles.store_user_data("user-123", {"remember_name": "yes", "locale": "en_GB"})
    profiles.get_user_data("user-123")        # -> {"wallet_address": ..., "remember_name": "yes", ...}
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.store.base import ProfileRecord, SessionStore

if TYPE_CHECKING:
    from bot.parts import PartContext

PROFILE_TTL_SECONDS = 30 * 86400
MAX_KEYS = 50
MAX_KEY_LEN = 64
MAX_VALUE_LEN = 1024
WALLET_KEY = "wallet_address"


@dataclass(frozen=True, slots=True, eq=False)
class RememberedUsers:
    """Opt-in part: a verified user's profile (wallet, preferences) follows them across sessions.

    Needs `bot.identity.UserIdentity` (anonymous users have no profile). In a new session the
    pipeline reads the profile once and keeps a server-side copy with the session; handlers read
    and change `turn.remembered`; a change is written in the same atomic write as the turn, and
    the profile expires `PROFILE_TTL_SECONDS` after its last use.
    """

    @property
    def sensitive_slots(self) -> dict[str, str]:
        return {}

    def start(self, context: PartContext) -> int:
        return context.settings.profile_ttl_seconds

    def __repr__(self) -> str:
        return "RememberedUsers()"


class Profiles:
    """Read and write what is remembered about verified users."""

    def __init__(
        self,
        store: SessionStore,
        *,
        ttl_seconds: int = PROFILE_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._clock = clock

    def get_user_data(self, user_id: str) -> dict[str, str] | None:
        """The user's remembered data, or None if there is no live profile."""
        profile = self._store.get_profile(_user(user_id), now=int(self._clock()))
        return None if profile is None else dict(profile.data)

    def store_user_data(
        self, user_id: str, data: Mapping[str, str], *, replace: bool = False
    ) -> dict[str, str]:
        """Merge `data` into the profile (or replace it) and refresh its expiry; returns the result.

        A key mapped to "" is removed. Keys and values are strings with bounded lengths.
        """
        uid = _user(user_id)
        now = int(self._clock())
        _check(data)
        current = {} if replace else (self.get_user_data(uid) or {})
        merged = {**current, **data}
        merged = {k: v for k, v in merged.items() if v != ""}
        if len(merged) > MAX_KEYS:
            raise ValueError(f"a profile holds at most {MAX_KEYS} keys")
        self._store.put_profile(ProfileRecord(uid, merged, expires_at=now + self._ttl), now=now)
        return merged

    def store_wallet_address(self, user_id: str, address: str) -> str:
        """Validate (EIP-55 checksum) and remember a wallet address; returns its checksummed form."""
        from bot.validation.result import Invalid
        from bot.validation.wallet import validate_wallet_address

        result = validate_wallet_address(address)
        if isinstance(result, Invalid):
            raise ValueError(result.reason)
        self.store_user_data(user_id, {WALLET_KEY: result.value})
        return result.value

    def get_wallet_address(self, user_id: str) -> str | None:
        return (self.get_user_data(user_id) or {}).get(WALLET_KEY)

    def forget_user(self, user_id: str) -> None:
        """Delete everything remembered about the user (idempotent)."""
        self._store.delete_profile(_user(user_id))


def _user(user_id: str) -> str:
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > 128:
        raise ValueError("user_id must be a non-empty string of at most 128 characters")
    return user_id


def _check(data: Mapping[str, str]) -> None:
    if not isinstance(data, Mapping):
        raise TypeError("data must be a mapping of str to str")
    for key, value in data.items():
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_LEN:
            raise ValueError(f"profile keys must be non-empty strings of at most {MAX_KEY_LEN} characters")
        if not isinstance(value, str) or len(value) > MAX_VALUE_LEN:
            raise ValueError(f"profile values must be strings of at most {MAX_VALUE_LEN} characters")

"""The base of every bot's session model.

A bot declares its own typed session (a Pydantic model) by subclassing `Session`; the framework
is generic over it (`App[S]`, `Turn[S]`). The session travels to the client in Lex session
attributes on every turn (signed, see `bot.security.signing`) and is kept server-side in the
session store, so it holds only what the client may see: never a card number or security code.

The framework's own bookkeeping lives here: the form attempt counters and read-back, the locale and
the turn counter. Everything else is the bot's.

`Session` is a plain Pydantic model: the framework does not need lex-helper. A bot that wants
lex-helper's `SessionAttributes` mixes it in (the reference bot does, `intents/session.py`); its
library fields never travel (`bot.state.wire_fields`), and only such a bot imports lex-helper.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Session(BaseModel):
    """Subclass it with your bot's fields (defaults required: a new session is `YourSession()`)."""

    model_config = ConfigDict(use_enum_values=False, extra="ignore", validate_assignment=True)

    attempts: dict[str, int] = Field(default_factory=dict)  # form: rejected values per slot
    confirming: str | None = Field(default=None, max_length=64)  # form: digest of what was read back
    locale: str = Field(default="en_US", max_length=16)
    turn: int = Field(default=0, ge=0)

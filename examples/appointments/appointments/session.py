"""The appointment bot's typed session: what the booking is so far, and how it ended.

It travels to the client in Lex session attributes on every turn (signed by the framework) and
is kept server-side in the session store, so it holds nothing the caller may not see.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from bot.session import Session


class Status(StrEnum):
    COLLECTING = "collecting"  # asking for the day and the time
    CONFIRMING = "confirming"  # the read-back was asked; a "yes" books it
    BOOKED = "booked"
    HANDED_OFF = "handed_off"  # too many unusable answers: the caller was sent to the front desk


class AppointmentSession(Session):
    status: Status = Status.COLLECTING
    date: dt.date | None = None  # the day asked for, once valid
    time: dt.time | None = None  # its start time, once valid
    reference: str | None = Field(default=None, pattern=r"^[0-9A-F]{4}-[0-9A-F]{4}$")  # the last booking

    @property
    def in_progress(self) -> bool:
        """A booking has started and is neither booked nor handed off."""
        if self.status is Status.CONFIRMING:
            return True
        return self.status is Status.COLLECTING and (self.date is not None or self.time is not None)

    def start_over(self) -> None:
        """A new booking: forget the day and time asked for (the last reference stays)."""
        self.date = None
        self.time = None
        self.attempts = {}
        self.status = Status.COLLECTING

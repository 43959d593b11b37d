"""BookAppointment: a day and a start time, each checked against the clinic's rules, read back
with ConfirmIntent, then booked.

  user: I'd like to book an appointment
  bot:  Which day would you like to come in? We're open Monday to Friday.
  user: tomorrow
  bot:  And at what time on Tuesday 3 December? We're open from 9:00 to 17:00.
  user: 3pm
  bot:  Tuesday 3 December at 15:00 — shall I book it?
  user: yes
  bot:  You're booked for Tuesday 3 December at 15:00. Your reference is 5C1E-9A07.
  (or, at the read-back) user: no
  bot:  No problem, I won't book that. Which other day would suit you?

Both slots can come in the first utterance ("book an appointment tomorrow at 3pm"). The day is
checked against the turn's date (`turn.today`), never the wall clock. The booking is decided on
the trusted session only: a "yes" books the day and time that were read back, nothing else.
"""

from __future__ import annotations

import datetime as dt
import logging

from appointments import messages as say
from appointments.session import AppointmentSession, Status
from appointments.validation import clock, spoken_date, spoken_when, validate_date, validate_time
from bot import dialog
from bot.dialog import Reply
from bot.forms import Ask, Form, FormContext, FormValues, give_up
from bot.security.keys import derive_id
from bot.turn import Turn
from bot.validation.result import Validation

log = logging.getLogger(__name__)

type AppointmentTurn = Turn[AppointmentSession]
type AppointmentForm = FormContext[AppointmentSession]


def _date(raw: str, form: AppointmentForm) -> Validation[dt.date]:
    return validate_date(raw, today=form.turn.today)


def _time(raw: str, form: AppointmentForm) -> Validation[dt.time]:
    slot = form.turn.event.intent.slots.get(TIME.slot)  # an ambiguous time's readings ("10:00", "22:00")
    resolved = slot.value.resolvedValues if slot is not None and slot.value is not None else []
    day = form.values.get(DATE) or form.session.date
    return validate_time(raw, day=day, now=form.turn.now, resolved=resolved)


def _ask_time(form: AppointmentForm) -> str:
    day = form.values.get(DATE) or form.session.date
    return say.ASK_TIME.format(day=spoken_date(day, form.turn.today)) if day else say.ASK_TIME_ANY_DAY


DATE = Ask(
    "Date",
    validate_with=_date,
    prompt=say.ASK_DATE,
    what="appointment date",
    into="date",
    shown=dt.date.isoformat,
)
TIME = Ask("Time", validate_with=_time, prompt=_ask_time, what="appointment time", into="time", shown=clock)

form = Form[AppointmentSession]("BookAppointment", DATE, TIME)


@form.before
def begin(turn: AppointmentTurn) -> None:
    s = turn.session
    if s.status in (Status.BOOKED, Status.HANDED_OFF):
        s.start_over()  # a new booking
    elif s.status is Status.CONFIRMING and not _as_read_back(turn):
        s.status = Status.COLLECTING  # the day or time changed since the read-back: read it back again


@form.submit
def read_back(turn: AppointmentTurn, values: FormValues) -> Reply:
    s = turn.session
    answer = turn.confirmation_state
    if s.status is Status.CONFIRMING and answer == "Confirmed":
        return dialog.delegate(turn)  # Lex invokes the fulfillment hook: `book`
    if s.status is Status.CONFIRMING and answer == "Denied":
        s.start_over()
        turn.set_slot(DATE.slot, None)
        turn.set_slot(TIME.slot, None)
        return dialog.elicit_slot(turn, DATE.slot, f"{say.DENIED} {say.ASK_ANOTHER_DATE}")
    return confirm(turn)


@form.fulfillment
def book(turn: AppointmentTurn) -> Reply:
    s = turn.session
    confirmed = (
        s.status is Status.CONFIRMING and turn.confirmation_state == "Confirmed" and _as_read_back(turn)
    )
    if not confirmed or s.date is None or s.time is None:
        return form.run(turn)  # not what was read back and confirmed: validate and ask again
    s.reference = booking_reference(turn, s.date, s.time)
    s.status = Status.BOOKED
    log.info("appointment booked", extra={"session_id": turn.session_id, "reference": s.reference})
    when = spoken_when(s.date, s.time, turn.today)
    return dialog.close(turn, say.BOOKED.format(when=when, reference=s.reference))


@form.give_up
def hand_off(turn: AppointmentTurn, slot: str, what: str) -> Reply:
    """Too many unusable days or times: forget them, then the framework's hand-off (Texts.hand_off)."""
    turn.session.start_over()
    turn.session.status = Status.HANDED_OFF
    return give_up(turn, slot, what)


# -- shared with the fallback -------------------------------------------------------------------


def confirm(turn: AppointmentTurn, *, lead: str = "") -> Reply:
    """Read the day and time back (ConfirmIntent), from this intent or another one."""
    s = turn.session
    assert s.date is not None
    assert s.time is not None
    turn.set_slot(DATE.slot, DATE.text(s.date), intent=form.name)
    turn.set_slot(TIME.slot, TIME.text(s.time), intent=form.name)
    s.status = Status.CONFIRMING
    message = say.CONFIRM.format(when=spoken_when(s.date, s.time, turn.today))
    return dialog.confirm_intent(turn, form.name, f"{lead} {message}" if lead else message)


def resume(turn: AppointmentTurn, *, lead: str) -> Reply:
    """Pick a booking in progress up where it stopped (e.g. after something not understood)."""
    s = turn.session
    if s.date is None:
        return form.elicit(turn, DATE, lead=lead)
    if s.time is None:
        return form.elicit(turn, TIME, lead=lead)
    return confirm(turn, lead=lead)


def booking_reference(turn: AppointmentTurn, day: dt.date, start: dt.time) -> str:
    """A short reference, the same for the same session, day and time (a retried turn books once)."""
    digest = derive_id(turn.services.keys.ids, "appointment", turn.session_id, day.isoformat(), clock(start))
    code = digest[:8].upper()
    return f"{code[:4]}-{code[4:]}"


def _as_read_back(turn: AppointmentTurn) -> bool:
    """The slots still hold the day and time the session read back."""
    s = turn.session
    if s.date is None or s.time is None:
        return False
    return turn.slot(DATE.slot) == DATE.text(s.date) and turn.slot(TIME.slot) == TIME.text(s.time)

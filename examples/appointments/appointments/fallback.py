"""FallbackIntent: never a dead end. Mid-booking, ask again for what is missing (or read the
booking back); otherwise say what the bot can do."""

from __future__ import annotations

from appointments import book_appointment
from appointments import messages as say
from appointments.session import AppointmentSession
from bot import dialog
from bot.dialog import Reply
from bot.handlers import Intent
from bot.turn import Turn

intent = Intent[AppointmentSession]("FallbackIntent")


@intent.dialog
def redirect(turn: Turn[AppointmentSession]) -> Reply:
    if turn.session.in_progress:
        return book_appointment.resume(turn, lead=say.DIDNT_CATCH)
    return dialog.elicit_intent(turn, say.HELP)

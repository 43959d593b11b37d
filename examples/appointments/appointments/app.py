"""The appointment bot, declared: its session model, intents and texts. No opt-in parts: it
takes no card data and knows no signed-in users.

BOT_APP=appointments.app:app
"""

from __future__ import annotations

from appointments import book_appointment, fallback
from appointments.messages import TEXTS
from appointments.session import AppointmentSession, Status
from bot.app import App

app = App(
    "AppointmentBot",
    session=AppointmentSession,
    texts=TEXTS,
    metrics_namespace="AppointmentBot",
    goal=lambda session: session.status is Status.BOOKED,
    log_fields=lambda session: {"status": session.status.value},
)
app.add(book_appointment.form)
app.fallback(fallback.intent)

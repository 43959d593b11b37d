"""An appointment-booking bot built on the `bot` framework (BOT_APP=appointments.app:app)."""

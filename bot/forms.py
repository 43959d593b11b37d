"""Per-slot attempt counting. Lex's maxRetries covers only Lex's own re-prompts, not a code hook
rejecting a value, so the framework counts rejections itself and the dialog hands off politely
after `max_slot_attempts` instead of looping."""

from __future__ import annotations

from bot import metrics
from bot.turn import Turn


def record_failure(turn: Turn, slot: str) -> bool:
    """Count a rejected value for `slot`. True when the attempts are used up."""
    attempts = dict(turn.session.attempts)
    attempts[slot] = attempts.get(slot, 0) + 1
    metrics.add("ValidationFailures", slot=slot)
    turn.session.attempts = attempts
    return attempts[slot] >= turn.services.max_slot_attempts


def clear_failures(turn: Turn, *slots: str) -> None:
    if any(s in turn.session.attempts for s in slots):
        turn.session.attempts = {k: v for k, v in turn.session.attempts.items() if k not in slots}

"""An intent's code hooks: one module per intent, reading like its dialog.

    intent = Intent[PaymentSession]("Confirm")

    @intent.dialog
    def ask(turn: Turn[PaymentSession]) -> Reply:          # DialogCodeHook
        ...

    @intent.fulfillment
    def commit(turn: Turn[PaymentSession]) -> Reply:       # FulfillmentCodeHook
        ...

Register it with the app (`app.add(intent)`); the router dispatches on (intent name,
invocation source) explicitly. An intent without a fulfillment hook uses its dialog hook for
both. For slot filling with validation and retries, use `bot.forms.Form` (an `Intent` that
runs the elicit/validate/retry loop itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.dialog import Reply
    from bot.session import Session
    from bot.turn import Turn

type Handler[S: Session] = Callable[[Turn[S]], Reply]


class Intent[S: Session]:
    """The code hooks of one intent of the bot definition."""

    def __init__(self, name: str, *, slots: Iterable[str] | None = None) -> None:
        """`slots`: the intent's slot names as in the bot definition (checked against the template
        in local use; a response carries no other). None: not declared."""
        if not name or not isinstance(name, str):
            raise ValueError("an intent needs its name as in the bot definition")
        self.name = name
        self._slots = frozenset(slots) if slots is not None else None
        self._dialog: Handler[S] | None = None
        self._fulfillment: Handler[S] | None = None

    def dialog(self, handler: Handler[S]) -> Handler[S]:
        """Decorator: the DialogCodeHook handler."""
        self._dialog = handler
        return handler

    def fulfillment(self, handler: Handler[S]) -> Handler[S]:
        """Decorator: the FulfillmentCodeHook handler."""
        self._fulfillment = handler
        return handler

    @property
    def dialog_handler(self) -> Handler[S]:
        if self._dialog is None:
            raise TypeError(f"intent {self.name} has no dialog hook (decorate one with @intent.dialog)")
        return self._dialog

    @property
    def fulfillment_handler(self) -> Handler[S]:
        return self._fulfillment or self.dialog_handler

    def slot_names(self) -> frozenset[str] | None:
        """The slots this intent declares (a form's are its asks), or None if it declares none."""
        return self._slots

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

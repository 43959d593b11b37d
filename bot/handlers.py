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

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.dialog import Reply
    from bot.session import Session
    from bot.turn import Turn

type Handler[S: Session] = Callable[[Turn[S]], Reply]


class Intent[S: Session]:
    """The code hooks of one intent of the bot definition."""

    def __init__(self, name: str) -> None:
        if not name or not isinstance(name, str):
            raise ValueError("an intent needs its name as in the bot definition")
        self.name = name
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

    def slot_names(self) -> frozenset[str]:
        """Slots this intent declares it uses (forms know theirs; checked against the template)."""
        return frozenset()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def describe(handler: Callable[..., Any]) -> str:
    """`module.function` of a handler, for reports."""
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', repr(handler))}"

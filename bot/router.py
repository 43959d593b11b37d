"""Explicit routing: (intent name, invocation source) -> handler function."""

from __future__ import annotations

from collections.abc import Callable

from bot.dialog import Reply
from bot.events import InvocationSource
from bot.turn import Turn

Handler = Callable[[Turn], Reply]


class Router:
    """A table of handlers. Unknown intents go to the fallback handler, never to an exception."""

    def __init__(self, *, fallback: Handler) -> None:
        self._routes: dict[tuple[str, InvocationSource], Handler] = {}
        self._fallback = fallback

    def intent(self, name: str, *, dialog: Handler, fulfillment: Handler) -> None:
        """Register both code hooks of an intent."""
        self._routes[(name, InvocationSource.DIALOG)] = dialog
        self._routes[(name, InvocationSource.FULFILLMENT)] = fulfillment

    def resolve(self, intent_name: str, source: InvocationSource) -> Handler:
        return self._routes.get((intent_name, source), self._fallback)

    @property
    def intent_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self._routes)

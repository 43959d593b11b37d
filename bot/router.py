"""Explicit routing: (intent name, invocation source) -> handler function."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.events import InvocationSource

if TYPE_CHECKING:
    from bot.handlers import Handler
    from bot.session import Session


class Router[S: Session]:
    """A table of handlers. Intents without a route go to the fallback handler (and are logged by
    the pipeline as unrouted), never to an exception."""

    def __init__(self, *, fallback: Handler[S] | None = None) -> None:
        self._routes: dict[tuple[str, InvocationSource], Handler[S]] = {}
        self.fallback: Handler[S] | None = fallback

    def intent(self, name: str, *, dialog: Handler[S], fulfillment: Handler[S]) -> None:
        """Register both code hooks of an intent."""
        self._routes[(name, InvocationSource.DIALOG)] = dialog
        self._routes[(name, InvocationSource.FULFILLMENT)] = fulfillment

    def route(self, intent_name: str, source: InvocationSource) -> Handler[S] | None:
        """The registered handler, or None (the caller falls back)."""
        return self._routes.get((intent_name, source))

    @property
    def intent_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self._routes)

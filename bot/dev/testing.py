"""An in-process Lex V2 client for tests and local runs: `client.say("…")` and read the reply.

It plays Lex's part between turns the way the runtime does: it feeds the previous response's
session state back, fills the slot that was elicited with what the user said, answers a
ConfirmIntent with Confirmed/Denied, and invokes the FulfillmentCodeHook when the code hook
delegates a ready intent. Recognizing a *new* intent from free text needs NLU: pass
`intent=` (and `slots=`) for those turns, or use the template-driven simulator.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.dev.lexevents import code_hook_event, slot_value
from bot.dev.vocab import confirmation_answer
from bot.language import for_locale

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(slots=True)
class Exchange:
    """One user input and everything the bot did in response (one or two code-hook calls)."""

    text: str
    events: list[dict[str, Any]]
    responses: list[dict[str, Any]]

    @property
    def response(self) -> dict[str, Any]:
        return self.responses[-1]

    @property
    def messages(self) -> list[str]:
        return [m.get("content", "") for r in self.responses for m in r.get("messages", [])]

    @property
    def text_reply(self) -> str:
        return " ".join(self.messages)

    @property
    def action(self) -> str:
        return str(self.response["sessionState"]["dialogAction"]["type"])

    @property
    def slot_to_elicit(self) -> str | None:
        slot = self.response["sessionState"]["dialogAction"].get("slotToElicit")
        return str(slot) if slot is not None else None

    @property
    def intent(self) -> dict[str, Any] | None:
        intent: dict[str, Any] | None = self.response["sessionState"].get("intent")
        return intent

    @property
    def intent_name(self) -> str | None:
        return self.intent["name"] if self.intent else None

    @property
    def attributes(self) -> dict[str, str]:
        return dict(self.response["sessionState"].get("sessionAttributes", {}))


@dataclass
class LexTestClient:
    """`LexTestClient(pipeline.handle)`, or `local_bot(...).client()` for the app's bot name and
    template name checks."""

    handler: Handler
    session_id: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:16]}")
    bot_name: str = "LocalBot"
    locale: str = "en_US"
    request_attributes: dict[str, str] = field(default_factory=dict)
    history: list[Exchange] = field(default_factory=list)
    _state: dict[str, Any] = field(default_factory=dict)

    @property
    def last(self) -> Exchange:
        return self.history[-1]

    @property
    def session_attributes(self) -> dict[str, str]:
        return dict(self._state.get("sessionAttributes", {}))

    def set_session_attributes(self, attributes: Mapping[str, str]) -> None:
        """What a client can do with PutSession / RecognizeText: overwrite the attributes."""
        self._state["sessionAttributes"] = dict(attributes)

    def say(
        self,
        text: str,
        *,
        intent: str | None = None,
        slots: Mapping[str, str] | None = None,
        input_mode: str = "Text",
    ) -> Exchange:
        """Send one user input and run the code hook(s) Lex would run for it."""
        event = self._event(text, intent, dict(slots or {}), input_mode)
        exchange = Exchange(text, [], [])
        self._invoke(exchange, event)
        response = exchange.response
        state = response["sessionState"]
        if (
            state["dialogAction"]["type"] == "Delegate"
            and state.get("intent", {}).get("state") == "ReadyForFulfillment"
        ):
            fulfil = self._event(text, None, {}, input_mode, source="FulfillmentCodeHook")
            self._invoke(exchange, fulfil)
        self.history.append(exchange)
        return exchange

    def _invoke(self, exchange: Exchange, event: dict[str, Any]) -> None:
        snapshot = json.loads(json.dumps(event))  # the handler must not depend on mutating our copy
        response = self.handler(event, None)
        exchange.events.append(snapshot)
        exchange.responses.append(response)
        self._state = json.loads(json.dumps(response["sessionState"]))

    def _event(
        self,
        text: str,
        intent_name: str | None,
        slots: dict[str, str],
        input_mode: str,
        source: str = "DialogCodeHook",
    ) -> dict[str, Any]:
        previous = self._state
        action = previous.get("dialogAction", {})
        intent: dict[str, Any]
        if source == "FulfillmentCodeHook":
            intent = dict(previous["intent"], state="ReadyForFulfillment")
        elif intent_name is None and action.get("type") == "ElicitSlot" and previous.get("intent"):
            intent = json.loads(json.dumps(previous["intent"]))
            intent["slots"][action["slotToElicit"]] = slot_value(text)
        elif intent_name is None and action.get("type") == "ConfirmIntent" and previous.get("intent"):
            intent = json.loads(json.dumps(previous["intent"]))
            intent["confirmationState"] = confirmation_answer(text, for_locale(self.locale)) or "None"
        else:
            name = intent_name or "FallbackIntent"
            before = previous.get("intent") or {}
            open_intent = before.get("name") == name and before.get("state") not in ("Fulfilled", "Failed")
            carried = before if open_intent else None
            intent = json.loads(json.dumps(carried)) if carried else {"name": name, "slots": {}}
            intent.update(state="InProgress", confirmationState="None")
        for name, value in slots.items():
            intent.setdefault("slots", {})[name] = slot_value(value)
        intent.setdefault("state", "InProgress")
        intent.setdefault("confirmationState", "None")
        return code_hook_event(
            session_id=self.session_id,
            intent=intent,
            text=text,
            source=source,
            input_mode=input_mode,
            bot_name=self.bot_name,
            locale=self.locale,
            session_attributes=previous.get("sessionAttributes", {}),
            request_attributes=self.request_attributes,
            active_contexts=previous.get("activeContexts", []),
            dialog_action=action or None,
        )

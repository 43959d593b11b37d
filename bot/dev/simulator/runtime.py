"""`LexSimulator`: plays Amazon Lex V2's part of a conversation, driven by the bot definition.

    sim = LexSimulator.from_template("template.yaml")         # the app's handler by default
    result = sim.say("I'd like to make a payment")
    result.messages, result.intent, result.dialog_action, result.slot_to_elicit

For every input it does what the Lex runtime does between the client and the code hook:

* after ElicitSlot, fills the elicited slot from the input (the slot's own sample utterances, an
  utterance of the same intent that carries slots, then the whole input), resolved for the
  slot's type; an input that strongly matches another intent's utterance (confidence >= 0.9)
  switches intent instead. An input the slot type refuses (a RegexFilter mismatch, a name with
  no letter, a value outside a TOP_RESOLUTION type) leaves the slot empty: Lex re-prompts with
  the slot's prompt without invoking the code hook, up to the slot's MaxRetries, then fails the
  intent. (With invoke_hook_on_retry=True the dialog code hook is invoked on each retry instead,
  with the slot empty and proposedNextState prompt attempt RetryN, as a slot's elicitation code
  hook does in Lex V2.);
* after ConfirmIntent, maps yes/no answers to confirmationState Confirmed/Denied; anything else
  is asked again (up to the confirmation prompt's MaxRetries);
* otherwise recognizes the intent from the sample utterances (`bot.dev.simulator.nlu`), with slots
  captured from the utterance, and the FallbackIntent under the NLU confidence threshold;
* invokes the dialog code hook (if enabled) with a realistic event, checks the response as Lex
  does (`bot.dev.simulator.checks`) and applies it; on Delegate it elicits the next missing required
  slot (SlotPriorities, the template's prompt), asks the template's confirmation prompt, or
  invokes the fulfillment code hook (intent ReadyForFulfillment);
* keeps the session state between turns, expiring it after IdleSessionTTLInSeconds;
* on a voice channel (`accept_ssml`, as Amazon Connect), sends
  `x-amz-lex:accept-content-types: PlainText,SSML` and checks SSML replies against what Polly
  supports (`bot.dev.simulator.ssml`); keypad (DTMF) input is collected as Lex collects it, with
  the elicited slot's `x-amz-lex:dtmf:*` settings (the end character ends it, the deletion
  character starts it over, max-length caps it);
* reads yes/no and numbers in the locale's language (`bot.language`).
"""

from __future__ import annotations

import copy
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from bot.dev.lexevents import code_hook_event, slot_text
from bot.dev.simulator.api import InvalidLambdaResponse, SimResult, SsmlMessage
from bot.dev.simulator.checks import check_response
from bot.dev.simulator.definition import BotDefinition, IntentDefinition, Prompt, load_definition
from bot.dev.simulator.nlu import STRONG_MATCH, Interpretation, recognizer_for
from bot.dev.simulator.slots import resolve_slot
from bot.dev.vocab import confirmation_answer
from bot.language import for_locale
from bot.security.sealing import PREFIX as SEALED_PREFIX
from bot.speech import ACCEPT_CONTENT_TYPES

Handler = Callable[[dict[str, Any], Any], Any]

INPUT_MODES = ("Text", "Speech", "DTMF")
MAX_INPUT_CHARS = 1024  # RecognizeText's limit
SIMULATED_BOT_ID = "SIMBOT0001"
DEFAULT_CONFIRMATION_RETRIES = 2
FAILED_MESSAGE = "Sorry, I'm having trouble understanding. Let's stop here for now."
MASK = "•"
DTMF_DEFAULTS = {"end-character": "#", "deletion-character": "*", "max-length": "1024"}


def _prompt_text(prompt: Prompt | None, intent: dict[str, Any] | None) -> list[str]:
    """The first message of a template prompt, with {Slot} references replaced as Lex does."""
    if prompt is None or not prompt.messages:
        return []
    slots = (intent or {}).get("slots") or {}

    def value(match: re.Match[str]) -> str:
        text = slot_text(slots.get(match.group(1)))
        return text if text is not None else match.group(0)

    return [re.sub(r"\{([A-Za-z0-9_]+)\}", value, prompt.messages[0])]


def new_session_id() -> str:
    return f"sim-{uuid.uuid4().hex[:20]}"


def mask_value(text: str) -> str:
    """How an obfuscated slot is shown: the last 4 of a long value ("•••• 4242"), else all dots."""
    compact = re.sub(r"[\W_]+", "", text)
    if len(compact) >= 8:
        return f"{MASK * 4} {compact[-4:]}"
    return MASK * max(len(compact), 1)


@dataclass(slots=True)
class _Turn:
    text: str
    input_mode: str
    today: date
    interpretations: list[Interpretation]
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invocations: list[dict[str, Any]] = field(default_factory=list)
    resolved: dict[str, dict[str, Any]] = field(default_factory=dict)  # slots filled by this input
    filling: tuple[str, str] | None = None  # (intent, slot) when the input answered an ElicitSlot
    retry_slot: str | None = None  # the elicited slot, when the input did not resolve for it
    nlu_intent: str | None = None
    nlu_confidence: float | None = None
    request_attributes: dict[str, str] = field(default_factory=dict)


class LexSimulator:
    """A local Lex V2 runtime for one session. See the module docstring."""

    def __init__(
        self,
        definition: BotDefinition,
        handler: Handler,
        *,
        locale: str = "en_US",
        session_id: str | None = None,
        request_attributes: dict[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        raise_on_invalid: bool = True,
        invoke_hook_on_retry: bool = False,
        masked_slots: Iterable[str] = (),
        accept_ssml: bool = False,
    ) -> None:
        self.definition = definition
        self.locale = definition.locale(locale)
        self.handler = handler
        self.session_id = session_id or new_session_id()
        self.request_attributes: dict[str, str] = dict(request_attributes or {})
        self.clock = clock
        self.raise_on_invalid = raise_on_invalid
        self.invoke_hook_on_retry = invoke_hook_on_retry
        self.masked_slots = frozenset(masked_slots)  # shown masked, besides the template's obfuscated slots
        self.accept_ssml = accept_ssml  # a voice channel that plays SSML (Amazon Connect)
        self.language = for_locale(self.locale.locale_id)
        self.history: list[SimResult] = []
        self._recognizer = recognizer_for(self.locale)
        self._state: dict[str, Any] = {}
        self._last_active: float | None = None
        self._retries: dict[str, int] = {}
        self._last_messages: list[str] = []

    @classmethod
    def from_template(
        cls,
        path: str | os.PathLike[str] = "template.yaml",
        handler: Handler | None = None,
        **kw: Any,
    ) -> LexSimulator:
        """A simulator for the bot in `path`, driving `handler` (default: the `BOT_APP` app,
        built with name checks against this template; see `bot.dev.local`)."""
        if handler is None:
            from bot.dev.local import local_bot

            return local_bot(None, path).simulator(**kw)
        return cls(load_definition(path), handler, **kw)

    # -- session -----------------------------------------------------------------------------

    @property
    def state(self) -> dict[str, Any]:
        """The raw Lex sessionState after the last turn: the live dict, so a test can tamper with
        it the way a client can (PutSession, or sessionState in RecognizeText)."""
        return self._state

    @property
    def session_attributes(self) -> dict[str, str]:
        return dict(self._state.get("sessionAttributes", {}))

    @property
    def idle_session_ttl(self) -> int:
        return self.definition.idle_session_ttl_seconds

    def reset(self, *, session_id: str | None = None) -> None:
        """Start a new session (a new session id unless one is given)."""
        self.session_id = session_id or new_session_id()
        self._forget()

    def _forget(self) -> None:
        self._state = {}
        self._retries = {}
        self._last_messages = []
        self._last_active = None

    def export_session(self) -> dict[str, Any]:
        """What Lex keeps for this session (to resume it later with `import_session`)."""
        return {
            "sessionId": self.session_id,
            "sessionState": copy.deepcopy(self._state),
            "lastActive": self._last_active,
            "retries": dict(self._retries),
            "lastMessages": list(self._last_messages),
        }

    def import_session(self, data: dict[str, Any]) -> None:
        self.session_id = str(data["sessionId"])
        self._state = copy.deepcopy(data.get("sessionState") or {})
        last = data.get("lastActive")
        self._last_active = float(last) if isinstance(last, int | float) else None
        self._retries = {str(k): int(v) for k, v in (data.get("retries") or {}).items()}
        self._last_messages = [str(m) for m in data.get("lastMessages") or []]

    # -- a turn ------------------------------------------------------------------------------

    def say(self, text: str, *, input_mode: str = "Text", ssml: bool | None = None) -> SimResult:
        """One user input (RecognizeText). A code-hook response Lex would refuse raises
        InvalidLambdaResponse (or, with raise_on_invalid=False, gives a result with `error` set);
        either way the session stays as it was before the input. `ssml` (default: the
        simulator's `accept_ssml`) makes this turn's client one that plays SSML."""
        if input_mode not in INPUT_MODES:
            raise ValueError(f"input_mode must be one of {', '.join(INPUT_MODES)}, got {input_mode!r}")
        if input_mode == "DTMF":
            text = self._keyed(text)
        text = text.strip()
        if not text:
            raise ValueError("text must not be empty (Lex requires at least one character)")
        if len(text) > MAX_INPUT_CHARS:
            raise ValueError(f"text is longer than Lex's {MAX_INPUT_CHARS} characters")
        now = self.clock()
        if self._last_active is not None and now - self._last_active > self.idle_session_ttl:
            self._forget()  # Lex dropped the idle session: this input starts a new one
        self._last_active = now
        # The turn's instant in UTC, the clock of the framework's turn.now/turn.today (bot.pipeline),
        # so "tomorrow" is the bot's tomorrow on any machine: its day resolves AMAZON.Date, its
        # time AMAZON.Time's "now" (see bot.dev.simulator.slots).
        today = datetime.fromtimestamp(now, UTC)
        action = self._state.get("dialogAction") or {}
        if action.get("slotElicitationStyle") in ("SpellByLetter", "SpellByWord") and input_mode == "Text":
            resolution_mode = "Speech"  # spelled input is joined as Lex does for spelling styles
        else:
            resolution_mode = input_mode
        interpretations = self._recognizer.interpretations(text, input_mode=resolution_mode, today=today)
        turn = _Turn(text, input_mode, today, interpretations)
        turn.request_attributes = dict(self.request_attributes)
        if self.accept_ssml if ssml is None else ssml:
            turn.request_attributes[ACCEPT_CONTENT_TYPES] = "PlainText,SSML"
        retries, last_messages = dict(self._retries), list(self._last_messages)
        try:
            result = self._route(turn, action, resolution_mode)
        except InvalidLambdaResponse as exc:
            self._retries, self._last_messages = retries, last_messages  # the session is as it was
            if self.raise_on_invalid:
                raise
            result = self._error(turn, str(exc))
        self.history.append(result)
        return result

    def _route(self, turn: _Turn, action: dict[str, Any], resolution_mode: str) -> SimResult:
        previous = self._state.get("intent")
        kind = action.get("type")
        top = turn.interpretations[0]
        if kind == "ElicitSlot" and isinstance(previous, dict) and action.get("slotToElicit"):
            if self._switches(top, previous["name"]):
                return self._recognized(turn, top)
            return self._fill_slot(turn, previous, str(action["slotToElicit"]), resolution_mode)
        if kind == "ConfirmIntent" and isinstance(previous, dict):
            answer = confirmation_answer(turn.text, self.language)
            if answer is None:
                if self._switches(top, previous["name"]):
                    return self._recognized(turn, top)
                return self._confirm_again(turn, previous)
            self._retries.pop(f"{previous['name']}.confirmation", None)
            intent = self._complete(copy.deepcopy(previous))
            intent.update(state="InProgress", confirmationState=answer)
            return self._dialog(turn, intent)
        return self._recognized(turn, top)

    def _switches(self, top: Interpretation, current: str) -> bool:
        return top.intent not in (current, self.locale.fallback_intent) and top.score >= STRONG_MATCH

    def _recognized(self, turn: _Turn, top: Interpretation) -> SimResult:
        """A new intent from NLU, with the slots its utterance carried."""
        turn.nlu_intent, turn.nlu_confidence = top.intent, top.confidence
        previous = self._state.get("intent")
        slots: dict[str, Any] = {}
        if (
            isinstance(previous, dict)
            and previous.get("name") == top.intent
            and previous.get("state") not in ("Fulfilled", "Failed")
        ):
            slots = copy.deepcopy(previous.get("slots") or {})  # the same intent, still open: keep its slots
        for name, value in top.slots.items():
            if value is not None:
                slots[name] = value
                turn.resolved[name] = value
        intent = self._complete(
            {"name": top.intent, "slots": slots, "state": "InProgress", "confirmationState": "None"}
        )
        self._retries = {}
        return self._dialog(turn, intent)

    def _fill_slot(self, turn: _Turn, previous: dict[str, Any], slot: str, mode: str) -> SimResult:
        """The answer to ElicitSlot: the slot's own sample utterances ("it's {FirstName}") first, then
        an utterance of the same intent carrying slots ("the security code is {SecurityCode}"),
        then the whole input, resolved for the slot's type."""
        intent = self._complete(copy.deepcopy(previous))
        intent["state"] = "InProgress"
        name = str(intent["name"])
        definition = self._intent(name)
        slot_definition = definition.slots.get(slot) if definition else None
        type_name = slot_definition.type_name if slot_definition else "AMAZON.FreeFormInput"
        turn.filling = (name, slot)
        top = turn.interpretations[0]
        captured = (
            {k: v for k, v in top.slots.items() if v is not None}
            if top.intent == name and top.score >= STRONG_MATCH
            else {}
        )
        candidates = self._recognizer.slot_candidates(name, slot, turn.text)
        whole = candidates.pop()  # the whole input comes last
        value = None
        for said in candidates:
            value = resolve_slot(said, type_name, self.locale, input_mode=mode, today=turn.today)
            if value is not None:
                break
        use_captured = value is None and bool(captured)
        if use_captured:  # an utterance of this intent: take the slots it carried (maybe not this one)
            turn.nlu_intent, turn.nlu_confidence = top.intent, top.confidence
            value = captured.get(slot)
            for other, other_value in captured.items():
                intent["slots"][other] = other_value
                turn.resolved[other] = other_value
        elif value is None:
            value = resolve_slot(whole, type_name, self.locale, input_mode=mode, today=turn.today)
            if value is None:
                return self._elicit_again(turn, intent, slot)
        if value is not None:
            intent["slots"][slot] = value
            turn.resolved[slot] = value
            self._retries.pop(f"{name}.{slot}", None)
        return self._dialog(turn, intent)

    # -- Lex's own re-prompts --------------------------------------------------------------------

    def _elicit_again(self, turn: _Turn, intent: dict[str, Any], slot: str) -> SimResult:
        """The slot type refused the input, so the slot stays empty. Within the slot's MaxRetries
        Lex re-prompts with the slot's prompt (the code hook is not invoked, unless
        invoke_hook_on_retry: then it is, with the slot empty and proposedNextState ElicitSlot,
        prompt attempt RetryN). After the last retry the intent fails."""
        name = str(intent["name"])
        definition = self._intent(name)
        slot_definition = definition.slots.get(slot) if definition else None
        prompt = slot_definition.prompt if slot_definition else None
        key = f"{name}.{slot}"
        used = self._retries.get(key, 0)
        if used >= (prompt.max_retries if prompt else 0):
            return self._fail(turn, intent)
        self._retries[key] = used + 1
        turn.retry_slot = slot
        if self.invoke_hook_on_retry and definition is not None and definition.dialog_code_hook:
            return self._dialog(turn, intent)
        messages = _prompt_text(prompt, intent) or self._last_messages
        return self._finish(turn, copy.deepcopy(self._state), messages)

    def _confirm_again(self, turn: _Turn, previous: dict[str, Any]) -> SimResult:
        definition = self._intent(str(previous["name"]))
        prompt = definition.confirmation_prompt if definition else None
        limit = prompt.max_retries if prompt else DEFAULT_CONFIRMATION_RETRIES
        key = f"{previous['name']}.confirmation"
        used = self._retries.get(key, 0)
        if used < limit:
            self._retries[key] = used + 1
            messages = self._last_messages or _prompt_text(prompt, previous)
            return self._finish(turn, copy.deepcopy(self._state), messages)
        return self._fail(turn, previous)

    def _fail(self, turn: _Turn, previous: dict[str, Any]) -> SimResult:
        state = copy.deepcopy(self._state)
        intent = self._complete(copy.deepcopy(previous))
        intent["state"] = "Failed"
        state["intent"] = intent
        state["dialogAction"] = {"type": "Close"}
        self._retries = {}
        return self._finish(turn, state, [FAILED_MESSAGE])

    # -- code hooks and Lex's next step -------------------------------------------------------------

    def _dialog(self, turn: _Turn, intent: dict[str, Any]) -> SimResult:
        definition = self._intent(str(intent["name"]))
        base = self._session_state(intent)
        if definition is not None and definition.dialog_code_hook:
            event = self._event(turn, "DialogCodeHook", base)
            return self._apply(turn, self._invoke(turn, event))
        return self._next_step(turn, base, [])

    def _apply(self, turn: _Turn, response: dict[str, Any], *, fulfilling: bool = False) -> SimResult:
        state = response["sessionState"]
        state.setdefault("sessionAttributes", {})
        messages = [
            SsmlMessage(m["content"]) if m.get("contentType") == "SSML" else str(m["content"])
            for m in response.get("messages") or []
            if m.get("content")
        ]
        action = state["dialogAction"]
        kind = action["type"]
        intent = state.get("intent")
        if isinstance(intent, dict):
            state["intent"] = self._complete(intent)
        if kind == "Delegate":
            if fulfilling:  # delegating after fulfillment: Lex closes the intent as fulfilled
                return self._close(turn, state, messages, fulfilled=True)
            return self._next_step(turn, state, messages)
        if kind == "ElicitSlot":
            slot = str(action["slotToElicit"])
            intent_name = str(state["intent"]["name"])
            retrying = turn.filling is not None and turn.filling[0] == intent_name and turn.retry_slot == slot
            if not retrying:  # a new elicitation: Lex's retries start again
                self._retries.pop(f"{intent_name}.{slot}", None)
            if not messages:
                messages = self._slot_prompt(state["intent"], slot)
        elif kind == "Close" and not messages:
            definition = self._intent(str(state["intent"]["name"]))
            if definition and state["intent"].get("state") == "Fulfilled":
                messages = _prompt_text(definition.closing_response, state["intent"])
        return self._finish(turn, state, messages)

    def _next_step(self, turn: _Turn, state: dict[str, Any], messages: list[str]) -> SimResult:
        """Delegate: what Lex does next for the intent in `state`."""
        intent = state["intent"]
        definition = self._intent(str(intent["name"]))
        confirmation = intent.get("confirmationState") or "None"
        if confirmation == "Denied":
            if not messages and definition:
                messages = _prompt_text(definition.declination_response, intent)
            return self._close(turn, state, messages, fulfilled=False)
        missing = self._next_slot(intent)
        if missing is not None:
            intent["state"] = "InProgress"
            state["dialogAction"] = {"type": "ElicitSlot", "slotToElicit": missing}
            return self._finish(turn, state, messages or self._slot_prompt(intent, missing))
        if definition is not None and definition.confirmation_prompt is not None and confirmation == "None":
            intent["state"] = "InProgress"
            state["dialogAction"] = {"type": "ConfirmIntent"}
            return self._finish(turn, state, messages or _prompt_text(definition.confirmation_prompt, intent))
        if definition is not None and definition.fulfillment_code_hook:
            intent["state"] = "ReadyForFulfillment"
            state["dialogAction"] = {"type": "Delegate"}
            event = self._event(turn, "FulfillmentCodeHook", state)
            result = self._apply(turn, self._invoke(turn, event), fulfilling=True)
            if messages:
                result.messages[:0] = messages
                self._last_messages = list(result.messages)
            return result
        if not messages and definition:
            messages = _prompt_text(definition.closing_response, intent)
        return self._close(turn, state, messages, fulfilled=True)

    def _close(
        self, turn: _Turn, state: dict[str, Any], messages: list[str], *, fulfilled: bool
    ) -> SimResult:
        state["intent"]["state"] = "Fulfilled" if fulfilled else "Failed"
        state["dialogAction"] = {"type": "Close"}
        return self._finish(turn, state, messages)

    def _next_slot(self, intent: dict[str, Any]) -> str | None:
        definition = self._intent(str(intent["name"]))
        if definition is None:
            return None
        slots = intent.get("slots") or {}
        for name in definition.ordered_slots:
            if definition.slots[name].required and slot_text(slots.get(name)) in (None, ""):
                return name
        return None

    def _invoke(self, turn: _Turn, event: dict[str, Any]) -> dict[str, Any]:
        snapshot = json.loads(json.dumps(event))
        response = self.handler(json.loads(json.dumps(event)), None)
        turn.invocations.append({"event": snapshot, "response": response})
        checked = check_response(response, self.locale)
        copied: dict[str, Any] = json.loads(json.dumps(checked))
        return copied

    # -- events ----------------------------------------------------------------------------------

    def _session_state(self, intent: dict[str, Any]) -> dict[str, Any]:
        state: dict[str, Any] = {
            "sessionAttributes": dict(self._state.get("sessionAttributes") or {}),
            "activeContexts": copy.deepcopy(self._state.get("activeContexts") or []),
            "intent": intent,
        }
        if self._state.get("dialogAction"):
            state["dialogAction"] = copy.deepcopy(self._state["dialogAction"])
        return state

    def _event(self, turn: _Turn, source: str, state: dict[str, Any]) -> dict[str, Any]:
        intent = self._complete(copy.deepcopy(state["intent"]))
        proposed = None
        missing = self._next_slot(intent) if source == "DialogCodeHook" else None
        if source == "DialogCodeHook" and turn.retry_slot is not None:
            missing = turn.retry_slot  # Lex would elicit the same slot again
        if missing is not None:
            retries = self._retries.get(f"{intent['name']}.{missing}", 0)
            proposed = {
                "dialogAction": {"type": "ElicitSlot", "slotToElicit": missing},
                "intent": copy.deepcopy(intent),
                "prompt": {"attempt": "Initial" if retries == 0 else f"Retry{retries}"},
            }
        transcription = {
            "transcription": turn.text,
            "transcriptionConfidence": 0.95 if turn.input_mode == "Speech" else 1.0,
            "resolvedContext": {"intent": intent["name"]},
            "resolvedSlots": {
                name: {
                    "shape": value.get("shape", "Scalar"),
                    "value": {
                        "originalValue": value["value"].get("originalValue"),
                        "resolvedValues": value["value"].get("resolvedValues", []),
                    },
                }
                for name, value in turn.resolved.items()
            },
        }
        return code_hook_event(
            session_id=self.session_id,
            intent=intent,
            text=turn.text,
            source=source,
            input_mode=turn.input_mode,
            bot_name=self.definition.name,
            bot_id=SIMULATED_BOT_ID,
            locale=self.locale.locale_id,
            session_attributes=state.get("sessionAttributes") or {},
            request_attributes=turn.request_attributes,
            active_contexts=copy.deepcopy(state.get("activeContexts") or []),
            dialog_action=copy.deepcopy(state.get("dialogAction")),
            interpretations=self._interpretations(turn, intent),
            proposed_next_state=proposed,
            transcriptions=[transcription],
            originating_request_id=turn.request_id,
        )

    def _interpretations(self, turn: _Turn, intent: dict[str, Any]) -> list[dict[str, Any]]:
        """Lex's interpretations: the NLU ranking, with the intent in play as the event carries it.

        While a slot or a confirmation is being answered, the active intent comes first at 1.0."""
        out: list[dict[str, Any]] = []
        answering = turn.nlu_intent is None
        if answering:
            out.append({"interpretationSource": "Lex", "nluConfidence": 1.0, "intent": intent})
        for found in turn.interpretations:
            if answering and found.intent == intent["name"]:
                continue
            if found.intent == intent["name"]:
                shown = intent
            else:
                shown = self._complete(
                    {
                        "name": found.intent,
                        "slots": dict(found.slots),
                        "state": "InProgress",
                        "confirmationState": "None",
                    }
                )
            entry: dict[str, Any] = {"interpretationSource": "Lex", "intent": copy.deepcopy(shown)}
            if found.confidence is not None:
                entry["nluConfidence"] = found.confidence
            out.append(entry)
        return out

    # -- results ---------------------------------------------------------------------------------

    def _error(self, turn: _Turn, error: str) -> SimResult:
        """An error turn (raise_on_invalid=False): Lex answers the client with an error and keeps
        the session as it was."""
        kept = self._last_messages
        result = self._finish(turn, self._state, [])
        self._last_messages = kept
        result.error = error
        return result

    def _finish(self, turn: _Turn, state: dict[str, Any], messages: list[str]) -> SimResult:
        self._state = state
        self._last_messages = list(messages)
        action = state.get("dialogAction") or {}
        kind = str(action.get("type", "ElicitIntent"))
        intent = state.get("intent") if kind != "ElicitIntent" else None
        return SimResult(
            text=turn.text,
            messages=list(messages),
            content_types=["SSML" if isinstance(m, SsmlMessage) else "PlainText" for m in messages],
            intent=str(intent["name"]) if isinstance(intent, dict) else None,
            intent_state=intent.get("state") if isinstance(intent, dict) else None,
            dialog_action=kind,
            slot_to_elicit=action.get("slotToElicit") if kind == "ElicitSlot" else None,
            slots=self._display_slots(intent) if isinstance(intent, dict) else {},
            session_attributes=dict(state.get("sessionAttributes") or {}),
            nlu_intent=turn.nlu_intent,
            nlu_confidence=turn.nlu_confidence,
            invocations=turn.invocations,
            ranking=list(turn.interpretations),
        )

    def _display_slots(self, intent: dict[str, Any]) -> dict[str, str | None]:
        definition = self._intent(str(intent["name"]))
        shown: dict[str, str | None] = {}
        for name, slot in (intent.get("slots") or {}).items():
            text = slot_text(slot)
            obfuscated = name in self.masked_slots or bool(
                definition and name in definition.slots and definition.slots[name].obfuscated
            )
            if text is None:
                shown[name] = None
            elif text.startswith(SEALED_PREFIX):
                shown[name] = "(sealed)"
            else:
                shown[name] = mask_value(text) if obfuscated else text
        return shown

    # -- keypad ----------------------------------------------------------------------------------

    def _keyed(self, keys: str) -> str:
        """What Lex makes of keypad input for the slot being elicited: input ends at the end
        character, the deletion character starts it over, and at most max-length keys count
        (the slot's `x-amz-lex:dtmf:<setting>:<intent>:<slot>` attributes, then `*` wildcards)."""
        end, delete = self._dtmf_setting("end-character"), self._dtmf_setting("deletion-character")
        if end and end in keys:
            keys = keys[: keys.index(end)]
        if delete and delete in keys:
            keys = keys[keys.rindex(delete) + 1 :]
        limit = self._dtmf_setting("max-length")
        return keys[: int(limit)] if limit.isdigit() else keys

    def _dtmf_setting(self, name: str) -> str:
        attributes = self._state.get("sessionAttributes") or {}
        action = self._state.get("dialogAction") or {}
        intent = (self._state.get("intent") or {}).get("name") or "*"
        slot = action.get("slotToElicit") or "*"
        for key in (f"{intent}:{slot}", f"{intent}:*", "*:*"):
            value = attributes.get(f"x-amz-lex:dtmf:{name}:{key}")
            if isinstance(value, str):
                return value
        return DTMF_DEFAULTS[name]

    # -- helpers ---------------------------------------------------------------------------------

    def _intent(self, name: str) -> IntentDefinition | None:
        return self.locale.intents.get(name)

    def _complete(self, intent: dict[str, Any]) -> dict[str, Any]:
        """Every slot of the intent present (null when empty), as Lex sends them."""
        definition = self._intent(str(intent.get("name")))
        slots = intent.get("slots")
        if not isinstance(slots, dict):
            slots = {}
        if definition is not None:
            for name in definition.slots:
                slots.setdefault(name, None)
        intent["slots"] = slots
        intent.setdefault("state", "InProgress")
        intent.setdefault("confirmationState", "None")
        return intent

    def _slot_prompt(self, intent: dict[str, Any], slot: str) -> list[str]:
        definition = self._intent(str(intent["name"]))
        slot_definition = definition.slots.get(slot) if definition else None
        return _prompt_text(slot_definition.prompt if slot_definition else None, intent)

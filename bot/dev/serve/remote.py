"""Conversation files over the Lex V2 runtime API: against `python -m bot serve`, or a deployed
bot alias, through boto3's `lexv2-runtime` client (`recognize_text`).

    client = lex_client(endpoint_url="http://127.0.0.1:8765")      # or region_name=... for AWS
    runner = RemoteRunner(client, RemoteBot("SIMBOT0001", "TSTALIASID"), display=display)
    run = runner.run(load_conversation("tests/conversations/happy_path.yaml"))
    run.report.passed, run.skipped

Each conversation gets its own session (deleted afterwards). A client sees what Lex returns, so
what only the simulator sees cannot be checked over the API: the NLU intent of an input
(`nlu_intent`), the security events the bot logged (`security_events`) and the handler errors
(`handler_error`) are skipped and counted. Against `serve` (`extensions=True`), the runner also
pins the server's clock for files with `today:`/`now:` and sends voice and keypad turns as such
(the `x-lexbot-clock` and `x-lexbot-input-mode` headers, which AWS does not know); against a
deployed alias a file with voice or keypad turns is skipped as a whole (RecognizeText is text),
and a pinned clock cannot be honoured (the bot runs on its own clock).

The leak checks still apply: no card number or security code the user gave may come back in a
message or a session attribute.
"""

from __future__ import annotations

import contextlib
import copy
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.dev.lexevents import slot_text
from bot.dev.serve.runtime import CLOCK_HEADER, DEFAULT_BOT_ID, TEST_ALIAS_ID
from bot.dev.serve.server import INPUT_MODE_HEADER
from bot.dev.simulator.api import SimResult, SsmlMessage
from bot.dev.simulator.conversations import (
    Conversation,
    ConversationReport,
    Expectation,
    TurnRecord,
    card_numbers_in,
    check,
    forge_attributes,
    leaks,
    security_codes_in,
)
from bot.dev.simulator.runtime import mask_value
from bot.security.sealing import PREFIX as SEALED_PREFIX
from bot.speech import ACCEPT_CONTENT_TYPES

SKIPPED_KEYS = ("nlu_intent", "security_events", "handler_error")  # only the simulator sees these
LAMBDA_ERRORS = ("BadGatewayException", "DependencyFailedException")

# (intent, slot name, slot text) -> what a client shows for it (card slots masked)
Display = Callable[[str, Mapping[str, Any]], dict[str, str | None]]


@dataclass(frozen=True, slots=True)
class RemoteBot:
    bot_id: str = DEFAULT_BOT_ID
    alias_id: str = TEST_ALIAS_ID
    locale: str | None = None  # the locale of files that name none (default: theirs, en_US)
    extensions: bool = False  # the server is `serve`: pin its clock, send voice and keypad turns


def lex_client(
    *, endpoint_url: str | None = None, region_name: str | None = None, local_credentials: bool = False
) -> Any:
    """boto3's `lexv2-runtime` client. `local_credentials`: sign with dummy credentials (serve
    accepts any), so no AWS configuration is needed."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # the dynamodb extra brings boto3
        raise RuntimeError("the remote runtimes need boto3: pip install 'lex-payment-bot[dynamodb]'") from exc
    credentials: dict[str, str] = {}
    if local_credentials:
        credentials = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    return boto3.client(
        "lexv2-runtime",
        endpoint_url=endpoint_url,
        region_name=region_name or ("us-east-1" if local_credentials else None),
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, read_timeout=60),
        **credentials,
    )


class _Headers:
    """Extra headers for the next request (registered once per client)."""

    def __init__(self, client: Any) -> None:
        self.values: dict[str, str] = {}
        service = client.meta.service_model.service_id.hyphenize()  # lex-runtime-v2
        client.meta.events.register(f"before-sign.{service}.RecognizeText", self._add)

    def _add(self, request: Any, **_: Any) -> None:
        for key, value in self.values.items():
            request.headers[key] = value


class RemoteSimulator:
    """One session on a Lex V2 runtime, with the simulator's `say`/`state` (what the runner needs)."""

    def __init__(
        self,
        client: Any,
        headers: _Headers,
        bot: RemoteBot,
        locale: str,
        *,
        display: Display,
        request_attributes: Mapping[str, str] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.client = client
        self.bot = bot
        self.locale = locale
        self.session_id = f"lexbot-test-{uuid.uuid4().hex[:20]}"
        self.request_attributes = dict(request_attributes or {})
        self._headers = headers
        self._display = display
        self._clock = clock
        self._state: dict[str, Any] = {}
        self._sent: dict[str, Any] = {}

    @property
    def state(self) -> dict[str, Any]:
        """Lex's session state as last returned: edit it (a forgery) and the next turn sends it."""
        return self._state

    def _ids(self) -> dict[str, str]:
        return {
            "botId": self.bot.bot_id,
            "botAliasId": self.bot.alias_id,
            "localeId": self.locale,
            "sessionId": self.session_id,
        }

    def say(self, text: str, *, input_mode: str = "Text", ssml: bool | None = None) -> SimResult:
        from botocore.exceptions import ClientError

        attributes = dict(self.request_attributes)
        if ssml:
            attributes[ACCEPT_CONTENT_TYPES] = "PlainText,SSML"
        request: dict[str, Any] = {**self._ids(), "text": text}
        if attributes:
            request["requestAttributes"] = attributes
        if self._state != self._sent:  # the client changed its session state (PutSession-like)
            request["sessionState"] = _sendable(self._state)
        self._headers.values = {}
        if self.bot.extensions:
            if self._clock is not None:
                self._headers.values[CLOCK_HEADER] = repr(float(self._clock()))
            if input_mode != "Text":
                self._headers.values[INPUT_MODE_HEADER] = input_mode
        try:
            answer = self.client.recognize_text(**request)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") not in LAMBDA_ERRORS:
                raise
            result = self._result(text, [], self._state)
            result.error = str(error.get("Message") or error.get("Code"))
            return result
        finally:
            self._headers.values = {}
        self._state = copy.deepcopy(answer.get("sessionState") or {})
        self._sent = copy.deepcopy(self._state)
        return self._result(text, answer.get("messages") or [], self._state)

    def _result(self, text: str, messages: list[dict[str, Any]], state: Mapping[str, Any]) -> SimResult:
        action = state.get("dialogAction") or {}
        kind = str(action.get("type", "ElicitIntent"))
        intent = state.get("intent") if kind != "ElicitIntent" else None
        shown = [
            SsmlMessage(m["content"]) if m.get("contentType") == "SSML" else str(m.get("content", ""))
            for m in messages
        ]
        name = str(intent["name"]) if isinstance(intent, Mapping) and intent.get("name") else None
        return SimResult(
            text=text,
            messages=shown,
            content_types=[str(m.get("contentType", "PlainText")) for m in messages],
            intent=name,
            intent_state=intent.get("state") if isinstance(intent, Mapping) else None,
            dialog_action=kind,
            slot_to_elicit=action.get("slotToElicit") if kind == "ElicitSlot" else None,
            slots=self._display(name, intent.get("slots") or {})
            if name and isinstance(intent, Mapping)
            else {},
            session_attributes=dict(state.get("sessionAttributes") or {}),
        )

    def close(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        with contextlib.suppress(ClientError, BotoCoreError):
            self.client.delete_session(**self._ids())


def _sendable(state: Mapping[str, Any]) -> dict[str, Any]:
    """A session state as a client sends it back: empty slots left out (the model's Value needs
    an interpretedValue), the rest as it was."""
    out = copy.deepcopy(dict(state))
    out.pop("originatingRequestId", None)
    intent = out.get("intent")
    if isinstance(intent, dict) and isinstance(intent.get("slots"), dict):
        intent["slots"] = {k: v for k, v in intent["slots"].items() if v is not None}
    return out


def display_slots(definition: Any, sensitive: Mapping[str, str], locale: str) -> Display:
    """How the simulator shows slots (card and obfuscated slots masked, sealed ones "(sealed)"),
    for slots read from a Lex answer."""

    def show(intent: str, slots: Mapping[str, Any]) -> dict[str, str | None]:
        try:
            found = definition.locale(locale).intents.get(intent)
        except Exception:
            found = None
        out: dict[str, str | None] = {}
        for name, slot in slots.items():
            text = slot_text(slot)
            hidden = name in sensitive or bool(found and name in found.slots and found.slots[name].obfuscated)
            if text is None:
                out[name] = None
            elif text.startswith(SEALED_PREFIX):
                out[name] = "(sealed)"
            else:
                out[name] = mask_value(text) if hidden else text
        return out

    return show


# --------------------------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class RemoteRun:
    report: ConversationReport
    skipped: Counter[str] = field(default_factory=Counter)  # expectation keys not checked
    skip_reason: str | None = None  # why the whole conversation was not played


class RemoteRunner:
    def __init__(
        self,
        client: Any,
        bot: RemoteBot,
        *,
        display: Display,
        sensitive_slots: frozenset[str] = frozenset(),
    ) -> None:
        self.client = client
        self.bot = bot
        self.display = display
        self.sensitive_slots = sensitive_slots
        self._headers = _Headers(client)

    def skip_reason(self, conversation: Conversation) -> str | None:
        if self.bot.extensions:
            return None
        for turn in conversation.turns:
            if turn.user is not None and conversation.channel(turn) != ("Text", False):
                return "voice or keypad turns need a phone channel (RecognizeText is text)"
        return None

    def run(self, conversation: Conversation) -> RemoteRun:
        """Play the conversation; never raises for a failing bot (see `run_conversation`)."""
        started = time.perf_counter()
        run = RemoteRun(ConversationReport(conversation))
        run.skip_reason = self.skip_reason(conversation)
        if run.skip_reason is not None:
            return run
        report = run.report
        chosen = conversation.locale
        if "locale" not in conversation.model_fields_set and self.bot.locale is not None:
            chosen = self.bot.locale
        simulator = RemoteSimulator(
            self.client,
            self._headers,
            self.bot,
            chosen,
            display=self.display,
            request_attributes=conversation.request_attributes,
            clock=conversation.clock,
        )
        cards: set[str] = set()
        codes: set[str] = set()
        last: SimResult | None = None
        try:
            for number, turn in enumerate(conversation.turns, start=1):
                mode, ssml = conversation.channel(turn) if turn.user is not None else ("Text", False)
                record = TurnRecord(number, turn, mode)
                report.records.append(record)
                if turn.user is None:
                    forge_attributes(simulator.state, turn)
                    continue
                cards |= card_numbers_in(turn.user)
                codes |= security_codes_in(
                    turn.user, asked=last is not None and last.slot_to_elicit in self.sensitive_slots
                )
                expected = self._checkable(turn.expect or Expectation(), run.skipped)
                result = simulator.say(turn.user, input_mode=mode, ssml=ssml)
                record.result = last = result
                record.failures += [f"turn {number}: {m}" for m in check(expected, result, None, None)]
                record.failures += [f"turn {number}: {m}" for m in leaks(result, cards, codes)]
                if result.error is not None and expected.error is None:
                    record.failures.append(f"turn {number}: (the run stopped here)")
                    break
            else:
                if conversation.final is not None and last is not None:
                    final = self._checkable(conversation.final, run.skipped)
                    report.final_failures += ["final: " + m for m in check(final, last, None, None)]
        except Exception:
            report.crash = traceback.format_exc()
        finally:
            simulator.close()
        report.seconds = time.perf_counter() - started
        return run

    @staticmethod
    def _checkable(expected: Expectation, skipped: Counter[str]) -> Expectation:
        given = expected.model_fields_set
        for key in SKIPPED_KEYS:
            if key in given:
                skipped[key] += 1
        kept = {key: getattr(expected, key) for key in given if key not in SKIPPED_KEYS}
        return Expectation.model_validate(kept)


def describe_skipped(skipped: Counter[str]) -> str:
    shown = ", ".join(f"{key} ×{count}" for key, count in sorted(skipped.items()))
    return f"skipped expectations only the simulator can see: {shown}" if shown else ""

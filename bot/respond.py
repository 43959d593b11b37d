"""Build the response: the Reply rendered as Lex V2 expects it, sensitive slots sealed, messages
redacted, the session attributes signed."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from bot.attributes import ClientAttributes, passthrough
from bot.dialog import Message, Reply
from bot.redact import redact
from bot.security import sealing, signing
from bot.shapes import clean, event_hints, render_slot, runtime_hints, sub_slot_action
from bot.speech import TEXT, Channel, Say

if TYPE_CHECKING:
    from pydantic import ValidationError

    from bot.events import LexEvent, Slot
    from bot.security.keys import Keys
    from bot.shapes import SlotOut

log = logging.getLogger("bot.turn")

_NAME = re.compile(r"(?:[0-9a-zA-Z][_-]?){1,100}")  # Lex's intent and slot name pattern
_CONTEXT_NAME = re.compile(r"(?:[A-Za-z]_?){1,100}")  # Lex's context name pattern
_LOCALE_ID = re.compile(r"[a-z]{2}_[A-Z0-9]{2,3}")
_TAG = re.compile(r"<[^>]*>")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
INTENT_STATES = frozenset({"Failed", "Fulfilled", "InProgress", "ReadyForFulfillment", "Waiting"})
CONFIRMATION_STATES = frozenset({"Confirmed", "Denied", "None"})
MAX_MESSAGE = 1000  # Lex's limit on a message's content
MAX_SLOT_VALUE = 1024
MAX_CONTEXTS = 20


def sign(keys: Keys, session_id: str, state: dict[str, str], binding: signing.Binding) -> dict[str, str]:
    return {**state, signing.SIGNATURE_KEY: signing.sign(keys.signing, session_id, state, binding)}


def render(
    reply: Reply,
    event: LexEvent,
    attributes: dict[str, str],
    *,
    keys: Keys,
    sensitive: Collection[str],
    declared: Callable[[str], frozenset[str] | None] = lambda intent: None,
    channel: Channel = TEXT,
    hints: Mapping[str, Mapping[str, tuple[str, ...]]] | None = None,
) -> dict[str, Any]:
    """The Lex response for `reply`, built from the bot's own values: whatever the event held that
    Lex would refuse (a malformed context, a slot name that is not one, an empty value, an invalid
    confirmation state, a lone surrogate) is dropped or normalized, never echoed. `declared(intent)`
    is the slot names the app declares for an intent (None: not declared)."""
    if reply.intent_name is not None and not _NAME.fullmatch(reply.intent_name):
        reply = Reply(
            action="ElicitIntent", intent_name=None, messages=reply.messages
        )  # not an intent Lex has
    action: dict[str, Any] = {"type": reply.action}
    if reply.slot_to_elicit:
        action["slotToElicit"] = reply.slot_to_elicit
        style = reply.elicitation_style or _kept_style(event, reply.slot_to_elicit)
        if style:
            action["slotElicitationStyle"] = style
        if reply.sub_slot and (sub := sub_slot_action(reply.sub_slot)):
            action["subSlotToElicit"] = sub
    state: dict[str, Any] = {"sessionAttributes": attributes, "dialogAction": action}
    if reply.intent_name is not None:
        known = declared(reply.intent_name)
        originals = event.intent.slots if reply.intent_name == event.intent.name else {}
        state["intent"] = {
            "name": reply.intent_name,
            "slots": {
                name: _slot(
                    keys,
                    event.sessionId,
                    name,
                    value,
                    sensitive=name in sensitive,
                    original=originals.get(name),
                )
                for name, value in reply.slots.items()
                if _NAME.fullmatch(name) and (known is None or name in known)
            },
            "state": reply.intent_state if reply.intent_state in INTENT_STATES else "InProgress",
            "confirmationState": reply.confirmation_state
            if reply.confirmation_state in CONFIRMATION_STATES
            else "None",
        }
    contexts = active_contexts(event.sessionState.activeContexts)
    if contexts:
        state["activeContexts"] = contexts
    hinted = runtime_hints(hints if hints is not None else event_hints(event.sessionState.runtimeHints))
    if hinted:
        state["runtimeHints"] = hinted
    response: dict[str, Any] = {"sessionState": state}
    if reply.messages:
        rendered = (_message(m, channel) for m in reply.messages)
        response["messages"] = [{"contentType": kind, "content": text} for kind, text in rendered if text]
    return response


def _message(message: Message, channel: Channel) -> tuple[str, str]:
    """(contentType, content) of one message, for `channel`: the one choke point every outgoing
    message passes. Plain text is redacted; SSML is sent only when it is well-formed `<speak>`
    within Lex's length limit and its spoken text needs no redaction, else its plain text is."""
    content = message.content
    kind, text = content.render(channel) if isinstance(content, Say) else (message.content_type, content)
    if kind == "SSML":
        spoken = ssml_text(text)
        if spoken is not None and redact(spoken) == spoken and len(text) <= MAX_MESSAGE:
            return "SSML", safe_text(text)
        if isinstance(content, Say):
            text = content.text(voice=True)
        else:  # a hand-written SSML string: what it would say
            text = spoken if spoken is not None else _TAG.sub("", text)
    return "PlainText", safe_text(redact(text))[:MAX_MESSAGE]


def ssml_text(ssml: str) -> str | None:
    """The text an SSML document speaks, or None if it is not a well-formed `<speak>` document."""
    if "<!" in ssml:  # no DOCTYPE, entity declarations or CDATA: Polly takes none
        return None
    try:
        root = ElementTree.fromstring(ssml)  # noqa: S314 - no DTD (refused above), so nothing to expand
    except ElementTree.ParseError:
        return None
    return "".join(root.itertext()) if root.tag == "speak" else None


def safe_text(text: str) -> str:
    """Lone surrogates (not encodable as UTF-8, refused by Lex) replaced with U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def active_contexts(raw: Any) -> list[dict[str, Any]]:
    """The event's active contexts that are valid Lex contexts (name, time to live, string
    attributes); anything else is dropped."""
    if not isinstance(raw, list):
        return []
    kept: list[dict[str, Any]] = []
    for context in raw[:MAX_CONTEXTS]:
        if not isinstance(context, dict):
            continue
        name, ttl, values = (
            context.get("name"),
            context.get("timeToLive"),
            context.get("contextAttributes", {}),
        )
        if not isinstance(name, str) or not _CONTEXT_NAME.fullmatch(name) or not isinstance(ttl, dict):
            continue
        seconds, turns = ttl.get("timeToLiveInSeconds"), ttl.get("turnsToLive")
        if not (_int_in(seconds, 5, 86400) and _int_in(turns, 1, 20)):
            continue
        if not isinstance(values, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and len(v) <= 1024 for k, v in values.items()
        ):
            continue
        kept.append(
            {
                "name": name,
                "timeToLive": {"timeToLiveInSeconds": seconds, "turnsToLive": turns},
                "contextAttributes": {safe_text(k): safe_text(v) for k, v in values.items()},
            }
        )
    return kept


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _slot(
    keys: Keys, session_id: str, name: str, value: SlotOut, *, sensitive: bool, original: Slot | None
) -> dict[str, Any] | None:
    if not sensitive:
        return render_slot(value, original)
    if not isinstance(value, str) or not value:  # a card slot is only ever one sealed text
        return None
    if not sealing.is_sealed(value):  # the bounded text, sealed (the seal itself is never cut)
        value = sealing.seal(keys.sealing[0], clean(value), session_id=session_id, slot=name)
    return {
        "shape": "Scalar",
        "value": {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]},
    }


_STYLES = frozenset({"Default", "SpellByLetter", "SpellByWord"})


def _kept_style(event: LexEvent, slot: str) -> str | None:
    """The elicitation style Lex was using for `slot`, kept when the bot asks for it again."""
    action = event.sessionState.dialogAction
    if action is None or action.slotToElicit != slot or action.slotElicitationStyle not in _STYLES:
        return None
    return action.slotElicitationStyle


def raw_locale(raw: Any) -> str:
    """The locale an unreadable event names, if it names a plausible one (for the answer's language)."""
    bot = raw.get("bot") if isinstance(raw, dict) else None
    locale = bot.get("localeId") if isinstance(bot, dict) else None
    return locale if isinstance(locale, str) and _LOCALE_ID.fullmatch(locale) else "en_US"


def bad_event(exc: ValidationError, text: str, raw: Any = None) -> dict[str, Any]:
    """The answer to an event that is not a readable Lex V2 code-hook event (names no field value).

    What can still be read is not dropped: the session attributes come back as the client sent
    them (strings only, nothing that holds a card number, within the size bound; the bot's signed
    state untouched, to be checked against the store on the next turn), and when the event names
    the intent and the slot Lex was eliciting, that slot is asked for again instead of ending the
    dialog."""
    fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})[:10]
    log.error("malformed Lex event", extra={"invalid_fields": fields})
    state = raw.get("sessionState") if isinstance(raw, dict) else None
    state = state if isinstance(state, dict) else {}
    sent = state.get("sessionAttributes")
    strings = (
        {k: v for k, v in sent.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(sent, dict)
        else {}
    )
    session_id = raw.get("sessionId") if isinstance(raw, dict) else None
    attributes = passthrough(
        strings,
        owned=(),
        policy=_RECOVERED,
        session_id=session_id if isinstance(session_id, str) else "unknown",
    )
    action: dict[str, Any] = {"type": "ElicitIntent"}
    session: dict[str, Any] = {"sessionAttributes": attributes, "dialogAction": action}
    intent, slot = _eliciting(state)
    if intent is not None and slot is not None:
        action.update(type="ElicitSlot", slotToElicit=slot)
        session["intent"] = {"name": intent, "slots": {}, "state": "InProgress", "confirmationState": "None"}
    return {"sessionState": session, "messages": [{"contentType": "PlainText", "content": text}]}


_RECOVERED = ClientAttributes(max_bytes=32_768)  # the bot's own state is among them here


def _eliciting(state: dict[str, Any]) -> tuple[str | None, str | None]:
    """The intent and slot Lex was eliciting, if the raw session state names valid ones."""
    action, intent = state.get("dialogAction"), state.get("intent")
    slot = (
        action.get("slotToElicit")
        if isinstance(action, dict) and action.get("type") == "ElicitSlot"
        else None
    )
    name = intent.get("name") if isinstance(intent, dict) else None
    if isinstance(name, str) and _NAME.fullmatch(name) and isinstance(slot, str) and _NAME.fullmatch(slot):
        return name, slot
    return None, None

"""The bot definition the simulator plays: read from the `AWS::Lex::Bot` resource of a
CloudFormation/SAM template (CloudFormation short tags such as !Ref, !GetAtt and !Sub are
tolerated), into typed, immutable models.

    definition = load_definition("template.yaml")
    locale = definition.locale("en_US")
    locale.intents["CollectCard"].slots["CardNumber"].prompt.messages[0]

Parsed definitions are cached by (path, mtime), so a test suite reads the template once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FALLBACK_SIGNATURE = "AMAZON.FallbackIntent"
DEFAULT_IDLE_SESSION_TTL = 300  # Lex's default session lifetime (5 minutes)
DEFAULT_NLU_THRESHOLD = 0.40  # Lex's default NluConfidenceThreshold


class BotDefinitionError(ValueError):
    """The template has no usable `AWS::Lex::Bot` definition."""


# --- models ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt (or response) specification: its plain-text messages, first group first."""

    messages: tuple[str, ...]
    max_retries: int = 0
    allow_interrupt: bool = True

    @property
    def text(self) -> str | None:
        return self.messages[0] if self.messages else None


@dataclass(frozen=True, slots=True)
class SlotDefinition:
    name: str
    type_name: str
    required: bool
    prompt: Prompt | None
    obfuscated: bool = False
    sample_utterances: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class SlotTypeValue:
    value: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SlotTypeDefinition:
    name: str
    parent: str | None = None  # ParentSlotTypeSignature, e.g. AMAZON.AlphaNumeric
    values: tuple[SlotTypeValue, ...] = ()
    regex: str | None = None  # ValueSelectionSetting.RegexFilter.Pattern
    resolution_strategy: str = "ORIGINAL_VALUE"  # or TOP_RESOLUTION
    description: str = ""


@dataclass(frozen=True, slots=True)
class IntentDefinition:
    name: str
    sample_utterances: tuple[str, ...] = ()
    slots: Mapping[str, SlotDefinition] = field(default_factory=dict)
    slot_priorities: tuple[str, ...] = ()  # slot names, highest priority first
    confirmation_prompt: Prompt | None = None  # IntentConfirmationSetting (when active)
    declination_response: Prompt | None = None
    closing_response: Prompt | None = None  # IntentClosingSetting.ClosingResponse
    dialog_code_hook: bool = False
    fulfillment_code_hook: bool = False
    parent_signature: str | None = None
    description: str = ""

    @property
    def is_fallback(self) -> bool:
        return self.parent_signature == FALLBACK_SIGNATURE

    @property
    def ordered_slots(self) -> tuple[str, ...]:
        """Slot names in elicitation order: SlotPriorities first, then any others as declared."""
        listed = [s for s in self.slot_priorities if s in self.slots]
        return tuple(listed + [s for s in self.slots if s not in listed])


# eq=False: a locale hashes by identity, so caches (compiled utterances) can key on it.
@dataclass(frozen=True, slots=True, eq=False)
class LocaleDefinition:
    locale_id: str
    nlu_confidence_threshold: float
    intents: Mapping[str, IntentDefinition]
    slot_types: Mapping[str, SlotTypeDefinition]

    @property
    def fallback_intent(self) -> str:
        for intent in self.intents.values():
            if intent.is_fallback:
                return intent.name
        return "FallbackIntent"


@dataclass(frozen=True, slots=True, eq=False)
class BotDefinition:
    name: str
    logical_id: str
    idle_session_ttl_seconds: int
    locales: Mapping[str, LocaleDefinition]
    source: str | None = None

    def locale(self, locale_id: str) -> LocaleDefinition:
        try:
            return self.locales[locale_id]
        except KeyError:
            known = ", ".join(sorted(self.locales)) or "none"
            raise BotDefinitionError(f"bot {self.name} has no locale {locale_id} (it has: {known})") from None


# --- loading ----------------------------------------------------------------------------------------


class CfnLoader(yaml.SafeLoader):
    """A SafeLoader that also reads CloudFormation's short tags (!Ref, !GetAtt, !Sub, !If, ...)."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - YAML has no other node kinds
        raise TypeError(f"unexpected node {node!r}")
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _intrinsic)

_cache: dict[tuple[str, int], Any] = {}  # (resolved path, mtime) -> the parsed template
_definitions: dict[tuple[str, int], BotDefinition] = {}
_cache_lock = threading.Lock()


def read_template(path: str | os.PathLike[str] = "template.yaml") -> tuple[Path, Any]:
    """The parsed template at `path` (CloudFormation short tags tolerated), cached by path and
    modification time, with its resolved path. Raises `BotDefinitionError` when it cannot be read
    or is not YAML; the caller decides what the content must be."""
    file = Path(path).resolve()
    try:
        key = (str(file), file.stat().st_mtime_ns)
    except OSError as exc:
        raise BotDefinitionError(f"cannot read template {file}: {exc}") from exc
    with _cache_lock:
        if key in _cache:
            return file, _cache[key]
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BotDefinitionError(f"cannot read template {file}: {exc}") from exc
    with _cache_lock:
        for stale in [k for k in _cache if k[0] == key[0]]:
            del _cache[stale]
        _cache[key] = data
    return file, data


def load_definition(path: str | os.PathLike[str] = "template.yaml") -> BotDefinition:
    """The bot defined in the template at `path` (cached by path and modification time)."""
    file, data = read_template(path)
    key = (str(file), file.stat().st_mtime_ns)
    with _cache_lock:
        cached = _definitions.get(key)
    if cached is not None:
        return cached
    definition = definition_from_template(data, source=str(file))
    with _cache_lock:
        for stale in [k for k in _definitions if k[0] == key[0]]:
            del _definitions[stale]
        _definitions[key] = definition
    return definition


def definition_from_template(template: Any, *, source: str | None = None) -> BotDefinition:
    """The first `AWS::Lex::Bot` resource of a parsed template."""
    where = source or "the template"
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        raise BotDefinitionError(f"{where} has no Resources section, so no AWS::Lex::Bot resource")
    for logical_id, resource in resources.items():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Lex::Bot":
            return _bot(str(logical_id), _mapping(resource.get("Properties")), source)
    raise BotDefinitionError(f"{where} defines no AWS::Lex::Bot resource")


def _bot(logical_id: str, props: dict[str, Any], source: str | None) -> BotDefinition:
    name = props.get("Name")
    locales = {}
    for raw in _list(props.get("BotLocales")):
        locale = _locale(_mapping(raw))
        locales[locale.locale_id] = locale
    if not locales:
        raise BotDefinitionError(f"bot {logical_id} has no BotLocales")
    return BotDefinition(
        name=name if isinstance(name, str) else logical_id,
        logical_id=logical_id,
        idle_session_ttl_seconds=int(props.get("IdleSessionTTLInSeconds", DEFAULT_IDLE_SESSION_TTL)),
        locales=locales,
        source=source,
    )


def _locale(raw: dict[str, Any]) -> LocaleDefinition:
    locale_id = str(raw.get("LocaleId", ""))
    if not locale_id:
        raise BotDefinitionError("a bot locale has no LocaleId")
    slot_types = {t.name: t for t in (_slot_type(_mapping(r)) for r in _list(raw.get("SlotTypes")))}
    intents = {i.name: i for i in (_intent(_mapping(r)) for r in _list(raw.get("Intents")))}
    return LocaleDefinition(
        locale_id=locale_id,
        nlu_confidence_threshold=float(raw.get("NluConfidenceThreshold", DEFAULT_NLU_THRESHOLD)),
        intents=intents,
        slot_types=slot_types,
    )


def _slot_type(raw: dict[str, Any]) -> SlotTypeDefinition:
    selection = _mapping(raw.get("ValueSelectionSetting"))
    regex = _mapping(selection.get("RegexFilter")).get("Pattern")
    values = []
    for raw_item in _list(raw.get("SlotTypeValues")):
        item = _mapping(raw_item)
        sample = _mapping(item.get("SampleValue")).get("Value")
        if isinstance(sample, str) and sample:
            synonyms = tuple(
                str(s["Value"]) for s in _list(item.get("Synonyms")) if isinstance(s, dict) and "Value" in s
            )
            values.append(SlotTypeValue(sample, synonyms))
    return SlotTypeDefinition(
        name=str(raw.get("Name", "")),
        parent=_str_or_none(raw.get("ParentSlotTypeSignature")),
        values=tuple(values),
        regex=regex if isinstance(regex, str) else None,
        resolution_strategy=str(selection.get("ResolutionStrategy", "ORIGINAL_VALUE")),
        description=str(raw.get("Description", "")),
    )


def _intent(raw: dict[str, Any]) -> IntentDefinition:
    slots = {s.name: s for s in (_slot(_mapping(r)) for r in _list(raw.get("Slots")))}
    priorities = sorted(
        (_mapping(p) for p in _list(raw.get("SlotPriorities"))), key=lambda p: int(p.get("Priority", 0))
    )
    confirmation = _mapping(raw.get("IntentConfirmationSetting"))
    active = bool(confirmation) and confirmation.get("IsActive", True) is not False
    closing = _mapping(raw.get("IntentClosingSetting"))
    return IntentDefinition(
        name=str(raw.get("Name", "")),
        sample_utterances=_utterances(raw.get("SampleUtterances")),
        slots=slots,
        slot_priorities=tuple(str(p["SlotName"]) for p in priorities if "SlotName" in p),
        confirmation_prompt=_prompt(confirmation.get("PromptSpecification")) if active else None,
        declination_response=_prompt(confirmation.get("DeclinationResponse")) if active else None,
        closing_response=_prompt(closing.get("ClosingResponse"))
        if closing.get("IsActive", True) is not False
        else None,
        dialog_code_hook=_enabled(raw.get("DialogCodeHook")),
        fulfillment_code_hook=_enabled(raw.get("FulfillmentCodeHook")),
        parent_signature=_str_or_none(raw.get("ParentIntentSignature")),
        description=str(raw.get("Description", "")),
    )


def _slot(raw: dict[str, Any]) -> SlotDefinition:
    elicitation = _mapping(raw.get("ValueElicitationSetting"))
    obfuscation = _mapping(raw.get("ObfuscationSetting")).get("ObfuscationSettingType")
    return SlotDefinition(
        name=str(raw.get("Name", "")),
        type_name=str(raw.get("SlotTypeName", "AMAZON.FreeFormInput")),
        required=elicitation.get("SlotConstraint", "Optional") == "Required",
        prompt=_prompt(elicitation.get("PromptSpecification")),
        obfuscated=obfuscation == "DefaultObfuscation",
        sample_utterances=_utterances(elicitation.get("SampleUtterances")),
        description=str(raw.get("Description", "")),
    )


def _prompt(raw: Any) -> Prompt | None:
    """Plain-text (else SSML) messages of a PromptSpecification or ResponseSpecification."""
    spec = _mapping(raw)
    if not spec:
        return None
    texts: list[str] = []
    for raw_group in _list(spec.get("MessageGroupsList")):
        group = _mapping(raw_group)
        for message in [group.get("Message"), *_list(group.get("Variations"))]:
            text = _message_text(_mapping(message))
            if text:
                texts.append(text)
    return Prompt(
        messages=tuple(texts),
        max_retries=int(spec.get("MaxRetries", 0)),
        allow_interrupt=spec.get("AllowInterrupt", True) is not False,
    )


def _message_text(message: dict[str, Any]) -> str | None:
    for kind in ("PlainTextMessage", "SSMLMessage"):
        value = _mapping(message.get(kind)).get("Value")
        if isinstance(value, str) and value.strip():
            return value
    return None


def _utterances(raw: Any) -> tuple[str, ...]:
    return tuple(
        str(u["Utterance"]) for u in _list(raw) if isinstance(u, dict) and isinstance(u.get("Utterance"), str)
    )


def _enabled(raw: Any) -> bool:
    return isinstance(raw, dict) and raw.get("Enabled") is True


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

"""Template <-> code checks that hold for any Lex V2 bot built on this framework.

Each check takes the app (`bot.app.App`) and its SAM/CloudFormation template (a path, or a
`Template` already loaded) and returns its problems as sentences (empty: fine). They read the
template as plain YAML (CloudFormation short tags tolerated): no SAM, cfn-lint or AWS account.

    from bot.dev.checks import run_checks
    problems = run_checks(app, "template.yaml")          # {check name: [problem, ...]}
    assert not any(problems.values()), problems

`CHECKS` lists them by name (`checks_for(min_utterances=8)` with options applied); the pytest
plugin (`bot.dev.pytest_plugin`) makes one test of each per configured bot. A bot's own,
stricter rules (IAM, tables, its slot types) stay in its own tests, built on the same helpers
(`Template`, `refers_to`, `resolve`, `code_hook_function`, `lambda_environment`).

What "the code hook" is: the Lambda function that the bot's aliases (`AWS::Lex::BotAlias`
resources and the bot's `TestBotAliasSettings`) name in `CodeHookSpecification`. SAM `Globals`
(`Function`) apply to it. Where a template has several `AWS::Lex::Bot` resources, the first one
is the bot (as for the simulator).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.dev.simulator.definition import FALLBACK_SIGNATURE, BotDefinitionError, read_template

if TYPE_CHECKING:
    from bot.app import App

__all__ = [
    "CHECKS",
    "Check",
    "Template",
    "TemplateError",
    "checks_for",
    "code_hook_function",
    "lambda_environment",
    "refers_to",
    "resolve",
    "run_checks",
]

HANDLER = "bot.handler.lambda_handler"
RUNTIMES = frozenset({"python3.12", "python3.13"})
LEX_PRINCIPAL = "lexv2.amazonaws.com"
CODE_HOOK_INTERFACE = "1.0"
TEST_ALIAS = "TestBotAliasSettings"  # the bot's built-in test alias (TSTALIASID)
TEST_ALIAS_ID = "TSTALIASID"
OBFUSCATED = {"ObfuscationSettingType": "DefaultObfuscation"}
MAX_MESSAGE_CHARS = 1000  # a Lex PlainTextMessage/SSMLMessage value
MAX_RETRIES = range(0, 6)  # a prompt's MaxRetries (Lex V2: 0-5)
DEFAULT_IDLE_SESSION_TTL = 300
# Environment variables that hold (or point at) a secret.
SECRET_NAME = re.compile(r"secret|password|passwd|api_?key|private_?key|credential|(?:^|_)token$", re.I)
THROWAWAY_SECRET = b"k" * 40  # the keys a check builds the app with: never a real secret
PSEUDO_PARAMETERS = {
    "AWS::AccountId": "123456789012",
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::StackName": "stack",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/id",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": "",
}
_REFERENCE = re.compile(r"\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z0-9.]+))?\}")
_UTTERANCE_SLOT = re.compile(r"\{([^{}]*)\}")


class TemplateError(ValueError):
    """The template cannot be read, or lacks what a check needs (the problem is the message)."""


# --- the template -------------------------------------------------------------------------------

_templates: dict[tuple[str, int], Template] = {}


@dataclass(frozen=True, eq=False)
class Template:
    """A parsed template: `Template.load(path)` (cached by path and modification time)."""

    path: Path
    data: Mapping[str, Any]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Template:
        if not Path(path).is_file():
            raise TemplateError(f"cannot read the template {Path(path).resolve()}: no such file")
        try:
            file, data = read_template(path)  # the simulator's reader: parsed once, cached by mtime
        except BotDefinitionError as exc:
            name = Path(path).name
            raise TemplateError(f"{name} does not load as YAML with CloudFormation tags: {exc}") from None
        if not isinstance(data, dict):
            raise TemplateError(f"{file.name} is not a mapping at the top level")
        key = (str(file), id(data))  # one Template per parsed template: the checks share it
        if key not in _templates:
            _templates[key] = cls(file, data)
        return _templates[key]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        found = self.data.get("Resources")
        if not isinstance(found, dict):
            raise TemplateError(f"{self.name} has no Resources section")
        return {str(k): v for k, v in found.items() if isinstance(v, dict)}

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        found = self.data.get("Parameters") or {}
        return {str(k): v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r.get("Type") in types}

    def properties(self, logical_id: str) -> dict[str, Any]:
        props = self.resources.get(logical_id, {}).get("Properties")
        return props if isinstance(props, dict) else {}

    def bot(self) -> tuple[str, dict[str, Any]]:
        """The (first) `AWS::Lex::Bot`: its logical id and properties."""
        bots = self.of_type("AWS::Lex::Bot")
        if not bots:
            raise TemplateError(f"{self.name} defines no AWS::Lex::Bot resource")
        logical_id = next(iter(bots))
        return logical_id, self.properties(logical_id)

    def locales(self) -> list[dict[str, Any]]:
        found = [loc for loc in as_list(self.bot()[1].get("BotLocales")) if isinstance(loc, dict)]
        if not found:
            raise TemplateError(f"bot {self.bot()[0]} has no BotLocales")
        return found

    def function(self, logical_id: str) -> dict[str, Any]:
        """A function's properties, SAM `Globals.Function` applied (environment variables merged)."""
        props = dict(self.properties(logical_id))
        if self.resources.get(logical_id, {}).get("Type") != "AWS::Serverless::Function":
            return props
        globals_ = self.data.get("Globals")
        defaults = globals_.get("Function") if isinstance(globals_, dict) else None
        if not isinstance(defaults, dict):
            return props
        merged = {**defaults, **props}
        variables = {**_variables(defaults), **_variables(props)}
        if variables:
            merged["Environment"] = {"Variables": variables}
        return merged


type TemplateLike = Template | str | os.PathLike[str]


def _load(template: TemplateLike) -> Template:
    return template if isinstance(template, Template) else Template.load(template)


def _variables(props: Mapping[str, Any]) -> dict[str, Any]:
    environment = props.get("Environment")
    variables = environment.get("Variables") if isinstance(environment, dict) else None
    return dict(variables) if isinstance(variables, dict) else {}


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def sub_text(value: Any) -> str:
    """The string of a `!Sub` (either form), or the value itself if it is a plain string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else str(as_list(sub)[0])
    return ""


def target(value: Any) -> str | None:
    """The logical id a value points at: !Ref X, !Ref X.Alias, !GetAtt X.attr, !Sub "${X.Arn}"."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("Ref"), str):
        return str(value["Ref"]).split(".", 1)[0]
    if "Fn::GetAtt" in value:
        parts = as_list(value["Fn::GetAtt"])
        return str(parts[0]).split(".", 1)[0] if parts else None
    if "Fn::Sub" in value:
        names = [m.group(1) for m in _REFERENCE.finditer(sub_text(value)) if "::" not in m.group(1)]
        return names[0] if len(names) == 1 else None
    return None


def refers_to(value: Any, logical_id: str) -> bool:
    """True for !Ref X, !GetAtt X.attr, or a !Sub mentioning ${X} / ${X.attr}."""
    if isinstance(value, dict):
        if value.get("Ref") == logical_id or str(value.get("Ref", "")).startswith(f"{logical_id}."):
            return True
        if "Fn::GetAtt" in value:
            parts = as_list(value["Fn::GetAtt"])
            return bool(parts) and str(parts[0]).split(".", 1)[0] == logical_id
        if "Fn::Sub" in value:
            return (
                re.search(r"\$\{" + re.escape(logical_id) + r"(\.[A-Za-z.]+)?\}", sub_text(value)) is not None
            )
    return False


def resolve(template: Template, value: Any) -> str:
    """A stand-in for what CloudFormation would put in an environment variable: a parameter's
    Default (a parameter without one: a Secrets Manager ARN, as secrets are passed), a resource's
    placeholder (`resolved-X`, an ARN for `.Arn` and for secrets), `!Sub`/`!Join` assembled,
    the first branch of an `!If`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
        if kind == "Ref":
            return _resolve_name(template, str(inner), None)
        if kind == "Fn::GetAtt":
            parts = str(inner).split(".", 1) if isinstance(inner, str) else [str(p) for p in as_list(inner)]
            return _resolve_name(template, parts[0], parts[1] if len(parts) > 1 else None)
        if kind == "Fn::Sub":
            text = sub_text(value)
            names = as_list(inner)[1] if isinstance(inner, list) and len(inner) > 1 else {}

            def one(match: re.Match[str]) -> str:
                name, attribute = match.group(1), match.group(2)
                if isinstance(names, dict) and name in names:
                    return resolve(template, names[name])
                return _resolve_name(template, name, attribute)

            return _REFERENCE.sub(one, text)
        if kind == "Fn::Join" and isinstance(inner, list) and len(inner) == 2:
            return str(inner[0]).join(resolve(template, part) for part in as_list(inner[1]))
        if kind == "Fn::If" and isinstance(inner, list) and len(inner) == 3:
            return resolve(template, inner[1])
    raise TemplateError(f"cannot resolve {value!r} to a value")


def _resolve_name(template: Template, name: str, attribute: str | None) -> str:
    if name in PSEUDO_PARAMETERS:
        return PSEUDO_PARAMETERS[name]
    parameter = template.parameters.get(name)
    if parameter is not None:
        if "Default" in parameter:
            return str(parameter["Default"])
        return f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf"
    resource_type = template.resources.get(name, {}).get("Type")
    if resource_type == "AWS::SecretsManager::Secret" and attribute is None:
        return f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf"
    if attribute is not None and attribute.endswith("Arn"):
        return f"arn:aws:resolved:us-east-1:123456789012:{name}"
    return f"resolved-{name}" if attribute is None else f"resolved-{name}-{attribute}"


# --- what the aliases say ---------------------------------------------------------------------


def aliases(template: Template) -> dict[str, list[Any]]:
    """Every alias of the bot (the test alias as `TestBotAliasSettings`) -> its locale settings."""
    bot_id, props = template.bot()
    found: dict[str, list[Any]] = {}
    test = props.get("TestBotAliasSettings")
    if isinstance(test, dict):
        found[TEST_ALIAS] = as_list(test.get("BotAliasLocaleSettings"))
    for name, alias in template.of_type("AWS::Lex::BotAlias").items():
        alias_props = alias.get("Properties") or {}
        if refers_to(alias_props.get("BotId"), bot_id):
            found[name] = as_list(alias_props.get("BotAliasLocaleSettings"))
    return found


def _hook(setting: Any) -> dict[str, Any]:
    inner = setting.get("BotAliasLocaleSetting") if isinstance(setting, dict) else None
    spec = inner.get("CodeHookSpecification") if isinstance(inner, dict) else None
    hook = spec.get("LambdaCodeHook") if isinstance(spec, dict) else None
    return hook if isinstance(hook, dict) else {}


def code_hook_function(template: TemplateLike) -> str:
    """The logical id of the Lambda function the bot's aliases call as their code hook."""
    t = _load(template)
    named = {target(_hook(s).get("LambdaArn")) for settings in aliases(t).values() for s in settings}
    named.discard(None)
    functions = {n for n in named if n in t.of_type("AWS::Serverless::Function", "AWS::Lambda::Function")}
    if not functions:
        shown = f" (they name {', '.join(sorted(str(n) for n in named))})" if named else ""
        raise TemplateError(
            f"no alias of bot {t.bot()[0]} names a Lambda function of {t.name} in "
            f"CodeHookSpecification.LambdaCodeHook.LambdaArn{shown}: the code hook is never called"
        )
    if len(functions) > 1:
        raise TemplateError(f"the aliases of bot {t.bot()[0]} name different code hooks: {sorted(functions)}")
    return functions.pop()


def lambda_environment(template: TemplateLike, function: str | None = None) -> dict[str, str]:
    """The code hook's environment as Lambda would see it (`resolve`d), with
    AWS_LAMBDA_FUNCTION_NAME set: what `Settings.from_env` reads at init."""
    t = _load(template)
    function = function or code_hook_function(t)
    props = t.function(function)
    env = {name: resolve(t, value) for name, value in _variables(props).items()}
    name = props.get("FunctionName")
    env["AWS_LAMBDA_FUNCTION_NAME"] = name if isinstance(name, str) and name else function
    return env


# --- checks ---------------------------------------------------------------------------------------

type Check = Callable[["App[Any]", TemplateLike], list[str]]


def _guarded[**P](check: Callable[P, list[str]]) -> Callable[P, list[str]]:
    """A check reports a template it cannot read (or a crash) as its problem, never raises."""

    @functools.wraps(check)
    def run(*args: P.args, **kwargs: P.kwargs) -> list[str]:
        try:
            return check(*args, **kwargs)
        except TemplateError as exc:
            return [str(exc)]
        except Exception as exc:
            return [f"the check could not run: {type(exc).__name__}: {exc}"]

    return run


def _intents(t: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    for locale in t.locales():
        for intent in as_list(locale.get("Intents")):
            if isinstance(intent, dict):
                yield str(locale.get("LocaleId")), intent


def _slots(intent: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [slot for slot in as_list(intent.get("Slots")) if isinstance(slot, dict)]


def _is_fallback(intent: Mapping[str, Any]) -> bool:
    return intent.get("ParentIntentSignature") == FALLBACK_SIGNATURE


def _utterances(owner: Mapping[str, Any]) -> list[str]:
    return [str(u["Utterance"]) for u in as_list(owner.get("SampleUtterances")) if isinstance(u, dict)]


def _enabled(intent: Mapping[str, Any], hook: str) -> bool:
    setting = intent.get(hook)
    return isinstance(setting, dict) and setting.get("Enabled") is True


@_guarded
def check_template_loads(app: App[Any], template: TemplateLike) -> list[str]:
    """The template loads (CloudFormation short tags included) and defines a Lex bot with
    locales and intents that the simulator can read."""
    from bot.dev.simulator.definition import BotDefinitionError, definition_from_template

    t = _load(template)
    problems = []
    bots = t.of_type("AWS::Lex::Bot")
    if len(bots) > 1:
        problems.append(f"{t.name} defines {len(bots)} bots ({', '.join(bots)}); the checks read the first")
    for locale in t.locales():
        if not locale.get("LocaleId"):
            problems.append("a bot locale has no LocaleId")
        elif not as_list(locale.get("Intents")):
            problems.append(f"locale {locale['LocaleId']} has no intents")
    try:
        definition_from_template(t.data, source=str(t.path))
    except BotDefinitionError as exc:
        problems.append(f"the simulator cannot read the bot: {exc}")
    return problems


@_guarded
def check_intents_match_handlers(app: App[Any], template: TemplateLike) -> list[str]:
    """Every intent of each locale has a handler, every handler an intent, every form slot and
    every sensitive slot is defined (`App.check` against each locale)."""
    from bot.dev.local import schema_of
    from bot.dev.simulator.definition import definition_from_template

    t = _load(template)
    definition = definition_from_template(t.data, source=str(t.path))
    problems: list[str] = []
    for locale in definition.locales:
        problems += app.check(schema_of(definition, locale))
    return problems


@_guarded
def check_fallback_intent(app: App[Any], template: TemplateLike) -> list[str]:
    """Each locale has exactly one AMAZON.FallbackIntent, routed to the app's fallback handler,
    with its dialog code hook on, and no utterances or slots (Lex refuses them)."""
    from bot.events import InvocationSource

    t = _load(template)
    problems = []
    for locale in t.locales():
        where = f"locale {locale.get('LocaleId')}"
        fallbacks = [i for i in as_list(locale.get("Intents")) if isinstance(i, dict) and _is_fallback(i)]
        if len(fallbacks) != 1:
            problems.append(
                f"{where}: {len(fallbacks)} intents with ParentIntentSignature {FALLBACK_SIGNATURE} "
                "(bot creation fails without exactly one)"
            )
            continue
        fallback = fallbacks[0]
        name = str(fallback.get("Name"))
        if name not in app.intents:
            problems.append(f"{where}: the fallback intent {name} has no handler in app {app.name}")
        elif app.router.fallback is None or app.router.fallback != app.router.route(
            name, InvocationSource.DIALOG
        ):
            problems.append(
                f"{where}: {name} is not the app's fallback (register it with app.fallback(...)), so "
                "intents without a handler are not answered by it"
            )
        if not _enabled(fallback, "DialogCodeHook"):
            problems.append(f"{where}: the fallback intent {name} does not enable its DialogCodeHook")
        if _utterances(fallback):
            problems.append(f"{where}: the fallback intent {name} has sample utterances (Lex takes none)")
        if _slots(fallback):
            problems.append(f"{where}: the fallback intent {name} has slots (Lex takes none)")
    return problems


@_guarded
def check_sample_utterances(app: App[Any], template: TemplateLike, *, min_utterances: int = 1) -> list[str]:
    """Each intent but the fallback has at least `min_utterances` sample utterances, none repeated."""
    problems = []
    for locale, intent in _intents(_load(template)):
        if _is_fallback(intent):
            continue
        utterances = _utterances(intent)
        if len(utterances) < min_utterances:
            problems.append(
                f"{locale} {intent.get('Name')}: {len(utterances)} sample "
                f"utterance{'' if len(utterances) == 1 else 's'} (at least {min_utterances})"
            )
        seen: set[str] = set()
        for utterance in utterances:
            key = " ".join(utterance.lower().split())
            if key in seen:
                problems.append(f"{locale} {intent.get('Name')}: {utterance!r} is listed twice")
            seen.add(key)
    return problems


@_guarded
def check_code_hooks(app: App[Any], template: TemplateLike) -> list[str]:
    """Each intent but the fallback enables its dialog and fulfillment code hooks (the framework
    answers both; without them Lex fills slots and closes the intent on its own)."""
    problems = []
    for locale, intent in _intents(_load(template)):
        if _is_fallback(intent):
            continue
        for hook in ("DialogCodeHook", "FulfillmentCodeHook"):
            if not _enabled(intent, hook):
                problems.append(f"{locale} {intent.get('Name')}: {hook} is not enabled")
    return problems


@_guarded
def check_utterance_slot_references(app: App[Any], template: TemplateLike) -> list[str]:
    """{Slot} in an intent's utterances names a slot of that intent; a slot's own elicitation
    utterances name exactly that slot."""
    problems = []
    for locale, intent in _intents(_load(template)):
        slots = {str(slot.get("Name")) for slot in _slots(intent)}
        for utterance in _utterances(intent):
            unknown = set(_UTTERANCE_SLOT.findall(utterance)) - slots
            if unknown:
                problems.append(
                    f"{locale} {intent.get('Name')}: {utterance!r} names {', '.join(sorted(unknown))}, "
                    "not a slot of the intent"
                )
        for slot in _slots(intent):
            setting = slot.get("ValueElicitationSetting") or {}
            for utterance in _utterances(setting if isinstance(setting, dict) else {}):
                referenced = set(_UTTERANCE_SLOT.findall(utterance))
                if referenced != {slot.get("Name")}:
                    problems.append(
                        f"{locale} {intent.get('Name')}.{slot.get('Name')}: {utterance!r} must name "
                        f"{{{slot.get('Name')}}} and nothing else"
                    )
    return problems


@_guarded
def check_unique_utterances(app: App[Any], template: TemplateLike) -> list[str]:
    """No sample utterance belongs to two intents of a locale (the NLU could not tell them apart)."""
    problems = []
    for locale in _load(template).locales():
        owner: dict[str, str] = {}
        for intent in as_list(locale.get("Intents")):
            if not isinstance(intent, dict):
                continue
            name = str(intent.get("Name"))
            for utterance in _utterances(intent):
                text = " ".join(utterance.lower().split())
                first = owner.setdefault(text, name)
                if first != name:
                    problems.append(
                        f"locale {locale.get('LocaleId')}: {text!r} is an utterance of {first} and {name}"
                    )
    return problems


@_guarded
def check_slot_priorities(app: App[Any], template: TemplateLike) -> list[str]:
    """SlotPriorities lists every slot, in the order the slots are declared, with unique
    ascending priorities."""
    problems = []
    for locale, intent in _intents(_load(template)):
        slots = [str(slot.get("Name")) for slot in _slots(intent)]
        priorities = [p for p in as_list(intent.get("SlotPriorities")) if isinstance(p, dict)]
        listed = [str(p.get("SlotName")) for p in priorities]
        if listed != slots:
            problems.append(
                f"{locale} {intent.get('Name')}: SlotPriorities list {listed}, the slots are {slots}"
            )
        numbers = [p.get("Priority") for p in priorities]
        integers = [n for n in numbers if isinstance(n, int)]
        if integers != numbers or integers != sorted(set(integers)):
            problems.append(
                f"{locale} {intent.get('Name')}: priorities {numbers} are not unique ascending integers"
            )
    return problems


def _messages(prompt: Mapping[str, Any]) -> Iterator[Any]:
    for group in as_list(prompt.get("MessageGroupsList")):
        if isinstance(group, dict):
            yield group.get("Message")
            yield from as_list(group.get("Variations"))


@_guarded
def check_slot_prompts(app: App[Any], template: TemplateLike) -> list[str]:
    """Every slot has an elicitation prompt: at least one message, each with text of at most
    1000 characters, and MaxRetries 0-5."""
    problems = []
    for locale, intent in _intents(_load(template)):
        for slot in _slots(intent):
            where = f"{locale} {intent.get('Name')}.{slot.get('Name')}"
            setting = slot.get("ValueElicitationSetting")
            prompt = setting.get("PromptSpecification") if isinstance(setting, dict) else None
            if not isinstance(prompt, dict):
                problems.append(f"{where}: no ValueElicitationSetting.PromptSpecification (no prompt)")
                continue
            texts = 0
            for message in _messages(prompt):
                if not isinstance(message, dict) or not message:
                    problems.append(f"{where}: an empty prompt message")
                    continue
                for kind in ("PlainTextMessage", "SSMLMessage"):
                    if kind in message:
                        value = message[kind].get("Value") if isinstance(message[kind], dict) else None
                        if not isinstance(value, str) or not value.strip():
                            problems.append(f"{where}: a {kind} without text")
                        elif len(value) > MAX_MESSAGE_CHARS:
                            problems.append(f"{where}: a {kind} of {len(value)} characters (Lex takes 1000)")
                        else:
                            texts += 1
            if not texts:
                problems.append(f"{where}: the prompt has no text message")
            if prompt.get("MaxRetries") not in MAX_RETRIES:
                problems.append(f"{where}: MaxRetries is {prompt.get('MaxRetries')!r} (Lex takes 0-5)")
    return problems


@_guarded
def check_slot_types_exist(app: App[Any], template: TemplateLike) -> list[str]:
    """Every slot's type is built in (AMAZON.*) or defined in the slot's locale."""
    t = _load(template)
    problems = []
    for locale in t.locales():
        defined = {str(st.get("Name")) for st in as_list(locale.get("SlotTypes")) if isinstance(st, dict)}
        for intent in as_list(locale.get("Intents")):
            for slot in _slots(intent) if isinstance(intent, dict) else []:
                type_name = str(slot.get("SlotTypeName"))
                if not type_name.startswith("AMAZON.") and type_name not in defined:
                    problems.append(
                        f"{locale.get('LocaleId')} {intent.get('Name')}.{slot.get('Name')}: slot type "
                        f"{type_name} is neither built in nor defined in the locale"
                    )
    return problems


@_guarded
def check_sensitive_slots_obfuscated(app: App[Any], template: TemplateLike) -> list[str]:
    """Each slot the app's parts make sensitive (card number, security code) is a slot of the
    template, and everywhere it appears Lex obfuscates it in conversation logs."""
    t = _load(template)
    problems = []
    found: set[str] = set()
    for locale, intent in _intents(t):
        for slot in _slots(intent):
            name = str(slot.get("Name"))
            if name not in app.sensitive_slots:
                continue
            found.add(name)
            if slot.get("ObfuscationSetting") != OBFUSCATED:
                problems.append(
                    f"{locale} {intent.get('Name')}.{name} holds {app.sensitive_slots[name]} but is not "
                    "obfuscated (ObfuscationSetting: {ObfuscationSettingType: DefaultObfuscation})"
                )
    for name in sorted(set(app.sensitive_slots) - found):
        problems.append(f"sensitive slot {name} ({app.sensitive_slots[name]}) is not a slot of {t.name}")
    return problems


def _names_app(app: App[Any], spec: str, code_dir: Path, *, may_import: bool = True) -> bool | str:
    """Whether `package.module:attribute` is `app` (a string: why it cannot be told). A module
    not imported yet is imported from the function's code directory, unless `may_import` is
    false (then it cannot be the app, which exists already)."""
    from bot.config import ConfigError
    from bot.loader import load_app

    module_name, _, attribute = spec.partition(":")
    module = sys.modules.get(module_name)
    if module is not None:
        return getattr(module, attribute or "app", None) is app
    if not may_import:
        return False
    try:
        return load_app(spec, app_dir=code_dir) is app
    except (ConfigError, ImportError) as exc:
        return f"BOT_APP={spec} does not load: {exc}"


@_guarded
def check_code_hook_function(app: App[Any], template: TemplateLike) -> list[str]:
    """The code hook runs this framework's handler on a supported Python runtime, and its
    BOT_APP names this app (none: the app is the default, `intents.app:app`)."""
    from bot.loader import DEFAULT_APP

    t = _load(template)
    function = code_hook_function(t)
    props = t.function(function)
    problems = []
    handler = props.get("Handler")
    if handler != HANDLER:
        problems.append(f"{function}: Handler is {handler!r}, not {HANDLER}")
    else:
        module, attribute = HANDLER.rsplit(".", 1)
        if not callable(getattr(importlib.import_module(module), attribute, None)):
            problems.append(f"{function}: {HANDLER} is not callable")
    if props.get("Runtime") not in RUNTIMES:
        problems.append(f"{function}: Runtime is {props.get('Runtime')!r}, not one of {sorted(RUNTIMES)}")
    code_uri = props.get("CodeUri")
    code_dir = t.path.parent / (code_uri if isinstance(code_uri, str) and "://" not in code_uri else ".")
    spec = _variables(props).get("BOT_APP")
    if spec is None:
        if _names_app(app, DEFAULT_APP, code_dir, may_import=False) is not True:
            problems.append(
                f"{function} sets no BOT_APP, so it runs the default app {DEFAULT_APP}, not {app.name}: "
                f"set BOT_APP to this app's package.module:attribute"
            )
    elif not isinstance(spec, str):
        problems.append(f"{function}: BOT_APP must be a plain package.module:attribute, not {spec!r}")
    else:
        named = _names_app(app, spec, code_dir)
        if isinstance(named, str):
            problems.append(f"{function}: {named}")
        elif not named:
            problems.append(f"{function}: BOT_APP={spec} is not the app {app.name} being checked")
    return problems


@_guarded
def check_function_environment(app: App[Any], template: TemplateLike) -> list[str]:
    """The code hook's environment satisfies the framework's settings under Lambda and the app's
    parts (the app builds with it, as it does at init), and every secret-looking variable comes
    from a parameter without a Default (or a secret of the stack): no secret is a template literal."""
    from bot.config import Settings
    from bot.security.keys import Keys
    from bot.store.memory import MemoryStore

    t = _load(template)
    function = code_hook_function(t)
    problems = []
    for name, value in _variables(t.function(function)).items():
        if not SECRET_NAME.search(name):
            continue
        source = target(value) if isinstance(value, dict) and "Ref" in value else None
        parameter = t.parameters.get(source or "")
        secret = t.resources.get(source or "", {}).get("Type") == "AWS::SecretsManager::Secret"
        if source is None or (parameter is None and not secret):
            problems.append(f"{function}: {name} must come from a parameter (!Ref), not {value!r}")
        elif parameter is not None and "Default" in parameter:
            problems.append(f"{function}: {name} comes from parameter {source}, which must have no Default")
    env = lambda_environment(t, function)
    try:
        settings = Settings.from_env(env)
        with secrets_as(THROWAWAY_SECRET.decode()):  # the parts read their secrets at init: stand one in
            app.build(settings, keys=Keys.from_secrets(THROWAWAY_SECRET), store=MemoryStore())
    except Exception as exc:
        problems.append(f"{function}: under Lambda, with this environment, {type(exc).__name__}: {exc}")
    return problems


@contextmanager
def secrets_as(value: str) -> Iterator[None]:
    """While active, every Secrets Manager read (`bot.security.keys`) gives `value`: the check
    builds the app as Lambda would, without an AWS account."""
    from bot.security import keys

    original = keys._fetch_secret
    keys._fetch_secret = lambda arn, settings, client: value
    try:
        yield
    finally:
        keys._fetch_secret = original


@_guarded
def check_session_ttl(app: App[Any], template: TemplateLike) -> list[str]:
    """Stored sessions outlive the Lex session: SESSION_TTL_SECONDS (as the code hook gets it)
    is at least the bot's IdleSessionTTLInSeconds, or a live conversation loses its state."""
    from bot.config import ConfigError, Settings

    t = _load(template)
    idle = t.bot()[1].get("IdleSessionTTLInSeconds", DEFAULT_IDLE_SESSION_TTL)
    try:
        stored = Settings.from_env(lambda_environment(t)).session_ttl_seconds
    except ConfigError:
        return []  # check_function_environment reports it
    try:
        idle_seconds = int(resolve(t, idle))
    except (TemplateError, ValueError):
        return [f"IdleSessionTTLInSeconds {idle!r} is not a number"]
    if stored < idle_seconds:
        return [
            f"stored sessions expire after {stored} s (SESSION_TTL_SECONDS), before the Lex session "
            f"(IdleSessionTTLInSeconds {idle_seconds} s)"
        ]
    return []


def _covered_aliases(t: Template, source: Any, bot_id: str) -> set[str] | None:
    """The aliases a permission's SourceArn covers ({"*"}: all); None: not scoped to this bot."""
    alias_ids = set(aliases(t))
    named = target(source)
    if named in alias_ids:  # !GetAtt Alias.Arn
        return {named}
    text = sub_text(source)
    match = re.search(r":bot-alias/(.+?)/(.+)$", text)
    if match is None or not (refers_to(source, bot_id) or "${" not in match.group(1)):
        return None
    alias = match.group(2)
    if alias == "*":
        return {"*"}
    if alias == TEST_ALIAS_ID:
        return {TEST_ALIAS}
    return {name for name in alias_ids if f"${{{name}." in alias}


@_guarded
def check_lex_invoke_permission(app: App[Any], template: TemplateLike) -> list[str]:
    """A resource-based permission lets lexv2.amazonaws.com invoke the code hook, scoped
    (SourceArn) to this bot's aliases, and covers every alias that calls it."""
    t = _load(template)
    function = code_hook_function(t)
    bot_id = t.bot()[0]
    problems = []
    covered: set[str] = set()
    found = False
    for name, permission in t.of_type("AWS::Lambda::Permission").items():
        props = permission.get("Properties") or {}
        if not refers_to(props.get("FunctionName"), function) or props.get("Principal") != LEX_PRINCIPAL:
            continue
        found = True
        if props.get("Action") != "lambda:InvokeFunction":
            problems.append(f"{name}: Action is {props.get('Action')!r}, not lambda:InvokeFunction")
        if "SourceArn" not in props:
            problems.append(f"{name}: no SourceArn, so any Lex bot in the account may invoke {function}")
            continue
        scope = _covered_aliases(t, props["SourceArn"], bot_id)
        if scope is None:
            problems.append(
                f"{name}: SourceArn {props['SourceArn']!r} is not scoped to bot {bot_id}'s aliases"
            )
        else:
            covered |= scope
    if not found:
        return [f"no AWS::Lambda::Permission lets {LEX_PRINCIPAL} invoke {function}: Lex cannot call it"]
    calling = {alias for alias, settings in aliases(t).items() if any(_hook(s) for s in settings)}
    if "*" not in covered:
        for alias in sorted(calling - covered):
            problems.append(f"alias {alias} calls {function}, but no permission lets it (SourceArn)")
    return problems


@_guarded
def check_alias_code_hook(app: App[Any], template: TemplateLike) -> list[str]:
    """Every alias of the bot (and the test alias, when configured) serves every locale with the
    code hook enabled (interface 1.0, one function); every bot version includes every locale."""
    t = _load(template)
    bot_id = t.bot()[0]
    wanted = {str(loc.get("LocaleId")) for loc in t.locales()}
    found = aliases(t)
    if not found:
        return [
            f"bot {bot_id} has no alias (AWS::Lex::BotAlias or TestBotAliasSettings): no code hook is called"
        ]
    problems = []
    functions: set[str | None] = set()
    for alias, settings in found.items():
        locales = {str(s.get("LocaleId")) for s in settings if isinstance(s, dict)}
        for missing in sorted(wanted - locales):
            problems.append(f"alias {alias}: no BotAliasLocaleSettings for locale {missing}")
        for extra in sorted(locales - wanted):
            problems.append(f"alias {alias}: locale {extra} is not a locale of bot {bot_id}")
        for setting in settings:
            if not isinstance(setting, dict):
                continue
            where = f"alias {alias} locale {setting.get('LocaleId')}"
            inner = setting.get("BotAliasLocaleSetting") or {}
            if not isinstance(inner, dict) or inner.get("Enabled") is not True:
                problems.append(f"{where}: BotAliasLocaleSetting.Enabled is not true")
            hook = _hook(setting)
            if not hook:
                problems.append(f"{where}: no CodeHookSpecification.LambdaCodeHook (the code hook is off)")
                continue
            if str(hook.get("CodeHookInterfaceVersion")) != CODE_HOOK_INTERFACE:
                version = hook.get("CodeHookInterfaceVersion")
                problems.append(
                    f"{where}: CodeHookInterfaceVersion is {version!r}, not {CODE_HOOK_INTERFACE}"
                )
            functions.add(target(hook.get("LambdaArn")))
    if len(functions) > 1:
        problems.append(f"the aliases call different functions: {sorted(str(f) for f in functions)}")
    for name, version in t.of_type("AWS::Lex::BotVersion").items():
        props = version.get("Properties") or {}
        if not refers_to(props.get("BotId"), bot_id):
            continue
        spec = as_list(props.get("BotVersionLocaleSpecification"))
        versioned = {str(s.get("LocaleId")) for s in spec if isinstance(s, dict)}
        for missing in sorted(wanted - versioned):
            problems.append(f"bot version {name} does not include locale {missing}")
    return problems


CHECKS: dict[str, Check] = {
    "template_loads": check_template_loads,
    "intents_match_handlers": check_intents_match_handlers,
    "fallback_intent": check_fallback_intent,
    "sample_utterances": check_sample_utterances,
    "code_hooks": check_code_hooks,
    "utterance_slot_references": check_utterance_slot_references,
    "unique_utterances": check_unique_utterances,
    "slot_priorities": check_slot_priorities,
    "slot_prompts": check_slot_prompts,
    "slot_types_exist": check_slot_types_exist,
    "sensitive_slots_obfuscated": check_sensitive_slots_obfuscated,
    "code_hook_function": check_code_hook_function,
    "function_environment": check_function_environment,
    "session_ttl": check_session_ttl,
    "lex_invoke_permission": check_lex_invoke_permission,
    "alias_code_hook": check_alias_code_hook,
}


def checks_for(*, min_utterances: int = 1) -> dict[str, Check]:
    """`CHECKS` with options applied: `min_utterances` per intent (the fallback excepted)."""
    found = dict(CHECKS)
    found["sample_utterances"] = functools.partial(check_sample_utterances, min_utterances=min_utterances)
    return found


def run_checks(app: App[Any], template: TemplateLike, *, min_utterances: int = 1) -> dict[str, list[str]]:
    """Every check, by name -> its problems (empty lists: the app and the template agree)."""
    loaded: TemplateLike = template
    with contextlib.suppress(TemplateError):  # else each check reports it
        loaded = _load(template)
    return {name: check(app, loaded) for name, check in checks_for(min_utterances=min_utterances).items()}

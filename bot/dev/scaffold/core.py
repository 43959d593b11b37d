"""`new_intent(request)`: plan a scaffolded intent, generate its three files, prove them, write them.

Nothing is written unless everything checks out:

1. the names follow Lex's rules (and CamelCase), the template does not have the intent, each
   slot type is supported (a built-in type the simulator resolves, or a custom type of every locale);
2. the template with the new block still loads (`bot.dev.simulator.definition.load_definition`),
   has the intent in every locale as planned, and equals the old one without it (all other bytes
   are kept anyway: the block is inserted as text);
3. the handler module compiles and defines a `Form` for the intent with exactly its slots;
4. the conversation test passes: it is played through the simulator against the app with the
   new form added, on a copy of the new template (`verify=False` skips this).
"""

from __future__ import annotations

import copy
import importlib
import inspect
import re
import sys
import tempfile
import types
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from bot.app import App
from bot.config import ConfigError
from bot.dev.scaffold import conversation, handler, kinds, template
from bot.dev.scaffold.handler import Exchange, Handler
from bot.dev.scaffold.kinds import SlotPlan
from bot.dev.scaffold.naming import (
    ScaffoldError,
    check_intent_name,
    check_slot_name,
    listing,
    sentence,
    snake,
    unique,
    utterances,
)
from bot.dev.scaffold.template import Places, VersionBump, Yaml
from bot.dev.simulator.definition import (
    BotDefinition,
    BotDefinitionError,
    CfnLoader,
    load_definition,
)
from bot.dev.vocab import normalize
from bot.forms import Form
from bot.router import Router

MIN_UTTERANCES = 8  # tests/template/test_consistency.py: every intent has at least 8
MAX_RETRIES = 2
PREFERRED_LOCALE = "en_US"


class VerificationError(ScaffoldError):
    """The generated files do not pass their own checks (nothing was written)."""


@dataclass(frozen=True, slots=True)
class Request:
    name: str
    slots: Sequence[str]  # "NAME:TYPE", in elicitation order
    template: Path
    app: str | None = None
    app_dir: str | None = None
    conversations: Path | None = None
    utterances: Sequence[str] = ()
    force: bool = False
    verify: bool = True


@dataclass(slots=True)
class Output:
    path: Path
    text: str
    existed: bool = False


@dataclass(slots=True)
class Result:
    intent: str
    plans: list[SlotPlan]
    handler: Output
    template: Output
    conversation: Output
    inserted: dict[str, list[str]]  # locale -> the template lines inserted
    utterances: list[str]
    version: VersionBump | None
    notes: list[str] = field(default_factory=list)
    registered: bool = True  # the app's discover() picks the module up
    app_module: str = ""
    verified: bool = False


def parse_slots(specs: Sequence[str]) -> list[tuple[str, str]]:
    if not specs:
        raise ScaffoldError("give at least one --slot NAME:TYPE (e.g. --slot ZipCode:AMAZON.Number)")
    out: list[tuple[str, str]] = []
    for spec in specs:
        name, sep, type_name = spec.partition(":")
        name, type_name = name.strip(), type_name.strip()
        if not sep or not name or not type_name:
            raise ScaffoldError(f"--slot {spec!r}: expected NAME:TYPE (e.g. ZipCode:AMAZON.Number)")
        check_slot_name(name)
        if any(name == other for other, _ in out):
            raise ScaffoldError(f"slot {name} is given twice")
        out.append((name, type_name))
    return out


@dataclass(slots=True)
class Target:
    """What the request resolves to, before anything is generated."""

    name: str
    plans: list[SlotPlan]
    template_path: Path
    old_text: str
    definition: BotDefinition
    locale_id: str
    app: App[Any]
    app_module: types.ModuleType
    package: str
    handler_path: Path
    conversation_path: Path

    @property
    def where(self) -> str:
        return self.template_path.name

    @property
    def module_name(self) -> str:
        stem = self.handler_path.stem
        return f"{self.package}.{stem}" if self.package else stem


def new_intent(request: Request) -> Result:
    """Plan, generate and check everything; write nothing (see `write`)."""
    target = _target(request)
    name, plans, where = target.name, target.plans, target.where
    said = _utterances(name, plans, request.utterances, target.definition)
    prompts = [handler.prompt(plan, index == 0) for index, plan in enumerate(plans)]
    places = template.find_places(target.old_text, where)
    new_text, inserted = template.insert(target.old_text, places, _block(name, plans, prompts, said))
    notes: list[str] = []
    if places.version_hint:
        notes.append(
            f"change the Description of {places.version_hint} in {where}: CloudFormation cuts a new bot "
            "version (for the live alias) only when it changes"
        )
    session = target.app.session_model
    files_note = (
        f"Its intent block is in {where}, its conversation test is {_shown(target.conversation_path)}."
    )
    draft = Handler(name, plans, prompts, session.__module__, session.__name__, files_note=files_note)
    with tempfile.TemporaryDirectory(prefix="new-intent-") as scratch:
        trial_template = Path(scratch) / target.template_path.name
        trial_template.write_text(new_text, encoding="utf-8", newline="")
        new_definition = _check_template(target, new_text, trial_template, places)
        form = _check_form(_run_module(draft.source(), target), name, plans)
        validators = _validators(form, plans)
        script = conversation.script(
            name,
            plans,
            prompts=prompts,
            utterances=said,
            validators=validators,
            confirmation=draft.confirmation_text,
            locale=new_definition.locales[target.locale_id],
        )
        happy, refused = _exchanges(script)
        source = replace(draft, happy=happy, refused=refused).source()
        _run_module(source, target)
        conversation_text = conversation.render(name, script)
        if request.verify:
            trial_conversation = Path(scratch) / target.conversation_path.name
            trial_conversation.write_text(conversation_text, encoding="utf-8")
            _play(target.app, form, trial_template, trial_conversation)
    return Result(
        name,
        plans,
        Output(target.handler_path, source, target.handler_path.exists()),
        Output(target.template_path, new_text, True),
        Output(target.conversation_path, conversation_text, target.conversation_path.exists()),
        inserted,
        said,
        places.version,
        notes,
        registered=_discovers(target.app_module, target.package),
        app_module=target.app_module.__name__,
        verified=request.verify,
    )


def _target(request: Request) -> Target:
    """Check the request against the template and the app (ScaffoldError when it cannot be done)."""
    name = request.name
    check_intent_name(name)
    slots = parse_slots(request.slots)
    template_path = request.template
    try:
        with template_path.open(encoding="utf-8", newline="") as file:  # keeps \r\n line ends
            old_text = file.read()
        definition = load_definition(template_path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ScaffoldError(f"cannot read the template {template_path}: {exc}") from None
    except BotDefinitionError as exc:
        raise ScaffoldError(str(exc)) from None
    where = template_path.name
    for locale in definition.locales.values():
        if name in locale.intents:
            raise ScaffoldError(
                f"{where} already has an intent {name} (locale {locale.locale_id}): choose another name, "
                "or remove its block from the template first"
            )
    locale = definition.locales.get(PREFERRED_LOCALE) or next(iter(definition.locales.values()))
    plans = [kinds.plan_slot(s, t, locale, f"locale {locale.locale_id} of {where}") for s, t in slots]
    for other in definition.locales.values():
        for plan in plans:
            if plan.custom is not None and plan.type_name not in other.slot_types:
                raise ScaffoldError(
                    f"slot type {plan.type_name} is not defined in locale {other.locale_id} of {where}: "
                    "the intent goes into every locale"
                )
    app, app_module = _load(request)
    if name in app.intents:
        raise ScaffoldError(f"the app already has an intent {name} (in {_where_defined(app.intents[name])})")
    session = app.session_model
    if session.__module__ == "__main__" or "." in session.__qualname__:
        raise ScaffoldError(f"the session class {session.__qualname__} must be importable from a module")
    package, directory = _package(app_module)
    handler_path = directory / f"{snake(name)}.py"
    protected = {
        Path(str(getattr(module, "__file__", ""))).resolve()
        for module in (sys.modules.get(session.__module__), app_module)
        if module is not None
    }
    if handler_path.resolve() in protected:
        raise ScaffoldError(f"{_shown(handler_path)} is the app's own module: choose another intent name")
    from bot.dev.local import conversations_dir

    conversation_path = (request.conversations or conversations_dir(template_path)) / f"{snake(name)}.yaml"
    for path in (handler_path, conversation_path):
        if path.exists() and not request.force:
            raise ScaffoldError(f"{_shown(path)} already exists: pass --force to overwrite it")
    return Target(
        name,
        plans,
        template_path,
        old_text,
        definition,
        locale.locale_id,
        app,
        app_module,
        package,
        handler_path,
        conversation_path,
    )


def write(result: Result) -> None:
    result.handler.path.write_text(result.handler.text, encoding="utf-8")
    result.conversation.path.parent.mkdir(parents=True, exist_ok=True)
    result.conversation.path.write_text(result.conversation.text, encoding="utf-8")
    result.template.path.write_text(result.template.text, encoding="utf-8", newline="")


# --- the app ---------------------------------------------------------------------------------------


def _load(request: Request) -> tuple[App[Any], types.ModuleType]:
    from bot.loader import app_spec, load_app

    spec = request.app or app_spec()
    try:
        app = load_app(spec, app_dir=request.app_dir)
    except ConfigError as exc:
        raise ScaffoldError(str(exc)) from None
    module = importlib.import_module(spec.partition(":")[0])
    return app, module


def _package(module: types.ModuleType) -> tuple[str, Path]:
    """The package the app module belongs to (where discover() looks), and its directory."""
    package = module.__package__ or ""
    if package:
        paths = list(getattr(sys.modules[package], "__path__", []))
        if paths:
            return package, Path(paths[0])
    file = getattr(module, "__file__", None)
    if file is None:
        raise ScaffoldError(f"cannot tell where the app module {module.__name__} lives")
    return "", Path(file).parent


def _discovers(module: types.ModuleType, package: str) -> bool:
    """Whether the app module registers its package's intents with `app.discover("<package>")`."""
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return False
    return bool(package) and re.search(rf"\.discover\(\s*[\"']{re.escape(package)}[\"']", source) is not None


def _where_defined(intent: object) -> str:
    for module in list(sys.modules.values()):
        if isinstance(module, types.ModuleType) and any(v is intent for v in vars(module).values()):
            return _shown(Path(str(getattr(module, "__file__", module.__name__))))
    return "the app"


def _run_module(source: str, target: Target) -> dict[str, Any]:
    """Execute the generated module in a namespace of its own (nothing is imported or registered)."""
    module = types.ModuleType(target.module_name)
    module.__file__ = str(target.handler_path)
    try:
        exec(compile(source, str(target.handler_path), "exec"), module.__dict__)  # noqa: S102 - our own generated code
    except Exception as exc:
        raise VerificationError(f"the generated module does not run: {type(exc).__name__}: {exc}") from exc
    return module.__dict__


def _check_form(namespace: dict[str, Any], name: str, plans: Sequence[SlotPlan]) -> Form[Any]:
    form = namespace.get("form")
    if not isinstance(form, Form) or form.name != name:
        raise VerificationError(f"the generated module defines no Form {name}")
    if [a.slot for a in form.asks] != [p.name for p in plans]:
        raise VerificationError(f"the generated Form asks for {[a.slot for a in form.asks]}")
    return form


def _validators(form: Form[Any], plans: Sequence[SlotPlan]) -> dict[str, conversation.Validator]:
    found: dict[str, conversation.Validator] = {}
    for plan in plans:
        validate = form.ask(plan.name).validate
        if validate is None:
            raise VerificationError(f"the generated Ask for {plan.name} has no validator")
        found[plan.name] = validate
    return found


def _play(app: App[Any], form: Form[Any], template_path: Path, path: Path) -> None:
    """Play the conversation through the simulator, against the app with the form added."""
    from bot.dev.cli.test_conversations import simulator_factory
    from bot.dev.simulator.conversations import format_report, load_conversation, run_conversation

    trial = copy.copy(app)
    trial.intents = dict(app.intents)
    trial.router = Router(fallback=app.router.fallback)
    for intent in app.intents.values():
        trial.router.intent(intent.name, dialog=intent.dialog_handler, fulfillment=intent.fulfillment_handler)
    trial.add(form)
    report = run_conversation(load_conversation(path), simulator_factory(template_path, trial))
    if not report.passed:
        raise VerificationError(
            "the generated conversation does not pass in the simulator, so nothing was written "
            "(--no-verify writes the files anyway):\n" + format_report(report, transcript=True)
        )


# --- the template ------------------------------------------------------------------------------------


def _skeleton(utterance: str) -> str:
    """An utterance as the simulator compares it, every slot reference alike."""
    return normalize(re.sub(r"\{[^{}]*\}", " slot ", utterance))


def _utterances(
    name: str, plans: Sequence[SlotPlan], given: Sequence[str], definition: BotDefinition
) -> list[str]:
    """The given utterances (refused when another intent has them), else generated ones; topped up
    with generated ones to the 8 the template checks require. A generated utterance is left out
    when it looks like any utterance already in the bot (an intent's, or a slot's: "my first
    name is {FirstName}" at the intent level would take that answer away from CollectName)."""
    taken = {
        normalize(u): intent.name
        for locale in definition.locales.values()
        for intent in locale.intents.values()
        for u in intent.sample_utterances
    }
    alike = {
        _skeleton(u)
        for locale in definition.locales.values()
        for intent in locale.intents.values()
        for u in (
            *intent.sample_utterances,
            *(x for slot in intent.slots.values() for x in slot.sample_utterances),
        )
    }
    slot_names = {plan.name for plan in plans}
    free = {plan.name for plan in plans if not plan.in_utterances}
    chosen: list[str] = []
    for raw in given:
        text = " ".join(raw.split())
        referenced = set(re.findall(r"\{([^{}]*)\}", text))
        if not text:
            raise ScaffoldError("--utterance: an utterance cannot be empty")
        if referenced - slot_names:
            raise ScaffoldError(
                f"--utterance {text!r} names {sorted(referenced - slot_names)}, not slots of {name}"
            )
        if referenced & free:
            raise ScaffoldError(
                f"--utterance {text!r}: an AMAZON.FreeFormInput slot cannot appear in utterances"
            )
        owner = taken.get(normalize(text))
        if owner is not None:
            raise ScaffoldError(f"--utterance {text!r} is already an utterance of {owner}")
        chosen.append(text)
    if len(unique(chosen)) != len(chosen):
        raise ScaffoldError("--utterance: the same utterance is given twice")
    first = next((plan for plan in plans if plan.in_utterances), None)
    generated = utterances(name, first.name if first else None, first.phrase if first else None)
    fresh = [u for u in generated if _skeleton(u) not in alike]
    if not chosen:
        chosen = fresh
    elif len(chosen) < MIN_UTTERANCES:  # topped up to what the template checks require
        chosen = unique([*chosen, *fresh])[:MIN_UTTERANCES]
    if len(chosen) < MIN_UTTERANCES:
        raise ScaffoldError(
            f"only {len(chosen)} sample utterances for {name} are unlike the bot's other utterances: "
            f"give at least {MIN_UTTERANCES} with --utterance"
        )
    return chosen


def _block(
    name: str, plans: Sequence[SlotPlan], prompts: Sequence[str], said: Sequence[str]
) -> dict[str, Yaml]:
    slots: list[Yaml] = []
    for plan, prompt in zip(plans, prompts, strict=True):
        slot: dict[str, Yaml] = {
            "Name": plan.name,
            "Description": sentence(plan.phrase),
            "SlotTypeName": plan.type_name,
        }
        if plan.obfuscated:
            slot["# Digits said here could be card data: Lex masks the slot in conversation logs."] = ""
            slot["ObfuscationSetting"] = {"ObfuscationSettingType": "DefaultObfuscation"}
        elicitation: dict[str, Yaml] = {
            "SlotConstraint": "Required",
            "PromptSpecification": {
                "MaxRetries": MAX_RETRIES,
                "AllowInterrupt": True,
                "MessageGroupsList": [{"Message": {"PlainTextMessage": {"Value": prompt}}}],
            },
        }
        if plan.in_utterances:
            ref = "{" + plan.name + "}"
            elicitation["SampleUtterances"] = [
                {"Utterance": ref},
                {"Utterance": f"it's {ref}"},
                {"Utterance": f"it is {ref}"},
            ]
        slot["ValueElicitationSetting"] = elicitation
        slots.append(slot)
    return {
        "Name": name,
        "Description": f"Collects {listing(p.the for p in plans)}"[:200],
        "SampleUtterances": [{"Utterance": u} for u in said],
        "DialogCodeHook": {"Enabled": True},
        "FulfillmentCodeHook": {"Enabled": True},
        "SlotPriorities": [{"Priority": i, "SlotName": p.name} for i, p in enumerate(plans, start=1)],
        "Slots": slots,
    }


def _check_template(target: Target, new_text: str, path: Path, places: Places) -> BotDefinition:
    name, plans, old_text = target.name, target.plans, target.old_text
    try:
        definition = load_definition(path)
    except BotDefinitionError as exc:
        raise VerificationError(f"the template with the new intent does not load: {exc}") from exc
    for locale in definition.locales.values():
        intent = locale.intents.get(name)
        if intent is None:
            raise VerificationError(f"the new template has no intent {name} in locale {locale.locale_id}")
        if intent.ordered_slots != tuple(p.name for p in plans) or not all(
            intent.slots[p.name].type_name == p.type_name and intent.slots[p.name].required for p in plans
        ):
            raise VerificationError(
                f"intent {name} in locale {locale.locale_id} does not have the planned slots"
            )
        if not (intent.dialog_code_hook and intent.fulfillment_code_hook):
            raise VerificationError(f"intent {name} in locale {locale.locale_id} lacks a code hook")
    old = yaml.load(old_text, Loader=CfnLoader)  # noqa: S506 - a SafeLoader subclass
    new = template.strip_intent(yaml.load(new_text, Loader=CfnLoader), name)  # noqa: S506
    if places.version is not None:
        props = new["Resources"][places.version.logical_id]["Properties"]
        assert props["Description"] == places.version.new
        props["Description"] = places.version.old
    if new != old:
        raise VerificationError("the new template differs from the old one by more than the intent block")
    return definition


def _exchanges(script: conversation.Script) -> tuple[list[Exchange], list[Exchange]]:
    """The dialog for the module docstring: the happy path, and the refused answers."""
    happy: list[Exchange] = []
    refused: list[Exchange] = []
    for step in script.steps:
        message = step.expect.get("message")
        shown = conversation.unescape(getattr(message, "value", "")[1:-1])
        (refused if step.refused else happy).append(Exchange(step.user, shown))
    return happy, refused


def _shown(path: Path) -> str:
    """A path relative to the current directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


__all__ = ["Request", "Result", "ScaffoldError", "VerificationError", "new_intent", "write"]

"""The generic template checks (bot.dev.checks): every bot of this repository passes them, and
each check finds what it is there to find, in a copy of a real template with one thing broken.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.dev.checks import (
    CHECKS,
    Template,
    TemplateError,
    check_fallback_intent,
    check_sample_utterances,
    checks_for,
    code_hook_function,
    lambda_environment,
    resolve,
    run_checks,
)
from intents.app import app as reference_app
from tests.template import tinybot

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "template.yaml"
EXAMPLE = ROOT / "examples" / "appointments"

type Data = dict[str, Any]


def reference() -> Template:
    return Template.load(REFERENCE)


def tiny() -> Template:
    return Template.load(tinybot.TEMPLATE)


def mutated(base: Template, change: Callable[[Data], None]) -> Template:
    data = copy.deepcopy(dict(base.data))
    change(data)
    return Template(base.path, data)


def bot_props(data: Data) -> Data:
    return next(r["Properties"] for r in data["Resources"].values() if r["Type"] == "AWS::Lex::Bot")


def intent(data: Data, name: str) -> Data:
    return next(i for i in bot_props(data)["BotLocales"][0]["Intents"] if i["Name"] == name)


def slot(data: Data, intent_name: str, name: str) -> Data:
    return next(s for s in intent(data, intent_name)["Slots"] if s["Name"] == name)


def function(data: Data) -> Data:
    return data["Resources"]["FulfillmentFunction"]["Properties"]  # type: ignore[no-any-return]


def env(data: Data) -> Data:
    return function(data)["Environment"]["Variables"]  # type: ignore[no-any-return]


def live_alias(data: Data) -> Data:
    return data["Resources"]["PaymentBotLiveAlias"]["Properties"]  # type: ignore[no-any-return]


# --- every bot passes ----------------------------------------------------------------------------


def test_the_reference_bot_passes_every_check() -> None:
    assert run_checks(reference_app, REFERENCE, min_utterances=8) == {name: [] for name in CHECKS}


def test_tinybot_passes_every_check() -> None:
    assert run_checks(tinybot.app, tinybot.TEMPLATE) == {name: [] for name in CHECKS}


@pytest.mark.skipif(not (EXAMPLE / "template.yaml").exists(), reason="no appointments example")
def test_the_example_passes_every_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLE))
    from bot.loader import load_app

    app = load_app("appointments.app:app")
    assert run_checks(app, EXAMPLE / "template.yaml") == {name: [] for name in CHECKS}


def test_the_checks_take_a_path_or_a_loaded_template() -> None:
    assert checks_for()["code_hooks"](reference_app, reference()) == []
    assert checks_for()["code_hooks"](reference_app, str(REFERENCE)) == []
    assert Template.load(REFERENCE) is Template.load(str(REFERENCE))  # parsed once


# --- each check finds its problem ------------------------------------------------------------------


def no_bot(data: Data) -> None:
    data["Resources"] = {k: v for k, v in data["Resources"].items() if v["Type"] != "AWS::Lex::Bot"}


def rename_intent(data: Data) -> None:
    intent(data, "Confirm")["Name"] = "Confrim"


def fallback_utterance(data: Data) -> None:
    intent(data, "FallbackIntent")["SampleUtterances"] = [{"Utterance": "help"}]


def fallback_hook_off(data: Data) -> None:
    intent(data, "FallbackIntent")["DialogCodeHook"] = {"Enabled": False}


def no_fallback(data: Data) -> None:
    del intent(data, "FallbackIntent")["ParentIntentSignature"]


def duplicate_utterance(data: Data) -> None:
    intent(data, "CollectName")["SampleUtterances"].append({"Utterance": "Make a  payment"})


def fulfillment_off(data: Data) -> None:
    del intent(data, "CollectName")["FulfillmentCodeHook"]


def unknown_slot_in_utterance(data: Data) -> None:
    intent(data, "CollectName")["SampleUtterances"].append({"Utterance": "call me {Nickname}"})


def slot_utterance_names_another_slot(data: Data) -> None:
    setting = slot(data, "CollectName", "FirstName")["ValueElicitationSetting"]
    setting["SampleUtterances"] = [{"Utterance": "it is {LastName}"}]


def shared_utterance(data: Data) -> None:
    intent(data, "CollectCard")["SampleUtterances"].append({"Utterance": "pay by card"})


def priorities_reversed(data: Data) -> None:
    intent(data, "CollectName")["SlotPriorities"].reverse()


def priorities_equal(data: Data) -> None:
    for priority in intent(data, "CollectName")["SlotPriorities"]:
        priority["Priority"] = 1


def no_prompt(data: Data) -> None:
    del slot(data, "CollectName", "LastName")["ValueElicitationSetting"]["PromptSpecification"]


def long_prompt(data: Data) -> None:
    prompt = slot(data, "CollectName", "LastName")["ValueElicitationSetting"]["PromptSpecification"]
    prompt["MessageGroupsList"][0]["Message"] = {"PlainTextMessage": {"Value": "x" * 1001}}
    prompt["MaxRetries"] = 9


def unknown_slot_type(data: Data) -> None:
    slot(data, "WalletAddress", "WalletAddress")["SlotTypeName"] = "WalletType2"


def card_not_obfuscated(data: Data) -> None:
    del slot(data, "CollectCard", "CardNumber")["ObfuscationSetting"]


def other_handler(data: Data) -> None:
    function(data)["Handler"] = "app.handler"
    function(data)["Runtime"] = "python3.11"


def other_app(data: Data) -> None:
    env(data)["BOT_APP"] = tinybot.SPEC


def missing_app(data: Data) -> None:
    env(data)["BOT_APP"] = "no_such_package.app:app"


def literal_secret(data: Data) -> None:
    env(data)["STRIPE_SECRET_ARN"] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe"


def secret_default(data: Data) -> None:
    data["Parameters"]["StripeSecretArn"]["Default"] = "arn:aws:secretsmanager:us-east-1:1:secret:x"


def no_table(data: Data) -> None:
    del env(data)["SESSION_TABLE"]


def no_stripe_secret(data: Data) -> None:
    del env(data)["STRIPE_SECRET_ARN"]


def short_sessions(data: Data) -> None:
    data["Parameters"]["SessionTtlSeconds"]["Default"] = 600


def no_permissions(data: Data) -> None:
    data["Resources"] = {k: v for k, v in data["Resources"].items() if v["Type"] != "AWS::Lambda::Permission"}


def no_live_permission(data: Data) -> None:
    del data["Resources"]["LexLiveAliasInvokePermission"]


def unscoped_permission(data: Data) -> None:
    del data["Resources"]["LexTestAliasInvokePermission"]["Properties"]["SourceArn"]


def other_bots_permission(data: Data) -> None:
    props = data["Resources"]["LexLiveAliasInvokePermission"]["Properties"]
    props["SourceArn"] = {"Fn::Sub": "arn:${AWS::Partition}:lex:${AWS::Region}:1:bot-alias/${OtherBot}/*"}


def hook_off(data: Data) -> None:
    del live_alias(data)["BotAliasLocaleSettings"][0]["BotAliasLocaleSetting"]["CodeHookSpecification"]


def alias_disabled_v2(data: Data) -> None:
    setting = live_alias(data)["BotAliasLocaleSettings"][0]["BotAliasLocaleSetting"]
    setting["Enabled"] = False
    setting["CodeHookSpecification"]["LambdaCodeHook"]["CodeHookInterfaceVersion"] = "2.0"


def alias_wrong_locale(data: Data) -> None:
    live_alias(data)["BotAliasLocaleSettings"][0]["LocaleId"] = "en_GB"


def version_wrong_locale(data: Data) -> None:
    version = data["Resources"]["PaymentBotVersion"]["Properties"]
    version["BotVersionLocaleSpecification"][0]["LocaleId"] = "en_GB"


CASES = [
    (no_bot, "template_loads", "defines no AWS::Lex::Bot resource"),
    (
        rename_intent,
        "intents_match_handlers",
        "intent Confirm has a handler but is not defined in template.yaml",
    ),
    (rename_intent, "intents_match_handlers", "intent Confrim is defined in template.yaml"),
    (
        no_fallback,
        "fallback_intent",
        "locale en_US: 0 intents with ParentIntentSignature AMAZON.FallbackIntent",
    ),
    (fallback_utterance, "fallback_intent", "the fallback intent FallbackIntent has sample utterances"),
    (fallback_hook_off, "fallback_intent", "FallbackIntent does not enable its DialogCodeHook"),
    (duplicate_utterance, "sample_utterances", "en_US CollectName: 'Make a  payment' is listed twice"),
    (fulfillment_off, "code_hooks", "en_US CollectName: FulfillmentCodeHook is not enabled"),
    (unknown_slot_in_utterance, "utterance_slot_references", "names Nickname, not a slot of the intent"),
    (
        slot_utterance_names_another_slot,
        "utterance_slot_references",
        "must name {FirstName} and nothing else",
    ),
    (shared_utterance, "unique_utterances", "'pay by card' is an utterance of CollectName and CollectCard"),
    (priorities_reversed, "slot_priorities", "SlotPriorities list ['LastName', 'FirstName']"),
    (priorities_equal, "slot_priorities", "priorities [1, 1] are not unique ascending integers"),
    (no_prompt, "slot_prompts", "CollectName.LastName: no ValueElicitationSetting.PromptSpecification"),
    (long_prompt, "slot_prompts", "a PlainTextMessage of 1001 characters"),
    (long_prompt, "slot_prompts", "MaxRetries is 9"),
    (unknown_slot_type, "slot_types_exist", "slot type WalletType2 is neither built in nor defined"),
    (
        card_not_obfuscated,
        "sensitive_slots_obfuscated",
        "CollectCard.CardNumber holds card_number but is not",
    ),
    (other_handler, "code_hook_function", "FulfillmentFunction: Handler is 'app.handler'"),
    (other_handler, "code_hook_function", "Runtime is 'python3.11'"),
    (other_app, "code_hook_function", f"BOT_APP={tinybot.SPEC} is not the app PaymentBot"),
    (missing_app, "code_hook_function", "BOT_APP=no_such_package.app:app does not load"),
    (literal_secret, "function_environment", "STRIPE_SECRET_ARN must come from a parameter (!Ref)"),
    (
        secret_default,
        "function_environment",
        "comes from parameter StripeSecretArn, which must have no Default",
    ),
    (no_table, "function_environment", "ConfigError: SESSION_TABLE is required"),
    (no_stripe_secret, "function_environment", "STRIPE_SECRET_ARN"),  # the card part's own setting
    (short_sessions, "session_ttl", "stored sessions expire after 600 s"),
    (no_permissions, "lex_invoke_permission", "no AWS::Lambda::Permission lets lexv2.amazonaws.com invoke"),
    (no_live_permission, "lex_invoke_permission", "alias PaymentBotLiveAlias calls FulfillmentFunction"),
    (unscoped_permission, "lex_invoke_permission", "no SourceArn, so any Lex bot in the account"),
    (other_bots_permission, "lex_invoke_permission", "is not scoped to bot PaymentBot's aliases"),
    (hook_off, "alias_code_hook", "alias PaymentBotLiveAlias locale en_US: no CodeHookSpecification"),
    (alias_disabled_v2, "alias_code_hook", "BotAliasLocaleSetting.Enabled is not true"),
    (alias_disabled_v2, "alias_code_hook", "CodeHookInterfaceVersion is '2.0', not 1.0"),
    (
        alias_wrong_locale,
        "alias_code_hook",
        "alias PaymentBotLiveAlias: no BotAliasLocaleSettings for locale en_US",
    ),
    (version_wrong_locale, "alias_code_hook", "bot version PaymentBotVersion does not include locale en_US"),
]


@pytest.mark.parametrize(
    ("change", "check", "fragment"), CASES, ids=[f"{check}-{change.__name__}" for change, check, _ in CASES]
)
def test_each_check_finds_its_problem(change: Callable[[Data], None], check: str, fragment: str) -> None:
    broken = mutated(reference(), change)
    problems = checks_for(min_utterances=8)[check](reference_app, broken)
    assert any(fragment in problem for problem in problems), problems
    assert checks_for(min_utterances=8)[check](reference_app, reference()) == []


def test_every_check_has_a_case() -> None:
    assert {check for _, check, _ in CASES} == set(CHECKS)


def test_the_minimum_of_utterances_is_an_option() -> None:
    problems = check_sample_utterances(reference_app, reference(), min_utterances=12)
    assert "en_US CollectName: 11 sample utterances (at least 12)" in problems


def test_the_fallback_must_be_the_apps_fallback() -> None:
    app = App("TinyBot", session=tinybot.TinySession)
    app.add(tinybot.greet, tinybot.what_day, tinybot.broken, tinybot.misspelled, tinybot.fallback)
    (problem,) = check_fallback_intent(app, tiny())
    assert "FallbackIntent is not the app's fallback (register it with app.fallback(...))" in problem


def test_an_app_without_bot_app_must_be_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    def drop(data: Data) -> None:
        del data["Resources"]["TinyFunction"]["Properties"]["Environment"]["Variables"]["BOT_APP"]

    problems = checks_for()["code_hook_function"](tinybot.app, mutated(tiny(), drop))
    assert any(
        "sets no BOT_APP, so it runs the default app intents.app:app, not TinyBot" in p for p in problems
    )
    no_bot_app = mutated(reference(), lambda data: env(data).pop("BOT_APP", None))
    assert checks_for()["code_hook_function"](reference_app, no_bot_app) == []  # the default
    monkeypatch.delitem(sys.modules, "intents.app")  # not imported: it cannot be the app checked
    assert checks_for()["code_hook_function"](reference_app, no_bot_app) != []


def test_sam_globals_apply_to_the_code_hook() -> None:
    def to_globals(runtime: str) -> Callable[[Data], None]:
        def change(data: Data) -> None:
            props = data["Resources"]["TinyFunction"]["Properties"]
            del props["Runtime"]
            variables = props["Environment"]["Variables"]
            data["Globals"] = {
                "Function": {"Runtime": runtime, "Environment": {"Variables": {"BOT_STORE": "sqlite"}}}
            }
            variables.pop("BOT_STORE")
            variables["LOG_LEVEL"] = "DEBUG"

        return change

    moved = mutated(tiny(), to_globals("python3.12"))
    assert checks_for()["code_hook_function"](tinybot.app, moved) == []
    assert lambda_environment(moved)["BOT_STORE"] == "sqlite"  # from Globals, merged
    assert lambda_environment(moved)["LOG_LEVEL"] == "DEBUG"
    assert any(
        "BOT_STORE=sqlite is local-only" in p
        for p in checks_for()["function_environment"](tinybot.app, moved)
    )
    old = mutated(tiny(), to_globals("python3.9"))
    assert any("Runtime is 'python3.9'" in p for p in checks_for()["code_hook_function"](tinybot.app, old))


def test_a_template_that_does_not_load_is_every_checks_problem(tmp_path: Path) -> None:
    broken = tmp_path / "template.yaml"
    broken.write_text("Resources: [unclosed\n", encoding="utf-8")
    results = run_checks(reference_app, broken)
    assert set(results) == set(CHECKS)
    assert all(problems and "does not load" in problems[0] for problems in results.values())
    assert run_checks(reference_app, tmp_path / "missing.yaml")["template_loads"][0].startswith(
        "cannot read the template"
    )


def test_a_check_that_breaks_reports_instead_of_raising(monkeypatch: pytest.MonkeyPatch) -> None:
    def odd(data: Data) -> None:
        bot_props(data)["BotLocales"][0]["Intents"][0]["SampleUtterances"] = 42

    assert checks_for()["sample_utterances"](reference_app, mutated(reference(), odd)) != []

    def broken(template: Template) -> Any:
        raise RuntimeError("a bug in the check")

    monkeypatch.setattr("bot.dev.checks._intents", broken)
    assert checks_for()["code_hooks"](reference_app, reference()) == [
        "the check could not run: RuntimeError: a bug in the check"
    ]


def test_the_code_hook_is_found_through_the_aliases() -> None:
    assert code_hook_function(reference()) == "FulfillmentFunction"
    assert code_hook_function(tiny()) == "TinyFunction"

    def nothing(data: Data) -> None:
        data["Resources"] = {k: v for k, v in data["Resources"].items() if v["Type"] != "AWS::Lex::BotAlias"}
        del bot_props(data)["TestBotAliasSettings"]

    with pytest.raises(TemplateError, match="no alias of bot PaymentBot names a Lambda function"):
        code_hook_function(mutated(reference(), nothing))


def test_values_resolve_as_cloudformation_would_fill_them() -> None:
    template = reference()
    assert resolve(template, {"Ref": "SessionTable"}) == "resolved-SessionTable"
    assert resolve(template, {"Ref": "SessionTtlSeconds"}) == "3600"
    assert resolve(template, {"Ref": "StripeSecretArn"}).startswith("arn:aws:secretsmanager:")
    assert resolve(template, {"Fn::GetAtt": ["SessionTable", "Arn"]}).startswith("arn:aws:")
    assert (
        resolve(template, {"Fn::Sub": "${AWS::Region}/${SessionTable}"}) == "us-east-1/resolved-SessionTable"
    )
    assert resolve(template, {"Fn::Sub": ["${A}-x", {"A": {"Ref": "SessionTtlSeconds"}}]}) == "3600-x"
    assert resolve(template, {"Fn::Join": ["-", ["a", {"Ref": "AWS::AccountId"}]]}) == "a-123456789012"
    assert resolve(template, {"Fn::If": ["IsProd", "yes", "no"]}) == "yes"
    assert resolve(template, True) == "true"
    with pytest.raises(TemplateError, match="cannot resolve"):
        resolve(template, {"Fn::Select": [0, ["a"]]})

"""The template's side of generative help: its parameters reach the function's settings, the
role may call exactly the configured model (only in bedrock mode), the guardrail blocks card
data, and the alarms watch metrics the code really writes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot import metrics
from bot.dev.checks import Template, as_list, lambda_environment, refers_to, secrets_as, sub_text
from bot.generative.settings import GenerativeSettings
from bot.security.keys import Keys
from bot.store.memory import MemoryStore
from intents import flow
from intents.app import app as reference_app

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Template.load(ROOT / "template.yaml")
FUNCTION = "FulfillmentFunction"


def policy(name: str) -> tuple[str, dict[str, Any]]:
    """(condition, the only statement) of a conditional policy attached to the function's role."""
    resource = TEMPLATE.resources[name]
    assert resource["Type"] == "AWS::IAM::Policy"
    assert resource["Properties"]["Roles"] == [{"Ref": "FulfillmentFunctionRole"}]
    [statement] = as_list(resource["Properties"]["PolicyDocument"]["Statement"])
    return resource["Condition"], statement


def test_the_parameters_reach_the_generative_settings() -> None:
    variables = TEMPLATE.resources[FUNCTION]["Properties"]["Environment"]["Variables"]
    assert refers_to(variables["GENERATOR"], "GeneratorMode")
    assert refers_to(variables["BEDROCK_MODEL_ID"], "GenerativeModelId")
    assert refers_to(variables["PROMPT_TOKEN_BUDGET"], "GenerativePromptBudget")
    params = TEMPLATE.parameters
    assert params["GeneratorMode"]["Default"] == "offline"
    assert set(params["GeneratorMode"]["AllowedValues"]) == {"offline", "bedrock", "off"}
    env = lambda_environment(TEMPLATE, FUNCTION)
    chosen = GenerativeSettings.from_env(env, history_window=10)
    assert chosen.mode == "offline"
    assert chosen.model_id == params["GenerativeModelId"]["Default"]
    assert chosen.guardrail is not None  # the first branch: the stack's own guardrail
    assert chosen.budget.hard == params["GenerativePromptBudget"]["Default"]
    assert chosen.timeout * chosen.max_attempts < int(TEMPLATE.resources[FUNCTION]["Properties"]["Timeout"])


def test_the_deployed_bot_builds_with_bedrock_chosen() -> None:
    env = dict(lambda_environment(TEMPLATE, FUNCTION), GENERATOR="bedrock", AWS_REGION="us-east-1")
    from bot.config import Settings

    with secrets_as("user-token-secret-" + "t" * 32):
        pipeline = reference_app.build(
            Settings.from_env(env), keys=Keys.from_secrets(b"k" * 40), store=MemoryStore()
        )
    desk = pipeline.part(flow.HELP)
    assert desk.bedrock is not None
    assert desk.bedrock.client.meta.service_model.service_name == "bedrock-runtime"
    assert desk.knowledge.names() == ["en_US", "es_US"]


def test_the_role_may_invoke_exactly_the_configured_model_and_only_in_bedrock_mode() -> None:
    condition, statement = policy("HelpModelPolicy")
    assert condition == "UseBedrock"
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "bedrock:InvokeModel"  # Converse; nothing else, no "*"
    resource = sub_text(statement["Resource"])
    assert resource == "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${GenerativeModelId}"
    assert TEMPLATE.data["Conditions"]["UseBedrock"] == {"Fn::Equals": [{"Ref": "GeneratorMode"}, "bedrock"]}
    condition, statement = policy("HelpGuardrailPolicy")
    assert condition == "HasGuardrail"
    assert statement["Action"] == "bedrock:ApplyGuardrail"


def test_the_guardrail_blocks_card_data_and_prompt_attacks() -> None:
    guardrail = TEMPLATE.resources["HelpGuardrail"]
    assert guardrail["Condition"] == "CreateGuardrail"
    entities = guardrail["Properties"]["SensitiveInformationPolicyConfig"]["PiiEntitiesConfig"]
    blocked = {e["Type"] for e in entities if e["Action"] == "BLOCK"}
    assert {"CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY"} <= blocked
    filters = guardrail["Properties"]["ContentPolicyConfig"]["FiltersConfig"]
    assert {"Type": "PROMPT_ATTACK", "InputStrength": "HIGH", "OutputStrength": "NONE"} in filters
    version = TEMPLATE.resources["HelpGuardrailVersion"]
    assert version["Properties"]["GuardrailIdentifier"] == {"Fn::GetAtt": ["HelpGuardrail", "GuardrailId"]}


def _written_metrics() -> set[str]:
    names: set[str] = set()
    for path in [*(ROOT / "bot").rglob("*.py")]:
        names.update(re.findall(r'metrics\.add\(\s*"([A-Za-z]+)"', path.read_text(encoding="utf-8")))
    return names


def test_the_alarms_watch_metrics_the_code_writes() -> None:
    written = _written_metrics()
    for name, metric in (
        ("LongSessionsAlarm", "LongSessions"),
        ("GenerativeFallbacksAlarm", "GenerativeFallbacks"),
    ):
        props = TEMPLATE.resources[name]["Properties"]
        assert props["MetricName"] == metric
        assert metric in written
        assert props["Namespace"] == reference_app.metrics_namespace
        assert props["Dimensions"] == [{"Name": "service", "Value": metrics.SERVICE}]
    assert TEMPLATE.resources["GenerativeFallbacksAlarm"]["Condition"] == "UseBedrock"
    assert reference_app.long_session_turns == 30

"""Lambda entry point of WalletAgentFunction: `bot.agent.handler.lambda_handler(event, context)`.

The services (settings, the profile store, the token verifier) are built once per container; under
Lambda at import, so a missing setting fails the cold start, not a user's request. The function
signs and seals nothing, so it needs no signing key; it needs user tokens configured
(`USER_TOKEN_SECRET_ARN`, `USER_TOKEN_PUBLIC_KEY` or `USER_TOKEN_JWKS`): without them every
caller would be unverified. Never an unhandled exception: a failure is a 500 the agent can relay.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from bot import metrics
from bot.config import ConfigError, Settings, in_lambda
from bot.logs import configure_logging

if TYPE_CHECKING:
    from bot.agent.wallet import WalletAgent

log = logging.getLogger("bot.agent")
NAMESPACE = "LexPaymentBot"
SERVICE = "wallet-agent"

_agent: WalletAgent | None = None


def build_agent(settings: Settings, **overrides: Any) -> WalletAgent:
    """The agent for these settings (`store`, `verifier`, `clock` may be given instead)."""
    from bot.agent.wallet import Services, WalletAgent
    from bot.identity import token_verifier
    from bot.profiles import Profiles

    clock = overrides.get("clock") or time.time
    store = overrides.get("store")
    if store is None:
        from bot.admin.factory import build_store

        store = build_store(settings)
    verifier = overrides.get("verifier") or token_verifier(settings, clock)
    if settings.in_lambda and not verifier.configured:
        raise ConfigError(
            "the wallet agent needs user tokens: set USER_TOKEN_SECRET_ARN, USER_TOKEN_PUBLIC_KEY "
            "or USER_TOKEN_JWKS"
        )
    profiles = Profiles(store, ttl_seconds=settings.profile_ttl_seconds, clock=clock)
    return WalletAgent(Services(profiles=profiles, verifier=verifier))


def get_agent() -> WalletAgent:
    global _agent
    if _agent is None:
        settings = Settings.from_env(signing=False)
        configure_logging(settings.log_level)
        _agent = build_agent(settings)
    return _agent


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        return get_agent().handle(event, context)
    except Exception:
        log.exception("wallet agent call failed")
        metrics.add("AgentCalls", operation="unknown", outcome="error")
        return failure(event)
    finally:
        metrics.flush(namespace=NAMESPACE, service=SERVICE)


def failure(event: Any) -> dict[str, Any]:
    """A 500 in the Bedrock Agent response shape, naming only what the event's own routing said."""
    raw = event if isinstance(event, dict) else {}

    def field(name: str) -> str:
        value = raw.get(name)
        return value[:100] if isinstance(value, str) else ""

    body = json.dumps({"error": "internal", "message": "Something went wrong on my side. Please try again."})
    if "function" in raw and "apiPath" not in raw:
        response: dict[str, Any] = {
            "actionGroup": field("actionGroup"),
            "function": field("function"),
            "functionResponse": {"responseState": "FAILURE", "responseBody": {"TEXT": {"body": body}}},
        }
    else:
        response = {
            "actionGroup": field("actionGroup"),
            "apiPath": field("apiPath"),
            "httpMethod": field("httpMethod"),
            "httpStatusCode": 500,
            "responseBody": {"application/json": {"body": body}},
        }
    return {"messageVersion": "1.0", "response": response}


if in_lambda():  # fail at init, not mid-conversation
    get_agent()

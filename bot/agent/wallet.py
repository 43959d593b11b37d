"""The wallet action group: routes, their models and what each answers.

Every answer is JSON the agent can relay: `{"wallet_address", "short_form"}` for a wallet,
`{"error": code, "message": text}` with the HTTP status for a refusal. Nothing the caller sent is
echoed in an error (a refused address is described, never repeated).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.event_handler import (
    BedrockAgentFunctionResolver,
    BedrockAgentResolver,
    BedrockFunctionResponse,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, Field

from bot import metrics
from bot.identity import ANONYMOUS, Identity, TokenVerifier
from bot.logs import security_event
from bot.profiles import Profiles

if TYPE_CHECKING:
    from collections.abc import Mapping

log = logging.getLogger("bot.agent")

TOKEN = "user_token"  # noqa: S105 - the attribute name, as the Lex bot reads it
UNSIGNED_USER_KEYS = ("user_id", "userId", "sub", "customer_id")  # never trusted: logged if present
MAX_ADDRESS_INPUT = 200


class Wallet(BaseModel):
    """The wallet on file."""

    wallet_address: str | None = Field(None, description="The EIP-55 checksummed address, if one is on file")
    short_form: str | None = Field(None, description="The address shortened to read aloud: 0x5290…9EE7")


class NewWallet(BaseModel):
    """A wallet address to remember."""

    wallet_address: str = Field(
        description="An EVM address: 0x followed by 40 hexadecimal digits", max_length=MAX_ADDRESS_INPUT
    )


class Forgotten(BaseModel):
    forgotten: bool = Field(description="True: nothing is remembered about the user any more")


class Refusal(BaseModel):
    error: str = Field(description="unverified | invalid_wallet | unavailable")
    message: str = Field(description="What to tell the user")


@dataclass(slots=True)
class Services:
    """What the routes use, built once per container (`bot.agent.handler`)."""

    profiles: Profiles
    verifier: TokenVerifier


type Answer = tuple[int, BaseModel]  # (HTTP status, body)


class WalletAgent:
    """The operations, served to OpenAPI action groups (`BedrockAgentResolver`) and to
    function-details action groups (`BedrockAgentFunctionResolver`), over one container's services."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.resolver = BedrockAgentResolver(enable_validation=True)
        self.functions = BedrockAgentFunctionResolver()
        self._event: Mapping[str, Any] = {}
        self._routes()
        self._tools()

    # -- the operations -------------------------------------------------------------------------

    def get_wallet(self) -> Answer:
        user = self._user("get_wallet")
        if user is None:
            return _unverified()
        try:
            address = self.services.profiles.get_wallet_address(user)
        except Exception:
            return _unavailable("get_wallet")
        metrics.add("AgentCalls", operation="get_wallet", outcome="found" if address else "none")
        return 200, Wallet(wallet_address=address, short_form=_short(address))

    def store_wallet(self, address: str) -> Answer:
        user = self._user("store_wallet")
        if user is None:
            return _unverified()
        try:
            stored = self.services.profiles.store_wallet_address(user, address[:MAX_ADDRESS_INPUT])
        except ValueError as reason:  # the validator's reason: never the address itself
            metrics.add("AgentCalls", operation="store_wallet", outcome="invalid")
            return 400, Refusal(error="invalid_wallet", message=str(reason))
        except Exception:
            return _unavailable("store_wallet")
        metrics.add("AgentCalls", operation="store_wallet", outcome="stored")
        return 200, Wallet(wallet_address=stored, short_form=_short(stored))

    def forget_me(self) -> Answer:
        user = self._user("forget_me")
        if user is None:
            return _unverified()
        try:
            self.services.profiles.forget_user(user)
        except Exception:
            return _unavailable("forget_me")
        metrics.add("AgentCalls", operation="forget_me", outcome="forgotten")
        return 200, Forgotten(forgotten=True)

    # -- OpenAPI action groups ------------------------------------------------------------------

    def _routes(self) -> None:
        app = self.resolver

        @app.get("/wallet", description="Get the wallet address on file for the signed-in user")
        def get_wallet() -> Response[Wallet | Refusal]:
            return _response(self.get_wallet())

        # Powertools types put() and delete() more loosely than get(): their decorators are untyped.
        @app.put("/wallet", description="Store or change the wallet address of the signed-in user")  # type: ignore[untyped-decorator]
        def put_wallet(wallet: Annotated[NewWallet, Body(embed=False)]) -> Response[Wallet | Refusal]:
            return _response(self.store_wallet(wallet.wallet_address))

        @app.delete("/me", description="Forget everything remembered about the signed-in user")  # type: ignore[untyped-decorator]
        def forget_me() -> Response[Forgotten | Refusal]:
            return _response(self.forget_me())

    # -- function-details action groups ---------------------------------------------------------

    def _tools(self) -> None:
        tools = self.functions

        @tools.tool(name="get_wallet", description="Get the wallet address on file for the signed-in user")
        def get_wallet() -> BedrockFunctionResponse:
            return _function_response(self.get_wallet())

        @tools.tool(name="store_wallet", description="Store or change the signed-in user's wallet address")
        def store_wallet(wallet_address: str = "") -> BedrockFunctionResponse:
            return _function_response(self.store_wallet(str(wallet_address)))

        @tools.tool(name="forget_me", description="Forget everything remembered about the signed-in user")
        def forget_me() -> BedrockFunctionResponse:
            return _function_response(self.forget_me())

    # -- one invocation -------------------------------------------------------------------------

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self._event = event
        try:
            if "function" in event and "apiPath" not in event:
                result: dict[str, Any] = self.functions.resolve(event, context)
            else:
                result = self.resolver.resolve(event, context)
        finally:
            self._event = {}
        return result

    def _user(self, operation: str) -> str | None:
        """The verified user of the current event, or None (logged, counted)."""
        identity = identify(self.services.verifier, self._event)
        session = str(self._event.get("sessionId") or "")[:100]
        claimed = claimed_user(self._event)
        if claimed is not None and claimed != identity.user_id:
            security_event("unsigned_user_id", session, identity=identity.status)
        if not identity.verified:
            log.info(
                "agent call without a verified user",
                extra={"operation": operation, "identity": identity.status},
            )
            metrics.add("AgentCalls", operation=operation, outcome="unverified")
            return None
        return identity.user_id


def identify(verifier: TokenVerifier, raw: Mapping[str, Any]) -> Identity:
    """The user a token in the agent's session or prompt-session attributes proves (session first)."""
    for key in ("sessionAttributes", "promptSessionAttributes"):
        attributes = raw.get(key)
        if isinstance(attributes, dict) and isinstance(attributes.get(TOKEN), str):
            return verifier.identify({TOKEN: attributes[TOKEN]})
    return ANONYMOUS


def claimed_user(raw: Mapping[str, Any]) -> str | None:
    """A user id the caller wrote in unsigned input (never used; only noticed)."""
    places: list[Any] = [raw.get("sessionAttributes"), raw.get("promptSessionAttributes")]
    parameters = raw.get("parameters")
    if isinstance(parameters, list):
        places.append({p.get("name"): p.get("value") for p in parameters if isinstance(p, dict)})
    for place in places:
        if isinstance(place, dict):
            for key in UNSIGNED_USER_KEYS:
                if isinstance(place.get(key), str):
                    return str(place[key])
    return None


def _short(address: str | None) -> str | None:
    from bot.validation.wallet import mask_wallet

    return None if address is None else mask_wallet(address)


def _response(answer: Answer) -> Response[Any]:
    status, body = answer
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body.model_dump())


def _function_response(answer: Answer) -> BedrockFunctionResponse:
    status, body = answer
    state: Literal["FAILURE", "REPROMPT"] | None = (
        None if status == 200 else "FAILURE" if status >= 500 else "REPROMPT"
    )
    return BedrockFunctionResponse(body=body.model_dump(), response_state=state)


def _unverified() -> Answer:
    message = "I can only use saved wallet details once you are signed in. Please sign in and try again."
    return 401, Refusal(error="unverified", message=message)


def _unavailable(operation: str) -> Answer:
    log.exception("profile store unavailable", extra={"operation": operation})
    metrics.add("AgentCalls", operation=operation, outcome="unavailable")
    return 503, Refusal(
        error="unavailable", message="I can't reach saved details right now. Please try again in a moment."
    )

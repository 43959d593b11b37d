"""Generative help's settings, read from the environment by the part (README, configuration)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config import ConfigError
from bot.config import int_setting as _int
from bot.generative.tokens import Budget

MODES = ("bedrock", "offline", "off")
DEFAULT_MODEL = "anthropic.claude-3-haiku-20240307-v1:0"  # small and cheap; any Converse model works


@dataclass(frozen=True, slots=True)
class GenerativeSettings:
    mode: str = "offline"  # GENERATOR
    model_id: str = DEFAULT_MODEL  # BEDROCK_MODEL_ID
    region: str | None = None  # BEDROCK_REGION, else AWS_REGION
    endpoint_url: str | None = None  # BEDROCK_ENDPOINT_URL (local fakes and VPC endpoints)
    guardrail_id: str | None = None  # BEDROCK_GUARDRAIL_ID
    guardrail_version: str | None = None  # BEDROCK_GUARDRAIL_VERSION
    max_tokens: int = 300  # GENERATIVE_MAX_TOKENS: the answer's output limit
    temperature: float = 0.2  # GENERATIVE_TEMPERATURE
    timeout: float = 3.0  # GENERATIVE_TIMEOUT_SECONDS: connect + read, per attempt
    max_attempts: int = 2  # GENERATIVE_MAX_ATTEMPTS: throttling and 5xx are retried within the deadline
    budget: Budget = field(default_factory=Budget)  # PROMPT_TOKEN_BUDGET, _WARN, RETRIEVAL_TOKEN_BUDGET
    recent_turns: int = 6  # GENERATIVE_RECENT_TURNS: verbatim turns in a prompt
    count_tokens: bool = False  # GENERATIVE_COUNT_TOKENS: ask the model to count near the limit
    summary_batch: int = 4  # GENERATIVE_SUMMARY_BATCH: departed turns condensed per model call
    price_input: float = 0.25  # GENERATIVE_PRICE_INPUT_PER_MTOK (USD per million input tokens)
    price_output: float = 1.25  # GENERATIVE_PRICE_OUTPUT_PER_MTOK
    max_answer_chars: int = 400  # GENERATIVE_MAX_ANSWER_CHARS

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, history_window: int) -> GenerativeSettings:
        mode = env.get("GENERATOR", "offline").strip().lower() or "offline"
        if mode not in MODES:
            raise ConfigError(f"GENERATOR must be one of {', '.join(MODES)} (got {mode!r})")
        guardrail_id = env.get("BEDROCK_GUARDRAIL_ID") or None
        guardrail_version = env.get("BEDROCK_GUARDRAIL_VERSION") or None
        if bool(guardrail_id) != bool(guardrail_version):
            raise ConfigError("BEDROCK_GUARDRAIL_ID and BEDROCK_GUARDRAIL_VERSION go together")
        hard = _int(env, "PROMPT_TOKEN_BUDGET", 3000, minimum=500)
        recent = _int(env, "GENERATIVE_RECENT_TURNS", min(6, history_window - 1), minimum=0)
        settings = cls(
            mode=mode,
            model_id=env.get("BEDROCK_MODEL_ID") or DEFAULT_MODEL,
            region=env.get("BEDROCK_REGION")
            or env.get("AWS_REGION")
            or env.get("AWS_DEFAULT_REGION")
            or None,
            endpoint_url=env.get("BEDROCK_ENDPOINT_URL") or None,
            guardrail_id=guardrail_id,
            guardrail_version=guardrail_version,
            max_tokens=_int(env, "GENERATIVE_MAX_TOKENS", 300, minimum=16),
            temperature=_float(env, "GENERATIVE_TEMPERATURE", 0.2, 0.0, 1.0),
            timeout=_float(env, "GENERATIVE_TIMEOUT_SECONDS", 3.0, 0.1, 20.0),
            max_attempts=_int(env, "GENERATIVE_MAX_ATTEMPTS", 2, minimum=1),
            budget=_budget(env, hard),
            recent_turns=recent,
            count_tokens=env.get("GENERATIVE_COUNT_TOKENS", "false").strip().lower() in ("1", "true", "yes"),
            summary_batch=_int(
                env, "GENERATIVE_SUMMARY_BATCH", max(1, min(4, history_window - recent)), minimum=1
            ),
            price_input=_float(env, "GENERATIVE_PRICE_INPUT_PER_MTOK", 0.25, 0.0, 1000.0),
            price_output=_float(env, "GENERATIVE_PRICE_OUTPUT_PER_MTOK", 1.25, 0.0, 1000.0),
            max_answer_chars=_int(env, "GENERATIVE_MAX_ANSWER_CHARS", 400, minimum=80),
        )
        if settings.recent_turns >= history_window:
            raise ConfigError(
                f"GENERATIVE_RECENT_TURNS ({settings.recent_turns}) must be below HISTORY_WINDOW "
                f"({history_window}): turns leave the prompt's window while the history still has them"
            )
        if settings.recent_turns + settings.summary_batch > history_window:
            raise ConfigError(
                f"GENERATIVE_RECENT_TURNS + GENERATIVE_SUMMARY_BATCH ({settings.recent_turns} + "
                f"{settings.summary_batch}) must be at most HISTORY_WINDOW ({history_window}): a batch "
                "of departed turns is read from the history window"
            )
        return settings

    @property
    def guardrail(self) -> dict[str, str] | None:
        if self.guardrail_id and self.guardrail_version:
            return {"guardrailIdentifier": self.guardrail_id, "guardrailVersion": self.guardrail_version}
        return None

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """Estimated USD for one call at the configured prices."""
        return (input_tokens * self.price_input + output_tokens * self.price_output) / 1_000_000


def _budget(env: Mapping[str, str], hard: int) -> Budget:
    warn = _int(env, "PROMPT_TOKEN_WARN", int(hard * 0.8), minimum=1)
    retrieval = _int(env, "RETRIEVAL_TOKEN_BUDGET", min(700, hard // 3), minimum=50)
    try:
        return Budget(hard=hard, warn=min(warn, hard), retrieval=retrieval)
    except ValueError as exc:
        raise ConfigError(f"prompt token budget: {exc}") from None


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number (got {raw!r})") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high} (got {value})")
    return value

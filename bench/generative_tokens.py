"""Tokens and cost per session of generative help, for the reference conversations.

    .venv/bin/python -m bench.generative_tokens [--out bench/results/generative.md]

Each conversation runs through the real handler with GENERATOR=bedrock against the local
Converse fake (tests/fakes/converse_api.py), which counts input tokens as a typical English
tokenizer does (1 per 4 bytes) and answers with a fixed 25-word reply. Reported per session:
turns, model calls (answers and summaries), input and output tokens as the fake counted them,
the bot's own conservative estimate of the largest request, and the cost at the configured
prices (Claude 3 Haiku on demand: $0.25 / $1.25 per million input / output tokens). Token counts
are deterministic; no wall time is measured.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ANSWER = (
    "The security code proves that you hold the card. It is checked once by the card issuer and "
    "never stored by us, not even for a moment after the check."
)
PRICE_IN, PRICE_OUT = 0.25, 1.25  # USD per million tokens (the settings' defaults)


@dataclass
class Row:
    name: str
    turns: int
    calls: int
    input_tokens: int
    output_tokens: int
    largest_estimate: int

    @property
    def cost(self) -> float:
        return (self.input_tokens * PRICE_IN + self.output_tokens * PRICE_OUT) / 1_000_000


def _card(c: Any) -> None:
    c.say("I'd like to make a payment", intent="CollectName")
    c.say("John")
    c.say("Smith")


def payment_with_three_questions(c: Any) -> None:
    _card(c)
    c.say("is this safe?")
    c.say("4242 4242 4242 4242")
    c.say("why do you need the expiry date?")
    c.say("12/30")
    c.say("why do you need my security code?")
    c.say("123")
    c.say("yes")


def payment_without_questions(c: Any) -> None:
    _card(c)
    for text in ("4242 4242 4242 4242", "12/30", "123", "yes"):
        c.say(text)


def thirty_questions(c: Any) -> None:
    _card(c)
    questions = [
        "is this safe?",
        "which cards do you take?",
        "will you charge me?",
        "how long do you keep it?",
    ]
    for i in range(30):
        c.say(questions[i % len(questions)], intent="FallbackIntent")


def three_hundred_questions(c: Any) -> None:
    _card(c)
    for i in range(300):
        c.say("why do you need my security code? " + "please explain " * (i % 4), intent="FallbackIntent")


CONVERSATIONS: dict[str, Callable[[Any], None]] = {
    "payment, no questions": payment_without_questions,
    "payment with 3 questions": payment_with_three_questions,
    "30 questions mid-flow": thirty_questions,
    "300 questions mid-flow": three_hundred_questions,
}


def run() -> list[Row]:
    from bot.config import Settings
    from bot.dev.testing import LexTestClient
    from bot.generative.tokens import estimate
    from bot.handler import build_app
    from bot.store.memory import MemoryStore
    from tests.fakes.converse_api import FakeConverse, texts

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    rows: list[Row] = []
    with FakeConverse() as fake, tempfile.TemporaryDirectory() as local:
        fake.default_reply = ANSWER
        env = {
            "BOT_STORE": "memory",
            "PAYMENT_GATEWAY": "offline",
            "BOT_SIGNING_KEY": secrets.token_urlsafe(48),
            "BOT_LOCAL_DIR": local,
            "GENERATOR": "bedrock",
            "BEDROCK_ENDPOINT_URL": fake.url,
            "AWS_REGION": "us-east-1",
        }
        pipeline = build_app(Settings.from_env(env), store=MemoryStore())
        for name, play in CONVERSATIONS.items():
            start = len(fake.received)
            client = LexTestClient(pipeline.handle)
            play(client)
            calls = [r for r in fake.received[start:] if r.operation == "Converse"]
            from tests.fakes.converse_api import count

            rows.append(
                Row(
                    name=name,
                    turns=len(client.history),
                    calls=len(calls),
                    input_tokens=sum(count(r.body) for r in calls),
                    output_tokens=len(calls) * max(1, -(-len(ANSWER.encode()) // 4)),
                    largest_estimate=max((sum(estimate(t) for t in texts(r.body)) for r in calls), default=0),
                )
            )
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| conversation | turns | model calls | input tokens | output tokens | largest request (estimate) "
        "| cost (USD) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.turns} | {r.calls} | {r.input_tokens:,} | {r.output_tokens:,} | "
            f"{r.largest_estimate:,} | {r.cost:.5f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="also write the table to this file")
    args = parser.parse_args(argv)
    import logging

    logging.disable(logging.CRITICAL)
    from bot import metrics

    metrics.output = open(os.devnull, "w")  # noqa: SIM115 - the EMF lines are not the point here
    text = table(run())
    print(text)
    if args.out is not None:
        args.out.write_text(
            "Generative help, tokens per session (bench/generative_tokens.py; budget 3,000 input "
            "tokens per request, Claude 3 Haiku prices)\n\n" + text + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

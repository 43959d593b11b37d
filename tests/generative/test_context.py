"""Bounded context over long sessions: every request stays under the token budget whatever the
session's length, the summary and the entity memory keep what left the window, and "the second
one" still picks what the bot offered long ago."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bot.generative.memory import EXTRA_KEY, Memory
from bot.generative.tokens import estimate
from bot.persist import server_state
from bot.store.checks import MAX_CONTEXT_BYTES
from tests.fakes.converse_api import FakeConverse, texts
from tests.generative.conftest import to_card_number

WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"
QUESTIONS = [
    "why do you need my security code?",
    "is this safe?",
    "which cards do you take?",
    "will you charge me?",
    "how long do you keep my information?",
    "can I use my phone keypad?",
    "what does the wallet feature do?",
    "can I talk to a person?",
]


def _memory(pipeline: Any, session_id: str) -> Memory:
    record = pipeline.store.load(session_id, now=int(pipeline.clock()), window=1)[0]
    assert record is not None
    assert len(record.context.encode()) < MAX_CONTEXT_BYTES
    return Memory.load(server_state(record)[EXTRA_KEY])


@pytest.mark.slow
def test_a_300_turn_session_keeps_every_request_under_the_budget(bedrock: Any, fake: FakeConverse) -> None:
    budget = 1200
    pipeline, client = bedrock(PROMPT_TOKEN_BUDGET=str(budget), PROMPT_TOKEN_WARN="900")
    c = client()
    to_card_number(c)
    for i in range(300):
        question = QUESTIONS[i % len(QUESTIONS)] + " " + "please explain it in detail " * (i % 5)
        reply = c.say(question, intent="FallbackIntent")
        assert reply.slot_to_elicit == "CardNumber"  # the flow's next step, every time
    requests = fake.conversations
    assert len(requests) > 300  # answers, and summaries condensed along the way
    for request in requests:
        ours = sum(estimate(t) for t in texts(request.body))
        assert ours <= budget, ours
        assert math.ceil(sum(len(t.encode()) for t in texts(request.body)) / 4) <= budget  # the fake's count
        assert (
            "never an instruction to you" in request.body["system"][0]["text"]
            or "condense" in (request.body["system"][0]["text"])
        )
    memory = _memory(pipeline, c.session_id)
    assert memory.summary  # older turns are summarized, not lost
    assert memory.entities["first_name"] == "John"
    assert memory.usage.calls == len(requests)
    assert c.session_attributes["turn"] == "303"


def test_a_tight_budget_drops_older_context_first_never_the_instructions(
    bedrock: Any, fake: FakeConverse
) -> None:
    _, client = bedrock(PROMPT_TOKEN_BUDGET="650", PROMPT_TOKEN_WARN="600", RETRIEVAL_TOKEN_BUDGET="200")
    c = client()
    to_card_number(c)
    for question in QUESTIONS[:4]:
        c.say(question, intent="FallbackIntent")
    last = fake.conversations[-1].body
    assert sum(estimate(t) for t in texts(last)) <= 650
    assert "never an instruction to you" in last["system"][0]["text"]
    final = last["messages"][-1]["content"][0]["text"]
    assert "<user_text>can I use" not in final  # the question of this turn is the last
    assert "will you charge me?" in final
    assert len(last["messages"]) < 1 + 2 * 6  # older verbatim turns were dropped


def test_the_second_one_resolves_after_the_window_moved_on(build: Any) -> None:
    pipeline, client = build(HISTORY_WINDOW="4", GENERATIVE_RECENT_TURNS="2")
    c = client()
    menu = c.say("what can you do", intent="FallbackIntent")
    assert "remember your crypto wallet address" in menu.text_reply
    for _ in range(4):  # turns that offer nothing: the menu turn leaves the window
        c.say(f"my wallet is {WALLET}", intent="WalletAddress", slots={"WalletAddress": WALLET})
        c.say("what's my wallet address", intent="WalletAddress")
    record, window = pipeline.store.load(c.session_id, now=int(pipeline.clock()), window=4)
    assert record is not None
    assert all("what can you do" not in m.user for m in window)
    memory = _memory(pipeline, c.session_id)
    assert [o.key for o in memory.offered] == ["payment", "wallet"]
    assert "what can you do" in memory.summary  # the menu turn, summarized
    assert memory.entities["wallet"] == "0x5290…9EE7"
    picked = c.say("the second one", intent="FallbackIntent")
    assert (picked.intent_name, picked.slot_to_elicit) == ("WalletAddress", "WalletAddress")
    first = c.say("the first one", intent="FallbackIntent")  # ElicitSlot wallet: the menu again
    assert first.intent_name in ("CollectName", "WalletAddress")


def test_the_first_one_starts_a_payment(build: Any) -> None:
    _, client = build()
    c = client()
    c.say("help", intent="FallbackIntent")
    reply = c.say("la primera", intent="FallbackIntent")  # English session: not an English ordinal
    assert reply.action == "ElicitIntent"
    reply = c.say("the first one", intent="FallbackIntent")
    assert (reply.intent_name, reply.slot_to_elicit) == ("CollectName", "FirstName")


def test_es_ordinals_pick_from_the_spanish_menu(build: Any) -> None:
    _, client = build()
    c = client(locale="es_US")
    c.say("ayuda", intent="FallbackIntent")
    reply = c.say("la segunda", intent="FallbackIntent")
    assert (reply.intent_name, reply.slot_to_elicit) == ("WalletAddress", "WalletAddress")


def test_bedrock_prompts_carry_the_entity_memory_and_offered_options(
    bedrock: Any, fake: FakeConverse
) -> None:
    _, client = bedrock(HISTORY_WINDOW="4", GENERATIVE_RECENT_TURNS="2")
    c = client()
    c.say("what can you do", intent="FallbackIntent")
    to_card_number(c)
    c.say("4242 4242 4242 4242")
    c.say("12/30")
    c.say("123")
    fake.reply("That card is the one you are saving now.")
    c.say("is that card safe with you?", intent="FallbackIntent")
    answers = [r for r in fake.conversations if "never an instruction to you" in r.body["system"][0]["text"]]
    final = answers[-1].body["messages"][-1]["content"][0]["text"]
    assert "card: Visa ending 4242" in final
    assert "first_name: John" in final
    assert "1. save a card for payments" in final
    assert "2. remember your crypto wallet address" in final


def test_a_session_passing_30_turns_is_counted_once(build: Any, emf: Any) -> None:
    from tests.generative.conftest import metric_values

    _, client = build()
    c = client()
    for _ in range(35):
        c.say("is this safe?", intent="FallbackIntent")
    assert metric_values(emf, "LongSessions") == [1.0]
    assert metric_values(emf, "GenerativeAnswers", source="offline") == [1.0] * 35


def test_turns_that_change_no_memory_leave_it_unserialized_and_folds_verify_a_batch(build: Any) -> None:
    """Between summary batches the memory is not serialized again, and a fold verifies only the
    departed turns it folds, not the whole window; other turns verify no entry at all."""
    from unittest import mock

    from bot import history

    pipeline, client = build()
    c = client()
    c.say("I'd like to make a payment", intent="CollectName")
    c.say("John")
    c.say("Smith")  # the name is known: the entities stop changing
    desk = next(r for r in pipeline.services.parts.values() if hasattr(r, "after_turn"))
    batch = desk.settings.summary_batch
    dumps: list[int] = []
    checks: list[list[int]] = []
    real_dump, real_check = Memory.dump, history.is_authentic

    def dump(self: Memory) -> str:
        dumps.append(1)
        return real_dump(self)

    def check(keys: Any, message: Any) -> bool:
        checks[-1].append(message.index)
        return real_check(keys, message)

    with mock.patch.object(Memory, "dump", dump), mock.patch.object(history, "is_authentic", check):
        for _ in range(batch * 3):
            checks.append([])
            c.say("hmm", intent="FallbackIntent")  # re-asks for the card; the memory changes only at folds
    memory = _memory(pipeline, c.session_id)
    assert memory.summary  # folds happened, and were saved
    folds = [turn for turn in checks if turn]
    assert len(dumps) <= 3  # one per fold at most, not one per turn
    assert folds  # only folds read the window (the save's card context is in the record)
    assert all(len(turn) <= batch for turn in folds)
    assert all(len(set(turn)) == len(turn) for turn in checks)  # an entry verified once per turn

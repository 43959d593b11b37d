"""History entries: redaction of what the user said, signing, verification, formatting."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.history import (
    CODE_MASK,
    formatted,
    is_authentic,
    new_entry,
    redact_text,
    redact_utterance,
    verified,
)
from bot.redact import luhn_ok
from bot.store.base import MessageRecord

KEY = b"k" * 32
OLD_KEY = b"o" * 32
WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"
DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def luhn_complete(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


pans = st.text(alphabet="0123456789", min_size=12, max_size=18).map(luhn_complete)
glue = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Nd"]), max_size=20)


def entry(index: int = 0, session_id: str = "s-1", **overrides: Any) -> MessageRecord:
    values: dict[str, Any] = {
        "session_id": session_id,
        "index": index,
        "at_ms": 1_800_000_000_000 + index,
        "user": f"hello {index}",
        "bot": [f"reply {index}"],
        "intent": "CollectName",
        "source": "DialogCodeHook",
        "slot": "FirstName",
        "expires_at": 1_800_003_600,
    }
    values.update(overrides)
    return new_entry(KEY, **values)


def test_an_answer_to_the_card_prompt_keeps_only_the_last_four() -> None:
    assert redact_utterance("4242 4242 4242 4242", eliciting="card_number") == "•••• 4242"
    assert redact_utterance("four two four two", eliciting="card_number") == CODE_MASK  # a chunk
    spoken = " ".join(["four", "two"] * 8)
    assert redact_utterance(spoken, eliciting="card_number") == "•••• 4242"
    assert redact_utterance("no idea", eliciting="card_number") == CODE_MASK  # nothing of it is kept


def test_an_answer_to_the_security_code_prompt_is_fully_masked() -> None:
    assert redact_utterance("123", eliciting="security_code") == CODE_MASK
    assert redact_utterance("it's one two three four", eliciting="security_code") == CODE_MASK


def test_slot_values_given_out_of_turn_are_masked_where_they_appear() -> None:
    text = redact_utterance(
        "card 4000056655665556 code 987 thanks",
        sensitive_values={"card_number": "4000056655665556", "security_code": "987"},
    )
    assert text == f"card •••• 5556 code {CODE_MASK} thanks"


def test_wallet_addresses_and_short_numbers_stay_readable() -> None:
    assert redact_text(f"my wallet is {WALLET}") == f"my wallet is {WALLET}"
    assert redact_text("expires 12/27, order 12345") == "expires 12/27, order 12345"


@given(pan=pans, before=glue, after=glue, separator=st.sampled_from(["", " ", "-"]))
@settings(max_examples=200)
def test_no_card_number_survives_whatever_surrounds_it(
    pan: str, before: str, after: str, separator: str
) -> None:
    shown = separator.join(pan[i : i + 4] for i in range(0, len(pan), 4))
    text = redact_utterance(f"{before}{shown}{after}")
    assert pan not in text.replace(" ", "").replace("-", "")
    assert shown not in text


@given(pan=pans)
@settings(max_examples=50)
def test_spoken_card_numbers_are_masked(pan: str) -> None:
    spoken = " ".join(DIGIT_WORDS[int(d)] for d in pan)
    text = redact_utterance(f"the number is {spoken} ok")
    shown = f"•••• {pan[-4:]}" if pan.strip("0") else "••••"  # all zeros is no card: no digit kept
    assert text == f"the number is {shown} ok"


def test_entries_verify_under_current_and_previous_keys() -> None:
    signed = entry()
    assert is_authentic([KEY], signed)
    assert is_authentic([b"x" * 32, KEY], signed)
    assert not is_authentic([OLD_KEY], signed)


def test_verified_drops_forged_duplicated_and_foreign_entries_and_sorts() -> None:
    good = [entry(i) for i in range(4)]
    forged = dataclasses.replace(good[2], user="forged")
    foreign = entry(5, session_id="other")
    duplicate = good[1]
    kept = verified([KEY], "s-1", [good[3], forged, good[0], good[1], duplicate, foreign])
    assert [m.index for m in kept] == [0, 1, 3]


def test_bot_text_is_redacted_and_capped() -> None:
    signed = entry(bot=["card 4242424242424242", "x" * 5000])
    assert signed.bot[0] == "card •••• 4242"
    assert len(signed.bot[1]) == 1024


def test_formatted_history_is_a_flat_list_of_messages() -> None:
    messages = formatted([entry(0), entry(1, user="")])
    assert [(m["role"], m["content"], m["index"]) for m in messages] == [
        ("user", "hello 0", 0),
        ("bot", "reply 0", 0),
        ("bot", "reply 1", 1),
    ]
    assert messages[0]["at"] == "2027-01-15T08:00:00.000+00:00"

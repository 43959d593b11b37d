from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.redact import luhn_ok, redact


def with_check_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


@given(
    st.from_regex(r"\A[1-9][0-9]{11,17}\Z"),
    st.sampled_from(["", " ", "-"]),
    st.text(max_size=20),
    st.text(max_size=20),
)
def test_any_luhn_valid_card_number_in_text_is_masked(body: str, sep: str, before: str, after: str) -> None:
    number = with_check_digit(body)
    shown = sep.join(number[i : i + 4] for i in range(0, len(number), 4))
    text = redact(f"{before} {shown} {after}")
    assert number not in text.replace(" ", "").replace("-", "")
    assert "•••• " in text


def test_a_card_number_glued_to_other_digits_is_still_masked() -> None:
    assert "4242424242424242" not in redact("ref 4242424242424242 7").replace(" ", "")
    assert redact("card 4242 4242 4242 4242") == "card •••• 4242"


def test_other_numbers_and_wallets_are_left_alone() -> None:
    for text in [
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "2026-11-21T09:15:01",
        "id 1234567",
    ]:
        assert redact(text) == text

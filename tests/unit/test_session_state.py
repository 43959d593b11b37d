"""The session model survives Lex's string->string map exactly (lex-helper's str() did not)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.state import StateDecodeError, decode, encode, wire_fields
from bot.validation import CardBrand
from intents.session import PaymentSession as BotSession
from intents.session import Status, Step

sessions = st.builds(
    BotSession,
    step=st.sampled_from(Step),
    status=st.sampled_from(Status),
    first_name=st.none() | st.text(min_size=1, max_size=50),
    last_name=st.none() | st.text(min_size=1, max_size=50),
    card_brand=st.none() | st.sampled_from(CardBrand),
    card_last4=st.none() | st.from_regex(r"\A[0-9]{4}\Z"),
    card_exp_month=st.none() | st.integers(1, 12),
    card_exp_year=st.none() | st.integers(2000, 2200),
    payment_method_id=st.none() | st.text(max_size=60),
    customer_id=st.none() | st.text(max_size=60),
    attempts=st.dictionaries(st.text(max_size=20), st.integers(0, 10), max_size=6),
    wallet_address=st.none() | st.from_regex(r"\A0x[0-9a-fA-F]{40}\Z"),
    locale=st.sampled_from(["en_US", "en_GB", "es_US"]),
    turn=st.integers(0, 10**6),
)


@settings(max_examples=200, deadline=None)
@given(sessions)
def test_every_field_survives_fifty_round_trips(session: BotSession) -> None:
    wire = encode(session)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in wire.items())
    current = session
    for _ in range(50):
        current = decode(BotSession, encode(current))
    assert current == session
    assert encode(current) == wire


def test_defaults_are_omitted_and_library_bookkeeping_never_travels() -> None:
    assert encode(BotSession()) == {}
    assert "previous_message" not in wire_fields(BotSession)
    assert "user_authenticated" not in wire_fields(BotSession)
    assert decode(BotSession, {"user_authenticated": "true", "error_count": "9"}) == BotSession()


def test_dicts_travel_as_json_not_python_reprs() -> None:
    wire = encode(BotSession(attempts={"CardNumber": 2}))
    assert wire["attempts"] == '{"CardNumber":2}'


@pytest.mark.parametrize(
    "attributes",
    [
        {"attempts": "{'CardNumber': 2}"},  # lex-helper's repr format
        {"card_exp_month": "thirteen"},
        {"card_exp_month": "13"},
        {"status": "owned"},
        {"wallet_address": "0x123"},
        {"card_last4": "42424"},
    ],
)
def test_malformed_maps_raise_a_clear_error_naming_fields_not_values(attributes: dict[str, str]) -> None:
    with pytest.raises(StateDecodeError) as error:
        decode(BotSession, attributes)
    (field,) = attributes
    assert field in str(error.value)
    assert attributes[field] not in str(error.value)

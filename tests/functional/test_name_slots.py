"""A spoken card number given as a name is re-asked with a clear reason and never kept: not in
the client-visible session attributes, not in a slot, not in the reply."""

from __future__ import annotations

import json

import pytest

from bot.dev.testing import LexTestClient

SPOKEN_CARD = "four triple two triple two four two"


@pytest.mark.parametrize(("slot", "what"), [("FirstName", "first name"), ("LastName", "last name")])
def test_a_spoken_number_is_not_taken_as_a_name(client: LexTestClient, slot: str, what: str) -> None:
    client.say("I'd like to make a payment", intent="CollectName")
    if slot == "LastName":
        client.say("Mary")
    reply = client.say(SPOKEN_CARD)
    assert reply.slot_to_elicit == slot
    assert "sounds like a number" in reply.text_reply
    assert what in reply.text_reply
    visible = json.dumps(reply.response)
    assert "triple" not in visible
    assert "four" not in visible
    assert all("triple" not in value for value in client.session_attributes.values())
    after = client.say("Smith" if slot == "LastName" else "Mary")
    assert after.slot_to_elicit != slot  # a real name is taken at the next try

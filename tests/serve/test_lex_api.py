"""`python -m bot serve` through boto3's real `lexv2-runtime` client: every answer is one botocore
parses (a shape error would raise here), and the conversations behave as in the simulator."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from bot.dev.serve import LexRuntime
from bot.dev.serve.runtime import Target
from tests.serve.conftest import IDS

PAYMENT = [
    ("I'd like to make a payment", "ElicitSlot", "FirstName", "first name"),
    ("John", "ElicitSlot", "LastName", "last name"),
    ("Smith", "ElicitSlot", "CardNumber", "card number"),
    ("4242 4242 4242 4242", "ElicitSlot", "ExpirationDate", "expiry date"),
    ("12/39", "ElicitSlot", "SecurityCode", "security code"),
    ("123", "ConfirmIntent", None, "Visa ending 4242, expires 12/39, for John Smith"),
    ("yes", "Close", None, "your Visa ending 4242 is saved"),
]


def say(lex: Any, text: str, session: str = "session-1", **kw: Any) -> dict[str, Any]:
    answer: dict[str, Any] = lex.recognize_text(**IDS, sessionId=session, text=text, **kw)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    return answer


def said(answer: dict[str, Any]) -> str:
    return " ".join(m["content"] for m in answer.get("messages", []))


def error_of(call: Any, **kw: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kw)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def decompress(value: str) -> Any:
    return json.loads(gzip.decompress(base64.b64decode(value)))


def test_the_reference_payment_conversation(lex: Any) -> None:
    for text, action, slot, message in PAYMENT:
        answer = say(lex, text)
        state = answer["sessionState"]
        assert state["dialogAction"]["type"] == action
        assert state["dialogAction"].get("slotToElicit") == slot
        assert message in said(answer)
        assert answer["sessionId"] == "session-1"
        assert answer["interpretations"][0]["intent"]["name"] == state["intent"]["name"]
        assert len(answer["interpretations"]) <= 5
        assert all(m["contentType"] == "PlainText" for m in answer["messages"])
    final = answer["sessionState"]
    assert final["intent"]["state"] == "Fulfilled"
    attributes = final["sessionAttributes"]
    assert attributes["status"] == "completed"
    assert attributes["payment_method_id"].startswith("pm_offline_")
    assert "4242424242424242" not in json.dumps(answer)


def test_the_first_turn_has_nlu_interpretations_with_confidence(lex: Any) -> None:
    answer = say(lex, "I'd like to make a payment")
    first, *others = answer["interpretations"]
    assert first["intent"]["name"] == "CollectName"
    assert first["nluConfidence"]["score"] == pytest.approx(1.0)
    assert first["interpretationSource"] == "Lex"
    assert {o["intent"]["name"] for o in others} >= {"CollectCard", "FallbackIntent"}
    fallback = next(o for o in others if o["intent"]["name"] == "FallbackIntent")
    assert "nluConfidence" not in fallback  # Lex gives the fallback no score


def test_the_wallet_flow(lex: Any) -> None:
    answer = say(lex, "what's my wallet address", session="wallet-1")
    assert answer["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "WalletAddress"}
    assert "don't have a wallet address" in said(answer)
    answer = say(lex, "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359", session="wallet-1")
    assert answer["sessionState"]["intent"]["state"] == "Fulfilled"
    address = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
    assert answer["sessionState"]["sessionAttributes"]["wallet_address"] == address
    answer = say(lex, "what's my wallet", session="wallet-1")
    assert address in said(answer)


def test_validation_failures_re_prompt_and_keep_the_slot(lex: Any) -> None:
    for text in PAYMENT[:3]:
        say(lex, text[0], session="bad-card")
    answer = say(lex, "4242 4242 4242 4241", session="bad-card")  # fails the Luhn check
    state = answer["sessionState"]
    assert state["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "CardNumber"}
    assert "4242 4242 4242 4241" not in said(answer)
    say(lex, "4242 4242 4242 4242", session="bad-card")
    answer = say(lex, "13/39", session="bad-card")  # month 13
    assert answer["sessionState"]["dialogAction"]["slotToElicit"] == "ExpirationDate"


def test_an_invalid_lambda_response_is_a_bad_gateway_and_keeps_the_session(
    lex: Any, runtime: LexRuntime
) -> None:
    say(lex, "I'd like to make a payment", session="broken")
    session = runtime.session(Target(**_target()), "broken")
    session.sim.handler = lambda event, context: {"sessionState": {"dialogAction": {"type": "Nonsense"}}}
    code, message, status = error_of(lex.recognize_text, **IDS, sessionId="broken", text="John")
    assert (code, status) == ("BadGatewayException", 502)
    assert message.startswith("Invalid Lambda Response")
    kept = lex.get_session(**IDS, sessionId="broken")["sessionState"]
    assert kept["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "FirstName"}


def test_a_handler_that_raises_is_a_dependency_failure(lex: Any, runtime: LexRuntime) -> None:
    say(lex, "I'd like to make a payment", session="raising")

    def boom(event: Any, context: Any) -> Any:
        raise RuntimeError("card 4242424242424242 exploded")

    runtime.session(Target(**_target()), "raising").sim.handler = boom
    code, message, status = error_of(lex.recognize_text, **IDS, sessionId="raising", text="John")
    assert (code, status) == ("DependencyFailedException", 424)
    assert "4242" not in message
    assert "exploded" not in message


def test_put_get_and_delete_session(lex: Any) -> None:
    state = {
        "sessionAttributes": {"channel": "web"},
        "dialogAction": {"type": "ElicitIntent"},
    }
    put = lex.put_session(
        **IDS,
        sessionId="put-1",
        sessionState=state,
        messages=[{"content": "Welcome back", "contentType": "PlainText"}],
        requestAttributes={"source": "test"},
    )
    assert put["sessionId"] == "put-1"
    assert put["contentType"].startswith("text/plain")
    assert decompress(put["sessionState"])["sessionAttributes"] == {"channel": "web"}
    assert decompress(put["messages"]) == [{"content": "Welcome back", "contentType": "PlainText"}]
    assert decompress(put["requestAttributes"]) == {"source": "test"}
    assert put["audioStream"].read() == b""
    got = lex.get_session(**IDS, sessionId="put-1")
    assert got["sessionId"] == "put-1"
    assert got["sessionState"]["sessionAttributes"] == {"channel": "web"}
    assert got["messages"] == [{"content": "Welcome back", "contentType": "PlainText"}]
    answer = say(lex, "I'd like to make a payment", session="put-1")
    assert answer["sessionState"]["sessionAttributes"]["channel"] == "web"  # a client attribute kept
    got = lex.get_session(**IDS, sessionId="put-1")
    assert got["sessionState"]["dialogAction"]["slotToElicit"] == "FirstName"
    assert got["interpretations"][0]["intent"]["name"] == "CollectName"
    assert "first name" in said(got)
    deleted = lex.delete_session(**IDS, sessionId="put-1")
    assert {k: deleted[k] for k in ("botId", "botAliasId", "localeId", "sessionId")} == {
        **IDS,
        "sessionId": "put-1",
    }
    code, _, status = error_of(lex.get_session, **IDS, sessionId="put-1")
    assert (code, status) == ("ResourceNotFoundException", 404)
    code, _, _ = error_of(lex.delete_session, **IDS, sessionId="put-1")
    assert code == "ResourceNotFoundException"


def test_a_session_state_sent_with_recognize_text_is_applied(lex: Any) -> None:
    answer = say(
        lex,
        "John",
        session="state-1",
        sessionState={
            "intent": {"name": "CollectName", "state": "InProgress", "confirmationState": "None"},
            "dialogAction": {"type": "ElicitSlot", "slotToElicit": "FirstName"},
            "sessionAttributes": {"theme": "dark"},
        },
    )
    assert answer["sessionState"]["dialogAction"]["slotToElicit"] == "LastName"
    assert answer["sessionState"]["sessionAttributes"]["theme"] == "dark"


def test_recognize_utterance_with_text_input(lex: Any) -> None:
    def headers(value: Any) -> str:
        return base64.b64encode(gzip.compress(json.dumps(value).encode())).decode()

    answer = lex.recognize_utterance(
        **IDS,
        sessionId="utterance-1",
        requestContentType="text/plain; charset=utf-8",
        responseContentType="text/plain; charset=utf-8",
        inputStream=b"I'd like to make a payment",
        sessionState=headers({"sessionAttributes": {"channel": "kiosk"}}),
        requestAttributes=headers({"origin": "kiosk"}),
    )
    assert answer["inputMode"] == "Text"
    assert answer["sessionId"] == "utterance-1"
    assert decompress(answer["inputTranscript"]) == "I'd like to make a payment"
    state = decompress(answer["sessionState"])
    assert state["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "FirstName"}
    assert state["sessionAttributes"]["channel"] == "kiosk"
    assert "first name" in decompress(answer["messages"])[0]["content"]
    assert decompress(answer["interpretations"])[0]["intent"]["name"] == "CollectName"
    assert decompress(answer["requestAttributes"]) == {"origin": "kiosk"}


def test_audio_input_is_refused_with_a_validation_error(lex: Any) -> None:
    code, message, status = error_of(
        lex.recognize_utterance,
        **IDS,
        sessionId="audio-1",
        requestContentType="audio/l16; rate=16000; channels=1",
        inputStream=b"\x00\x01" * 100,
    )
    assert (code, status) == ("ValidationException", 400)
    assert "text" in message


@pytest.mark.parametrize(
    ("ids", "code"),
    [
        ({"botId": "NOSUCHBOT1"}, "ResourceNotFoundException"),
        ({"botAliasId": "OTHERALIAS"}, "ResourceNotFoundException"),
        ({"localeId": "fr_FR"}, "ResourceNotFoundException"),
        ({"localeId": "english"}, "ValidationException"),
    ],
)
def test_unknown_bots_aliases_and_locales(lex: Any, ids: dict[str, str], code: str) -> None:
    found, message, _ = error_of(lex.recognize_text, **{**IDS, **ids}, sessionId="s-1", text="hi")
    assert found == code
    for value in ids.values():
        assert value not in message


def test_text_over_1024_characters_is_a_validation_error(lex: Any) -> None:
    code, message, _ = error_of(lex.recognize_text, **IDS, sessionId="long", text="a" * 1025)
    assert code == "ValidationException"
    assert "aaaa" not in message


def _target() -> dict[str, str]:
    return {"bot_id": IDS["botId"], "alias_id": IDS["botAliasId"], "locale_id": IDS["localeId"]}


@pytest.mark.slow
def test_concurrent_clients_each_keep_their_own_session(server: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.serve.conftest import client_for

    def converse(n: int) -> str:
        own = client_for(server.url)
        answer: dict[str, Any] = {}
        for text, *_ in PAYMENT:
            answer = own.recognize_text(**IDS, sessionId=f"parallel-{n}", text=text)
        return str(answer["sessionState"]["intent"]["state"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(converse, range(4))) == ["Fulfilled"] * 4

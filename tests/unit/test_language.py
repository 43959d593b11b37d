"""bot.language: one table per language, activated per turn; the validators read and answer in it."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.language import (
    Language,
    active,
    every_language,
    fold,
    for_locale,
    language_code,
    register,
    speaking,
)
from bot.validation import Invalid, Valid
from bot.validation.card import validate_card_number, validate_security_code
from bot.validation.expiry import validate_expiration_date
from bot.validation.names import validate_first_name
from bot.validation.spoken import spoken_to_digits
from bot.validation.types import CardBrand, Expiry
from bot.validation.wallet import validate_wallet_address

ES = for_locale("es_US")
EN = for_locale("en_US")
TODAY = datetime.date(2026, 12, 1)
SPANISH_DIGITS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]


def test_locales_map_to_their_language_and_unknown_ones_to_english() -> None:
    assert for_locale("es_US") is for_locale("es_ES") is for_locale("es_419") is ES
    assert for_locale("en_GB") is EN
    assert for_locale("fr_FR") is EN  # no French table: typed digits still work, words in English
    assert language_code("es-US") == "es"


def test_the_active_language_is_the_turns_and_english_outside_one() -> None:
    assert active() is EN
    with speaking("es_US") as language:
        assert language is ES
        assert active() is ES
        assert validate_card_number("") == Invalid(ES.reason("card.empty"))
    assert active() is EN


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("cuatro dos cuatro dos", "4242"),
        ("Cuatro, dos, doble cuatro", "4244"),
        ("triple siete uno", "7771"),
        ("cero uno", "01"),
        ("un dos tres", "123"),
        ("4242 cuatro dos", "424242"),
        ("cuarenta y dos cuarenta y dos", "4242"),
        ("veintidós, dieciséis", "2216"),
        ("Veintidos dieciseis", "2216"),
        ("cuarenta dos", "42"),  # the "y" dropped by the recognizer
    ],
)
def test_spanish_spoken_digits(said: str, digits: str) -> None:
    assert spoken_to_digits(said, ES) == digits


def test_each_language_reads_only_its_own_words() -> None:
    assert spoken_to_digits("four two", ES) is None
    assert spoken_to_digits("cuatro dos", EN) is None
    assert spoken_to_digits("cuarenta y", ES) is None  # a dangling joiner
    assert spoken_to_digits("cuatro ｄｏｓ", ES) is None  # full-width letters are not a word


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=1, max_size=19))
def test_any_spanish_digit_sequence_reads_back(numbers: list[int]) -> None:
    said = " ".join(SPANISH_DIGITS[n] for n in numbers)
    assert spoken_to_digits(said, ES) == "".join(map(str, numbers))


def test_a_spoken_spanish_card_number_validates() -> None:
    said = " ".join(SPANISH_DIGITS[int(d)] for d in "4242424242424242")
    assert validate_card_number(said, ES) == validate_card_number("4242424242424242")


@pytest.mark.parametrize(
    ("said", "month", "year"),
    [
        ("diciembre de 2027", 12, 2027),
        ("dic 27", 12, 2027),
        ("Diciembre 2027", 12, 2027),
        ("doce veintisiete", 12, 2027),
        ("diciembre dos mil veintisiete", 12, 2027),
        ("diciembre de dos mil treinta y uno", 12, 2031),
        ("septiembre treinta y uno", 9, 2031),
        ("setiembre del 29", 9, 2029),
        ("cero uno veintiocho", 1, 2028),
        ("12/27", 12, 2027),
        ("ene. 2030", 1, 2030),
    ],
)
def test_spanish_expiry_dates(said: str, month: int, year: int) -> None:
    assert validate_expiration_date(said, today=TODAY, language=ES) == Valid(Expiry(month, year))


def test_spanish_expiry_reasons_are_spanish() -> None:
    expired = validate_expiration_date("enero de 2020", today=TODAY, language=ES)
    assert expired == Invalid(ES.reason("expiry.expired", heard=" en 01/20"))
    assert isinstance(expired, Invalid)
    assert "venció" in expired.reason
    assert validate_expiration_date("trece veintisiete", today=TODAY, language=ES) == Invalid(
        ES.reason("expiry.bad_month")
    )
    assert validate_expiration_date("2027", today=TODAY, language=ES) == Invalid(
        ES.reason("expiry.year_only")
    )


def test_card_reasons_in_spanish_name_the_brand_and_lengths() -> None:
    result = validate_card_number("4242 4242 4242", ES)
    assert result == Invalid("Escuché 12 dígitos; una tarjeta Visa tiene 13, 16 o 19.")
    code = validate_security_code("12", CardBrand.AMEX, ES)
    assert code == Invalid(
        "Escuché dos dígitos; el código de seguridad son "
        "los cuatro dígitos impresos en el frente de su tarjeta."
    )
    assert validate_security_code("cuatro dos uno", CardBrand.VISA, ES) == validate_security_code(
        "421", CardBrand.VISA
    )


def test_wallet_and_name_reasons_in_spanish() -> None:
    assert validate_wallet_address("hola", ES) == Invalid(ES.reason("wallet.none"))
    assert validate_first_name("", ES) == Invalid("No escuché su nombre. Dígalo de nuevo, por favor.")


def test_a_name_made_of_number_words_in_any_language_is_refused() -> None:
    for said in ("cuatro dos", "four dos", "Cuatro Doble"):
        for language in (EN, ES):
            assert isinstance(validate_first_name(said, language), Invalid)
    assert validate_first_name("Dos Santos", ES) == Valid("Dos Santos")  # one number word is a name


def test_every_reason_key_exists_in_every_language_with_the_same_placeholders() -> None:
    from bot.speech import placeholders

    for language in every_language():
        assert set(language.reasons) == set(EN.reasons), language.code
        assert set(language.grammar) == set(EN.grammar), language.code
        assert set(language.brand_names) == set(EN.brand_names) == {b.value for b in CardBrand}
        for key, text in language.reasons.items():
            assert placeholders(text) == placeholders(EN.reasons[key]), (language.code, key)
        assert len(language.phrase("count_words").split()) == 10


def test_words_are_stored_folded() -> None:
    for language in every_language():
        for word in [*language.number_words(), *language.months, *language.yes_words, *language.no_words]:
            assert word == fold(word), (language.code, word)
    assert fold("Dieciséis SÍ Ñandú") == "dieciseis si ñandu"


def test_a_bot_can_register_a_language() -> None:
    portuguese = Language(
        code="pt",
        digits={"quatro": "4", "dois": "2"},
        repeats={},
        teens={},
        tens={},
        reasons={"card.empty": "Não ouvi um número de cartão."},
    )
    register(portuguese)
    try:
        assert for_locale("pt_BR") is portuguese
        assert spoken_to_digits("quatro dois", portuguese) == "42"
        assert validate_card_number("", portuguese) == Invalid("Não ouvi um número de cartão.")
        # what its table lacks falls back to English
        assert validate_card_number("12a", portuguese) == Invalid(EN.reason("card.not_digits"))
    finally:
        from bot import language as module

        module._REGISTRY.pop("pt", None)

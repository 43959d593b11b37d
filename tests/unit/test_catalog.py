"""bot.catalog: a message catalogue per locale, per-key fallback, and the checks that keep the
catalogues consistent (here for the reference bot, and for broken catalogues built on the fly)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.catalog import Catalog
from bot.speech import Phrase, placeholders
from bot.texts import Texts, framework_texts
from intents.app import app
from intents.messages import CATALOG, Messages


def test_the_reference_catalogues_are_consistent_and_complete() -> None:
    assert CATALOG.problems() == []
    assert CATALOG.locales == ("en_US", "es_US")
    for locale in CATALOG.locales:
        assert CATALOG.missing(locale) == [], locale


def test_placeholders_agree_across_locales() -> None:
    english, spanish = CATALOG.get("en_US"), CATALOG.get("es_US")
    for key in Messages.__dataclass_fields__:
        en, es = getattr(english, key), getattr(spanish, key)
        if isinstance(en, Mapping):
            assert set(en) == set(es), key
            for sub in en:
                assert en[sub].placeholders() == es[sub].placeholders(), (key, sub)
        else:
            assert en.placeholders() == es.placeholders(), key
            assert en != es, f"{key} is not translated"


def test_a_locale_is_chosen_by_locale_then_language_then_default() -> None:
    assert CATALOG.resolve("es_US") == "es_US"
    assert CATALOG.resolve("es_MX") == "es_US"
    assert CATALOG.resolve("en_GB") == "en_US"
    assert CATALOG.resolve("fr_FR") == "en_US"
    assert CATALOG.get("es_419").ask_card_number.text == "¿Cuál es el número de la tarjeta?"


def test_framework_texts_follow_the_locale() -> None:
    assert app.texts_for("en_US").bad_request.startswith(
        "Sorry, I couldn't process that request. You can say"
    )
    spanish = app.texts_for("es_US")
    assert spanish.bad_request.startswith("Perdón, no pude procesar esa solicitud. Puede decir")
    assert spanish.sorry_retry == framework_texts("es").sorry_retry  # not overridden: the framework's Spanish
    assert app.texts_for("fr_FR").sorry_retry == Texts().sorry_retry
    for language in ("en", "es"):
        for field in Texts.__dataclass_fields__:
            assert placeholders(getattr(framework_texts(language), field)) == placeholders(
                getattr(Texts(), field)
            ), (language, field)


@dataclass(frozen=True, slots=True)
class Tiny:
    hello: Phrase
    bye: Phrase
    problems: Mapping[str, Phrase]


@pytest.fixture
def package(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "tinymessages"
    root.mkdir()
    (root / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    yield root
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("tinymessages")]:
        del sys.modules[name]


def _write(package: Path, locale: str, body: str) -> None:
    (package / f"{locale}.py").write_text(textwrap.dedent(body))


def test_missing_keys_fall_back_per_key_and_per_entry(package: Path) -> None:
    _write(
        package,
        "en_US",
        """
        MESSAGES = {"hello": "Hello {name}.", "bye": "Bye.", "problems": {"a": "A.", "b": "B."}}
        """,
    )
    _write(package, "es_US", 'MESSAGES = {"hello": "Hola {name}.", "problems": {"a": "A es."}}\n')
    catalog = Catalog(Tiny, "tinymessages")
    spanish = catalog.get("es_US")
    assert spanish.hello(name="Ana").text() == "Hola Ana."
    assert spanish.bye.text == "Bye."  # not translated yet: English
    assert spanish.problems["a"].text == "A es."
    assert spanish.problems["b"].text == "B."
    assert catalog.missing("es_US") == ["bye", "problems.b"]
    assert catalog.problems() == []


def test_problems_name_unknown_keys_types_and_placeholders(package: Path) -> None:
    _write(
        package, "en_US", 'MESSAGES = {"hello": "Hello {name}.", "bye": "Bye.", "problems": {"a": "A."}}\n'
    )
    _write(
        package,
        "es_US",
        """
        MESSAGES = {
            "hello": "Hola {nombre}.",
            "adios": "Adiós.",
            "bye": 3,
            "problems": {"z": "Z."},
        }
        TEXTS = {"sorry": "Perdón."}
        """,
    )
    problems = Catalog(Tiny, "tinymessages").problems()
    assert problems == [
        "tinymessages.es_US: unknown key 'adios' (not a field of Tiny)",
        "tinymessages.es_US: 'bye' must be a str or a Phrase",
        "tinymessages.es_US: 'hello' has placeholders ['nombre'], the default locale ['name']",
        "tinymessages.es_US: problems.z is not a key of the default locale",
        "tinymessages.es_US: TEXTS has unknown key 'sorry'",
    ]


def test_a_catalogue_needs_its_default_locale(package: Path) -> None:
    _write(package, "es_US", 'MESSAGES = {"hello": "Hola."}\n')
    with pytest.raises(LookupError, match="default locale en_US"):
        Catalog(Tiny, "tinymessages").get("es_US")

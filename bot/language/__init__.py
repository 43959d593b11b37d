"""What the framework needs to know about a language, as tables: number words, month names, yes
and no, and what its validators say. One module per language (`bot/language/en.py`, `es.py`);
no language-specific code anywhere else.

The pipeline activates the language of every turn from the event's `bot.localeId` (`es_US` ->
`es`), so validators read spoken digits, months and answers in the user's language and word
their reasons in it:

    from bot.language import active, for_locale
    for_locale("es_US").digits["cuatro"]      # "4"
    active().reason("card.empty")            # in the turn's language

A locale whose language has no table uses English tables (typed digits work everywhere). A bot
can add a language with `register(Language(...))`; redaction always knows the number words of
every registered language, whatever the turn's locale.
"""

from __future__ import annotations

import contextvars
import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

DEFAULT = "en"
SHIPPED = ("en", "es")

# Latin letters with accents, as speech recognizers and keyboards give them or not
# ("dieciséis"/"dieciseis", "sí"/"si"): number words and answers are compared without them.
_ACCENTS = str.maketrans(
    "áàâäéèêëíìîïóòôöúùûüÁÀÂÄÉÈÊËÍÌÎÏÓÒÔÖÚÙÛÜ", "aaaaeeeeiiiioooouuuuaaaaeeeeiiiioooouuuu"
)


ACCENTED: frozenset[str] = frozenset(chr(code) for code in _ACCENTS)  # the letters `fold` unaccents


def accented(letter: str) -> str:
    """`letter` and every accented form `fold` maps to it ("e" -> "eéèêë"), lowercase."""
    return letter + "".join(
        chr(src) for src, dst in _ACCENTS.items() if chr(dst) == letter and chr(src).islower()
    )


def fold(word: str) -> str:
    """Lowercase, Latin accents dropped (ñ kept): the form number words and answers are looked up in."""
    return word.lower().translate(_ACCENTS)


@dataclass(frozen=True, slots=True)
class Language:
    """One language's tables. Every word is stored folded (see `fold`)."""

    code: str  # ISO 639-1: "en", "es"
    digits: Mapping[str, str]  # a word for one digit -> the digit ("zero", "oh" -> "0")
    repeats: Mapping[str, int]  # "double" -> 2
    teens: Mapping[str, int]  # 10..19
    tens: Mapping[str, int]  # 20, 30 .. 90
    compounds: Mapping[str, int] = field(default_factory=dict)  # one word for 21..29 ("veintisiete")
    tens_joiner: str = ""  # the word between tens and units ("treinta y uno"), "" if none
    thousand: str = "thousand"  # "two thousand twenty seven", "dos mil veintisiete"
    hundreds: frozenset[str] = frozenset()  # "hundred", "cien"
    century: Mapping[str, int] = field(default_factory=dict)  # "twenty twenty seven" -> 20 + 27
    zero_lead: frozenset[str] = frozenset()  # words that lead a month or year ("oh five")
    months: Mapping[str, int] = field(default_factory=dict)  # names and abbreviations -> 1..12
    date_fillers: frozenset[str] = frozenset()  # "of", "the", "de"
    yes_words: frozenset[str] = frozenset()
    yes_phrases: tuple[str, ...] = ()
    no_words: frozenset[str] = frozenset()
    no_phrases: tuple[str, ...] = ()
    code_words: tuple[str, ...] = ()  # regex fragments that announce a security code
    reasons: Mapping[str, str] = field(default_factory=dict)  # validator reasons, by key
    brand_names: Mapping[str, str] = field(default_factory=dict)  # CardBrand value -> noun phrase
    grammar: Mapping[str, str] = field(default_factory=dict)  # small phrases the reasons are built of
    # Generative help (`bot.generative`): what makes an answer a question, which words pick an
    # offered option ("the second one"; -1 = the last), what an answer must never claim.
    question_words: frozenset[str] = frozenset()  # words that open a question ("why", "como")
    ordinals: Mapping[str, int] = field(default_factory=dict)  # "second" -> 2, "last" -> -1
    option_words: frozenset[str] = frozenset()  # "option", "number": "option 2"
    commitment_claims: tuple[str, ...] = ()  # regex fragments: "has been saved", "I've charged"
    stop_words: frozenset[str] = frozenset()  # words retrieval ignores ("the", "de")

    def reason(self, key: str, **values: object) -> str:
        """A validator reason in this language (English's when this table lacks it)."""
        template = self.reasons.get(key)
        if template is None:
            template = for_code(DEFAULT).reasons[key]
        return template.format(**values)

    def phrase(self, key: str, **values: object) -> str:
        template = self.grammar.get(key)
        if template is None:
            template = for_code(DEFAULT).grammar[key]
        return template.format(**values)

    def number_words(self) -> frozenset[str]:
        """Every word that stands for a number in this language."""
        return frozenset(
            [
                *self.digits,
                *self.repeats,
                *self.teens,
                *self.tens,
                *self.compounds,
                *self.hundreds,
                self.thousand,
            ]
        )


_REGISTRY: dict[str, Language] = {}


def register(language: Language) -> None:
    """Make `language` available to every locale `<code>_XX` (replaces a shipped table)."""
    _REGISTRY[language.code] = language


def for_code(code: str) -> Language:
    """The table of a language code ("en", "es"); English when there is none."""
    found = _REGISTRY.get(code)
    if found is None and code in SHIPPED:  # a shipped table, imported on first use
        register(importlib.import_module(f"bot.language.{code}").LANGUAGE)
        found = _REGISTRY[code]
    return found if found is not None else for_code(DEFAULT)


def language_code(locale_id: str) -> str:
    """ "es_US" -> "es", "en-GB" -> "en"."""
    return locale_id.replace("-", "_").split("_", 1)[0].lower()


def for_locale(locale_id: str) -> Language:
    """The table for a Lex locale id ("es_US", "en_GB"); English for a language without one."""
    return for_code(language_code(locale_id))


def every_language() -> tuple[Language, ...]:
    """The shipped languages and any registered: what redaction must recognize."""
    for code in SHIPPED:
        for_code(code)
    return tuple(_REGISTRY.values())


_ACTIVE: contextvars.ContextVar[Language | None] = contextvars.ContextVar("bot_language", default=None)


def active() -> Language:
    """The language of the turn being handled (English outside a turn)."""
    return _ACTIVE.get() or for_code(DEFAULT)


@contextmanager
def speaking(locale_id: str) -> Iterator[Language]:
    """Handle what runs inside in the language of `locale_id` (the pipeline wraps every turn)."""
    language = for_locale(locale_id)
    token = _ACTIVE.set(language)
    try:
        yield language
    finally:
        _ACTIVE.reset(token)

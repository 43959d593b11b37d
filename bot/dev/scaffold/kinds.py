"""Slot types the scaffold supports, and what it generates for each: a validator (a framework one
where it fits, otherwise a small typed function in the module), a plausible answer and an answer
the validator (or Lex) refuses, for the conversation test.

Built-in types are those the local simulator handles (`bot.dev.simulator.slots`): AMAZON.Number,
AlphaNumeric, Date, Time, FirstName, LastName and FreeFormInput are resolved as Lex does; City,
Country, State, EmailAddress and PhoneNumber are passed on as said (Lex would normalize them:
"john at example dot com" -> john@example.com), so their validators accept both forms. A custom
slot type of the template's locale is supported through its values (and synonyms), its
RegexFilter or its ParentSlotTypeSignature. Other Lex types (Duration, Percentage, ...) are refused.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.dev.scaffold import pycode
from bot.dev.scaffold.naming import ScaffoldError, article, constant, sentence, snake, words
from bot.dev.scaffold.pycode import INDENT, Text
from bot.dev.simulator.definition import LocaleDefinition, SlotTypeDefinition
from bot.dev.simulator.slots import example_value

NUMBER = "AMAZON.Number"
ALPHANUMERIC = "AMAZON.AlphaNumeric"
DATE = "AMAZON.Date"
TIME = "AMAZON.Time"
FIRST_NAME = "AMAZON.FirstName"
LAST_NAME = "AMAZON.LastName"
CITY = "AMAZON.City"
COUNTRY = "AMAZON.Country"
STATE = "AMAZON.State"
EMAIL = "AMAZON.EmailAddress"
PHONE = "AMAZON.PhoneNumber"
FREE_FORM = "AMAZON.FreeFormInput"

# Lex V2 built-in slot types the scaffold knows but does not support (the simulator cannot resolve them).
OTHER_LEX_TYPES = frozenset(
    {
        "AMAZON.Confirmation",
        "AMAZON.Duration",
        "AMAZON.Percentage",
        "AMAZON.SpeedUnit",
        "AMAZON.StreetName",
        "AMAZON.UKPostalCode",
        "AMAZON.WeightUnit",
    }
)
# Built-in types that can carry a card number or a security code: obfuscated in conversation logs
# (as tests/template/test_consistency.py requires).
DIGIT_CARRYING = frozenset({ALPHANUMERIC, NUMBER, FREE_FORM, PHONE})
CARD_DIGIT_SAMPLES = ("4242424242424242", "378282246310005", "6011000990139424123", "123", "1234")


@dataclass(frozen=True, slots=True)
class Code:
    """What a slot adds to the module: imports and top-level blocks (is_def, lines)."""

    validator: str  # the function the Ask uses
    stdlib: frozenset[str] = frozenset()  # `import x` lines ("re", "datetime as dt")
    imports: tuple[tuple[str, str], ...] = ()  # (module, name) from-imports
    blocks: tuple[tuple[bool, list[str]], ...] = ()


@dataclass(frozen=True, slots=True)
class SlotPlan:
    """One `--slot NAME:TYPE`, planned."""

    name: str
    type_name: str
    kind: str  # a key of KINDS, or "choices" / "pattern" for a custom type
    base: str  # the built-in type it behaves as (the custom type's parent), or the type itself
    custom: SlotTypeDefinition | None = None
    phrase: str = ""  # "zip code"
    valid: str = ""  # a plausible answer, as the user says it
    invalid: str | None = None  # an answer refused (by the validator, or by Lex for the type)
    obfuscated: bool = False  # ObfuscationSetting DefaultObfuscation in the template
    in_utterances: bool = True  # may appear as {Slot} in sample utterances (not FreeFormInput)

    @property
    def const(self) -> str:
        return constant(self.name)

    @property
    def function(self) -> str:
        return f"validate_{snake(self.name)}"

    @property
    def the(self) -> str:
        return f"the {self.phrase}"

    @property
    def described_type(self) -> str:
        if self.custom is None:
            return self.type_name
        return f"{self.type_name}, a custom slot type" + (f" of {self.base}" if self.base else "")


@dataclass(frozen=True, slots=True)
class Kind:
    types: frozenset[str]
    valid: str
    invalid: str | None
    code: Callable[[SlotPlan], Code]


# --- validators ---------------------------------------------------------------------------------

I1, I2, I3 = INDENT, INDENT * 2, INDENT * 3


def _invalid(indent: str, text: str) -> list[str]:
    return pycode.call(indent, "return Invalid(", [Text(text)])


def _def(plan: SlotPlan, summary: str) -> list[str]:
    head = pycode.call("", f"def {plan.function}(", ["value: str"], ") -> Validation[str]:")
    return head + pycode.docstring(I1, summary)


def _number(plan: SlotPlan) -> Code:
    limit = f"{plan.const}_MAX_DIGITS"
    body = [
        *_def(
            plan,
            f"{sentence(plan.the)} ({plan.described_type}): a whole number, digits only, at most "
            f"{limit} of them.\n\nLex reads AMAZON.Number as a number, so a leading zero may be dropped "
            '("02134" -> 2134): for a code, a custom slot type (AMAZON.AlphaNumeric with a RegexFilter) '
            "keeps it.",
        ),
        f'{I1}digits = value.strip().replace(",", "")',
        f"{I1}if not digits.isascii() or not digits.isdigit():",
        *_invalid(I2, f"Please say {plan.the} using digits only."),
        f"{I1}if len(digits) > {limit}:",
        *_invalid(I2, f"That's more digits than {article(plan.phrase)} has — please say it again."),
        f"{I1}return Valid(digits)",
    ]
    return Code(plan.function, blocks=((False, [f"{limit} = 10"]), (True, body)))


def _alphanumeric(plan: SlotPlan) -> Code:
    limit = f"{plan.const}_MAX_CHARS"
    body = [
        *_def(
            plan,
            f"{sentence(plan.the)} ({plan.described_type}): letters and digits only (spaces and hyphens "
            f"between them are dropped), at most {limit}.",
        ),
        f'{I1}compact = "".join(value.split()).replace("-", "")',
        f"{I1}if not compact.isascii() or not compact.isalnum():",
        *_invalid(I2, f"Please say {plan.the} using letters and digits only."),
        f"{I1}if len(compact) > {limit}:",
        *_invalid(I2, f"That's longer than {article(plan.phrase)} can be — please say it again."),
        f"{I1}return Valid(compact)",
    ]
    return Code(plan.function, blocks=((False, [f"{limit} = 20"]), (True, body)))


def _date(plan: SlotPlan) -> Code:
    body = [
        *_def(
            plan,
            f"{sentence(plan.the)} ({plan.described_type}): a calendar date. Lex resolves what was said "
            '("December 5, 2030", "tomorrow", "next friday") to YYYY-MM-DD and re-prompts by itself for '
            "words that are no date; anything else it sends is refused here.",
        ),
        f"{I1}try:",
        f"{I2}day = dt.date.fromisoformat(value.strip())",
        f"{I1}except ValueError:",
        *_invalid(I2, "Please tell me the whole date: the day, the month and the year."),
        f"{I1}return Valid(day.isoformat())",
    ]
    return Code(plan.function, stdlib=frozenset({"datetime as dt"}), blocks=((True, body),))


def _time(plan: SlotPlan) -> Code:
    pattern = f"{plan.const}_FORMAT"
    reason = f"Please tell me {plan.the} again, with the hour and the minutes."
    body = [
        *_def(
            plan,
            f"{sentence(plan.the)} ({plan.described_type}): Lex resolves what was said to HH:MM "
            '(24-hour); typed forms such as "3 pm" and "3:30 pm" are read too. The clean value is HH:MM.',
        ),
        f"{I1}match = {pattern}.fullmatch(value.strip())",
        f"{I1}if match is None:",
        *_invalid(I2, reason),
        f"{I1}hour, minute = int(match[1]), int(match[2] or 0)",
        f"{I1}if match[3]:",
        f"{I2}if not 1 <= hour <= 12:",
        *_invalid(I3, reason),
        f'{I2}hour = hour % 12 + (12 if match[3].lower().startswith("p") else 0)',
        f"{I1}if hour > 23 or minute > 59:",
        *_invalid(I2, reason),
        f'{I1}return Valid(f"{{hour:02d}}:{{minute:02d}}")',
    ]
    regex = r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])?\.?\s*(?:m\.?)?"
    constant_line = pycode.call("", f"{pattern} = re.compile(", [f'r"{regex}"', "re.IGNORECASE"])
    return Code(plan.function, stdlib=frozenset({"re"}), blocks=((False, constant_line), (True, body)))


def _place(plan: SlotPlan) -> Code:
    limit = f"{plan.const}_MAX_CHARS"
    body = [
        *_def(
            plan,
            f"{sentence(plan.the)} ({plan.described_type}): letters in any script, spaces, hyphens, "
            f'apostrophes and periods ("St. Louis"), at most {limit}.',
        ),
        f'{I1}name = " ".join(unicodedata.normalize("NFC", value).split())',
        f"{I1}if not name or len(name) > {limit}:",
        *_invalid(I2, f"Please tell me just the name of {plan.the}."),
        f'{I1}if not any(c.isalpha() for c in name) or not all(c.isalpha() or c in " -\'’." for c in name):',
        *_invalid(I2, f"{sentence(article(plan.phrase))} name only has letters — please say it again."),
        f"{I1}return Valid(name)",
    ]
    return Code(
        plan.function, stdlib=frozenset({"unicodedata"}), blocks=((False, [f"{limit} = 60"]), (True, body))
    )


def _email(plan: SlotPlan) -> Code:
    pattern, limit = f"{plan.const}_FORMAT", f"{plan.const}_MAX_CHARS"
    body = [
        *_def(
            plan,
            f"{sentence(plan.the)} ({plan.described_type}): name@domain. Lex resolves "
            '"john at example dot com" to john@example.com; the domain is lowercased.',
        ),
        f"{I1}address = value.strip()",
        f"{I1}if len(address) > {limit} or {pattern}.fullmatch(address) is None:",
        *_invalid(I2, f"That doesn't sound like {article(plan.phrase)} — please say it again."),
        f'{I1}local, _, domain = address.rpartition("@")',
        f'{I1}return Valid(f"{{local}}@{{domain.lower()}}")',
    ]
    constants = [
        *pycode.call("", f"{pattern} = re.compile(", [r'r"[^@\s]+@[^@\s]+\.[^@\s]+"']),
        f"{limit} = 254",
    ]
    return Code(plan.function, stdlib=frozenset({"re"}), blocks=((False, constants), (True, body)))


def _phone(plan: SlotPlan) -> Code:
    low, high = f"{plan.const}_MIN_DIGITS", f"{plan.const}_MAX_DIGITS"
    body = [
        *_def(
            plan,
            f"{sentence(plan.the)} ({plan.described_type}): {low} to {high} digits, spaces, dashes, "
            "dots and parentheses dropped, with an optional leading +.",
        ),
        f'{I1}compact = "".join(c for c in value.strip() if c not in " -.()")',
        f'{I1}digits = compact.removeprefix("+")',
        f"{I1}if not digits.isascii() or not digits.isdigit():",
        *_invalid(I2, f"Please say {plan.the} using digits only."),
        f"{I1}if not {low} <= len(digits) <= {high}:",
        *_invalid(
            I2, f"That doesn't sound like a whole {plan.phrase} — please say it again, with the area code."
        ),
        f"{I1}return Valid(compact)",
    ]
    return Code(plan.function, blocks=((False, [f"{low} = 7", f"{high} = 15"]), (True, body)))


def _free(plan: SlotPlan) -> Code:
    limit = f"{plan.const}_MAX_CHARS"
    body = [
        *_def(
            plan,
            f"{sentence(plan.the)} ({plan.described_type}): any text with a letter or a digit in it, "
            f"at most {limit} characters (runs of spaces collapsed).",
        ),
        f'{I1}text = " ".join(value.split())',
        f"{I1}if not any(c.isalnum() for c in text):",
        *_invalid(I2, f"Sorry, I didn't catch that — please tell me {plan.the} again."),
        f"{I1}if len(text) > {limit}:",
        *_invalid(I2, f"That's a bit long — please tell me {plan.the} in fewer words."),
        f"{I1}return Valid(text)",
    ]
    return Code(plan.function, blocks=((False, [f"{limit} = 500"]), (True, body)))


def _first_name(plan: SlotPlan) -> Code:
    return Code("validate_first_name", imports=(("bot.validation.names", "validate_first_name"),))


def _last_name(plan: SlotPlan) -> Code:
    return Code("validate_last_name", imports=(("bot.validation.names", "validate_last_name"),))


def _choices(plan: SlotPlan) -> Code:
    assert plan.custom is not None
    table = f"{plan.const}_CHOICES"
    said: dict[str, str] = {}
    for item in plan.custom.values:
        for word in (item.value, *item.synonyms):
            said.setdefault(" ".join(word.lower().split()), item.value)
    names = [item.value for item in plan.custom.values]
    reason = (
        f"Please choose {_or(names)}."
        if len(names) <= 5
        else f"That isn't one of the {plan.phrase} options — please say it again."
    )
    constants = [
        f"{table} = {{",
        *(f"{I1}{pycode.quote(k)}: {pycode.quote(v)}," for k, v in said.items()),
        "}",
    ]
    body = [
        *_def(
            plan,
            f"{sentence(plan.the)} ({plan.described_type}): one of its values or synonyms "
            f"({table}: what is said, lowercase -> the value).",
        ),
        f'{I1}choice = {table}.get(" ".join(value.lower().split()))',
        f"{I1}if choice is None:",
        *_invalid(I2, reason),
        f"{I1}return Valid(choice)",
    ]
    return Code(plan.function, blocks=((False, constants), (True, body)))


def _pattern(plan: SlotPlan) -> Code:
    assert plan.custom is not None
    assert plan.custom.regex is not None
    pattern = f"{plan.const}_FORMAT"
    regex = plan.custom.regex
    literal = f'r"{regex}"' if '"' not in regex and not regex.endswith("\\") else pycode.quote(regex)
    body = [
        *_def(
            plan,
            f"{sentence(plan.the)} ({plan.described_type}): matches the slot type's RegexFilter "
            f"({pattern}), spaces and hyphens dropped. Lex itself re-prompts for a value that does not.",
        ),
        f'{I1}compact = "".join(value.split()).replace("-", "")',
        f"{I1}if {pattern}.fullmatch(compact) is None:",
        *_invalid(I2, f"That doesn't look like {article(plan.phrase)} — please say it again."),
        f"{I1}return Valid(compact)",
    ]
    constant_line = pycode.call("", f"{pattern} = re.compile(", [literal])
    return Code(plan.function, stdlib=frozenset({"re"}), blocks=((False, constant_line), (True, body)))


def _regex_example(type_name: str, pattern: str, locale: LocaleDefinition) -> str:
    """A value the slot type's RegexFilter accepts: the simulator's example, else the first of a
    few common shapes (digits, capitals, capitals then digits...) that matches."""
    found = example_value(type_name, locale)
    if _fullmatch(pattern, found):
        return found
    digits, letters = "1234567890" * 3, "ABCDEFGHJKLMNPQRSTUVWXYZ"
    for length in range(1, 31):
        shapes = [digits[:length], letters[:length], letters[:length].lower()]
        shapes += [letters[:k] + digits[: length - k] for k in range(1, min(length, 5))]
        shapes += [digits[: length - k] + letters[:k] for k in range(1, min(length, 5))]
        for candidate in shapes:
            if _fullmatch(pattern, candidate):
                return candidate
    raise ScaffoldError(
        f"slot type {type_name}: cannot make up a value its RegexFilter {pattern!r} accepts, for the "
        "conversation test; use a slot type with a simpler pattern, or write the test by hand"
    )


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


KINDS: dict[str, Kind] = {
    "number": Kind(frozenset({NUMBER}), "12345", "12345678901", _number),
    "alphanumeric": Kind(frozenset({ALPHANUMERIC}), "AB1234", "AB12!!", _alphanumeric),
    "date": Kind(frozenset({DATE}), "December 5, 2030", "not sure", _date),
    "time": Kind(frozenset({TIME}), "3:30 pm", "morning", _time),
    "first_name": Kind(frozenset({FIRST_NAME}), "John", "J0hn", _first_name),
    "last_name": Kind(frozenset({LAST_NAME}), "Smith", "Sm1th", _last_name),
    "place": Kind(frozenset({CITY, COUNTRY, STATE}), "", "12345", _place),
    "email": Kind(frozenset({EMAIL}), "john@example.com", "john.example.com", _email),
    "phone": Kind(frozenset({PHONE}), "555 123 4567", "12345", _phone),
    "free": Kind(frozenset({FREE_FORM}), "at the front door", "?!", _free),
}
PLACES = {CITY: "Seattle", COUNTRY: "Canada", STATE: "Oregon"}
SUPPORTED = frozenset(t for kind in KINDS.values() for t in kind.types)


def code(plan: SlotPlan) -> Code:
    if plan.kind == "choices":
        return _choices(plan)
    if plan.kind == "pattern":
        return _pattern(plan)
    return KINDS[plan.kind].code(plan)


# --- planning -------------------------------------------------------------------------------------


def _kind_of(type_name: str) -> str | None:
    return next((name for name, kind in KINDS.items() if type_name in kind.types), None)


def _can_carry_card_digits(base: str, custom: SlotTypeDefinition | None) -> bool:
    if base not in DIGIT_CARRYING:
        return False
    if custom is None or custom.regex is None:
        return True
    return any(_fullmatch(custom.regex, sample) for sample in CARD_DIGIT_SAMPLES)


def _fullmatch(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return False


def unsupported(type_name: str, locale: LocaleDefinition, where: str) -> ScaffoldError:
    builtin = ", ".join(sorted(SUPPORTED))
    custom = ", ".join(sorted(locale.slot_types)) or "none"
    known = sorted(SUPPORTED | set(locale.slot_types))
    close = difflib.get_close_matches(type_name, known, n=1, cutoff=0.6) or [
        k for k in known if k.lower() == type_name.lower()
    ]
    hint = f" Did you mean {close[0]}?" if close else ""
    if type_name in OTHER_LEX_TYPES:
        head = (
            f"slot type {type_name} is a Lex built-in type the scaffold does not support "
            "(the local simulator cannot resolve it)."
        )
    else:
        head = (
            f"unknown slot type {type_name}: neither a supported built-in type "
            f"nor a custom slot type of {where}."
        )
    return ScaffoldError(
        f"{head}{hint}\n  built-in types: {builtin}\n  custom slot types of {where}: {custom}"
    )


def plan_slot(name: str, type_name: str, locale: LocaleDefinition, where: str) -> SlotPlan:
    """Raises ScaffoldError for a type it cannot support (listing the ones it can)."""
    phrase = words(name)
    custom = locale.slot_types.get(type_name)
    if custom is None:
        kind = _kind_of(type_name)
        if kind is None:
            raise unsupported(type_name, locale, where)
        valid = PLACES.get(type_name, KINDS[kind].valid)
        return SlotPlan(
            name,
            type_name,
            kind,
            type_name,
            phrase=phrase,
            valid=valid,
            invalid=KINDS[kind].invalid,
            obfuscated=_can_carry_card_digits(type_name, None),
            in_utterances=type_name != FREE_FORM,
        )
    base = custom.parent or ""
    if custom.values:
        return SlotPlan(
            name,
            type_name,
            "choices",
            base,
            custom,
            phrase,
            valid=custom.values[0].value,
            invalid="none of these",
            obfuscated=_can_carry_card_digits(base, custom),
        )
    if custom.regex is not None and base == ALPHANUMERIC:
        return SlotPlan(
            name,
            type_name,
            "pattern",
            base,
            custom,
            phrase,
            valid=_regex_example(type_name, custom.regex, locale),
            invalid="!!!",
            obfuscated=_can_carry_card_digits(base, custom),
        )
    kind = _kind_of(base)
    if kind is None:
        raise ScaffoldError(
            f"custom slot type {type_name} of {where}: the scaffold needs values, a RegexFilter or a "
            f"supported ParentSlotTypeSignature (it has {base or 'none'})"
        )
    return SlotPlan(
        name,
        type_name,
        kind,
        base,
        custom,
        phrase,
        valid=PLACES.get(base, KINDS[kind].valid),
        invalid=KINDS[kind].invalid,
        obfuscated=_can_carry_card_digits(base, custom),
        in_utterances=base != FREE_FORM,
    )

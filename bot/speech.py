"""Messages authored once, said right on every channel: plain text for chat, the voice wording
for a phone call, and Polly SSML where the client accepts it.

    from bot.speech import Phrase, digits, month_year, spell

    SUMMARY = Phrase("{brand} ending {last4}, expires {expiry}, for {name}. Shall I save it?")
    ASK_CARD = Phrase(text="Please type the card number.", voice="Please say or key in the card number.")

    SUMMARY(brand="Visa", last4=digits("4242"), expiry=month_year(12, 2027), name="Ana")
    ASK_CARD + " " + ...            # a `Say`: concatenate with str, Phrase or Say

A value knows how it is read aloud: `digits("4242")` is "four two four two", not "four thousand
two hundred forty-two"; `month_year(12, 2027)` is a date; `spell("0x5290…9EE7")` is read
character by character with a pause at the ellipsis. Anything else is text, XML-escaped in SSML.
`{pause}` in a template, and " — " between clauses, become a short break when spoken.

The choice between renderings is made once per reply, by `bot.respond` from the event
(`channel_of`): SSML when `requestAttributes["x-amz-lex:accept-content-types"]` lists SSML,
the voice wording when the input mode is Speech or DTMF, the text wording otherwise.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.events import LexEvent

ACCEPT_CONTENT_TYPES = "x-amz-lex:accept-content-types"
# Characters XML 1.0 does not allow (C0 controls but tab/newline/CR, surrogates, U+FFFE/U+FFFF):
# left out of SSML, or Polly (and any XML parser) refuses the whole document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
PAUSE = '<break time="300ms"/>'
_DASH = " — "
_FORMATTER = string.Formatter()


@dataclass(frozen=True, slots=True)
class Channel:
    """How the reply reaches the user: `voice` (spoken; Speech or DTMF input) and `ssml` (the
    client plays SSML: Amazon Connect announces it). Text chat is neither."""

    voice: bool = False
    ssml: bool = False
    dtmf: bool = False


TEXT = Channel()


def channel_of(event: LexEvent) -> Channel:
    accepts = (event.requestAttributes or {}).get(ACCEPT_CONTENT_TYPES, "")
    ssml = "SSML" in {part.strip() for part in accepts.split(",")}
    mode = str(event.inputMode)
    return Channel(voice=ssml or mode in ("Speech", "DTMF"), ssml=ssml, dtmf=mode == "DTMF")


@dataclass(frozen=True, slots=True)
class Spoken:
    """A value with its own reading: `text` as written, `ssml` an escaped SSML fragment."""

    text: str
    ssml: str

    def __str__(self) -> str:
        return self.text


def xml_text(text: str) -> str:
    """`text` escaped for SSML, without the characters XML cannot carry."""
    return _NOT_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def digits(value: str) -> Spoken:
    """Read digit by digit ("ending 4242", "a 3-digit code")."""
    return Spoken(value, f'<say-as interpret-as="digits">{xml_text(value)}</say-as>')


def characters(value: str) -> Spoken:
    """Spell letter by letter."""
    return Spoken(value, f'<say-as interpret-as="characters">{xml_text(value)}</say-as>')


def spell(value: str) -> Spoken:
    """Spell a short form such as a masked wallet ("0x5290…9EE7"): the pieces character by
    character, a pause where the ellipsis stands."""
    pieces = [characters(piece).ssml for piece in value.split("…")]
    return Spoken(value, f" {PAUSE} ".join(pieces))


def month_year(month: int, year: int) -> Spoken:
    """An expiry: "12/27" written, "December 2027" spoken (Polly date, month-year)."""
    return Spoken(
        f"{month:02d}/{year % 100:02d}",
        f'<say-as interpret-as="date" format="my">{month:02d}/{year}</say-as>',
    )


@dataclass(frozen=True, slots=True)
class _Part:
    text: str  # as plain text
    ssml: str  # as an escaped SSML fragment


def _literal(text: str) -> _Part:
    return _Part(text, xml_text(text).replace(_DASH, f", {PAUSE} "))


_PAUSE_PART = _Part("", PAUSE)


class Say:
    """A message ready to render: written, spoken and SSML forms side by side."""

    __slots__ = ("_text", "_voice")

    def __init__(self, text: tuple[_Part, ...], voice: tuple[_Part, ...] | None = None) -> None:
        self._text = text
        self._voice = text if voice is None else voice

    @classmethod
    def of(cls, value: str | Say | Phrase | Spoken) -> Say:
        if isinstance(value, Say):
            return value
        if isinstance(value, Phrase):
            return value()
        if isinstance(value, Spoken):
            return cls((_Part(value.text, value.ssml),))
        return cls((_literal(value),))

    def __add__(self, other: str | Say | Phrase | Spoken) -> Say:
        right = Say.of(other)
        return Say(self._text + right._text, self._voice + right._voice)

    def __radd__(self, other: str) -> Say:
        return Say.of(other) + self

    def text(self, *, voice: bool = False) -> str:
        """The plain-text rendering: the written wording, or the spoken one."""
        return "".join(p.text for p in (self._voice if voice else self._text))

    def ssml(self) -> str:
        """The SSML rendering of the spoken wording, in <speak>."""
        return "<speak>" + "".join(p.ssml for p in self._voice) + "</speak>"

    def render(self, channel: Channel) -> tuple[str, str]:
        """(content type, content) for `channel`."""
        if channel.ssml:
            return "SSML", self.ssml()
        return "PlainText", self.text(voice=channel.voice)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"Say({self.text()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Say) and (self._text, self._voice) == (other._text, other._voice)

    def __hash__(self) -> int:
        return hash((self._text, self._voice))


@dataclass(frozen=True, slots=True)
class Phrase:
    """A message template in `str.format` syntax, with an optional spoken wording (`voice`) for
    when the channel is a call ("say or key in" where the text says "type")."""

    text: str
    voice: str | None = None

    def __call__(self, **values: object) -> Say:
        written = _format(self.text, values)
        return Say(written, None if self.voice is None else _format(self.voice, values))

    def __add__(self, other: str | Say | Phrase | Spoken) -> Say:
        return self() + other

    def __radd__(self, other: str) -> Say:
        return Say.of(other) + self()

    def placeholders(self) -> frozenset[str]:
        """The names of the template's fields (for catalogue checks)."""
        return placeholders(self.text) | (placeholders(self.voice) if self.voice is not None else frozenset())

    def __str__(self) -> str:
        return self().text()


def join(*pieces: str | Say | Phrase | Spoken, sep: str = " ") -> str | Say:
    """`pieces` joined by `sep`, empty ones left out: a str when every piece is one, else a `Say`."""
    kept = [p for p in pieces if not isinstance(p, str) or p]
    if all(isinstance(p, str) for p in kept):
        return sep.join(p for p in kept if isinstance(p, str))
    out = Say(())
    for i, piece in enumerate(kept):
        out = out + (piece if i == 0 else sep + Say.of(piece))
    return out


def placeholders(template: str) -> frozenset[str]:
    return frozenset(field for _, field, _, _ in _FORMATTER.parse(template) if field and field != "pause")


def _format(template: str, values: dict[str, object]) -> tuple[_Part, ...]:
    parts: list[_Part] = []
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        if literal:
            parts.append(_literal(literal))
        if field is None:
            continue
        if field == "pause":
            parts.append(_PAUSE_PART)
            continue
        value = values[field]
        if isinstance(value, Spoken):
            parts.append(_Part(value.text, value.ssml))
        else:
            shown = _FORMATTER.format_field(_FORMATTER.convert_field(value, conversion), spec or "")
            parts.append(_literal(shown))
    return tuple(parts)

"""Intent recognition from the sample utterances of a bot locale, in the spirit of Lex V2's NLU.

For each input, every sample utterance is scored:

1. exact match after normalization (lowercase, apostrophes dropped, punctuation to spaces) -> 1.0;
2. slot-aware match: "my wallet is {WalletAddress}" compiles to a regex in which `{Slot}`
   captures text fitting the slot's type (digits for a digits-only regex filter, one word per
   name, a value or synonym of a TOP_RESOLUTION custom type, date or time words and digits for
   AMAZON.Date and AMAZON.Time, free text otherwise), so "book an appointment {Date} at {Time}"
   splits "book an appointment next friday at half past three" at its own "at". A full
   match -> 1.0; a match after some leading words ("hi, my wallet is ...") -> 0.85-1.0. The
   captured texts are resolved as slot values (see `bot.dev.simulator.slots`);
3. fuzzy match against the utterance with its slots removed: 0.6 x a token F1 (tokens match
   exactly or with a difflib ratio >= 0.8; stop words weigh 0.25) + 0.4 x the difflib ratio of
   the whole strings, capped at 0.95.

Each intent gets its best score. Below the locale's NluConfidenceThreshold the top
interpretation is the FallbackIntent. Like Lex, the FallbackIntent is always among the
interpretations and carries no nluConfidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from bot.dev.simulator.definition import LocaleDefinition
from bot.dev.simulator.slots import FREE_TEXT_CAPTURE, capture_pattern, resolve_slot
from bot.dev.vocab import normalize
from bot.language import accented

TOP_N = 5
STRONG_MATCH = 0.9  # an input this close to another intent's utterance switches intent mid-dialog
FUZZY_CAP = 0.95
TOKEN_MATCH = 0.8
STOP_WORD_WEIGHT = 0.25
STOP_WORDS = frozenset(
    [
        "i",
        "a",
        "an",
        "the",
        "my",
        "me",
        "is",
        "it",
        "its",
        "of",
        "to",
        "by",
        "and",
        "on",
        "in",
        "for",
        "please",
        "id",
        "im",
        "i'm",
        "want",
        "would",
        "like",
        "can",
        "you",
        "this",
        "that",
        "thats",
        "be",
        "do",
        "just",
        "what",
        "whats",
        "how",
        "your",
    ]
)
_SLOT = re.compile(r"\{([A-Za-z0-9_]+)\}")
_SEPARATOR = r"[\W_]+"
# A free-text slot found after some leading words ("can I pay by card please") is only taken
# for a value when it looks like one: it has a digit or a number word.
_VALUE_HINT = re.compile(
    r"\d|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)\b",
    re.IGNORECASE,
)
_EDGE = r"[\W_]*"


@dataclass(frozen=True, slots=True)
class Interpretation:
    """One NLU interpretation: the intent, its confidence, and the slots it captured (Lex shape)."""

    intent: str
    confidence: float | None  # None for the FallbackIntent, as Lex reports it
    slots: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    utterance: str | None = None  # the sample utterance that matched best

    @property
    def score(self) -> float:
        return self.confidence or 0.0


@dataclass(frozen=True, slots=True)
class _Utterance:
    intent: str
    text: str
    skeleton: str  # normalized, with the slots removed
    tokens: tuple[str, ...]
    slot_names: tuple[str, ...]
    free_text: tuple[bool, ...]  # per slot: captured as free text
    full: re.Pattern[str] | None  # the whole input is this utterance
    tail: re.Pattern[str] | None  # the input ends with this utterance
    specificity: int  # literal characters: a longer literal wins a tie


def _literal(segment: str) -> list[str]:
    """Regex pieces for the words of a literal part of an utterance (apostrophes optional; a
    letter matches its accented forms too: "numero" and "número" alike, as typed or heard)."""
    words = normalize(segment).split()
    return ["['’`]?".join(_letter(c) for c in word) for word in words]


def _letter(c: str) -> str:
    forms = accented(c)
    return re.escape(c) if len(forms) == 1 else f"[{forms}]"


def _compile(intent: str, text: str, locale: LocaleDefinition, slot_types: dict[str, str]) -> _Utterance:
    pieces: list[str] = []
    names: list[str] = []
    free: list[bool] = []
    position = 0
    for match in _SLOT.finditer(text):
        pieces += _literal(text[position : match.start()])
        slot = match.group(1)
        type_name = slot_types.get(slot, "AMAZON.FreeFormInput")
        pattern = capture_pattern(type_name, locale)
        pieces.append(f"(?P<s{len(names)}>{pattern})")
        names.append(slot)
        free.append(pattern == FREE_TEXT_CAPTURE)
        position = match.end()
    pieces += _literal(text[position:])
    skeleton = normalize(_SLOT.sub(" ", text))
    full = tail = None
    if names:
        body = _SEPARATOR.join(pieces)
        full = re.compile(f"{_EDGE}{body}{_EDGE}", re.IGNORECASE)
        tail = re.compile(f"(?:.*?{_SEPARATOR})?(?P<body>{body}){_EDGE}", re.IGNORECASE | re.DOTALL)
    return _Utterance(
        intent=intent,
        text=text,
        skeleton=skeleton,
        tokens=tuple(skeleton.split()),
        slot_names=tuple(names),
        free_text=tuple(free),
        full=full,
        tail=tail,
        specificity=len(skeleton.replace(" ", "")),
    )


def _weight(token: str) -> float:
    return STOP_WORD_WEIGHT if token in STOP_WORDS else 1.0


def _token_matches(token: str, others: tuple[str, ...] | list[str]) -> bool:
    if token in others:
        return True
    if len(token) < 4:
        return False
    return any(len(o) >= 4 and SequenceMatcher(None, token, o).ratio() >= TOKEN_MATCH for o in others)


def _fuzzy(words: list[str], normalized: str, utterance: _Utterance) -> float:
    if not words or not utterance.tokens:
        return 0.0
    recall_total = sum(_weight(t) for t in utterance.tokens)
    recall = sum(_weight(t) for t in utterance.tokens if _token_matches(t, words)) / recall_total
    precision_total = sum(_weight(t) for t in words)
    precision = sum(_weight(t) for t in words if _token_matches(t, utterance.tokens)) / precision_total
    f1 = 0.0 if recall + precision == 0 else 2 * recall * precision / (recall + precision)
    ratio = SequenceMatcher(None, normalized, utterance.skeleton).ratio()
    return min(FUZZY_CAP, 0.6 * f1 + 0.4 * ratio)


class Recognizer:
    """The compiled sample utterances of one locale (see `recognizer_for`, which caches them)."""

    def __init__(self, locale: LocaleDefinition) -> None:
        self.locale = locale
        self.fallback = locale.fallback_intent
        self.utterances: list[_Utterance] = []
        self.slot_utterances: dict[tuple[str, str], list[_Utterance]] = {}
        for intent in locale.intents.values():
            types = {name: slot.type_name for name, slot in intent.slots.items()}
            if intent.is_fallback:
                continue
            self.utterances += [_compile(intent.name, u, locale, types) for u in intent.sample_utterances]
            for slot in intent.slots.values():
                compiled = [_compile(intent.name, u, locale, types) for u in slot.sample_utterances]
                compiled.sort(key=lambda u: -u.specificity)
                self.slot_utterances[(intent.name, slot.name)] = compiled

    def interpretations(
        self,
        text: str,
        *,
        input_mode: str = "Text",
        today: date | None = None,
        top_n: int = TOP_N,
    ) -> list[Interpretation]:
        """Ranked interpretations of `text`, best first, the FallbackIntent included.

        `today` is the turn's instant for resolving captured dates and times (an aware datetime,
        as the simulator passes; a plain date is noon UTC that day; None: the current UTC time)."""
        best: dict[str, tuple[float, int, Interpretation]] = {}
        normalized = normalize(text)
        words = normalized.split()
        stripped = text.strip()
        for utterance in self.utterances:
            found = self._score(utterance, stripped, normalized, words, input_mode=input_mode, today=today)
            if found is None:
                continue
            rank = (found.score, utterance.specificity)
            current = best.get(utterance.intent)
            if current is None or rank > current[:2]:
                best[utterance.intent] = (*rank, found)
        ranked = [entry[2] for entry in sorted(best.values(), key=lambda e: (e[0], e[1]), reverse=True)]
        ranked = [i for i in ranked if i.score > 0][: max(top_n - 1, 0)]
        fallback = Interpretation(self.fallback, None)
        if not ranked or ranked[0].score < self.locale.nlu_confidence_threshold:
            return [fallback, *ranked][:top_n]
        return [*ranked, fallback][:top_n]

    def _score(
        self,
        utterance: _Utterance,
        text: str,
        normalized: str,
        words: list[str],
        *,
        input_mode: str,
        today: date | None,
    ) -> Interpretation | None:
        if utterance.full is None:
            if normalized == utterance.skeleton:
                return Interpretation(
                    utterance.intent, 1.0, self._empty_slots(utterance.intent), utterance.text
                )
            score = _fuzzy(words, normalized, utterance)
            return Interpretation(utterance.intent, round(score, 2), self._empty_slots(utterance.intent))
        match = utterance.full.fullmatch(text)
        confidence = 1.0
        if match is None and utterance.tail is not None:
            match = utterance.tail.fullmatch(text)
            if match is not None and not all(
                _VALUE_HINT.search(match.group(f"s{i}")) for i, free in enumerate(utterance.free_text) if free
            ):
                match = None
            if match is not None:
                covered = (match.end("body") - match.start("body")) / max(len(text), 1)
                confidence = round(0.85 + 0.1 * min(covered, 1.0), 2)
        if match is None:
            score = _fuzzy(words, normalized, utterance)
            return Interpretation(utterance.intent, round(score, 2), self._empty_slots(utterance.intent))
        slots = self._empty_slots(utterance.intent)
        intent = self.locale.intents[utterance.intent]
        for index, name in enumerate(utterance.slot_names):
            definition = intent.slots.get(name)
            if definition is None:
                continue
            said = match.group(f"s{index}")
            slots[name] = resolve_slot(
                said, definition.type_name, self.locale, input_mode=input_mode, today=today
            )
        return Interpretation(utterance.intent, confidence, slots, utterance.text)

    def _empty_slots(self, intent: str) -> dict[str, dict[str, Any] | None]:
        definition = self.locale.intents.get(intent)
        return dict.fromkeys(definition.slots, None) if definition else {}

    def slot_candidates(self, intent: str, slot: str, text: str) -> list[str]:
        """What the user may have meant as the value of `slot` while it is being elicited: the
        captures of the slot's own sample utterances ("it's {FirstName}"), most specific first,
        then the whole input."""
        candidates: list[str] = []
        stripped = text.strip()
        for utterance in self.slot_utterances.get((intent, slot), []):
            if utterance.full is None or not utterance.skeleton:
                continue
            match = utterance.full.fullmatch(stripped)
            if match is not None and slot in utterance.slot_names:
                candidates.append(match.group(f"s{utterance.slot_names.index(slot)}"))
        candidates.append(stripped)
        return list(dict.fromkeys(candidates))


@lru_cache(maxsize=32)
def recognizer_for(locale: LocaleDefinition) -> Recognizer:
    """The compiled recognizer of a locale (cached: definitions are cached by template path+mtime)."""
    return Recognizer(locale)

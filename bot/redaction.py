"""Card data out of stored and operator-visible text: one redaction, used on every path into a store.

What counts as card data, in text a person typed, spoke or keyed:
- **card numbers**: 13–19 digits that pass the Luhn check, in any script's digits (full-width,
  Arabic-Indic, ... after NFKC), with zero-width or other format characters anywhere, grouped by
  any short separators (spaces, NBSP, tabs, newlines, ", ", " - ", "/", dots), glued to letters
  ("card4242…"), or spoken in any language `bot.language` has ("four two four two…", "double
  four", "triple two", "oh", "cuatro dos…", "doble cuatro", "cuarenta y dos"). At most the
  last four digits of a Luhn-valid number are kept ("•••• 4242"); a long digit run that fails Luhn
  is masked entirely ("••••") — it is most likely a mistyped card number;
- **security codes**: a 3–4 digit group, typed or spoken, where a code is plausible — after "cvv",
  "cvc", "csc", "security code", "code on the back", "code"..., or right after an expiry date
  ("12/30 817") or a card number — becomes "•••";
- **chunks of a card number**: when the card is being entered in pieces (`card_context`: the
  bot asked for the card number in one of the last turns), every further 3+ digit group becomes
  "•••", so no sequence of stored turns rebuilds a number.
Dates, years, phone and order numbers (fewer than 12 digits, no code context) and wallet
addresses (0x + 40 hex digits) are kept.

`redact_stored(text)` is the context-free form; the store applies it to every free text it
writes (history entries, titles, feedback, reviews, profile values: `bot.store.checks`), so it is
the one choke point: no caller can forget it. It is idempotent (masks survive a second pass
unchanged), so entries signed after redaction keep their signature. `redact_answer` and
`redact_utterance` add what the dialog knows (which slot was being asked for).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.language import every_language, fold
from bot.redact import luhn_ok

# The number words of every language, whatever the turn's: a card number read in Spanish is as
# much a card number in an English bot's history (English "o" is left out: it is a word).
_LANGUAGES = every_language()
DIGIT_WORDS: dict[str, str] = {w: d for lang in _LANGUAGES for w, d in lang.digits.items() if w != "o"}
TEEN_WORDS: dict[str, int] = {
    w: n for lang in _LANGUAGES for w, n in {**lang.teens, **lang.compounds}.items()
}
TENS_WORDS: dict[str, int] = {w: n for lang in _LANGUAGES for w, n in lang.tens.items()}
_REPEATS: dict[str, int] = {w: n for lang in _LANGUAGES for w, n in lang.repeats.items()}
_JOINERS = frozenset(lang.tens_joiner for lang in _LANGUAGES if lang.tens_joiner)  # "cuarenta y dos"

CARD_MASK = "••••"
CODE_MASK = "•••"
CARD_NUMBER = "card_number"
SECURITY_CODE = "security_code"
MAX_TEXT = 4096  # nothing longer is stored; Lex caps user input at 1024 characters

MIN_CARD_RUN = 12  # digits: a run this long can only be a card number (or a piece of one)
_PAN_LENGTHS = (16, 15, 19, 18, 17, 14, 13)  # preferred first: the common card lengths
_MAX_GAP = 4  # characters between the groups of one number (", ", " - ", tab...)
_CONTEXT = 40  # characters before a code in which its keyword or an expiry may stand

_WALLET = re.compile(r"0x[0-9a-f]{40}(?![0-9a-z])", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_MASKED_LAST4 = re.compile(re.escape(CARD_MASK) + r" ([0-9]{4})")
_ANNOUNCERS = "|".join(word for lang in _LANGUAGES for word in lang.code_words)  # "cvv", "código"...
_CODE_WORDS = re.compile(
    rf"\b(?:{_ANNOUNCERS})(?![a-záéíóúñ])[^a-z0-9]*(?:[a-záéíóúüñ]+[^a-z0-9]+){{0,3}}$",
    re.IGNORECASE,
)
_CODE_AFTER = re.compile(  # "389 is my cvv", "389 es el código"
    r"^[^a-z0-9]*(?:[a-záéíóúüñ]+[^a-z0-9]+){0,3}(?:cvv2?|cvc2?|csc|security\s+code|verification\s+code|"
    r"c[oó]digo(?:\s+de\s+seguridad)?)\b",
    re.IGNORECASE,
)
_EXPIRY = re.compile(
    r"(?:\b[0-9]{1,2}\s*[/\-.]\s*(?:[0-9]{2}|[0-9]{4})|" + re.escape(CARD_MASK) + r"(?: [0-9]{4})?)\W*$"
)
_MONTHS = "|".join(sorted({m for lang in _LANGUAGES for m in lang.months}, key=len, reverse=True))
_MONTH_YEAR = re.compile(rf"\b(?:{_MONTHS})\W+(?:[0-9]{{2}}|[0-9]{{4}})\W*$", re.IGNORECASE)
_YEAR_AFTER_MONTH = re.compile(rf"\b(?:{_MONTHS})\W*$|/\s*$", re.IGNORECASE)
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUMBER_WORDS = frozenset({*DIGIT_WORDS, *TEEN_WORDS, *TENS_WORDS})
_INNER_WORDS = re.compile(r"\b(?:" + "|".join(sorted({*_REPEATS, *_JOINERS})) + r")\b")
# A digit in any script (\d is Unicode-aware) or a character NFKC folds into one (super/subscripts,
# circled forms): with a number word, the only signs that there is anything to look at.
_DIGIT_LIKE = re.compile(r"[\d\u00b2\u00b3\u00b9\u2070-\u209f\u2460-\u24ff\u2776-\u2793]")
_LETTERS = re.compile(r"[a-záéíóúüñ]+")


# --- normalization ------------------------------------------------------------------------------


def _normalize(text: str) -> tuple[str, list[int]]:
    """NFKC per character, format characters (zero-width...) dropped, every decimal digit in
    ASCII; with, for each normalized character, the index of the original character it came from."""
    if text.isascii() or (  # nothing to fold: the usual case ("—" and quotes are NFKC already)
        unicodedata.is_normalized("NFKC", text)
        and not any(unicodedata.category(c) == "Cf" or c.isdecimal() for c in text if not c.isascii())
    ):
        return text, list(range(len(text)))
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cf":
            continue
        if char.isdecimal():
            out.append(str(unicodedata.decimal(char)))
            origin.append(index)
            continue
        for piece in unicodedata.normalize("NFKC", char):
            out.append(str(unicodedata.decimal(piece)) if piece.isdecimal() else piece)
            origin.append(index)
    return "".join(out), origin


# --- number tokens ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Token:
    start: int  # in the normalized text
    end: int
    digits: str
    spoken: bool


def _tokens(text: str) -> list[_Token]:
    """Digit groups and spoken numbers, in order. Digits glued to letters count only as long runs
    (a card number typed into a word); wallet addresses are skipped."""
    wallets = [m.span() for m in _WALLET.finditer(text)]
    tokens: list[_Token] = []
    repeat = 1
    pending_tens: _Token | None = None
    for match in _WORD.finditer(text):
        start, end = match.span()
        if any(a <= start < b for a, b in wallets):
            continue
        word = match.group(0)
        lower = fold(word)
        if lower in _JOINERS and pending_tens is not None:
            continue  # "cuarenta y dos": the tens wait for their unit across the joiner
        if word.isdigit():
            tokens.append(_Token(start, end, _repeat(word, repeat), False))
            repeat = 1
            continue
        if lower in _REPEATS:
            repeat = _REPEATS[lower]
            continue
        digits = _spoken_digits(lower)
        if digits is not None:
            if pending_tens is not None and lower in DIGIT_WORDS and tokens and tokens[-1] is pending_tens:
                pending_tens.digits = pending_tens.digits[0] + digits  # "forty two" -> 42
                pending_tens.end = end
                pending_tens = None
                continue
            token = _Token(start, end, _repeat(digits, repeat), True)
            tokens.append(token)
            pending_tens = token if lower in TENS_WORDS else None
            repeat = 1
            continue
        repeat = 1
        pending_tens = None
        for run in re.finditer(r"[0-9]{3,}", word):  # "card4242424242424242", "cvv123"
            tokens.append(_Token(start + run.start(), start + run.end(), run.group(0), False))
    return tokens


def _spoken_digits(word: str) -> str | None:
    if word in DIGIT_WORDS and word != "o":
        return DIGIT_WORDS[word]
    if word in TEEN_WORDS:
        return str(TEEN_WORDS[word])
    if word in TENS_WORDS:
        return str(TENS_WORDS[word])
    return None


def _repeat(digits: str, times: int) -> str:
    return digits * times if len(digits) == 1 else digits


def _runs(text: str, tokens: list[_Token]) -> list[list[_Token]]:
    """Tokens that belong to one number: separated only by a few non-letter characters (and the
    words that belong inside a spoken number: "double", "y")."""
    runs: list[list[_Token]] = []
    for token in tokens:
        if runs and _joins(text[runs[-1][-1].end : token.start]):
            runs[-1].append(token)
            continue
        runs.append([token])
    return runs


def _joins(gap: str) -> bool:
    """Whether `gap` separates two pieces of one number."""
    if len(gap) <= _MAX_GAP and not any(c.isalnum() for c in gap):
        return True
    if len(gap) > 3 * _MAX_GAP + 8:
        return False
    rest = _INNER_WORDS.sub(" ", fold(gap))
    return len(rest) <= 2 * _MAX_GAP and not any(c.isalnum() for c in rest)


# --- detection ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    start: int  # normalized text
    end: int
    mask: str


def _luhn(digits: str) -> bool:
    """The project's Luhn check (`bot.redact.luhn_ok`); all zeros is no card."""
    return digits.strip("0") != "" and luhn_ok(digits)


def _pan_window(run: list[_Token]) -> tuple[int, int] | None:
    """The tokens [i, j) of a Luhn-valid card number inside a run: the whole run if it is one,
    else whole tokens, common lengths first (the earliest start wins); None if there is none."""
    whole = "".join(t.digits for t in run)
    if 13 <= len(whole) <= 19 and _luhn(whole):
        return 0, len(run)
    best: tuple[int, int, int] | None = None  # (preference, i, j)
    for i in range(len(run)):
        digits = ""
        for j in range(i, len(run)):
            digits += run[j].digits
            if len(digits) > 19:
                break
            if len(digits) >= 13 and _luhn(digits):
                rank = _PAN_LENGTHS.index(len(digits))
                if best is None or rank < best[0]:
                    best = (rank, i, j + 1)
        if best is not None:
            return best[1], best[2]
    return None


def _card_spans(text: str, runs: list[list[_Token]]) -> tuple[list[_Span], list[_Token]]:
    """Masks for card numbers and long digit runs; the tokens left for the code checks."""
    spans: list[_Span] = []
    rest: list[_Token] = []
    for run in runs:
        total = sum(len(t.digits) for t in run)
        if total < MIN_CARD_RUN:
            rest += run
            continue
        window = _pan_window(run)
        if window is None and len(run) == 1 and len(run[0].digits) > 19:
            spans.append(_Span(run[0].start, run[0].end, _inner_pan_mask(run[0].digits)))
            continue
        if window is None:
            spans.append(_Span(run[0].start, run[-1].end, CARD_MASK))
            continue
        i, j = window
        last4 = "".join(t.digits for t in run[i:j])[-4:]
        spans.append(_Span(run[i].start, run[j - 1].end, f"{CARD_MASK} {last4}"))
        before, after = run[:i], run[j:]
        if sum(len(t.digits) for t in before) >= MIN_CARD_RUN - 4:  # digits glued before a card
            spans.append(_Span(before[0].start, before[-1].end, CARD_MASK))
        else:
            rest += before
        rest += after
    return spans, rest


def _inner_pan_mask(digits: str) -> str:
    for length in _PAN_LENGTHS:
        for start in range(len(digits) - length + 1):
            if _luhn(digits[start : start + length]):
                return f"{CARD_MASK} {digits[start + length - 4 : start + length]}"
    return CARD_MASK


def _code_spans(text: str, tokens: list[_Token], spans: list[_Span], *, card_context: bool) -> list[_Span]:
    """3–4 digit groups where a security code is plausible (or any chunk, in card context)."""
    found: list[_Span] = []
    groups = _groups(text, tokens)
    for group in groups:
        digits = "".join(t.digits for t in group)
        start, end = group[0].start, group[-1].end
        before = _masked_prefix(text, start, [*spans, *found])
        after = text[end : end + _CONTEXT]
        code = 3 <= len(digits) <= 4 and bool(
            _CODE_WORDS.search(before)
            or _EXPIRY.search(before)
            or _MONTH_YEAR.search(before)
            or _CODE_AFTER.search(after)
        )
        chunk = card_context and len(digits) >= 3 and not _is_year(digits, before)
        if code or chunk:
            found.append(_Span(start, end, CODE_MASK))
    return found


def _groups(text: str, tokens: list[_Token]) -> list[list[_Token]]:
    """Spoken digits said one by one form one group ("eight one seven"); typed groups stand alone."""
    groups: list[list[_Token]] = []
    for token in tokens:
        if (
            groups
            and token.spoken
            and groups[-1][-1].spoken
            and _joins(text[groups[-1][-1].end : token.start])
        ):
            groups[-1].append(token)
            continue
        groups.append([token])
    return groups


def _masked_prefix(text: str, start: int, spans: list[_Span]) -> str:
    """Up to `_CONTEXT` characters before `start`, with the masks found so far in place."""
    head = text[max(0, start - _CONTEXT) : start]
    offset = max(0, start - _CONTEXT)
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        if span.end <= start and span.start >= offset:
            a, b = span.start - offset, span.end - offset
            head = head[:a] + span.mask + head[b:]
    return head


def _is_year(digits: str, before: str) -> bool:
    return len(digits) == 4 and digits[:2] in ("19", "20") and bool(_YEAR_AFTER_MONTH.search(before))


def _apply(original: str, normalized: str, origin: list[int], spans: list[_Span]) -> str:
    """Replace the original characters behind each normalized span by its mask."""
    if not spans:
        return original
    out = original
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        first = origin[span.start]
        last = origin[span.end - 1] + 1
        out = out[:first] + span.mask + out[last:]
    return out


# --- the public forms ---------------------------------------------------------------------------


def redact_free_text(text: str, *, card_context: bool = False) -> str:
    """`text` with card numbers, security codes and (in card context) card chunks masked."""
    if (
        not _DIGIT_LIKE.search(text)
        and (text.isascii() or unicodedata.is_normalized("NFKC", text))  # no full-width "ｆｏｕｒ"
        and _NUMBER_WORDS.isdisjoint(fold(w) for w in _LETTERS.findall(text.lower()))
    ):
        return text  # no digit in any script, no number word: nothing to mask
    normalized, origin = _normalize(text)
    protected = [m.span() for m in _MASKED_LAST4.finditer(normalized)]  # "•••• 4242" stays as it is
    tokens = [t for t in _tokens(normalized) if not any(a <= t.start < b for a, b in protected)]
    if not tokens:
        return text
    spans, rest = _card_spans(normalized, _runs(normalized, tokens))
    spans += _code_spans(normalized, rest, spans, card_context=card_context)
    return _apply(text, normalized, origin, spans)


def redact_stored(text: str) -> str:
    """The context-free redaction every stored or operator-visible text goes through: card data
    masked, lone surrogates (which no store can hold) replaced with U+FFFD. Idempotent.

    A history entry's texts are redacted before they are signed and again by the store; the
    second pass is free: texts this module produced are remembered (a few dozen per thread) and
    returned as they are. Only outputs are remembered — redacted text — never what was said."""
    if text in _clean():
        return text
    masked = redact_free_text(text)
    return _remember(masked if masked.isascii() else _SURROGATE.sub("\ufffd", masked))


_CLEAN_KEPT = 64
_local = threading.local()


def _clean() -> dict[str, None]:
    clean: dict[str, None] | None = getattr(_local, "clean", None)
    if clean is None:
        clean = _local.clean = {}
    return clean


def _remember(text: str) -> str:
    """`text` is a fixed point of `redact_stored` (a redacted, storable text): remember it."""
    clean = _clean()
    clean.pop(text, None)
    clean[text] = None
    if len(clean) > _CLEAN_KEPT:
        del clean[next(iter(clean))]
    return text


def _card_mask(text: str) -> str | None:
    """ "•••• 1234" for the first Luhn-valid card number in `text` (any script, grouping or
    spoken form), or None if it holds none."""
    normalized, _ = _normalize(text[:MAX_TEXT])
    tokens = _tokens(normalized)
    for run in _runs(normalized, tokens):
        window = _pan_window(run)
        if window is not None:
            i, j = window
            return f"{CARD_MASK} {''.join(t.digits for t in run[i:j])[-4:]}"
    for token in tokens:
        if len(token.digits) > 19 and (masked := _inner_pan_mask(token.digits)) != CARD_MASK:
            return masked
    return None


def has_card_number(text: str) -> bool:
    """Whether `text` holds a Luhn-valid card number, in any of the forms `redact_stored` finds."""
    return _card_mask(text) is not None


def redact_answer(text: str, role: str) -> str:
    """The whole answer to a prompt for a sensitive slot: the card number keeps at most the last
    four digits of a Luhn-valid number; anything else is a chunk or a code: "•••"."""
    if role == SECURITY_CODE:
        return CODE_MASK
    return _card_mask(text) or CODE_MASK


def redact_utterance(
    text: str,
    *,
    eliciting: str | None = None,
    sensitive_values: Mapping[str, str | None] | None = None,
    card_context: bool = False,
) -> str:
    """What the user said, as it may be stored.

    `eliciting` is what the slot the bot had asked for holds, if it is sensitive ("card_number" or
    "security_code"): the whole answer is the value. `sensitive_values` maps those roles to this
    turn's raw slot texts, masked wherever they appear. `card_context`: the card number was asked
    for in the last turns, so digit groups may be chunks of it.
    """
    text = text[:MAX_TEXT]
    if eliciting in (CARD_NUMBER, SECURITY_CODE):
        return redact_answer(text, eliciting)
    for role, value in (sensitive_values or {}).items():
        if value and value.strip() and value in text:
            text = text.replace(value, redact_answer(value, role))
    return redact_free_text(text, card_context=card_context)


def stored_utterance(
    text: str,
    *,
    eliciting: str | None = None,
    sensitive_values: Mapping[str, str | None] | None = None,
    card_context: bool = False,
) -> str:
    """`redact_utterance`, made storable: the text a history entry signs, which the store's
    context-free pass leaves as it is (the dialog's masks include the context-free ones)."""
    redacted = redact_utterance(
        text, eliciting=eliciting, sensitive_values=sensitive_values, card_context=card_context
    )
    return _remember(redacted if redacted.isascii() else _SURROGATE.sub("\ufffd", redacted))

"""Operator text on its way in (what admin fields refuse) and stored text on its way out to a
terminal (escaped, so nothing in the store can drive the operator's terminal).

Refused in titles, comments, notes, reviewer names and user ids: control characters (C0, DEL,
C1: ESC, BEL, CSI, newlines, tabs...), the line and paragraph separators U+2028/U+2029, and the
bidirectional embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069 (they can make
text read differently from what it holds). Lone surrogates are refused by the models' string
validation itself.

Escaped when shown: all of the above, the bidi marks U+200E, U+200F and U+061C, and lone
surrogates (which a UTF-8 terminal cannot even receive), as `\\x1b` (up to U+00FF) or `\\u202e`.
In JSON output they become JSON escapes (`\\u001b`), so the document still parses to the stored
text. A literal backslash is left alone.
"""

from __future__ import annotations

import re

_C0 = "\\x00-\\x1f"
_OTHER_CONTROLS = "\\x7f-\\x9f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069"  # DEL, C1, separators, bidi
_SHOWN_ESCAPED = "\\u200e\\u200f\\u061c\\ud800-\\udfff"  # bidi marks, lone surrogates
_REFUSED_CLASS = _C0 + _OTHER_CONTROLS
_REFUSED = re.compile(f"[{_REFUSED_CLASS}]")
_UNSAFE = re.compile(f"[{_REFUSED_CLASS}{_SHOWN_ESCAPED}]")
_UNSAFE_IN_JSON = re.compile(f"[{_OTHER_CONTROLS}{_SHOWN_ESCAPED}]")  # json.dumps escapes C0 itself

VISIBLE_PATTERN = f"^[^{_REFUSED_CLASS}]*[^\\s{_REFUSED_CLASS}][^{_REFUSED_CLASS}]*$"
"""What a visible text field accepts, as a JSON-schema (ECMA-262) pattern; `visible_text` is the check."""
NO_CONTROLS_PATTERN = f"^[^{_REFUSED_CLASS}]*$"
"""What a free-text field (may be empty) accepts, as a JSON-schema pattern; `no_controls` is the check."""

_REFUSAL = (
    "must not contain control characters (newlines, tabs, escape sequences) "
    "or bidirectional overrides (found {code})"
)


def _code(char: str) -> str:
    return f"U+{ord(char):04X}"


def no_controls(text: str) -> str:
    """`text` unchanged, or ValueError naming the first refused character's code point."""
    found = _REFUSED.search(text)
    if found is not None:
        raise ValueError(_REFUSAL.format(code=_code(found.group())))
    return text


def visible_text(text: str) -> str:
    """`no_controls`, and at least one character that is not whitespace."""
    no_controls(text)
    if text.isspace() or not text:
        raise ValueError("must have at least one visible character")
    return text


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """`text` with every character a terminal could act on written as an escape (`\\x1b`, `\\u202e`)."""
    return _UNSAFE.sub(_escape, text)


def json_safe(document: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with the same characters as JSON
    escapes. json.dumps already escapes C0 in strings (a raw newline is layout); the others can
    only occur inside strings, so the result is valid JSON with the same value."""
    return _UNSAFE_IN_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", document)

"""JSON text from one prebuilt encoder per set of options.

`json.dumps` with any keyword argument builds a `JSONEncoder` on every call, and
`JSONEncoder.encode` builds its C iterator on every call too. For the short canonical forms that
signatures and MACs cover (several per turn) and the per-turn log line, that set-up costs more
than the encoding itself. `encoder()` builds the C iterator once, exactly as
`JSONEncoder.iterencode` does for a one-shot encode, so the text is byte for byte what
`json.dumps(value, separators=..., ensure_ascii=..., sort_keys=..., default=...)` gives (the MACs
of stored records depend on that). On an interpreter without json's C accelerator, or one whose
accelerator does not take these arguments, it falls back to a plain `JSONEncoder`.

Values must not be circular: like `json.dumps(..., check_circular=False)`, a circular value raises
`RecursionError` instead of `ValueError`. Non-JSON values go to `default`, or raise json's own
`TypeError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _json_encoder

__all__ = ["COMPACT", "encoder"]

COMPACT = (",", ":")
_PROBE = {"b": [1, -2.5, 1e100, None, True, False], "a": {"é\n\u2028\ud800": "\x00"}, "": []}


def _accelerator() -> Callable[..., Callable[[object, int], list[str]]] | None:
    return getattr(_json_encoder, "c_make_encoder", None)


def encoder(
    *,
    separators: tuple[str, str] = COMPACT,
    ensure_ascii: bool = True,
    sort_keys: bool = False,
    default: Callable[[object], object] | None = None,
) -> Callable[[object], str]:
    """A function giving `json.dumps(value, separators=separators, ensure_ascii=ensure_ascii,
    sort_keys=sort_keys, default=default)` (compact separators unless told otherwise)."""
    item_separator, key_separator = separators
    plain = json.JSONEncoder(
        separators=separators,
        ensure_ascii=ensure_ascii,
        sort_keys=sort_keys,
        check_circular=False,
        default=default,
    )
    make = _accelerator()
    if make is None:
        return plain.encode
    quote = _json_encoder.encode_basestring_ascii if ensure_ascii else _json_encoder.encode_basestring
    try:
        chunks = make(None, plain.default, quote, None, key_separator, item_separator, sort_keys, False, True)
        if "".join(chunks(_PROBE, 0)) != plain.encode(_PROBE):
            return plain.encode
    except TypeError:  # an accelerator with another signature
        return plain.encode
    join = "".join

    def encode(value: object) -> str:
        return join(chunks(value, 0))

    return encode

"""What Amazon Polly accepts as SSML, checked the way the simulator checks everything else a code
hook returns: a well-formed `<speak>` document whose tags and attributes Polly supports
(docs.aws.amazon.com/polly/latest/dg/supportedtags.html), with values in their ranges.

    ssml_errors('<speak>ending <say-as interpret-as="digits">4242</say-as></speak>')   # []

`amazon:*` tags are Polly extensions without a namespace declaration: an XML parser refuses
them, so they are checked here after the prefix is declared for the parse, and the framework's
renderer (`bot.speech`) emits none.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

_AMAZON = "http://polly.amazon.invalid/ssml"  # a parse-time namespace for Polly's amazon: tags
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_SAY_AS = frozenset(
    {
        "characters",
        "spell-out",
        "cardinal",
        "number",
        "ordinal",
        "digits",
        "fraction",
        "unit",
        "date",
        "time",
        "address",
        "expletive",
        "bleep",
        "telephone",
    }
)
_DATE_FORMATS = frozenset({"mdy", "dmy", "ymd", "md", "dm", "ym", "my", "d", "m", "y", "yyyymmdd"})
_STRENGTHS = frozenset({"none", "x-weak", "weak", "medium", "strong", "x-strong"})
_TIME = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s)")
MAX_BREAK_MS = 10_000

# tag -> allowed attributes (None: any value is checked by _value below)
TAGS: dict[str, frozenset[str]] = {
    "speak": frozenset({_XML_LANG}),
    "break": frozenset({"time", "strength"}),
    "emphasis": frozenset({"level"}),
    "lang": frozenset({_XML_LANG, "onlangfailure"}),
    "mark": frozenset({"name"}),
    "p": frozenset(),
    "s": frozenset(),
    "phoneme": frozenset({"alphabet", "ph"}),
    "prosody": frozenset({"rate", "pitch", "volume", f"{{{_AMAZON}}}max-duration"}),
    "say-as": frozenset({"interpret-as", "format"}),
    "sub": frozenset({"alias"}),
    "w": frozenset({"role"}),
    f"{{{_AMAZON}}}domain": frozenset({"name"}),
    f"{{{_AMAZON}}}effect": frozenset({"name", "phonation", "vocal-tract-length"}),
    f"{{{_AMAZON}}}auto-breaths": frozenset({"volume", "frequency", "duration"}),
    f"{{{_AMAZON}}}breath": frozenset({"volume", "duration"}),
    f"{{{_AMAZON}}}emotion": frozenset({"name", "intensity"}),
}
_REQUIRED = {"say-as": ("interpret-as",), "sub": ("alias",), "phoneme": ("ph",), "mark": ("name",)}


def _shown(tag: str) -> str:
    return tag.replace(f"{{{_AMAZON}}}", "amazon:").replace(_XML_LANG, "xml:lang")


def ssml_errors(ssml: str) -> list[str]:
    """Why Polly would refuse `ssml` (empty: it is valid)."""
    if "<!" in ssml:
        return ["SSML must not contain a DOCTYPE, entity declaration or CDATA section"]
    declared = re.sub(r"^\s*<speak\b", f'<speak xmlns:amazon="{_AMAZON}"', ssml, count=1)
    try:
        root = ElementTree.fromstring(declared)  # noqa: S314 - no DTD (refused above)
    except ElementTree.ParseError as exc:
        return [f"SSML is not well-formed XML ({exc})"]
    if root.tag != "speak":
        return [f"SSML must be one <speak> element, got <{_shown(root.tag)}>"]
    errors: list[str] = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag not in TAGS:
            errors.append(f"SSML tag <{_shown(tag)}> is not supported by Amazon Polly")
            continue
        if element is not root and tag == "speak":
            errors.append("SSML <speak> must not be nested")
        for name, value in element.attrib.items():
            if name not in TAGS[tag]:
                errors.append(f"SSML <{_shown(tag)}> has no attribute {_shown(name)}")
            else:
                errors += _value(tag, name, value)
        missing = [name for name in _REQUIRED.get(tag, ()) if name not in element.attrib]
        errors += [f"SSML <{tag}> needs {name}" for name in missing]
    return errors


def _value(tag: str, name: str, value: str) -> list[str]:
    if tag == "break" and name == "time":
        match = _TIME.fullmatch(value)
        if match is None:
            return [f'SSML <break time="{value}"> must be a duration such as 300ms or 1s']
        amount = float(match.group(1)) * (1 if match.group(2) == "ms" else 1000)
        return [] if amount <= MAX_BREAK_MS else [f"SSML <break> is longer than {MAX_BREAK_MS} ms"]
    if tag == "break" and name == "strength" and value not in _STRENGTHS:
        return [f'SSML <break strength="{value}"> is not one of {", ".join(sorted(_STRENGTHS))}']
    if tag == "say-as" and name == "interpret-as" and value not in _SAY_AS:
        return [f'SSML <say-as interpret-as="{value}"> is not supported by Amazon Polly']
    if tag == "say-as" and name == "format" and value not in _DATE_FORMATS:
        return [f'SSML <say-as format="{value}"> is not a date format Polly knows']
    return []

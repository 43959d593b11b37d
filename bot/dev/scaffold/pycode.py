"""Python source that `ruff format --check` accepts as written: the few statement shapes the
scaffold emits, laid out as the formatter would (one line if it fits in the line length; else the
arguments on one indented line; else one per line with a trailing comma, long strings split into
implicitly concatenated parts). Every line stays within `LINE_LENGTH`, so `ruff check` (E501) is
satisfied too.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

LINE_LENGTH = 110  # pyproject.toml [tool.ruff] line-length
INDENT = "    "
DOC_WIDTH = 100  # docstring paragraphs are wrapped shorter than code lines


@dataclass(frozen=True, slots=True)
class Text:
    """A string argument: a plain literal, or an f-string whose `{...}` fields stay as written."""

    value: str
    fstring: bool = False

    def literal(self, value: str | None = None) -> str:
        text = self.value if value is None else value
        if self.fstring and "{" in text:
            return "f" + _quoted_fields(text)
        return quote(text)


type Arg = str | Text


def quote(text: str) -> str:
    """A double-quoted Python literal as ruff format writes it (double quotes, unless the text has
    double quotes and no single quotes)."""
    if '"' in text and "'" not in text:
        return "'" + text.replace("\\", "\\\\").replace("\n", "\\n") + "'"
    return json.dumps(text, ensure_ascii=False)


def _quoted_fields(text: str) -> str:
    """Like `quote`, for an f-string: the replacement fields are kept verbatim (no escaping)."""
    out: list[str] = []
    literal: list[str] = []
    depth = 0
    for char in text:
        if char == "{":
            if depth == 0 and literal:
                out.append(json.dumps("".join(literal), ensure_ascii=False)[1:-1])
                literal = []
            depth += 1
            out.append(char)
        elif char == "}" and depth:
            depth -= 1
            out.append(char)
        elif depth:
            out.append(char)
        else:
            literal.append(char)
    if literal:
        out.append(json.dumps("".join(literal), ensure_ascii=False)[1:-1])
    return '"' + "".join(out) + '"'


def fits(line: str) -> bool:
    return len(line) <= LINE_LENGTH


def _split_text(text: Text, indent: str, trailer: str) -> list[str]:
    """A string too long for one line as implicitly concatenated parts, each line within the limit
    (split between words, never inside an f-string field)."""
    room = LINE_LENGTH - len(indent) - 3 - len(trailer)  # quotes (and an f) + the trailer
    pieces: list[str] = []
    current = ""
    for word in _words_keeping_fields(text.value):
        if current and len(current) + len(word) > room:
            pieces.append(current)
            current = ""
        current += word
    if current:
        pieces.append(current)
    lines = [indent + text.literal(piece) for piece in pieces]
    lines[-1] += trailer
    return lines


def _words_keeping_fields(text: str) -> list[str]:
    """Words with their trailing space ("a ", "b"), an f-string field never split."""
    out: list[str] = []
    current, depth = "", 0
    for char in text:
        current += char
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif char == " " and depth == 0:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def _arg(arg: Arg) -> str:
    return arg.literal() if isinstance(arg, Text) else arg


def call(indent: str, head: str, args: Sequence[Arg], tail: str = ")") -> list[str]:
    """`head` ends with the opening parenthesis ("return Invalid(", "def f(", "X = Ask(");
    `tail` closes it (")" or ") -> Reply:")."""
    flat = ", ".join(_arg(a) for a in args)
    one = f"{indent}{head}{flat}{tail}"
    if fits(one):
        return [one]
    inner = indent + INDENT
    hugged = inner + flat
    if fits(hugged):
        return [indent + head, hugged, indent + tail]
    lines = [indent + head]
    single = len(args) == 1
    for arg in args:
        trailer = "" if single else ","
        if isinstance(arg, Text) and not fits(inner + arg.literal() + trailer):
            lines += _split_text(arg, inner, trailer)
        else:
            lines.append(inner + _arg(arg) + trailer)
    return [*lines, indent + tail]


def assign(indent: str, name: str, text: Text) -> list[str]:
    """`NAME = "..."`, or `NAME = (` parts `)` when the literal does not fit on the line."""
    one = f"{indent}{name} = {text.literal()}"
    if fits(one):
        return [one]
    return [f"{indent}{name} = (", *_split_text(text, indent + INDENT, ""), f"{indent})"]


def docstring(indent: str, text: str) -> list[str]:
    """A docstring: one line if it fits, else wrapped paragraphs with the quotes on their own line."""
    one = f'{indent}"""{text}"""'
    if "\n" not in text and fits(one):
        return [one]
    width = min(LINE_LENGTH - len(indent), DOC_WIDTH)
    lines: list[str] = []
    for number, paragraph in enumerate(text.split("\n\n")):
        if number:
            lines.append("")
        wrapped = textwrap.wrap(paragraph, width=width - (3 if number == 0 else 0), break_long_words=False)
        lines += wrapped or [""]
    lines[0] = '"""' + lines[0]
    return [indent + line if line else "" for line in lines] + [indent + '"""']


def from_import(module: str, names: Sequence[str]) -> list[str]:
    """`from module import a, B` with the names in isort's order (constants, classes, others)."""
    ordered = sorted(set(names), key=_import_key)
    one = f"from {module} import {', '.join(ordered)}"
    if fits(one):
        return [one]
    return [f"from {module} import (", *(f"{INDENT}{name}," for name in ordered), ")"]


def _import_key(name: str) -> tuple[int, str]:
    original = name.split(" as ", maxsplit=1)[0]
    if len(original) > 1 and original.isupper():
        return 0, original
    if original[:1].isupper():
        return 1, original
    return 2, original


def module_key(module: str) -> tuple[str, str]:
    """isort's order of `from` imports within a section (case-insensitive)."""
    return module.lower(), module


def join_blocks(blocks: Sequence[tuple[bool, list[str]]]) -> list[str]:
    """Top-level blocks, (is a def or class, lines), separated as ruff format wants: two blank
    lines around a definition, one between other statements."""
    out: list[str] = []
    previous_def = False
    for index, (is_def, lines) in enumerate(blocks):
        if index:
            out += [""] * (2 if is_def or previous_def else 1)
        out += lines
        previous_def = is_def
    return out

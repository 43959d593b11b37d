"""The intent block, written into the template as text: every other byte of the file (comments,
blank lines, quoting, key order) stays as it was.

The block goes into the `Intents:` list of every locale of the first `AWS::Lex::Bot` resource,
just before the FallbackIntent entry (and the comment lines above it), indented like its
neighbours; without a FallbackIntent, after the last intent. Positions come from PyYAML's
composer (nodes with line and column), so the file is never re-serialized.

A template may say that the bot definition changed in one more place: an `AWS::Lex::BotVersion`
of the bot, whose Description CloudFormation needs changed to cut a new version for the live
alias (the reference template's "PaymentBot v1"). A Description ending in vN becomes vN+1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from bot.dev.scaffold.naming import ScaffoldError
from bot.dev.simulator.definition import FALLBACK_SIGNATURE, CfnLoader

type Yaml = str | int | bool | Quoted | Sequence[Yaml] | Mapping[str, Yaml]
COMMENT = "#"  # a mapping key starting with "#" is a comment line (its value is ignored)
STEP = 2
_VERSION = re.compile(r"(.*\bv)(\d+)")


@dataclass(frozen=True, slots=True)
class Quoted:
    """A string always written double-quoted."""

    value: str


# --- writing YAML ---------------------------------------------------------------------------------


def scalar(value: str | int | bool | Quoted) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Quoted):
        return json.dumps(value.value, ensure_ascii=False)
    return value if _plain(value) else json.dumps(value, ensure_ascii=False)


def _plain(text: str) -> bool:
    """True when `key: text` reads back as the same string (no quotes needed)."""
    if not text or text != text.strip() or "\n" in text or text[0] in "?:-!&*#|>%@`,[]{}'\"":
        return False
    try:
        loaded = yaml.load(f"k: {text}", Loader=CfnLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        return False
    return isinstance(loaded, dict) and loaded == {"k": text}


def mapping_lines(mapping: Mapping[str, Yaml], indent: int, offset: int) -> list[str]:
    """Block-style lines of a mapping; `offset` is how far a sequence's dash sits right of its key."""
    pad = " " * indent
    lines: list[str] = []
    for key, value in mapping.items():
        if key.startswith(COMMENT):
            lines.append(f"{pad}{key}")
        elif isinstance(value, Mapping):
            lines.append(f"{pad}{key}:")
            lines += mapping_lines(value, indent + STEP, offset)
        elif isinstance(value, Sequence) and not isinstance(value, str):
            lines.append(f"{pad}{key}:")
            lines += sequence_lines(value, indent + offset, offset)
        else:
            lines.append(f"{pad}{key}: {scalar(value)}")
    return lines


def sequence_lines(items: Sequence[Yaml], dash: int, offset: int) -> list[str]:
    lines: list[str] = []
    for item in items:
        if isinstance(item, Mapping):
            lines += item_lines(item, dash, dash + 2, offset)
        elif isinstance(item, Sequence) and not isinstance(item, str):
            raise TypeError("nested sequences are not used in an intent block")
        else:
            lines.append(f"{' ' * dash}- {scalar(item)}")
    return lines


def item_lines(mapping: Mapping[str, Yaml], dash: int, content: int, offset: int) -> list[str]:
    """A mapping as a sequence item: `- Key: value` at `dash`, the other keys at `content`."""
    lines = mapping_lines(mapping, content, offset)
    lines[0] = " " * dash + "- " + " " * (content - dash - 2) + lines[0].lstrip()
    return lines


# --- reading positions ------------------------------------------------------------------------------


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.Node):
            return v
    return None


def _key(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, _ in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k
    return None


def _text(node: yaml.Node | None) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _refers_to(node: yaml.Node | None, logical_id: str) -> bool:
    """!Ref X, or {Ref: X}."""
    if isinstance(node, yaml.ScalarNode):
        return node.tag == "!Ref" and node.value == logical_id
    return _text(_get(node, "Ref")) == logical_id


@dataclass(frozen=True, slots=True)
class LocaleSlot:
    """Where a locale's new intent goes."""

    locale_id: str
    line: int  # insert before this line (0-based)
    dash: int  # column of the items' dash
    content: int  # column of the items' keys
    offset: int  # dash column minus the `Intents:` key column (2, or 0 for indentless lists)
    blank_before: bool  # a blank line separates this block from the previous intent
    blank_after: bool


@dataclass(frozen=True, slots=True)
class VersionBump:
    logical_id: str
    line: int
    start: int
    end: int
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Places:
    bot_id: str
    locales: tuple[LocaleSlot, ...]
    version: VersionBump | None
    version_hint: str | None  # a BotVersion whose Description could not be bumped


def find_places(text: str, source: str) -> Places:
    try:
        root = yaml.compose(text, Loader=CfnLoader)
    except yaml.YAMLError as exc:
        raise ScaffoldError(f"cannot read {source}: {exc}") from None
    lines = text.splitlines()
    resources = _get(root, "Resources")
    if not isinstance(resources, yaml.MappingNode):
        raise ScaffoldError(f"{source} has no Resources section, so no AWS::Lex::Bot resource")
    bot_id, bot = None, None
    for k, v in resources.value:
        if _text(_get(v, "Type")) == "AWS::Lex::Bot":
            bot_id, bot = str(k.value), v
            break
    if bot is None or bot_id is None:
        raise ScaffoldError(f"{source} defines no AWS::Lex::Bot resource")
    locales = _get(_get(bot, "Properties"), "BotLocales")
    if not isinstance(locales, yaml.SequenceNode) or not locales.value:
        raise ScaffoldError(f"bot {bot_id} in {source} has no BotLocales")
    found = tuple(_locale_slot(locale, lines, source) for locale in locales.value)
    version, hint = _version(resources, bot_id, lines)
    return Places(bot_id, found, version, hint)


def _locale_slot(locale: yaml.Node, lines: list[str], source: str) -> LocaleSlot:
    locale_id = _text(_get(locale, "LocaleId")) or "?"
    intents, key = _get(locale, "Intents"), _key(locale, "Intents")
    if not isinstance(intents, yaml.SequenceNode) or key is None:
        raise ScaffoldError(f"locale {locale_id} of {source} has no Intents list to add the intent to")
    if intents.flow_style or not intents.value:
        raise ScaffoldError(
            f"locale {locale_id} of {source}: its Intents list is empty or in flow style ([...]); "
            "the scaffold inserts into a block-style list (- Name: ...)"
        )
    items = intents.value
    first = items[0].start_mark
    before = lines[first.line][: first.column].rstrip()
    if not before.endswith("-"):
        raise ScaffoldError(f"locale {locale_id} of {source}: cannot tell how its Intents list is indented")
    dash, content = len(before) - 1, first.column
    offset = dash - key.start_mark.column
    offset = offset if offset in (0, STEP) else STEP
    separated = len(items) > 1 and any(
        not lines[n].strip() for n in range(items[0].start_mark.line, items[1].start_mark.line)
    )
    fallback = next(
        (i for i in items if _text(_get(i, "ParentIntentSignature")) == FALLBACK_SIGNATURE),
        next((i for i in items if _text(_get(i, "Name")) == "FallbackIntent"), None),
    )
    if fallback is not None:
        line = fallback.start_mark.line
        while line > 0 and lines[line - 1].strip().startswith("#"):
            line -= 1  # the fallback's own comments stay with it
        return LocaleSlot(locale_id, line, dash, content, offset, False, separated)
    end = items[-1].end_mark
    line = end.line + (1 if end.column else 0)
    while line > items[-1].start_mark.line + 1 and (
        not lines[line - 1].strip() or lines[line - 1].strip().startswith("#")
    ):
        line -= 1
    return LocaleSlot(locale_id, line, dash, content, offset, separated, False)


def _version(
    resources: yaml.MappingNode, bot_id: str, lines: list[str]
) -> tuple[VersionBump | None, str | None]:
    for k, v in resources.value:
        if _text(_get(v, "Type")) != "AWS::Lex::BotVersion":
            continue
        props = _get(v, "Properties")
        if not _refers_to(_get(props, "BotId"), bot_id):
            continue
        description = _get(props, "Description")
        value = _text(description)
        match = _VERSION.fullmatch(value or "")
        if (
            description is None
            or not isinstance(description, yaml.ScalarNode)
            or value is None
            or match is None
            or description.style is not None
            or description.start_mark.line != description.end_mark.line
        ):
            return None, str(k.value)
        new = f"{match[1]}{int(match[2]) + 1}"
        start, end = description.start_mark, description.end_mark
        assert lines[start.line][start.column : end.column] == value
        return VersionBump(str(k.value), start.line, start.column, end.column, value, new), None
    return None, None


# --- editing ----------------------------------------------------------------------------------------


def insert(
    text: str, places: Places, block: Mapping[str, Yaml], *, bump: bool = True
) -> tuple[str, dict[str, list[str]]]:
    """The template text with the block in every locale (and the version bumped): the new text and,
    by locale, the lines inserted."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    edits: list[tuple[int, list[str]]] = []
    inserted: dict[str, list[str]] = {}
    for where in places.locales:
        body = item_lines(block, where.dash, where.content, where.offset)
        added = ([""] if where.blank_before else []) + body + ([""] if where.blank_after else [])
        inserted[where.locale_id] = added
        edits.append((where.line, added))
    version = places.version if bump else None
    if version is not None:
        old = lines[version.line]
        lines[version.line] = old[: version.start] + version.new + old[version.end :]
    for line, added in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[line:line] = [a + newline for a in added]
    return "".join(lines), inserted


def strip_intent(data: Any, name: str) -> Any:
    """A parsed template without the intent `name` in any locale of its AWS::Lex::Bot (to compare)."""
    for resource in (data.get("Resources") or {}).values():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Lex::Bot":
            for locale in resource.get("Properties", {}).get("BotLocales", []):
                locale["Intents"] = [i for i in locale.get("Intents", []) if i.get("Name") != name]
            break
    return data

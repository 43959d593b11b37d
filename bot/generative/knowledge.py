"""The bot's own knowledge: a short markdown file of policies and FAQs, one per locale.

    intents/knowledge/en_US.md     ## Why do you need my security code?
                                   The three or four digits on the card prove ...

Every `## heading` starts a passage (its heading and the text up to the next heading); text
before the first heading is ignored (a title, notes for maintainers). The files ship with the
bot (`GenerativeHelp(knowledge="intents/knowledge")`, a directory relative to the working
directory or a package path such as "intents:knowledge"); a locale without its own file uses its
language's (`es.md`), then the bot's default locale's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.language import language_code

MAX_PASSAGE_CHARS = 2000
_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True, slots=True)
class Passage:
    id: str  # "<file stem>#<n>": stable for tests and logs
    title: str
    text: str

    @property
    def full(self) -> str:
        return f"{self.title}\n{self.text}"


class KnowledgeError(ValueError):
    """A knowledge file that cannot be used (missing, empty, a passage too long)."""


def parse(markdown: str, *, name: str = "knowledge") -> list[Passage]:
    passages: list[Passage] = []
    title: str | None = None
    lines: list[str] = []

    def close() -> None:
        if title is None:
            return
        text = " ".join(" ".join(lines).split())
        if not text:
            raise KnowledgeError(f"{name}: the passage {title!r} has no text")
        if len(text) > MAX_PASSAGE_CHARS:
            raise KnowledgeError(f"{name}: the passage {title!r} is over {MAX_PASSAGE_CHARS} characters")
        passages.append(Passage(f"{name}#{len(passages) + 1}", title, text))

    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading:
            close()
            title, lines = heading.group(1), []
        elif title is not None:
            lines.append(line.strip())
    close()
    if not passages:
        raise KnowledgeError(f"{name}: no '## ' passages")
    return passages


class Knowledge:
    """Every locale's passages, read once per container."""

    def __init__(self, by_name: dict[str, list[Passage]], default: str = "en_US") -> None:
        if not by_name:
            raise KnowledgeError("no knowledge files")
        self.by_name = by_name
        self.default = default

    @classmethod
    def load(cls, where: str | Path, default: str = "en_US") -> Knowledge:
        files = _files(where)
        return cls({name: parse(text, name=name) for name, text in files.items()}, default)

    def names(self) -> list[str]:
        return sorted(self.by_name)

    def for_locale(self, locale_id: str) -> tuple[str, list[Passage]]:
        """(the file's name, its passages) for a locale: its own, its language's, the default's,
        else the first file."""
        for name in (locale_id, language_code(locale_id), self.default, language_code(self.default)):
            if name in self.by_name:
                return name, self.by_name[name]
        first = sorted(self.by_name)[0]
        return first, self.by_name[first]


def _files(where: str | Path) -> dict[str, str]:
    if isinstance(where, str) and ":" in where and not Path(where).exists():
        package, _, sub = where.partition(":")
        root = resources.files(package).joinpath(sub)
        found = {
            entry.name[: -len(".md")]: entry.read_text(encoding="utf-8")
            for entry in root.iterdir()
            if entry.name.endswith(".md")
        }
    else:
        path = Path(where)
        if not path.is_dir():
            raise KnowledgeError(f"knowledge directory {str(path)!r} not found")
        found = {entry.stem: entry.read_text(encoding="utf-8") for entry in sorted(path.glob("*.md"))}
    if not found:
        raise KnowledgeError(f"no *.md knowledge files in {str(where)!r}")
    return found

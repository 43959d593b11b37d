"""What generative help remembers about a conversation, server-side: a rolling summary of the
turns that have left the history window, an entity memory, and the session's usage.

It lives in the session record's server-side extras (`SessionRecord.extra["generative"]`,
covered by the record's MAC like the rest of the record, never sent to Lex), so it is read in the
turn's one store read and written in its one write. Everything in it has passed `scrub.safe`.

- `summary`   condensed older turns (by the model in bedrock mode, else extractive notes);
- `notes`     extractive notes of departed turns not yet folded into the summary;
- `through`   history entries with a lower index are accounted for (summary or notes);
- `entities`  facts the summary must not lose, from the app (`GenerativeHelp(entities=...)`):
              a first name, a card's brand and last four, a wallet's short form;
- `offered`   the options the bot last offered, so "the second one" still resolves later;
- `usage`     calls, tokens in and out, estimated cost, fallbacks for the session.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.generative.scrub import safe
from bot.jsontext import encoder

log = logging.getLogger("bot.generative")

EXTRA_KEY = "generative"
MAX_SUMMARY_CHARS = 1500
# Offline, the summary is the last departed turns' notes, kept short: nothing but a prompt (bedrock
# mode, `chat --show-state`) reads it, and every save redacts the whole context again (the store).
EXTRACTIVE_SUMMARY_CHARS = 600
MAX_NOTES = 12
MAX_NOTE_CHARS = 240
MAX_ENTITY_CHARS = 120
MAX_ENTITIES = 12
MAX_OPTIONS = 8
_ENCODE = encoder(ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Option:
    """Something the bot offered: a stable key the bot acts on, and how it was named."""

    key: str
    label: str


@dataclass(slots=True)
class Usage:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    fallbacks: int = 0


@dataclass(slots=True)
class Memory:
    summary: str = ""
    notes: list[str] = field(default_factory=list)
    through: int = 0
    entities: dict[str, str] = field(default_factory=dict)
    offered: list[Option] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    # The app's values behind `entities` this turn (not stored): an unchanged one is not scrubbed again.
    _raw: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    # -- changes --------------------------------------------------------------------------------

    def note(self, text: str) -> None:
        """Keep an extractive note of a departed turn (the oldest dropped past MAX_NOTES)."""
        cleaned = safe(text)[:MAX_NOTE_CHARS].strip()
        if cleaned:
            self.notes = [*self.notes, cleaned][-MAX_NOTES:]

    def set_summary(self, text: str) -> None:
        """A new summary (a model's): scrubbed, its oldest part dropped past MAX_SUMMARY_CHARS."""
        self.summary = _bounded(" ".join(safe(text).split()))

    def fold_notes(self, limit: int = MAX_SUMMARY_CHARS) -> None:
        """Extractive summarizing: the notes join the summary. Both were scrubbed when they were
        made, and each note is wrapped in words (`User: “…” Bot: “…”.`), so joining them cannot
        put digits of two of them side by side: no second pass over the whole summary."""
        if self.notes:
            self.summary = _bounded(" ".join([self.summary, *self.notes]).strip(), limit)
            self.notes = []

    def set_entities(self, entities: dict[str, str]) -> bool:
        """The app's facts; a value scrubbed only when it changed (most turns change none).
        True when the stored entities changed."""
        kept: dict[str, str] = {}
        for key, value in list(entities.items())[:MAX_ENTITIES]:
            if isinstance(key, str) and isinstance(value, str) and key and value:
                name = key[:40]
                known = self.entities.get(name)
                kept[name] = (
                    known
                    if known is not None and value == self._raw.get(name)
                    else safe(value)[:MAX_ENTITY_CHARS]
                )
                self._raw[name] = value
        changed = kept != self.entities
        self.entities = kept
        return changed

    def offer(self, options: list[Option]) -> None:
        self.offered = [Option(o.key[:40], safe(o.label)[:MAX_ENTITY_CHARS]) for o in options[:MAX_OPTIONS]]

    # -- wire form ------------------------------------------------------------------------------

    def dump(self) -> str:
        usage = self.usage
        body = {  # the fields in declaration order, as dataclasses.asdict gave them (same JSON)
            "summary": self.summary,
            "notes": list(self.notes),
            "through": self.through,
            "entities": dict(self.entities),
            "offered": [[o.key, o.label] for o in self.offered],
            "usage": {
                "calls": usage.calls,
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cost_usd": usage.cost_usd,
                "fallbacks": usage.fallbacks,
            },
        }
        return _ENCODE(body)

    @classmethod
    def load(cls, raw: str | None) -> Memory:
        """The memory in a record's extras; an unreadable one starts empty (and is logged)."""
        if not raw:
            return cls()
        try:
            body = json.loads(raw)
            return cls._from(body)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("generative memory unreadable, starting empty: %s", type(exc).__name__)
            return cls()

    @classmethod
    def _from(cls, body: Any) -> Memory:
        if not isinstance(body, dict):
            raise TypeError("not an object")
        usage = body.get("usage") or {}
        memory = cls(
            summary=str(body.get("summary", ""))[:MAX_SUMMARY_CHARS],
            notes=[str(n)[:MAX_NOTE_CHARS] for n in body.get("notes", [])][-MAX_NOTES:],
            through=int(body.get("through", 0)),
            usage=Usage(
                calls=int(usage.get("calls", 0)),
                input_tokens=int(usage.get("input_tokens", 0)),
                output_tokens=int(usage.get("output_tokens", 0)),
                cost_usd=float(usage.get("cost_usd", 0.0)),
                fallbacks=int(usage.get("fallbacks", 0)),
            ),
        )
        # Stored by this module (scrubbed then) under the record's MAC: read back, only bounded.
        entities = body.get("entities", {})
        if not isinstance(entities, dict):
            raise TypeError("entities")
        memory.entities = {
            str(k)[:40]: str(v)[:MAX_ENTITY_CHARS]
            for k, v in list(entities.items())[:MAX_ENTITIES]
            if k and v
        }
        memory._raw = dict(memory.entities)
        memory.offered = [Option(str(k), str(v)) for k, v in body.get("offered", [])][:MAX_OPTIONS]
        return memory


def _bounded(summary: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    """At most `limit` characters: the oldest part goes first, cut at a sentence when one is near."""
    if len(summary) <= limit:
        return summary
    cut = summary[-limit:]
    start = cut.find(". ")
    return cut[start + 2 :] if 0 <= start < 200 else cut

"""A corpus of Lex V2 code-hook events found in public sources (`lexv2/*.json`), and events built
on the developer guide's documented schema for the shapes no public event shows
(`documented/*.json`, marked `"constructed": true` in their source).

Each file is `{"source": {...}, "event": {...}}`: the event as published, and where it was found
(`repo`/`path`/`commit`, a `url`, or the `index_file_id` of the public-code search index) with
`notes` on anything changed. `README.md` lists them with the shapes each one covers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DIRECTORY = Path(__file__).parent / "lexv2"
DOCUMENTED = Path(__file__).parent / "documented"


@dataclass(frozen=True, slots=True)
class CorpusEvent:
    name: str  # the file name without .json
    source: dict[str, Any]
    event: dict[str, Any]


def load() -> list[CorpusEvent]:
    """Every corpus event, in file-name order."""
    found: list[CorpusEvent] = []
    for path in [*sorted(DIRECTORY.glob("*.json")), *sorted(DOCUMENTED.glob("*.json"))]:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or set(record) != {"source", "event"}:
            raise ValueError(f"{path.name}: expected {{'source': ..., 'event': ...}}")
        found.append(CorpusEvent(path.stem, record["source"], record["event"]))
    return found

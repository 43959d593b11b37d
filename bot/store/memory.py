"""In-process session store: a dict behind a lock (tests, local runs, single-process dev)."""

from __future__ import annotations

import threading

from bot.store.base import SessionRecord, VersionConflict
from bot.store.layout import check_record, copy_record


class MemoryStore:
    """A `SessionStore` kept in memory. Records are copied in and out (no aliasing)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, SessionRecord] = {}

    def get(self, session_id: str, *, now: int) -> SessionRecord | None:
        with self._lock:
            record = self._records.get(session_id)
            if record is None or record.expires_at <= now:
                return None
            return copy_record(record)

    def put(self, record: SessionRecord, *, expected_version: int, now: int) -> SessionRecord:
        check_record(record, expected_version=expected_version)
        stored = copy_record(record, version=expected_version + 1, updated_at=now)
        with self._lock:
            current = self._records.get(record.session_id)
            current_version = 0 if current is None or current.expires_at <= now else current.version
            if current_version != expected_version:
                raise VersionConflict(
                    f"session was changed concurrently (expected version {expected_version})"
                )
            self._records[record.session_id] = stored
            return copy_record(stored)

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._records.pop(session_id, None)

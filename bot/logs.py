"""Structured JSON logs with redaction, and security events.

Stdlib logging with a small JSON formatter instead of Powertools Logger: the handler's
cold-start budget is 10% over lex-helper's import, and Powertools' logger costs a quarter of it.
Every formatted line passes through `bot.redact.redact`, whatever logger produced it (a line with
no run of 13 digits and separators skips the masking, which would change nothing in it).
"""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import Any

from bot.jsontext import encoder
from bot.redact import redact

_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
# One encoder for every line: json.dumps(entry, default=str, ensure_ascii=False).
_ENCODE = encoder(separators=(", ", ": "), default=str, ensure_ascii=False)
# A superset of what `bot.redact.redact` masks (a digit, then 12 or more digits or separators): a
# line without it has nothing to mask, and this scan costs a fraction of redaction's.
_MAY_HOLD_A_CARD = re.compile(r"[0-9][0-9 .\-]{12,}").search


class JsonFormatter(logging.Formatter):
    """One JSON object per record: timestamp, level, logger, message, then every `extra` field
    (and the exception, if any), redacted as a whole line."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._stamp = ""

    def _timestamp(self, created: float, msecs: float) -> str:
        second = int(created)
        if second != self._second:  # the date part changes once a second: format it once
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._stamp}.{int(msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        fields = record.__dict__
        entry: dict[str, Any] = {
            "timestamp": self._timestamp(record.created, record.msecs),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in fields.items():
            if key not in _STANDARD and key[0] != "_":
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        line = _ENCODE(entry)
        if not _MAY_HOLD_A_CARD(line):
            return line
        # Masked before encoding too: in the line, a number right after an escape ("\n4242…")
        # follows a letter, which the line-level pass takes for part of a word.
        entry = {k: redact(v) if isinstance(v, str) else v for k, v in entry.items()}
        return redact(_ENCODE(entry))


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """Route all logging (ours, botocore's, stripe's) through one redacting JSON handler."""
    root = logging.getLogger()
    handler = logging.StreamHandler(stream or sys.stderr)  # Lambda captures both; keeps CLI stdout clean
    handler.setFormatter(JsonFormatter())
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # The JSON line has no caller, thread, process or task fields, so the records need not collect
    # them: finding the caller alone walks the stack on every record (a third of a line's cost).
    logging._srcfile = None  # documented: disables findCaller
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging.logAsyncioTasks = False  # type: ignore[attr-defined]  # 3.12+, not in typeshed yet
    for noisy in ("botocore", "boto3", "urllib3", "stripe"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


logger = logging.getLogger("bot")


def security_event(kind: str, session_id: str, **fields: Any) -> None:
    """Log a security event (forged state, foreign session...). Fields must never hold card data."""
    from bot import metrics

    metrics.add("SecurityEvents", kind=kind)
    logger.warning(
        "security event: %s", kind, extra={"security_event": kind, "session_id": session_id, **fields}
    )

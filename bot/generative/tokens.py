"""Token budgets: how big a request may be, and a conservative estimate of how big it is.

Models count tokens differently; the model's own count (Bedrock's CountTokens, when the
generator has it) is exact but costs a round trip. The estimate used before every call is one
token per 3 bytes of UTF-8 plus a fixed overhead per text block — an over-estimate for English
(about 4 characters per token) and for Spanish (accents take 2 bytes), so a request the estimate
accepts fits the model's window with room to spare.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BLOCK_OVERHEAD = 4  # role markers and separators around each text block


def estimate(text: str) -> int:
    """A conservative token count for one text block."""
    return math.ceil(len(text.encode("utf-8", "replace")) / 3) + BLOCK_OVERHEAD


@dataclass(frozen=True, slots=True)
class Budget:
    """Input-token limits for one request: above `warn` a warning is logged and counted; a request
    is never sent above `hard` (older context is dropped first)."""

    hard: int = 3000
    warn: int = 2400
    retrieval: int = 700  # of which at most this much retrieved knowledge

    def __post_init__(self) -> None:
        if not 0 < self.warn <= self.hard:
            raise ValueError("a budget needs 0 < warn <= hard")
        if not 0 < self.retrieval < self.hard:
            raise ValueError("the retrieval budget must be positive and below the hard limit")

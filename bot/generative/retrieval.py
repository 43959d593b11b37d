"""Retrieval: the passages that answer a question, ranked by BM25 over their words.

No model and no index service: a few dozen passages per locale are scored in memory in well
under a millisecond. Words are folded (lowercase, accents dropped), stop words of the language
ignored and a plural "s" trimmed, so "cards" finds "card" and "código" finds "codigo". A
question that shares no meaningful word with any passage finds nothing — the offline generator
then says it cannot answer, rather than guessing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.generative.knowledge import Passage
from bot.generative.tokens import estimate
from bot.language import Language, fold

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
K1 = 1.2
B = 0.75
TITLE_WEIGHT = 2  # a heading's words count twice: headings are what a passage answers


def words(text: str, language: Language) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(fold(text)):
        if word in language.stop_words or len(word) < 2:
            continue
        out.append(word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word)
    return out


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float


class Index:
    """BM25 over one locale's passages."""

    def __init__(self, passages: list[Passage], language: Language) -> None:
        self.passages = passages
        self.language = language
        self._docs: list[Counter[str]] = []
        for passage in passages:
            counts = Counter(words(passage.text, language))
            for word in words(passage.title, language):
                counts[word] += TITLE_WEIGHT
            self._docs.append(counts)
        self._avg = sum(sum(d.values()) for d in self._docs) / max(1, len(self._docs))
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.keys())
        n = len(self._docs)
        self._idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}

    def search(
        self, question: str, *, limit: int = 3, token_budget: int = 700, min_score: float = 0.5
    ) -> list[Hit]:
        """The best passages for `question`, best first, as many as fit `token_budget`."""
        terms = set(words(question, self.language))
        hits: list[Hit] = []
        for passage, doc in zip(self.passages, self._docs, strict=True):
            length = sum(doc.values())
            score = 0.0
            for term in terms:
                tf = doc.get(term, 0)
                if tf:
                    score += self._idf[term] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / self._avg))
            if score >= min_score:
                hits.append(Hit(passage, score))
        hits.sort(key=lambda h: (-h.score, h.passage.id))
        chosen: list[Hit] = []
        used = 0
        for hit in hits[:limit]:
            cost = estimate(hit.passage.full)
            if used + cost > token_budget:
                continue
            chosen.append(hit)
            used += cost
        return chosen

"""The tokens-per-session benchmark runs (its figures are in the README) and measures what it
says: model calls only where questions were asked, every request under the budget."""

from __future__ import annotations

import pytest

from bench import generative_tokens


def test_the_token_benchmark_measures_the_reference_conversations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        generative_tokens,
        "CONVERSATIONS",
        {k: v for k, v in generative_tokens.CONVERSATIONS.items() if "300" not in k},
    )
    rows = {row.name: row for row in generative_tokens.run()}
    assert rows["payment, no questions"].calls == 0
    assert rows["payment with 3 questions"].calls >= 3
    assert rows["30 questions mid-flow"].calls >= 30
    for row in rows.values():
        assert row.largest_estimate <= 3000
        assert (row.cost > 0) == (row.calls > 0)
    assert "| payment with 3 questions |" in generative_tokens.table(list(rows.values()))

"""Relevance that depends only on the document being scored.

Whoosh's BM25F weighs a term by its document frequency and a field's average
length over the WHOLE index, hidden documents included, so a visible hit's
score (and the order of hits) would shift with how many hidden documents
contain a word. That is a side channel into posts the viewer cannot read.
Scores here depend on the document alone: BM25's term-frequency
saturation, the title's field boost, nothing from the rest of the index.
"""

from __future__ import annotations

from typing import Any

from whoosh.scoring import BaseScorer, WeightingModel

K1 = 1.2


def saturate(tf: float) -> float:
    """BM25's term-frequency curve: the 2nd occurrence counts less than the 1st.

    No length normalisation: average field length would be a collection
    statistic, and per-document lengths cost a lookup per posting.
    """
    return tf * (K1 + 1) / (tf + K1)


class AudienceBlindBM25(WeightingModel):
    """The same scores inside Whoosh's own matchers (used for phrases)."""

    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: float = 1) -> BaseScorer:  # noqa: ARG002
        return _Scorer(qf, searcher.schema[fieldname].scorable)


class _Scorer(BaseScorer):
    def __init__(self, qf: float, saturating: bool) -> None:
        self._qf = qf
        self._saturating = saturating

    def supports_block_quality(self) -> bool:
        return False

    def score(self, matcher: Any) -> float:
        return self._qf * (saturate(matcher.weight()) if self._saturating else 1.0)

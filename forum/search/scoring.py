"""Relevance that depends only on the document being scored.

Whoosh's BM25F weighs a term by its document frequency and a field's average
length over the WHOLE index, hidden documents included, so a visible hit's
score (and the order of hits) would shift with how many hidden documents
contain a word. That is a side channel into posts the viewer cannot read.
This model keeps BM25's term-frequency saturation and length normalisation
but uses fixed constants instead of collection statistics.
"""
from __future__ import annotations

from typing import Any

from whoosh.scoring import BaseScorer, WeightingModel

K1 = 1.2
B = 0.75
# Typical field lengths in tokens, fixed so they reveal nothing about the index.
TYPICAL_LENGTH = {"title": 8.0, "body": 120.0}


class AudienceBlindBM25(WeightingModel):
    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: float = 1) -> BaseScorer:
        if not searcher.schema[fieldname].scorable:
            return _ConstantScorer(qf)
        return _SaturatingScorer(searcher, fieldname, qf, TYPICAL_LENGTH.get(fieldname, 50.0))


class _ConstantScorer(BaseScorer):
    def __init__(self, qf: float) -> None:
        self._qf = qf

    def supports_block_quality(self) -> bool:
        return False

    def score(self, matcher: Any) -> float:
        return self._qf


class _SaturatingScorer(BaseScorer):
    def __init__(self, searcher: Any, fieldname: str, qf: float, typical_length: float) -> None:
        self._field_length = searcher.doc_field_length
        self._fieldname = fieldname
        self._qf = qf
        self._typical_length = typical_length

    def supports_block_quality(self) -> bool:
        return False

    def score(self, matcher: Any) -> float:
        tf = matcher.weight()
        length = self._field_length(matcher.id(), self._fieldname, 1)
        norm = (1 - B) + B * length / self._typical_length
        return self._qf * tf * (K1 + 1) / (tf + K1 * norm)

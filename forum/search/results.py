"""What every search backend answers: hits and a page of them, counted for one viewer."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

MAX_PER_PAGE = 100

Sort = Literal["relevance", "new"]


@dataclass(frozen=True)
class Hit:
    doc_id: str
    kind: str
    post_id: int
    comment_id: int
    score: float | None  # None when sorted by date
    created: datetime
    snippet: str | None  # escaped HTML, <mark> around matched words


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    empty_query: bool = False  # nothing searchable was typed
    truncated: bool = False  # words past the term limit were ignored
    error: str | None = None  # the query could not be read (user_query.py says why)

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page)

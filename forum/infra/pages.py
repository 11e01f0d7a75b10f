"""The one shape of a page of results (`Page`) and the one way to cut it from a query
(`paginate`): listings, a thread's top-level comments, search results and the API's JSON
all take it. Request parsing (`?page=`) is forum/web/paging.py's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select

from forum.extensions import db

T = TypeVar("T")


def is_past_end(page: Page) -> bool:
    return page.page > max(page.pages, 1)


LOOKAHEAD_PAGES = 10


@dataclass
class Page(Generic[T]):
    """One page of something counted for one viewer, and the one shape every paginated
    answer takes: listings (`paginate`), a thread's top-level comments, search results
    (search.service.Results adds its notices) and the API's JSON (api.inputs.page_body).
    The `pagination` macro and posts/_comment_pages.html read it."""

    items: list[T] = field(default_factory=list)
    page: int = 1
    per_page: int = 20
    total: int = 0
    more: bool = False  # `total` is a lower bound: there are more pages than `pages` ("Page 1 of 11+")

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page) if self.per_page else 0

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_prev(self) -> bool:
        return 1 < self.page <= self.pages + 1

    @property
    def prev_num(self) -> int:
        return min(self.page - 1, max(self.pages, 1))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate(query: Select, page: int, per_page: int, *, lookahead: int | None = None, rows: bool = False) -> Page:
    """One page of a visibility-built query; `total` counts the same query, so it counts
    only what the viewer may read. No rows are asked for past the end.

    `lookahead` (pages) bounds the count for listings that may be very long (the front
    page): an exact total costs an audience probe for every post readable or not, 38 ms
    CPU at 50,000 posts (bench/visibility_bench.py), for a number nobody needs beyond
    "there is more"; the bounded count stops after the rows it needs and sets `more`.
    `rows`: the query selects several columns (rows, not objects)."""
    counted = query.order_by(None)
    cap = None if lookahead is None else (page + lookahead) * per_page
    if cap is not None:
        counted = counted.limit(cap + 1)
    total: int = db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    more = cap is not None and total > cap
    if cap is not None and more:
        total = cap
    items: list = []
    if (page - 1) * per_page < total:
        result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
        items = list(result.all() if rows else result.unique().scalars())
    return Page(items, page, per_page, total, more)

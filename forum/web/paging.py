"""Page numbers from the query string, and pages of a thread's top-level comments.

Every listing reads `?page=` through `page_arg`, so bad input is handled the same way
everywhere: anything but a whole number from 1 shows page 1 with a notice saying why
(`bad_page`), and a page past the end shows the listing's frame with a notice and a link
to its last page (the `pagination` macro, posts/_comment_pages.html). Never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from forum.extensions import db
from forum.web.memo import request_memo

# Higher pages are past the end of any listing. The cap keeps OFFSET inside 64 bits
# (SQLite raises OverflowError on larger values, which used to be a 500).
PAGE_MAX = 1_000_000


def page_arg() -> int:
    raw = request.args.get("page", "")
    if raw == "":
        return 1
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        request_memo("paging")["bad_page"] = raw
        return 1
    return min(int(raw), PAGE_MAX + 1)


def bad_page() -> str | None:
    """The template global: the `?page=` this request could not use, if any."""
    return request_memo("paging").get("bad_page")


def is_past_end(page) -> bool:
    """`page` has `.page` and `.pages` (Flask-SQLAlchemy's Pagination, search Results, CommentPage)."""
    return page.page > max(page.pages, 1)


LOOKAHEAD_PAGES = 10


def paginate_ahead(query: Select, page: int, per_page: int) -> Pagination:
    """`db.paginate` for listings that may be very long (the front page), counting at
    most LOOKAHEAD_PAGES pages past this one.

    An exact total costs an audience probe for every post readable or not: 38 ms CPU at
    50,000 posts (bench/visibility_bench.py), for a number nobody needs beyond "there
    is more". The bounded count stops after the rows it needs. `pagination.more` says
    the total is a lower bound ("Page 1 of 11+"). Same two statements as `db.paginate`.
    """
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False, count=False)
    cap = (page + LOOKAHEAD_PAGES) * per_page
    counted = db.session.scalar(select(func.count()).select_from(query.order_by(None).limit(cap + 1).subquery()))
    pagination.total = min(counted, cap)
    pagination.more = counted > cap
    return pagination


@dataclass(frozen=True)
class CommentPage:
    """Which top-level comments of a thread a post page shows; replies come with them."""

    page: int
    per_page: int
    total: int  # top-level comments

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)

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

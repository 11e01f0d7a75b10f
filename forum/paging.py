"""Page numbers from the query string, and pages of a thread's top-level comments.

Every listing reads `?page=` through `page_arg`, so bad input is refused the same way
everywhere: anything but a whole number from 1 answers 400 with a message, and a page
past the end renders the listing's own page with a notice and 404 (`past_end_status`).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request

# Higher pages are past the end of any listing. The cap keeps OFFSET inside 64 bits
# (SQLite raises OverflowError on larger values, which used to be a 500).
PAGE_MAX = 1_000_000
BAD_PAGE = "Page numbers are whole numbers from 1 up."


def page_arg() -> int:
    raw = request.args.get("page", "")
    if raw == "":
        return 1
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        abort(400, BAD_PAGE)
    return min(int(raw), PAGE_MAX + 1)


def is_past_end(page) -> bool:
    """`page` has `.page` and `.pages` (Flask-SQLAlchemy's Pagination, search Results, CommentPage)."""
    return page.page > max(page.pages, 1)


def past_end_status(page) -> int:
    return 404 if is_past_end(page) else 200


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

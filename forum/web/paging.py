"""Page numbers from the query string; the shape of a page is forum/infra/pages.py's.

Every listing reads `?page=` through `page_arg`, so bad input is handled the same way
everywhere: anything but a whole number from 1 shows page 1 with a notice saying why
(`bad_page`), and a page past the end shows the listing's frame with a notice and a link
to its last page (the `pagination` macro, posts/_comment_pages.html). Never a 500.
"""

from __future__ import annotations

from flask import request

from forum.infra.memo import request_memo

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

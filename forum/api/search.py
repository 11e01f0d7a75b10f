"""Search: the same `forum.search.service.search(viewer, ...)` as the search page."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from forum.api import bp, serialize
from forum.api.errors import ApiError
from forum.api.inputs import page_body, page_numbers
from forum.api.openapi import PAGE_PARAMS, operation, query_param
from forum.api.schemas import ref
from forum.search import service


@bp.get("/search")
@operation(
    'Posts and comments the caller may read that match words or "quoted phrases"',
    tag="search",
    response=ref("SearchResults"),
    params=(
        query_param(
            "q",
            {"type": "string"},
            'Words and "quoted phrases"; every one must match. `a OR b` either, `-word` or `NOT word` '
            "excludes, `feat*` matches words starting so (3 letters at least), and `author:name`, `tag:name`, "
            "`group:slug`, `in:posts`, `in:comments` filter. Other field names are plain text.",
        ),
        query_param("kind", {"type": "string", "enum": ["post", "comment"]}, "Only posts, or only comments."),
        query_param("author", {"type": "string"}, "Only what this username wrote."),
        query_param("group", {"type": "string"}, "Only posts (and their comments) shared with this group (a slug)."),
        query_param("since", {"type": "string", "format": "date"}, "From this day (UTC), inclusive."),
        query_param("until", {"type": "string", "format": "date"}, "To this day (UTC), inclusive."),
        query_param("sort", {"type": "string", "enum": list(service.SORTS), "default": "relevance"}, "Order."),
        query_param(
            "removed",
            {"type": "boolean", "default": False},
            "Site moderators: include removed content (still only within their audience).",
        ),
        *PAGE_PARAMS,
    ),
    description="`total` and `pages` count only what the caller may read. `empty_query` is true when "
    "nothing searchable was typed; `truncated` when words past the limit were ignored; `query_error` "
    "says why a query could not be read; `corrected` is set when nothing matched `q` and the results "
    "are for this corrected spelling instead (from words the caller may read).",
)
def search():
    query = service.parse_query(current_user, request.args)
    for name in ("kind", "sort", "since", "until"):
        if name in query.problems:
            raise ApiError(400, query.problems[name], field=name)
    number, per_page = page_numbers(current_app.config["SEARCH_PER_PAGE"])
    if "group" in query.problems:
        found = service.Results(page=number, per_page=per_page)  # an unseen group matches nothing
    else:
        found = service.search(current_user, query.text, page=number, per_page=per_page, **query.filters())
    return {
        **page_body(found, lambda items: [serialize.search_result(item) for item in items]),
        "empty_query": found.empty_query,
        "truncated": found.truncated,
        "query_error": found.error,
        "corrected": found.corrected,
    }

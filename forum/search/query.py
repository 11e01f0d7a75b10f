"""Searching the index as one viewer: only what their principals may read.

The audience, state and ban rules are applied inside Whoosh's collector
(``filter=`` / ``mask=``), before sorting and paging, so ``total`` and the
pages count only readable documents. Every match is scored and sorted
(``limit=None``) and the page is sliced from that one ordering: Whoosh's
top-k shortcut was measured to skip documents and repeat them across pages.
"""
from __future__ import annotations

import math
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Literal

from whoosh.query import And, DateRange, Or, Query, Term
from whoosh.searching import Hit as WhooshHit

from .audience import current_view
from .schema import KINDS
from .user_query import parse_user_query

MAX_PER_PAGE = 100
SNIPPET_CHARS = 240

Sort = Literal["relevance", "new"]


@dataclass(frozen=True)
class Hit:
    doc_id: str
    kind: str
    post_id: int
    comment_id: int
    score: float | None  # None when sorted by date
    created: datetime
    snippet: str | None  # escaped HTML with <b class="match ..."> marks


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    empty_query: bool = False  # nothing searchable was typed
    truncated: bool = False  # words past the term limit were ignored

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page)


def _constraints(
    kinds: Collection[str] | None,
    author: str | None,
    group_id: int | None,
    since: datetime | None,
    until: datetime | None,
) -> list[Query]:
    """Facet restrictions, And-ed to the text query.

    Each scores the same constant for every document (unscorable fields under
    AudienceBlindBM25, a constant-score range), so it cannot reorder hits.
    A zero boost would be neater but makes Whoosh drop the matches.
    """
    found: list[Query] = []
    if kinds:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}")
        if set(kinds) != set(KINDS):
            found.append(Or([Term("kind", kind) for kind in sorted(kinds)]))
    if author:
        found.append(Term("author", author.strip().lower()))
    if group_id is not None:
        found.append(Term("groups", str(group_id)))
    if since is not None or until is not None:
        found.append(DateRange("created", since, until))
    return found


def _lead(body: str) -> str:
    text = " ".join(body.split())
    if len(text) > SNIPPET_CHARS:
        text = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"
    return escape(text)


def _hit(whoosh_hit: WhooshHit, score: float | None, with_snippet: bool) -> Hit:
    stored = whoosh_hit.fields()
    snippet = None
    if with_snippet:
        body = stored.get("body", "")
        # Whoosh escapes the text around the marks; fall back to the opening
        # words when the match was in the title, author or tags only.
        snippet = whoosh_hit.highlights("body", top=2) or _lead(body)
    return Hit(
        doc_id=stored["doc_id"],
        kind=stored["kind"],
        post_id=stored["post_id"],
        comment_id=stored["comment_id"],
        score=score,
        created=stored["created"],
        snippet=snippet,
    )


def search_index(
    index_dir: str | os.PathLike[str],
    principals: frozenset[str],
    text: str,
    *,
    kinds: Collection[str] | None = None,
    author: str | None = None,
    group_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: Sort = "relevance",
    page: int = 1,
    per_page: int = 20,
    banned_author_ids: Iterable[int] = (),
    include_removed: bool = False,
    title_only_post_ids: Collection[int] = (),
) -> SearchPage:
    """One page of what ``principals`` may read that matches ``text``.

    ``principals`` is the viewer's token set ("public", "members",
    "user:<id>", "group:<id>"); a document is readable iff its acl shares a
    token with it. ``title_only_post_ids`` are posts (and their comments)
    whose hits come back without a snippet.
    """
    if sort not in ("relevance", "new"):
        raise ValueError(f"unknown sort {sort!r}")
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    parsed = parse_user_query(text)
    if parsed.query is None:
        return SearchPage(page=page, per_page=per_page, empty_query=True, truncated=parsed.truncated)
    empty = SearchPage(page=page, per_page=per_page, truncated=parsed.truncated)

    view = current_view(index_dir)
    allowed = view.allowed(frozenset(principals), include_removed)
    if allowed is None:
        return empty
    mask = view.banned_mask(frozenset(str(i) for i in banned_author_ids))
    q = And([parsed.query, *_constraints(kinds, author, group_id, since, until)])

    if sort == "new":
        results = view.searcher.search(
            q, filter=allowed, mask=mask, limit=None, sortedby="created", reverse=True
        )
    else:
        results = view.searcher.search(q, filter=allowed, mask=mask, limit=None)
    start = (page - 1) * per_page
    title_only = set(title_only_post_ids)
    hits = []
    for rank in range(start, min(start + per_page, results.scored_length())):
        whoosh_hit = results[rank]
        score = whoosh_hit.score if sort == "relevance" else None
        hits.append(_hit(whoosh_hit, score, whoosh_hit["post_id"] not in title_only))
    return SearchPage(
        hits=hits,
        total=results.scored_length(),
        page=page,
        per_page=per_page,
        truncated=parsed.truncated,
    )

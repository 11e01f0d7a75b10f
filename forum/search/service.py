"""Search as one viewer sees it: the only way pages and the API search.

`search(viewer, text, ...)` reads the viewer's principals from the database at query
time (joining or leaving a group needs no reindex), passes them to the index, which
filters inside the search so totals and pages are exact, then re-checks every hit
through `visibility.readable_hits` in one query. A hit the database refuses (a stale
index) is dropped, counted and logged, never shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time

from markupsafe import Markup
from sqlalchemy import Row, Select, select

from forum import permissions, visibility
from forum.extensions import db
from forum.infra.pages import Page
from forum.infra.rows import rows as plain_rows
from forum.models import Group, Post, User
from forum.queries import marked_copies, prebuilt
from forum.rendering.markup import plain_text
from forum.search import indexing, snippets, suggest
from forum.search.backend import SearchUnavailable
from forum.search.schema import doc_id_for
from forum.search.user_query import UserQuery, parse_user_query

log = logging.getLogger(__name__)

SORTS = ("relevance", "new")
KINDS = ("post", "comment")
# Stale hits dropped by the re-check since the process started (see docs/search.md).
stale_hits = {"count": 0}


@dataclass(frozen=True)
class Result:
    kind: str
    post: Post | visibility.HitPost  # a listing card's, or a marked post's, is the Post itself
    comment: visibility.HitComment | None
    snippet: Markup | None  # None: the post is gated (terms not accepted), title only
    created: datetime


@dataclass
class Results(Page[Result]):
    """A page of results, with what the page says about the query itself."""

    empty_query: bool = False  # nothing searchable was typed
    truncated: bool = False  # words past the term limit were ignored
    error: str | None = None  # the query could not be read: why, for the reader
    corrected_from: str | None = None  # nothing matched this; the results are for the corrected text
    corrected: str | None = None  # that corrected text


@dataclass(frozen=True)
class TypedFilters:
    """The filters typed in the text (author:, tag:, group:, in:), merged with the form's."""

    kinds: list[str] | None
    author: str | None
    tags: tuple[str, ...]
    group_id: int | None
    contradicts: bool = False  # e.g. author:ada with the form's author bob: nothing matches


def typed_filters(
    viewer: User | None, parsed: UserQuery, kinds: list[str] | None, author: str | None, group_id: int | None
) -> TypedFilters:
    """Raises LookupError for a group the viewer cannot see, worded exactly as for a
    group that does not exist."""
    contradicts = False
    if parsed.kind:
        contradicts |= bool(kinds) and parsed.kind not in (kinds or ())
        kinds = [parsed.kind]
    if parsed.author:
        contradicts |= bool(author) and parsed.author != (author or "").lower()
        author = parsed.author
    if parsed.group:
        group = db.session.scalar(visibility.visible_groups(viewer).where(Group.slug == parsed.group))
        if group is None:
            raise LookupError(f"group:{parsed.group}: there is no group by that name.")
        contradicts |= group_id is not None and group_id != group.id
        group_id = group.id
    return TypedFilters(kinds, author, parsed.tags, group_id, contradicts)


def may_include_removed(viewer: User | None) -> bool:
    """Only site moderators may ask to see removed content in search."""
    return permissions.is_moderator(viewer)


def search(viewer: User | None, text: str, **filters) -> Results:
    """One page of what `viewer` may read matching `text` (see `search_as_typed`); when
    nothing matches, the results of a corrected spelling the viewer's own documents hold,
    saying so (suggest.py)."""
    found = search_as_typed(viewer, text, **filters)
    if found.total or found.error or found.empty_query:
        return found
    try:
        corrected = did_you_mean(viewer, text, include_removed=filters.get("include_removed", False))
    except Exception:
        # The search itself answered; a failed suggestion only leaves it without one.
        log.exception("search: no suggestion")
        return found
    if corrected is None:
        return found
    retried = search_as_typed(viewer, corrected, **filters)
    if not retried.total:
        return found
    retried.corrected_from, retried.corrected = text, corrected
    return retried


def did_you_mean(viewer: User | None, text: str, *, include_removed: bool = False) -> str | None:
    """`text` with its misspelt words corrected, from words the viewer may read; None when
    no word has a readable correction."""
    include_removed = include_removed and may_include_removed(viewer)
    backend = indexing.backend()
    words = suggest.correctable(parse_user_query(text))
    if backend is None or not words:
        return None
    rules = search_rules(viewer, include_removed)
    principals = visibility.principals(viewer)
    known = backend.readable_words(principals, [unit.raw.lower() for unit in words], **rules)
    corrected = text
    for unit in words:
        if unit.raw.lower() in known:
            continue  # the viewer's documents hold it: not a typo
        readable = backend.readable_words(principals, suggest.variants(unit.raw), **rules)
        if readable:
            counts = {word: backend.query(principals, word, per_page=1, **rules).total for word in sorted(readable)}
            correction = suggest.choose(unit.raw, counts)
        else:
            correction = _two_edit_correction(backend, principals, unit.raw, rules)
        if correction:
            corrected = suggest.replaced(corrected, unit.raw, correction)
    return None if corrected == text else corrected


def _two_edit_correction(backend, principals: frozenset[str], word: str, rules: dict) -> str | None:
    """A correction two edits away, where the backend offers them (suggest.py: Whoosh)."""
    readable_near = getattr(backend, "readable_near", None)
    if readable_near is None or len(word) < suggest.TWO_EDIT_LENGTH:
        return None
    near = readable_near(principals, word, **rules)
    counts = {found: backend.query(principals, found, per_page=1, **rules).total for found in sorted(near)}
    return suggest.choose_near(near, counts)


def search_rules(viewer: User | None, include_removed: bool) -> dict:
    """What every backend call applies beyond the audience: bans, gated posts (title,
    author and tags only) and the documents to leave out (`visibility.search_exclusions`)."""
    found = visibility.search_exclusions(viewer, include_removed=include_removed)
    excluded = [doc_id_for("comment", 0, cid) for cid in sorted(found.gated_comments)]
    # A reader of a listed post finds the post itself, not its card.
    excluded += [doc_id_for("listing", post_id) for post_id in sorted(found.read_listings)]
    return {
        "banned_author_ids": set(found.banned_authors),
        "include_removed": include_removed,
        "title_only_post_ids": set(found.gated_posts),
        "exclude_doc_ids": excluded,
    }


def search_as_typed(
    viewer: User | None,
    text: str,
    *,
    kinds: list[str] | None = None,
    author: str | None = None,
    group_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    include_removed: bool = False,
) -> Results:
    """One page of what `viewer` may read matching `text`. Callers validate `group_id`
    against `visibility.visible_groups(viewer)`; `include_removed` is ignored for anyone
    but a site moderator."""
    include_removed = include_removed and may_include_removed(viewer)
    parsed = parse_user_query(text)
    if parsed.error:
        return Results(page=page, per_page=per_page, truncated=parsed.truncated, error=parsed.error)
    try:
        typed = typed_filters(viewer, parsed, kinds, author, group_id)
    except LookupError as error:
        return Results(page=page, per_page=per_page, error=str(error))
    if typed.contradicts:
        return Results(page=page, per_page=per_page, truncated=parsed.truncated)
    kinds, author, group_id = typed.kinds, typed.author, typed.group_id
    try:
        backend = indexing.backend()
    except RuntimeError as error:  # a misconfigured backend
        log.exception("search: no backend")
        raise SearchUnavailable(str(error)) from error
    if backend is None:
        return Results(page=page, per_page=per_page, empty_query=not text.strip())
    rules = search_rules(viewer, include_removed)
    gated = rules["title_only_post_ids"]
    principals = visibility.principals(viewer)
    try:
        found = backend.query(
            principals,
            text,
            kinds=kinds,
            author=author,
            group_id=group_id,
            since=since,
            until=until,
            tags=typed.tags,
            sort=sort,
            page=page,
            per_page=per_page,
            **rules,
        )
    except Exception as error:
        # Never a fallback (an unfiltered query, a LIKE over the posts): say so instead.
        log.exception("search: the %s backend failed", backend.name)
        raise SearchUnavailable(backend.name) from error
    posts, comments = visibility.readable_hits(
        viewer,
        {hit.post_id for hit in found.hits if hit.kind != "listing"},
        {hit.comment_id for hit in found.hits if hit.comment_id},
        include_removed=include_removed,
    )
    cards = visibility.listing_cards(viewer, {hit.post_id for hit in found.hits if hit.kind == "listing"})
    items: list[Result] = []
    for hit in found.hits:
        if hit.kind == "listing":
            if hit.post_id in cards:  # the abstract is the card's only text
                items.append(Result(hit.kind, cards[hit.post_id][0], None, Markup(hit.snippet or ""), hit.created))
            continue
        post = posts.get(hit.post_id)
        comment = comments.get(hit.comment_id) if hit.kind == "comment" else None
        if post is None or (hit.kind == "comment" and comment is None):
            continue
        snippet = None if hit.post_id in gated else Markup(hit.snippet or "")
        if snippet is not None and hit.kind == "post" and isinstance(post, Post) and post.marks_copies:
            # The index holds every form of a marked text: show the viewer's own copy instead.
            snippet = Markup(snippets.lead(plain_text(marked_copies.html_for(viewer, post))))
        items.append(Result(hit.kind, post, comment, snippet, hit.created))
    dropped = len(found.hits) - len(items)
    total = found.total
    if dropped:
        # Only possible while the index lags the database; the check command repairs it.
        stale_hits["count"] += dropped
        log.warning(
            "search: dropped %d stale hit(s) the database refused; run `flask forum search-check --repair`", dropped
        )
        total = max(len(items) + (page - 1) * found.per_page, total - dropped)
    return Results(
        items,
        found.page,
        found.per_page,
        total,
        empty_query=found.empty_query,
        truncated=found.truncated,
        error=found.error,
    )


def searchable_groups(viewer: User | None) -> list[Row]:
    """Groups the group filter offers: those the viewer may see, as (id, slug, name) rows
    by a statement built once per kind of viewer (the filter prints nothing else)."""
    statement, params = prebuilt.variant_for("search.searchable_groups", _searchable_groups_statement, viewer)
    return list(plain_rows(statement, params))


def _searchable_groups_statement(viewer: User | None) -> Select:
    return (
        select(Group.id, Group.slug, Group.name)
        .where(visibility.visible_group_clause(viewer, invited=False))
        .order_by(Group.name)
    )


# --- filters as typed in a URL: shared by the page and the API ---------------------------


@dataclass
class Query:
    text: str = ""
    kinds: list[str] | None = None
    author: str | None = None
    group: Group | None = None
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "relevance"
    include_removed: bool = False
    problems: dict[str, str] = field(default_factory=dict)  # argument -> why it was ignored

    def filters(self) -> dict:
        return {
            "kinds": self.kinds,
            "author": self.author,
            "group_id": self.group.id if self.group else None,
            "since": self.since,
            "until": self.until,
            "sort": self.sort,
            "include_removed": self.include_removed,
        }


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def parse_query(viewer: User | None, args) -> Query:
    """Read `q`, `kind`, `author`, `group` (a slug), `since`/`until` (YYYY-MM-DD, inclusive),
    `sort` and `removed` from request arguments. Values that cannot apply are left out
    and named in `problems`; a group the viewer may not see reads exactly like one that
    does not exist."""
    query = Query(text=args.get("q", "") or "")
    kind = args.get("kind", "") or ""
    if kind in KINDS:
        query.kinds = [kind]
    elif kind not in ("", "all"):
        query.problems["kind"] = "Choose posts, comments or both."
    sort = args.get("sort", "") or "relevance"
    if sort in SORTS:
        query.sort = sort
    else:
        query.problems["sort"] = "Sort by relevance or newest."
    # NUL never occurs in a username or slug, and PostgreSQL refuses it in a parameter.
    author = (args.get("author", "") or "").replace("\x00", "").strip().lstrip("@").lower()
    query.author = author or None
    if slug := (args.get("group", "") or "").replace("\x00", "").strip().lower():
        query.group = db.session.scalar(visibility.visible_groups(viewer).where(Group.slug == slug))
        if query.group is None:
            query.problems["group"] = "No group by that name."
    for name in ("since", "until"):
        raw = args.get(name, "") or ""
        if not raw.strip():
            continue
        day = _day(raw)
        if day is None:
            query.problems[name] = "Dates look like 2025-01-31."
        elif name == "since":
            query.since = datetime.combine(day, time.min)
        else:
            query.until = datetime.combine(day, time.max)
    query.include_removed = args.get("removed", "") in ("1", "on", "true") and may_include_removed(viewer)
    return query

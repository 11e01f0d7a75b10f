"""Keeps the search index in step with the database, on whichever backend
`SEARCH_BACKEND` names (forum/search/backend.py: Whoosh or PostgreSQL).

Services call `post_changed` / `comment_changed` after their commit. Inside a request the
changes are collected and written once, in one index commit, just before the response
leaves (`after_this_request`), so the viewer's next request already searches the new
state. Outside a request (the CLI, tests calling services directly) they are written at
once. A failed index write never fails the request: it is logged, and
`flask forum search-check --repair` puts the index right.

Each document carries the audience tokens read from `post_audience` through
`visibility.post_principals`, the rows the pages are served by; comments carry their
post's. Drafts are not indexed at all: their few readers find them on the Drafts page,
and a draft's text never sits in the index where a stale entry could show it to someone
unshared. Deleted content leaves the index; removed content stays with state "removed"
(site moderators may search it), and a removed post takes its comments with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from flask import Flask, after_this_request, current_app, has_request_context
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import selectinload

from forum import visibility
from forum.extensions import db
from forum.infra import page_cache
from forum.infra.memo import request_memo
from forum.models import Comment, Post, PostListing, User
from forum.models.principals import MEMBERS, group_ids_in
from forum.rendering import marks
from forum.rendering.markup import plain_text
from forum.search.backend import Backend
from forum.search.postgres import PostgresBackend
from forum.search.schema import SearchDocument, doc_id_for
from forum.search.whoosh import index as whoosh_index
from forum.search.whoosh.backend import WhooshBackend

log = logging.getLogger(__name__)

BATCH = 500


def index_dir() -> str:
    """Where the Whoosh index lives; empty means search indexing is switched off."""
    return current_app.config.get("SEARCH_INDEX_DIR") or ""


def backend() -> Backend | None:
    """The configured search backend (`SEARCH_BACKEND`); None when search is off."""
    name = current_app.config.get("SEARCH_BACKEND") or "whoosh"
    if name == "postgres":
        return PostgresBackend(
            db.engine,
            current_app.config.get("SEARCH_PG_CONFIG") or "english",
            read_engine=_search_read_engine(),
            rum=current_app.config.get("SEARCH_PG_RUM") or "auto",
        )
    if name != "whoosh":
        raise RuntimeError(f"SEARCH_BACKEND is {name!r}; use whoosh or postgres.")
    return WhooshBackend(index_dir()) if index_dir() else None


def _search_read_engine() -> Engine | None:
    """The engine searches read from (SEARCH_DATABASE_URL, a read replica), one per URL per
    app; None reads from the forum's own database."""
    url = current_app.config.get("SEARCH_DATABASE_URL") or ""
    if not url:
        return None
    engines = current_app.extensions.setdefault("search_read_engines", {})
    if url not in engines:
        engines[url] = create_engine(url, **current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    return engines[url]


def _backend_on() -> Backend:
    """The backend, for callers that write or read the index itself (the CLI checks first)."""
    engine = backend()
    if engine is None:
        raise RuntimeError("Search is off: SEARCH_INDEX_DIR is not set.")
    return engine


# --- hooks the services call -------------------------------------------------------------


def post_changed(post_id: int) -> None:
    """The post's text, tags, audience or state changed: reindex it and its comments."""
    _changed(post_ids={post_id})


def comment_changed(comment_id: int) -> None:
    """The comment's text or state changed."""
    _changed(comment_ids={comment_id})


@dataclass
class Changes:
    post_ids: set[int] = field(default_factory=set)
    comment_ids: set[int] = field(default_factory=set)


def _changed(post_ids: AbstractSet[int] = frozenset(), comment_ids: AbstractSet[int] = frozenset()) -> None:
    try:
        if backend() is None:
            return
    except RuntimeError:
        # Misconfigured: the write stands, search answers 503 until it is fixed.
        log.exception("search index not updated; fix SEARCH_BACKEND, then run `flask forum reindex`")
        return
    if not has_request_context():
        apply(Changes(set(post_ids), set(comment_ids)))
        return
    memo = request_memo("search_changes")
    pending: Changes | None = memo.get("pending")
    if pending is None:
        pending = memo["pending"] = Changes()

        @after_this_request
        def write_pending(response):
            memo.pop("pending", None)
            apply(pending)
            return response

    pending.post_ids |= post_ids
    pending.comment_ids |= comment_ids


def _posts_of(comment_ids: set[int]) -> set[int]:
    if not comment_ids:
        return set()
    return set(db.session.scalars(select(Comment.post_id).where(Comment.id.in_(comment_ids))))


def apply(changes: Changes) -> bool:
    """Write what changed to the index; False (and a log line) if the index refused."""
    try:
        upserts, deletions = documents_for(changes.post_ids, changes.comment_ids)
        _backend_on().apply(upserts, deletions)
        # The commit before already replaced the page cache's generations, but a search
        # page made between that commit and now read the old index: replace those of the
        # posts' readers again (only theirs: an outsider's search never had these posts), and
        # every member's for a post whose listing card the index holds.
        page_cache.forget_posts(changes.post_ids, cards=True)
        page_cache.forget_posts(_posts_of(changes.comment_ids) - changes.post_ids)
    except Exception:
        # The database already committed; the request must not fail for the index.
        log.exception(
            "search index not updated for posts %s, comments %s; run `flask forum search-check --repair`",
            sorted(changes.post_ids),
            sorted(changes.comment_ids),
        )
        return False
    return True


# --- documents from the database ---------------------------------------------------------


def _state(post: Post, *items: Comment) -> str | None:
    """None: not in the index (a draft, or deleted). Removal of a post covers its comments."""
    everything: tuple[Post | Comment, ...] = (post, *items)
    if post.is_draft or any(item.is_deleted for item in everything):
        return None
    return "removed" if any(item.is_removed for item in everything) else "ok"


def _groups(tokens: frozenset[str]) -> list[int]:
    return sorted(group_ids_in(tokens))


def post_document(post: Post, tokens: frozenset[str]) -> SearchDocument | None:
    state = _state(post)
    if state is None or not tokens:
        return None
    return {
        "kind": "post",
        "post_id": post.id,
        "title": post.title,
        "body": marks.index_text(post.body_md) if post.marks_copies else plain_text(post.body_html),
        "author": post.author.username,
        "author_id": post.author_id,
        "tags": [t.name for t in post.tags],
        "groups": _groups(tokens),
        "acl": sorted(tokens),
        "created": post.created_at,
        "state": state,
    }


def comment_document(comment: Comment, post: Post, author: User, tokens: frozenset[str]) -> SearchDocument | None:
    state = _state(post, comment)
    if state is None or not tokens:
        return None
    return {
        "kind": "comment",
        "post_id": post.id,
        "comment_id": comment.id,
        "body": plain_text(comment.body_html),
        "author": author.username,
        "author_id": comment.author_id,
        "groups": _groups(tokens),
        "acl": sorted(tokens),
        "created": comment.created_at,
        "state": state,
    }


def listing_document(post: Post, listing: PostListing) -> SearchDocument:
    """The card of a listed restricted post: title, author and abstract, for every member.
    No tags, groups or body: a group filter or tag must never find it."""
    return {
        "kind": "listing",
        "post_id": post.id,
        "title": post.title,
        "body": listing.abstract,
        "author": post.author.username,
        "author_id": post.author_id,
        "acl": [MEMBERS],
        "created": post.created_at,
        "state": "ok",
    }


def _listings(post_ids) -> dict[int, PostListing]:
    """Listings of these posts that show a card (`visibility.has_listing_card`)."""
    if not post_ids:
        return {}
    return {
        listing.post_id: listing
        for listing in db.session.scalars(
            select(PostListing)
            .join(Post, Post.id == PostListing.post_id)
            .where(PostListing.post_id.in_(post_ids), visibility.has_listing_card())
        )
    }


def _comments_with_authors(where) -> Iterator[tuple[Comment, User]]:
    return iter(
        db.session.execute(
            select(Comment, User).join(User, User.id == Comment.author_id).where(where).order_by(Comment.id)
        )
        .tuples()
        .all()
    )


def _documents(posts: list[Post], comments: list[tuple[Comment, User]]) -> Iterator[tuple[str, SearchDocument | None]]:
    """(doc_id, document or None when it must leave the index)."""
    by_id = {post.id: post for post in posts}
    missing = {comment.post_id for comment, _ in comments} - by_id.keys()
    if missing:
        by_id.update((p.id, p) for p in db.session.scalars(select(Post).where(Post.id.in_(missing))))
    tokens = visibility.post_principals(by_id)
    listings = _listings([post.id for post in posts])
    for post in posts:
        yield doc_id_for("post", post.id), post_document(post, tokens.get(post.id, frozenset()))
        listing = listings.get(post.id)
        yield doc_id_for("listing", post.id), listing_document(post, listing) if listing else None
    # A draft's review comment is found only by those it was written for (services/history.py).
    kept = visibility.snapshot_principals(comment.audience_snapshot_id for comment, _ in comments)
    for comment, author in comments:
        post = by_id[comment.post_id]
        acl = tokens.get(post.id, frozenset())
        if comment.audience_snapshot_id is not None:
            acl = visibility.both_audiences(acl, kept.get(comment.audience_snapshot_id, frozenset()))
        doc = comment_document(comment, post, author, acl)
        yield doc_id_for("comment", post.id, comment.id), doc


def documents_for(post_ids: Iterable[int], comment_ids: Iterable[int]) -> tuple[list[SearchDocument], list[str]]:
    """Documents to write and doc ids to delete for these changes. A changed post brings
    all its comments: they carry its audience and state."""
    post_ids, comment_ids = sorted(set(post_ids)), sorted(set(comment_ids))
    upserts: list[SearchDocument] = []
    deletions: list[str] = []
    posts = list(db.session.scalars(select(Post).where(Post.id.in_(post_ids)))) if post_ids else []
    gone = set(post_ids) - {p.id for p in posts}
    deletions += [doc_id_for(kind, pid) for pid in gone for kind in ("post", "listing")]
    comments: list[tuple[Comment, User]] = []
    if post_ids:
        comments += _comments_with_authors(Comment.post_id.in_(post_ids))
    if comment_ids:
        comments += _comments_with_authors(Comment.id.in_(comment_ids) & Comment.post_id.not_in(post_ids))
    deletions += [doc_id_for("comment", 0, cid) for cid in set(comment_ids) - {c.id for c, _ in comments}]
    for doc_id, doc in _documents(posts, comments):
        if doc is None:
            deletions.append(doc_id)
        else:
            upserts.append(doc)
    return upserts, deletions


def all_documents() -> Iterator[SearchDocument]:
    """Every document the index should hold, read from the database in batches."""
    last = 0
    while True:
        posts = list(
            db.session.scalars(
                select(Post).options(selectinload(Post.tags)).where(Post.id > last).order_by(Post.id).limit(BATCH)
            )
        )
        if not posts:
            return
        last = posts[-1].id
        ids = [p.id for p in posts]
        comments = list(_comments_with_authors(Comment.post_id.in_(ids)))
        for _, doc in _documents(posts, comments):
            if doc is not None:
                yield doc


def document_count() -> int:
    """How many documents `all_documents` yields at most (for a progress bar)."""
    return (db.session.scalar(select(func.count(Post.id))) or 0) + (
        db.session.scalar(select(func.count(Comment.id))) or 0
    )


# --- rebuilding and checking -------------------------------------------------------------


def reindex(progress=None) -> int:
    """Rebuild the whole index from the database; readers never see it half-built."""
    return _backend_on().rebuild(all_documents(), document_count(), progress)


def init_app(app: Flask) -> None:
    """Check the index's format on each worker's first request (not in CLI commands, whose
    process would end in the middle of a background rebuild; `flask forum reindex` writes
    a current index anyway)."""
    checked = threading.Event()

    @app.before_request
    def upgrade_once() -> None:
        if not checked.is_set():
            checked.set()
            upgrade_outdated_index(app)


def upgrade_outdated_index(app: Flask) -> threading.Thread | None:
    """Rebuild a Whoosh index another schema or engine version wrote (whoosh/index.py's
    format stamp), in the background; called on a worker's first request.

    Searches keep reading the old index until the new one is swapped in: its fields are a
    subset (the only new one feeds suggestions, which find nothing there meanwhile). When
    several workers start at once, the first takes the rebuild lock and the others skip.
    """
    directory = app.config.get("SEARCH_INDEX_DIR") or ""
    if (app.config.get("SEARCH_BACKEND") or "whoosh") != "whoosh" or not directory:
        return None
    if not whoosh_index.outdated(directory):
        return None

    def run() -> None:
        with app.app_context():
            try:
                log.warning("search: the index was built by another version; rebuilding it")
                log.warning("search: rebuilt the index (%d documents)", reindex())
            except BlockingIOError:
                log.info("search: another process is rebuilding the index")
            except Exception:
                log.exception("search: rebuilding the outdated index failed; run flask forum reindex")

    thread = threading.Thread(target=run, name="search-index-upgrade", daemon=True)
    thread.start()
    return thread


@dataclass
class CheckReport:
    missing: list[str] = field(default_factory=list)  # in the database, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, gone (or deleted) in the database
    stale: list[str] = field(default_factory=list)  # audience, state or text differ

    @property
    def differences(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.stale)


def check(repair: bool = False) -> CheckReport:
    """Compare every document the database implies with what the index holds (by digest:
    audience, state, text, author, tags, date). With `repair`, write what is missing or
    stale and delete what is extra. Run it after a crash between a commit and the
    index write, or after `apply` logged a failure."""
    engine = _backend_on()
    indexed = engine.digests()
    report = CheckReport()
    to_write: list[SearchDocument] = []
    seen: set[str] = set()
    for doc in all_documents():
        doc_id = doc_id_for(doc["kind"], doc["post_id"], doc.get("comment_id", 0))
        seen.add(doc_id)
        if doc_id not in indexed:
            report.missing.append(doc_id)
        elif indexed[doc_id] != engine.digest(doc):
            report.stale.append(doc_id)
        else:
            continue
        if repair:
            to_write.append(doc)
    report.extra = sorted(indexed.keys() - seen)
    if repair:
        engine.apply(to_write, report.extra)
    return report

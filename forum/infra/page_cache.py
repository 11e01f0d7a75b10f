"""Rendered pages kept per viewer, and thrown away by the committed writes that viewer could see.

Reading is most of what a forum serves, and most reads repeat: the front page, a post
everyone is discussing. A cached page skips every query and template; a request costs
about what a bare Flask request does (bench/README.md).

Why it cannot leak, the rules the code below keeps:
- The key names the viewer: `anon`, or the signed-in user's id. A page made for one
  viewer is only ever handed to that same viewer, so a cached page shows nothing the full
  path would not show them. A hit also has to be the request the full path would have
  answered the same way: no Authorization header, no flash waiting, and for a member
  the viewer is the user Flask-Login loads for the request (so a session that ended or
  a cookie from another browser gets no hit, and every other rule applies as on the full
  path). Anything else takes the full path.
- The key holds *generations*: tokens a committed write to a table that any page reads
  replaces (`_flushing`, `_flushed` and `_executed` note the write, `_committing` finds
  the readers of the posts it touched, `_committed` replaces them). A write replaces the
  generations of the principal tokens of whoever may see it: activity inside a post (a
  comment, a vote) its audience's; a change to a post itself (a new post, an edit, its
  audience, its listing card, a draft share) its audience's before AND after the write,
  plus `members` while it has a listing card, so everyone who just lost it drops their
  pages; a membership the member's and the group's; a member's own follows and read marks
  their user token; a member's karma alone their user token and `karma:<username>`; any
  other write (a ban, terms, a group's settings) EVERYTHING's. A page is kept under
  EVERYTHING's, those of its viewer's principal tokens and those its view names from the
  URL (`cached_page(scopes=...)`, read with EVERYTHING's: a profile's karma), so each of
  those writes makes every older entry its viewer could be affected by unreachable, and a
  write the viewer cannot see changes nothing for them: not the page, not hit or miss,
  not the time a page takes (and `X-Page-Cache` is only sent in development and tests).
  A page that shows one post alone (`cached_page(shows_only_scopes=True)`: the post page) is
  kept under EVERYTHING's, its viewer's own token's (a member's memberships, karma and
  follows; a visitor has none) and the page's own scopes (`post_scope`, which every
  committed write touching the post replaces, as activity inside it or as a change to it),
  NOT under the viewer's other tokens: a vote on another post, which replaces `public`,
  leaves it kept. What a member's header shows that can move without EVERYTHING or their
  own token is part of its key by value (the bell's count, `header_of`, read through the
  same per-viewer memo the header reads): a new notification is never announced by
  replacing its recipient's token (one made for someone who cannot read its post would
  then tell them of hidden activity), so a notification about another post the member
  reads shows on the very next request, and one about a post they cannot read is never
  counted and changes nothing. A refusal is never kept (only 200 pages are), so the
  pages under `post:X` are X's readers' alone.
  EVERYTHING's generation is read before the page touches the database, a member's own
  token's just after loading the viewer and before their tokens are read (any change of
  tokens replaces it), the others' after that, and all are stored with the page, so a
  page rendered from data older than a write can never be filed under the generation
  after it.
- Entries also expire after `PAGE_CACHE_SECONDS`, for what changes with the clock alone
  ("3 minutes ago", the hot ranking's decay). Read receipts (`post_reads`) are the one
  write that does not replace the generation, because a member's every visit writes
  one: a page showing anything "new since your last visit" is never kept
  (`do_not_keep`), and a page with nothing new stays right, since only another write
  (which does replace the generation) can make something new. Repeat views of an
  unchanged page within that window count as one visit in the read receipts.
- A marked view reads only the database, the search index, the request's URL and the
  viewer. The index is written after the commit (indexing.apply), and that write
  replaces the generation once more, so a search page made in between is dropped too.
- Only GET/HEAD of the views marked `@cached_page`, only 200 HTML responses that set no
  cookie and leave the session untouched. A page carrying a CSRF token is kept with the
  session's token and served only to a session holding the same one.
- A marked post (services/marks.py) shows each reader a text of their own. That needs no
  rule of its own: a page is only ever handed to the viewer it was made for, and a marked
  copy is only ever made for a signed-in reader, never for `anon`.
- The host and scheme are part of the key, so a forged Host header cannot plant absolute
  links in a page other visitors get.

The generation lives where every worker sees it: a small file under instance/ on one
machine (`file`), Redis across machines (`redis://...`), or in the process (`memory`,
for tests); `auto`, the default, takes the rate limits' Redis when they use one. Pages
themselves stay in each worker's memory, up to `PAGE_CACHE_BYTES`, least recently used first out.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, get_flashed_messages, has_app_context, request, session
from flask_login import current_user
from sqlalchemy import BindParameter, event, inspect, select
from sqlalchemy.sql import operators

from forum.extensions import db
from forum.infra import compression
from forum.infra.memo import request_memo

# Tables no cached page depends on for more than PAGE_CACHE_SECONDS (see the docstring):
# read receipts, the mail queue, API tokens' last use, the search index's rows, sign-in
# sessions. Sessions do grant access, but a hit asks Flask-Login for the viewer, which
# asks the database whether the session lives (`_viewer`), so no kept page needs dropping.
UNWATCHED_TABLES = frozenset({"post_reads", "outbox", "api_tokens", "search_entries", "user_sessions", "limit_events"})


# --- the generation -------------------------------------------------------------------


# A scope is what a write touched, named as readers are: a principal token (`public`,
# `members`, `user:<id>`, `group:<id>`) for a write only the holders of that token may see
# (`_reach` below), or EVERYTHING for any other write. A page is kept under EVERYTHING's
# generation and those of its viewer's tokens, so a comment or a new post only a group
# reads never changes an outsider's hit or miss: the outsider holds none of the tokens
# that write replaced. Every write touching a post also replaces its `post_scope`, under
# which the pages showing that post alone are kept instead of the viewer's other tokens.
EVERYTHING = "*"


class MemoryGeneration:
    """One process (tests, `flask run`)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._values: dict[str, str] = {}

    def current(self, scopes: Iterable[str] = (EVERYTHING,)) -> tuple[str, ...]:
        return tuple(self._values.get(scope, "0") for scope in scopes)

    def bump(self, scopes: Iterable[str] = (EVERYTHING,)) -> None:
        for scope in scopes:
            self._values[scope] = str(next(self._counter))


class FileGeneration:
    """Every worker on one machine: a directory with a random token per scope, each
    file replaced atomically (a scope never written reads "0").

    Read through a descriptor of the directory kept open (`openat`), each file with one
    unbuffered read: a member's hit reads a file per token they hold (a member of twenty
    groups: 24), and `Path.read_text` cost ~15 µs a file against ~4 here (and one stat of
    the directory a call). A file replaced after the directory was opened is found by name
    all the same."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None
        if not (path / self._name(EVERYTHING)).exists():
            self.bump()

    @staticmethod
    def _name(scope: str) -> str:
        return "all" if scope == EVERYTHING else scope.replace(":", "-")

    def _directory(self) -> int | None:
        """The directory's descriptor, opened again when the path names another directory
        (one moved aside and made anew must not leave this worker reading the old one)."""
        if os.open not in os.supports_dir_fd:
            return None
        found = os.stat(self.path)
        if self._fd is None or self._identity != (found.st_dev, found.st_ino):
            # The old descriptor stays open: another thread may be reading through it, and a
            # closed number can be reused by any file. It happens only when the directory is.
            fd = os.open(self.path, os.O_RDONLY)
            opened = os.fstat(fd)
            self._fd, self._identity = fd, (opened.st_dev, opened.st_ino)
            return fd
        return self._fd

    def _read(self, scope: str, directory: int | None) -> str:
        name = self._name(scope) if directory is not None else str(self.path / self._name(scope))
        fd = os.open(name, os.O_RDONLY, dir_fd=directory)
        try:
            return os.read(fd, 256).decode()
        finally:
            os.close(fd)

    def current(self, scopes: Iterable[str] = (EVERYTHING,)) -> tuple[str, ...]:
        directory = self._directory()
        values = []
        for scope in scopes:
            try:
                values.append(self._read(scope, directory))
            except FileNotFoundError:
                if scope == EVERYTHING:  # removed by hand: start a new generation
                    self.bump()
                    values.append(self._read(scope, directory))
                else:
                    values.append("0")
        return tuple(values)

    def bump(self, scopes: Iterable[str] = (EVERYTHING,)) -> None:
        for scope in scopes:
            target = self.path / self._name(scope)
            scratch = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
            scratch.write_text(uuid.uuid4().hex)
            os.replace(scratch, target)

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)  # absent if __init__ failed
        if fd is not None:
            os.close(fd)


class RedisGeneration:
    """Every worker on every machine: a counter per scope in Redis."""

    KEY = "forum:page-generation"

    def __init__(self, url: str) -> None:
        import redis

        # Flask-Limiter spells a socket `redis+unix://`; redis-py wants `unix://`.
        url = "unix://" + url.removeprefix("redis+unix://") if url.startswith("redis+unix://") else url
        self.client = redis.Redis.from_url(url, socket_timeout=1)

    def _key(self, scope: str) -> str:
        return self.KEY if scope == EVERYTHING else f"{self.KEY}:{scope}"

    def current(self, scopes: Iterable[str] = (EVERYTHING,)) -> tuple[str, ...]:
        values = self.client.mget([self._key(scope) for scope in scopes])
        return tuple(value.decode() if value else "0" for value in values)  # type: ignore[union-attr]

    def bump(self, scopes: Iterable[str] = (EVERYTHING,)) -> None:
        with self.client.pipeline(transaction=False) as pipe:
            for scope in scopes:
                pipe.incr(self._key(scope))
            pipe.execute()


_REDIS = ("redis://", "rediss://", "unix://", "redis+unix://")


def _generation_for(app: Flask):
    setting = app.config["PAGE_CACHE_GENERATION"]
    if setting in ("", "auto"):
        # Several hosts already share Redis for the rate limits (docs/deploy.md): share
        # the generation there too, so a write on one host reaches every host's pages.
        limits = app.config.get("RATELIMIT_STORAGE_URI", "")
        setting = limits if limits.startswith(_REDIS) else "file"
    if setting == "memory":
        return MemoryGeneration()
    if setting.startswith(_REDIS):
        return RedisGeneration(setting)
    if setting == "file":
        return FileGeneration(Path(app.instance_path) / "page-generations")
    return FileGeneration(Path(setting))


T = TypeVar("T")

# --- the pages ------------------------------------------------------------------------


@dataclass
class Entry:
    body: bytes
    mimetype: str
    made: float  # time.monotonic()
    csrf: str | None  # the session's raw CSRF token the page's forms carry, if any
    gzipped: bytes | None = None  # made on the first hit that asks for it (anonymous only)


class PageStore:
    """Least recently used pages up to a byte budget (one per worker)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 4:
            return  # one huge page must not empty the cache
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class PageCache:
    generation: MemoryGeneration | FileGeneration | RedisGeneration
    store: PageStore
    # The viewer's principal tokens (visibility.principals, handed over by the factory:
    # infra sits below the read rule and never imports it).
    scopes_of: Callable[[object], Iterable[str]]
    # What a member's header shows that a write can change without replacing EVERYTHING or
    # their own token (inbox.bell_count, also handed over by the factory), read through
    # `per_viewer`: part of the key of the pages kept without the viewer's other tokens.
    header_of: Callable[[object], Hashable]
    # Small per-viewer values kept under the same generations as the viewer's pages
    # (`per_viewer`): (name, user id) -> (generations, made, value).
    values: OrderedDict[tuple, tuple[tuple, float, object]] = field(default_factory=OrderedDict)


def _state() -> PageCache | None:
    """The cache, or None when it is off (PAGE_CACHE_SECONDS 0, read on each request so
    a test can turn it off for one app)."""
    if current_app.config["PAGE_CACHE_SECONDS"] <= 0:
        return None
    return current_app.extensions.get("page_cache")


def _now() -> float:
    return time.monotonic()


# --- marking views, serving and keeping pages ------------------------------------------

CACHED_ATTRIBUTE = "_cached_page"
SHOWS_ONLY_ATTRIBUTE = "_cached_page_shows_only_scopes"


def cached_page(
    view: Callable | None = None,
    *,
    scopes: Callable[..., list[str] | None] | None = None,
    shows_only_scopes: bool = False,
):
    """Mark a view whose GET page may be kept (see the module docstring for what a view
    must not do: read anything but the database, the request's URL and the viewer).

    `scopes(**view_args)` names what the page shows beyond its viewer's tokens (a profile: its
    owner's karma, `karma_scope`), so a write that moves only that replaces only those pages;
    None: this URL is not kept. With `shows_only_scopes` the page shows nothing else a write
    can change without replacing EVERYTHING or the viewer's own token (the view lists what
    it prints and what replaces each): it is kept under those and `scopes` alone, not under
    the viewer's other tokens, with a member's header values (`header_of`) in its key."""

    def mark(view: Callable) -> Callable:
        setattr(view, CACHED_ATTRIBUTE, scopes or _no_scopes)
        setattr(view, SHOWS_ONLY_ATTRIBUTE, shows_only_scopes)
        return view

    return mark(view) if view is not None else mark


def _no_scopes(**_view_args) -> list[str]:
    return []


def karma_scope(username: str) -> str:
    """What a change of this member's karma replaces: the pages that show it to others."""
    return f"karma:{username}"


def post_scope(post_id: int) -> str:
    """What every committed write touching this post replaces, as activity inside it (a
    comment, a vote, a notification about it) or as a change to it (its text, state,
    audience, terms, shares, listing card; the index taking it): the pages showing it alone."""
    return f"post:{post_id}"


def _viewer() -> str | None:
    """Who the page is for; None: not cacheable.

    A request with no credentials at all is plainly anonymous (the same test compression.py
    gzips by) and costs no query. For any other, Flask-Login says who it is, exactly as on
    the full path: the user it loads is the one the page would be made for, after the
    session record's check, remember cookies and the rest. The price is one indexed query
    (the session and its user) on a member's hit, paid so this module repeats none of those rules."""
    # Pending flash messages: the page must show them. Flask keeps what this returns for the
    # rest of the request, so the template still gets them on the full path.
    if get_flashed_messages():
        return None
    if not compression.credentialed(current_app):
        return "anon"
    if "Authorization" in request.headers:
        return None
    if not current_user.is_authenticated:
        return None  # a stale or refused session, or a form token only: the full path
    if session.modified:
        return None  # loading the user changed the session (a remember cookie): the full path
    return f"user:{current_user.get_id()}"


def _key(generations: tuple, viewer: str) -> tuple:
    return (generations, viewer, request.scheme, request.host, request.path, request.query_string)


def _viewer_generations(cache: PageCache, everything: tuple[str, ...], user) -> tuple[str, ...]:
    """EVERYTHING's generation (read by the caller before anything else) and those of the
    viewer's tokens: what a write the viewer may see replaces. A member's own token is read
    first, before their tokens are looked up: a membership change replaces it, so a page can
    never be filed under tokens newer than the generation it was made in."""
    if user is None or not getattr(user, "is_authenticated", False):
        return everything + cache.generation.current(sorted(cache.scopes_of(user)))
    from forum.models.principals import user_token

    own_token = user_token(user.id)
    own = everything + cache.generation.current([own_token])
    others = [scope for scope in _scopes_of(cache, own, user) if scope != own_token]
    return own + cache.generation.current(others)


def _scopes_of(cache: PageCache, own: tuple[str, ...], user) -> list[str]:
    """A member's tokens as scopes, kept in the worker under EVERYTHING's generation and their
    own token's: only writes that replace one of those (their memberships, groups, two-factor)
    change a member's tokens, so a member's hit costs no query for them. (The read rule itself
    still reads them afresh.)"""
    key = ("scopes", user.id)
    kept = cache.values.get(key)
    if kept is not None and kept[0] == own:
        return kept[2]  # type: ignore[return-value]
    scopes = sorted(cache.scopes_of(user))
    _keep(cache, key, own, scopes)
    return scopes


def _keep(cache: PageCache, key: tuple, generations: tuple, value: object) -> None:
    with cache.store._lock:
        cache.values[key] = (generations, _now(), value)
        cache.values.move_to_end(key)
        while len(cache.values) > MAX_VALUES:
            cache.values.popitem(last=False)


def _request_generations(cache: PageCache, user) -> tuple[str, ...]:
    """The viewer's generations, read once a request (a file per token on one machine).
    Reusing the first reading is always safe: whatever is kept under it was read after it,
    so at worst it is filed under a generation a write has already replaced."""
    memo = request_memo("page_cache_generations")
    if user.id not in memo:
        memo[user.id] = _viewer_generations(cache, cache.generation.current(), user)
    return memo[user.id]


def header_allowed() -> bool:
    """`X-Page-Cache` says hit or miss: in development and tests only. Elsewhere it would
    tell anyone the rate of writes they may not see (a miss is also ~20 ms against ~1 ms:
    that is why a write only replaces the generations of the tokens it touched)."""
    return bool(current_app.config.get("PAGE_CACHE_HEADER"))


def serve_cached() -> Response | None:
    """First before-request hook: answer from the cache, or note the key to keep the page under."""
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    cache = _state()
    if cache is None or not getattr(view, CACHED_ATTRIBUTE, False):
        return None
    page_scopes = getattr(view, CACHED_ATTRIBUTE)(**(request.view_args or {}))
    if page_scopes is None:
        return None
    try:
        # Before the viewer: loading the user reads the database, and a page must never
        # be filed under a generation newer than anything it read (a role just taken away).
        # The page's own scopes are read with EVERYTHING and kept apart from the viewer's
        # generations, which also key the viewer's small values (`per_viewer`).
        read = cache.generation.current([EVERYTHING, *page_scopes])
        generation, own_page = read[:1], read[1:]
        viewer = _viewer()
        if viewer is None:
            return None
        shows_only = getattr(view, SHOWS_ONLY_ATTRIBUTE, False)
        if viewer == "anon":
            # A visitor has no token of their own: a page showing only its scopes is EVERYTHING's and theirs.
            key = _key((generation if shows_only else _viewer_generations(cache, generation, None)) + own_page, viewer)
        else:
            user = current_user._get_current_object()  # the proxy looked up once, not at each use
            generations = _viewer_generations(cache, generation, user)
            request_memo("page_cache_generations")[user.id] = generations
            if shows_only:
                # EVERYTHING's and the member's own token's (the first two, `_viewer_generations`),
                # and the header's values: read after the memo above, so through the same kept values.
                header = cache.header_of(user)
                g.page_cache_header = header
                key = _key((*generations[:2], *own_page, header), viewer)
            else:
                key = _key(generations + own_page, viewer)
    except Exception:  # Redis unreachable: pages are made afresh until it is back
        current_app.logger.exception("page cache: cannot read the generation")
        return None
    entry = cache.store.get(key)
    if (
        entry is not None
        and _now() - entry.made < current_app.config["PAGE_CACHE_SECONDS"]
        and (entry.csrf is None or entry.csrf == session.get("csrf_token"))
    ):
        response = _answer(entry, viewer)
        if header_allowed():
            response.headers["X-Page-Cache"] = "hit"
        return response
    g.page_cache_key, g.page_cache_viewer = key, viewer
    return None


def _answer(entry: Entry, viewer: str) -> Response:
    """The kept page; gzipped once and kept so for signed-out readers, who are the only
    ones compression.py compresses for (a request without credentials: BREACH)."""
    if viewer != "anon" or len(entry.body) < compression.MIN_SIZE or not compression.wants_gzip():
        return Response(entry.body, mimetype=entry.mimetype)
    if entry.gzipped is None:
        entry.gzipped = compression.compress_bytes(entry.body)
    response = Response(entry.gzipped, mimetype=entry.mimetype)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def keep_page(response: Response) -> Response:
    """First after-request hook (before compression): keep what the full path made."""
    key = g.pop("page_cache_key", None)
    if key is None:
        return response
    viewer = "anon" if not current_user.is_authenticated else f"user:{current_user.id}"
    if (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
        and not session.modified
        and viewer == g.pop("page_cache_viewer")  # the page was made for the viewer in the key
        and (cache := _state()) is not None  # on, since it made the key
        and _same_header(cache)
    ):
        csrf = session.get("csrf_token") if "csrf_token" in g else None
        cache.store.put(key, Entry(response.get_data(), response.mimetype, _now(), csrf))
        if header_allowed():
            response.headers["X-Page-Cache"] = "miss"
    return response


def _same_header(cache: PageCache) -> bool:
    """A page keyed by its header's values still shows those (the per-viewer memo they come
    from is shared by the worker's threads): else it is not kept."""
    if "page_cache_header" not in g:
        return True
    return g.pop("page_cache_header") == cache.header_of(current_user._get_current_object())


def per_viewer(name: str, user, compute: Callable[[], T]) -> T:
    """`compute()` for this signed-in user, kept until a write they may see (EVERYTHING or
    one of their tokens, exactly what drops their pages kept under all their tokens) or
    PAGE_CACHE_SECONDS; computed each time when the cache is off or its generations cannot
    be read."""
    cache = _state()
    if cache is None:
        return compute()
    try:
        generations = _request_generations(cache, user)
    except Exception:
        current_app.logger.exception("page cache: cannot read the generation")
        return compute()
    key = (name, user.id)
    kept = cache.values.get(key)
    if kept is not None and kept[0] == generations and _now() - kept[1] < current_app.config["PAGE_CACHE_SECONDS"]:
        return kept[2]  # type: ignore[return-value]
    value = compute()
    _keep(cache, key, generations, value)
    return value


MAX_VALUES = 100_000  # a few hundred bytes each


def do_not_keep() -> None:
    """Called by a page that shows what a read receipt changes ("new since your last
    visit"): receipts do not replace the generation, so such a page is made afresh
    each time. A page with nothing new on it stays right until a write adds something."""
    if has_app_context():
        g.pop("page_cache_key", None)


# --- noticing writes ------------------------------------------------------------------

_READ_ONLY_SQL = ("select", "with", "pragma", "explain", "savepoint", "release", "show", "set ")


# Writes whose reach is known from the row, and what it is:
# - activity inside a post (a comment, a vote, a follow, a notification about it; a post row
#   whose counters alone moved): the post's audience tokens at commit (a notification may be
#   made for someone who cannot read the post, and is then never shown: their token must not move);
# - a change to the post itself (its title, text, tags, state, authors, audience, listing
#   card, draft shares, versions): its audience tokens before the transaction AND at commit,
#   plus `members` when it has a listing card (before or after: every member sees the card's
#   title), so a narrowing drops the pages of everyone who lost the post at once;
# - a membership: the member's own token (their tokens changed: every page of theirs) and
#   the group's (its readers may see who is in it);
# - a member's own inbox (a read mark, about a post or not; a notification about no post) and
#   follows: their user token;
# - a new tag or a new audience snapshot: nothing on its own (a tag shows only through the
#   posts that carry it, a snapshot only once a version or comment points at it, and both
#   of those are changes to a post).
# - a member's karma alone (a counted vote, a recount): their own token (their pages show
#   their karma with the vote rules) and `karma_scope` (the pages showing it to others: the
#   profile); a member's columns no kept page shows (`_UNSHOWN_USER_COLUMNS`): nothing.
# Any other watched table or column (names, roles, groups, terms, bans...) replaces EVERYTHING.
# Every post a write touches, as activity or as a change, also has its `post_scope` replaced
# at the commit (`_committing`), and again when the index takes it (`forget_posts`).
_ACTIVITY_TABLES = frozenset({"comments", "votes", "notifications", "subscriptions"})
_POST_PARTS = frozenset(
    {"post_audience", "post_revisions", "post_listings", "post_planned_audience", "draft_shares", "post_terms"}
)
_INERT_WHEN_NEW = frozenset({"tags", "audience_snapshots", "audience_snapshot_principals"})
_POST_COUNTERS = frozenset({"comment_count", "score", "vote_count", "hot"})

_UNSHOWN_USER_COLUMNS = frozenset({"password_hash", "pending_email"})

# session.info keys, for one transaction: the scopes found so far, the posts whose activity
# or whose own state it touched (resolved to tokens just before the commit), and the posts
# whose tokens before the transaction are already among the scopes.
_SCOPES, _ACTIVITY, _CHANGED, _BEFORE = (
    "page_cache_scopes",
    "page_cache_activity",
    "page_cache_changed",
    "page_cache_before",
)


def _scopes(session_) -> set[str]:
    return session_.info.setdefault(_SCOPES, set())


def _connection(session_):
    return session_.connection()  # Core: runs inside the transaction, no ORM events


def _post_tokens(session_, post_ids: set[int], *, cards: bool = False) -> set[str]:
    """The audience tokens of these posts as the database has them now, with `members` for
    those with a listing card when `cards`; EVERYTHING if one has no audience (it is gone)."""
    from forum.models import PostAudience, PostListing
    from forum.models.principals import MEMBERS

    connection = _connection(session_)
    pairs = connection.execute(
        select(PostAudience.post_id, PostAudience.principal).where(PostAudience.post_id.in_(post_ids))
    ).all()
    found = {principal for _, principal in pairs}
    if {post_id for post_id, _ in pairs} != post_ids:
        found.add(EVERYTHING)
    if cards and connection.scalar(select(PostListing.post_id).where(PostListing.post_id.in_(post_ids)).limit(1)):
        found.add(MEMBERS)
    return found


def _post_changes(session_, post_ids: Iterable[int | None]) -> None:
    """Posts whose own state this transaction changes. Called BEFORE the change reaches the
    database (before a flush, or before a Core statement runs): the first call for a post in
    a transaction notes who could see it before, the commit adds who can see it after."""
    ids = {post_id for post_id in post_ids if post_id}
    if not ids:
        return
    session_.info.setdefault(_CHANGED, set()).update(ids)
    before = session_.info.setdefault(_BEFORE, set())
    if EVERYTHING in _scopes(session_) or not (ids - before):
        return
    new = ids - before
    before |= new
    tokens = _post_tokens(session_, new, cards=True)
    tokens.discard(EVERYTHING)  # a post being made has no audience yet: the commit finds it
    _scopes(session_).update(tokens)


def _post_activity(session_, post_id: int | None) -> set[str]:
    """Activity inside a post: its readers, found at the commit (EVERYTHING without a post)."""
    if not post_id:
        return {EVERYTHING}
    session_.info.setdefault(_ACTIVITY, set()).add(post_id)
    return set()


def _reach(session_, table: str, values: dict, *, new: bool = False) -> set[str]:
    """The scopes of one written row, from the columns known about it ({EVERYTHING} if
    unsure). Post ids are noted for the commit, which reads their audiences."""
    from forum.models import Comment, Notification, Vote
    from forum.models.principals import group_token, user_token

    get = values.get
    user_id = get("user_id")
    if table in _INERT_WHEN_NEW:
        return set() if new else {EVERYTHING}
    if table == "memberships":
        group_id = get("group_id")
        return {user_token(user_id), group_token(group_id)} if user_id and group_id else {EVERYTHING}
    if table == "posts":
        return _post_activity(session_, get("id"))  # counters only: see _flushed and _executed
    if table in _POST_PARTS:
        if not get("post_id"):
            return {EVERYTHING}
        _post_changes(session_, [get("post_id")])  # already noted before the write; this adds the commit's
        # A deleted audience row names a reader who may just have lost the post; a share, the sharee.
        principal = get("principal") if table == "post_audience" else None
        extra = {user_token(user_id)} if table == "draft_shares" and user_id else set()
        return extra | ({str(principal)} if principal else set())
    if table not in _ACTIVITY_TABLES:
        return {EVERYTHING}
    if table == "subscriptions" and user_id:
        return {user_token(user_id)}
    if table == "notifications":
        # A new notification about a post goes by the post's readers: one made for someone who
        # may not read the post is never shown, so their token must not move. Anything else (a
        # read mark, a deletion) is the recipient's own inbox alone.
        if new and get("post_id"):
            return _post_activity(session_, get("post_id"))
        if not user_id and get("id"):
            user_id = _connection(session_).scalar(select(Notification.user_id).where(Notification.id == get("id")))
        return {user_token(user_id)} if user_id else {EVERYTHING}
    post_id = get("post_id")
    comment_id = get("comment_id") if table == "votes" else get("id") if table == "comments" else None
    if table == "votes" and not post_id and not comment_id and get("id"):
        row = _connection(session_).execute(select(Vote.post_id, Vote.comment_id).where(Vote.id == get("id"))).first()
        post_id, comment_id = (row.post_id, row.comment_id) if row else (None, None)
    if not post_id and comment_id:
        post_id = _connection(session_).scalar(select(Comment.post_id).where(Comment.id == comment_id))
    return _post_activity(session_, post_id)


def _user_write(session_, user_ids: set[int] | None, columns: Iterable[str]) -> set[str]:
    """The scopes of an update of these members' rows (see above); EVERYTHING if unsure."""
    from forum.models import User
    from forum.models.principals import user_token

    columns = set(columns)
    shown = columns - _UNSHOWN_USER_COLUMNS
    if not shown:
        return set() if columns else {EVERYTHING}
    if shown != {"karma"} or not user_ids:
        return {EVERYTHING}
    names = _connection(session_).scalars(select(User.username).where(User.id.in_(user_ids)))
    return {user_token(user_id) for user_id in user_ids} | {karma_scope(name) for name in names}


def _note_users(session_, user_ids: set[int] | None, columns: Iterable[str]) -> None:
    scopes = _scopes(session_)
    if EVERYTHING not in scopes:
        scopes |= _user_write(session_, user_ids, columns)


def _ids_named(statement) -> set | None:
    """The row ids an UPDATE's WHERE names (`id == x` or `id IN (...)`); None if it names none."""
    where = getattr(statement, "whereclause", None)
    for term in [] if where is None else list(getattr(where, "clauses", [where])):
        left, right = getattr(term, "left", None), getattr(term, "right", None)
        if getattr(left, "name", None) != "id" or not isinstance(right, BindParameter):
            continue
        if getattr(term, "operator", None) is operators.eq:
            return {right.effective_value}
        if getattr(term, "operator", None) is operators.in_op:
            return set(right.effective_value or ())
    return None


def _note(session_, table: str, values: dict, *, new: bool = False) -> None:
    if table in UNWATCHED_TABLES:
        return
    scopes = _scopes(session_)
    if EVERYTHING not in scopes:  # already everything: nothing more to learn
        scopes |= _reach(session_, table, values, new=new)


def _own_change(obj) -> bool:
    """A post row whose own columns (not just its counters) or collections changed."""
    state = inspect(obj)
    if not state.persistent:
        return True
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    return not changed <= _POST_COUNTERS


def _read_mark(obj) -> bool:
    """A notification whose read time alone changed: its recipient marked it read."""
    changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
    return changed == {"read_at"} and inspect(obj).dict.get("user_id") is not None


def _object_values(obj) -> dict:
    state = inspect(obj)
    values = {key: state.dict.get(key) for key in ("id", "post_id", "comment_id", "user_id", "group_id", "principal")}
    if state.identity:  # an expired row keeps its primary key here
        for column, value in zip(state.mapper.primary_key, state.identity, strict=False):
            values[column.key] = value
    return values


def _post_id_of(obj) -> int | None:
    table = obj.__table__.name
    if table == "posts":
        return inspect(obj).identity[0] if inspect(obj).identity else None
    return _object_values(obj).get("post_id") if table in _POST_PARTS else None


@event.listens_for(db.session, "before_flush")
def _flushing(session_, _context, _instances) -> None:
    """Who could see the posts this flush changes, read before it writes."""
    if EVERYTHING in _scopes(session_):
        return
    objects = chain(session_.new, session_.deleted, session_.dirty)
    post_ids = [
        _post_id_of(obj)
        for obj in objects
        if obj.__table__.name in _POST_PARTS or (obj.__table__.name == "posts" and _own_change(obj))
    ]
    _post_changes(session_, post_ids)


@event.listens_for(db.session, "after_flush")
def _flushed(session_, _context) -> None:
    new = set(session_.new)
    changed = chain(session_.new, session_.deleted, (o for o in session_.dirty if session_.is_modified(o)))
    for obj in changed:
        table = obj.__table__.name
        if table == "posts" and _own_change(obj):
            _post_changes(session_, [inspect(obj).identity[0] if inspect(obj).identity else obj.id])
            continue
        if table == "notifications" and obj not in new and obj not in session_.deleted and _read_mark(obj):
            _note(session_, table, {"user_id": inspect(obj).dict.get("user_id")})  # the reader's own inbox
            continue
        if table == "users" and obj not in new and obj not in session_.deleted:
            columns = [attr.key for attr in inspect(obj).attrs if attr.history.has_changes()]
            _note_users(session_, {inspect(obj).identity[0]}, columns)
            continue
        _note(session_, table, _object_values(obj), new=obj in new)


def _equalities(statement) -> dict:
    """`column == value` terms of a DML statement's WHERE (and an INSERT's values), by column name."""
    found: dict = {}
    where = getattr(statement, "whereclause", None)
    terms = [] if where is None else list(getattr(where, "clauses", [where]))
    for term in terms:
        left, right = getattr(term, "left", None), getattr(term, "right", None)
        if getattr(term, "operator", None) is operators.eq and isinstance(right, BindParameter):
            found[getattr(left, "name", "?")] = right.effective_value
    for column, value in (getattr(statement, "_values", None) or {}).items():
        name = getattr(column, "key", column)
        if isinstance(value, BindParameter):
            found.setdefault(name, value.effective_value)
    return found


@event.listens_for(db.session, "do_orm_execute")
def _executed(state) -> None:
    """Before a Core INSERT, UPDATE or DELETE runs: what it reaches."""
    if state.is_select:
        return
    statement = state.statement
    table = getattr(getattr(statement, "table", None), "name", "?")
    session_ = state.session
    if table == "users" and state.is_update and not isinstance(state.parameters, list):
        _note_users(session_, _ids_named(statement), [*_assigned(statement), *(state.parameters or {})])
        return
    if state.is_insert or state.is_update or state.is_delete:
        values = _equalities(statement)
        rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
        if table == "posts" and not set(_assigned(statement)) <= _POST_COUNTERS:
            if not values.get("id"):
                _note(session_, "?", {})  # a post's own columns, rows we do not follow: everything
            _post_changes(session_, [values.get("id")])
            return
        if table in _POST_PARTS:  # who could see the post before this statement runs
            _post_changes(session_, [{**values, **row}.get("post_id") for row in rows])
        if isinstance(state.parameters, list) and state.is_insert:
            for row in state.parameters:  # many rows at once: each row's reach
                _note(session_, table, {**values, **row}, new=True)
        elif isinstance(state.parameters, list):
            _note(session_, table, {})  # updates by rows we do not follow: everything
        else:
            _note(session_, table, {**values, **(state.parameters or {})}, new=state.is_insert)
    elif not str(statement).lstrip().lower().startswith(_READ_ONLY_SQL):
        _note(session_, "?", {})  # raw SQL we cannot read: assume it writes everywhere


def _assigned(statement) -> list[str]:
    return [getattr(column, "key", column) for column in (getattr(statement, "_values", None) or {})]


@event.listens_for(db.session, "before_commit")
def _committing(session_) -> None:
    """The readers, at the commit, of the posts the transaction touched (one query), and
    those posts' own scopes."""
    if EVERYTHING in _scopes(session_):
        return
    # What is still pending is part of the commit, and the commit flushes it only after this
    # hook: flushed here first, or a change made and committed without a flush reaches nobody.
    if not session_._flushing and not session_._is_clean():
        session_.flush()
    if not (session_.info.get(_ACTIVITY) or session_.info.get(_CHANGED)) or EVERYTHING in _scopes(session_):
        return
    activity, changed = session_.info.get(_ACTIVITY, set()), session_.info.get(_CHANGED, set())
    scopes = _scopes(session_)
    scopes |= {post_scope(post_id) for post_id in activity | changed}
    try:
        if changed:
            scopes |= _post_tokens(session_, set(changed), cards=True)
        if activity - changed:
            scopes |= _post_tokens(session_, activity - changed)
    except Exception:  # the write must not fail for the cache: drop every page instead
        current_app.logger.exception("page cache: cannot read the readers of the posts a write touched")
        scopes.add(EVERYTHING)


# No rollback hook clears the scopes: telling a savepoint's rollback from the whole
# transaction's is easy to get wrong, and a scope left over costs one extra bump.
@event.listens_for(db.session, "after_commit")
def _committed(session_) -> None:
    for key in (_ACTIVITY, _CHANGED, _BEFORE):
        session_.info.pop(key, None)
    scopes = session_.info.pop(_SCOPES, None)
    if scopes:
        forget({EVERYTHING} if EVERYTHING in scopes else scopes)


@event.listens_for(db.session, "after_rollback")
def _rolled_back(session_) -> None:
    # A later transaction reads the posts' readers afresh; the activity and scopes noted stay
    # (a savepoint's rollback leaves the rest of the transaction), at worst one extra bump.
    session_.info.pop(_BEFORE, None)


def forget(scopes: Iterable[str]) -> None:
    """Make the kept pages of these scopes unreachable (after the commit that wrote them)."""
    cache = _state() if has_app_context() else None
    if cache is None:
        return
    try:
        cache.generation.bump(sorted(scopes))
    except Exception:
        # The write is committed and cannot wait: pages kept elsewhere may show the old
        # state until they expire (PAGE_CACHE_SECONDS). Alert on this log line.
        current_app.logger.exception("page cache: could not replace the generation after a write")


def forget_all() -> None:
    """Make every kept page unreachable: by hand, for writes made outside the ORM session."""
    forget({EVERYTHING})


def forget_posts(post_ids: Iterable[int], *, cards: bool = False) -> None:
    """After the search index took a change to these posts: their readers' pages (and every
    member's, with `cards`, for posts whose listing card the index may have changed)."""
    ids = set(post_ids)
    if ids and has_app_context() and _state() is not None:
        forget(_post_tokens(db.session, ids, cards=cards) | {post_scope(post_id) for post_id in ids})


def init_app(app: Flask, scopes_of: Callable[[Any], Iterable[str]], header_of: Callable[[Any], Hashable]) -> None:
    """Call last in create_app with `visibility.principals` and `inbox.bell_count`: the hook
    must run first before, and first after, the request."""
    if app.config["PAGE_CACHE_SECONDS"] <= 0:
        return
    store = PageStore(app.config["PAGE_CACHE_BYTES"])
    app.extensions["page_cache"] = PageCache(_generation_for(app), store, scopes_of, header_of)
    app.before_request_funcs.setdefault(None, []).insert(0, serve_cached)
    app.after_request(keep_page)

"""Rendered pages kept per viewer, and thrown away by any committed write.

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
- The key holds a *generation*: a token every committed write to a table that any page
  reads replaces (`_flushed` and `_executed` note the write, `_committed` replaces it). A new post, a vote, an audience
  narrowed, a member removed, a ban: each makes every older entry unreachable. The
  generation is read before the page touches the database and stored with the page, so
  a page rendered from data older than a write can never be filed under the generation
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
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from flask import Flask, Response, current_app, g, get_flashed_messages, has_app_context, request, session
from flask_login import current_user
from sqlalchemy import event

from forum.extensions import db
from forum.infra import compression

# Tables no cached page depends on for more than PAGE_CACHE_SECONDS (see the docstring):
# read receipts, the mail queue, API tokens' last use, the search index's rows, sign-in
# sessions. Sessions do grant access, but a hit asks Flask-Login for the viewer, which
# asks the database whether the session lives (`_viewer`), so no kept page needs dropping.
UNWATCHED_TABLES = frozenset({"post_reads", "outbox", "api_tokens", "search_entries", "user_sessions"})


# --- the generation -------------------------------------------------------------------


class MemoryGeneration:
    """One process (tests, `flask run`)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._value = "0"

    def current(self) -> str:
        return self._value

    def bump(self) -> None:
        self._value = str(next(self._counter))


class FileGeneration:
    """Every worker on one machine: a random token in a file, replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            self.bump()

    def current(self) -> str:
        try:
            return self.path.read_text()
        except FileNotFoundError:  # removed by hand: start a new generation
            self.bump()
            return self.path.read_text()

    def bump(self) -> None:
        scratch = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        scratch.write_text(uuid.uuid4().hex)
        os.replace(scratch, self.path)


class RedisGeneration:
    """Every worker on every machine: a counter in Redis."""

    KEY = "forum:page-generation"

    def __init__(self, url: str) -> None:
        import redis

        # Flask-Limiter spells a socket `redis+unix://`; redis-py wants `unix://`.
        url = "unix://" + url.removeprefix("redis+unix://") if url.startswith("redis+unix://") else url
        self.client = redis.Redis.from_url(url, socket_timeout=1)

    def current(self) -> str:
        value = self.client.get(self.KEY)
        return value.decode() if value else "0"  # type: ignore[union-attr]  # redis-py: sync or async, one type

    def bump(self) -> None:
        self.client.incr(self.KEY)


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
        return FileGeneration(Path(app.instance_path) / "page-generation")
    return FileGeneration(Path(setting))


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


def cached_page(view: Callable) -> Callable:
    """Mark a view whose GET page may be kept (see the module docstring for what a view
    must not do: read anything but the database, the request's URL and the viewer)."""
    setattr(view, CACHED_ATTRIBUTE, True)
    return view


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


def _key(generation: str, viewer: str) -> tuple:
    return (generation, viewer, request.scheme, request.host, request.path, request.query_string)


def serve_cached() -> Response | None:
    """First before-request hook: answer from the cache, or note the key to keep the page under."""
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    cache = _state()
    if cache is None or not getattr(view, CACHED_ATTRIBUTE, False):
        return None
    try:
        # Before the viewer: loading the user reads the database, and a page must never
        # be filed under a generation newer than anything it read (a role just taken away).
        generation = cache.generation.current()
    except Exception:  # Redis unreachable: pages are made afresh until it is back
        current_app.logger.exception("page cache: cannot read the generation")
        return None
    viewer = _viewer()
    if viewer is None:
        return None
    key = _key(generation, viewer)
    entry = cache.store.get(key)
    if (
        entry is not None
        and _now() - entry.made < current_app.config["PAGE_CACHE_SECONDS"]
        and (entry.csrf is None or entry.csrf == session.get("csrf_token"))
    ):
        response = _answer(entry, viewer)
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
    ):
        csrf = session.get("csrf_token") if "csrf_token" in g else None
        cache.store.put(key, Entry(response.get_data(), response.mimetype, _now(), csrf))
        response.headers["X-Page-Cache"] = "miss"
    return response


def do_not_keep() -> None:
    """Called by a page that shows what a read receipt changes ("new since your last
    visit"): receipts do not replace the generation, so such a page is made afresh
    each time. A page with nothing new on it stays right until a write adds something."""
    if has_app_context():
        g.pop("page_cache_key", None)


# --- noticing writes ------------------------------------------------------------------

_READ_ONLY_SQL = ("select", "with", "pragma", "explain", "savepoint", "release", "show", "set ")


def _mark(session_, tables) -> None:
    if any(table not in UNWATCHED_TABLES for table in tables):
        session_.info["page_cache_dirty"] = True


@event.listens_for(db.session, "after_flush")
def _flushed(session_, _context) -> None:
    changed = chain(session_.new, session_.deleted, (o for o in session_.dirty if session_.is_modified(o)))
    _mark(session_, {obj.__table__.name for obj in changed})


@event.listens_for(db.session, "do_orm_execute")
def _executed(state) -> None:
    if state.is_select:
        return
    statement = state.statement
    table = getattr(statement, "table", None)
    if state.is_insert or state.is_update or state.is_delete:
        _mark(state.session, {getattr(table, "name", "?")})
    elif not str(statement).lstrip().lower().startswith(_READ_ONLY_SQL):
        _mark(state.session, {"?"})  # raw SQL we cannot read: assume it writes


# No rollback hook clears the mark: telling a savepoint's rollback from the whole
# transaction's is easy to get wrong, and a mark left over costs one extra bump.
@event.listens_for(db.session, "after_commit")
def _committed(session_) -> None:
    if session_.info.pop("page_cache_dirty", False):
        forget_all()


def forget_all() -> None:
    """Make every kept page unreachable: after a commit that wrote, after the search index
    took a change, or by hand for writes made outside the ORM session."""
    cache = _state() if has_app_context() else None
    if cache is None:
        return
    try:
        cache.generation.bump()
    except Exception:
        # The write is committed and cannot wait: pages kept elsewhere may show the old
        # state until they expire (PAGE_CACHE_SECONDS). Alert on this log line.
        current_app.logger.exception("page cache: could not replace the generation after a write")


def init_app(app: Flask) -> None:
    """Call last in create_app: the hook must run first before, and first after, the request."""
    if app.config["PAGE_CACHE_SECONDS"] <= 0:
        return
    app.extensions["page_cache"] = PageCache(_generation_for(app), PageStore(app.config["PAGE_CACHE_BYTES"]))
    app.before_request_funcs.setdefault(None, []).insert(0, serve_cached)
    app.after_request(keep_page)

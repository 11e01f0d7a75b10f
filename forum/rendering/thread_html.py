"""A comment thread's HTML, in one Python pass over the tree (`threads.build_tree`), shared
by every reader of the same thread with each viewer's own state added on top.

The recursive Jinja macro it replaces spent about 80% of a long thread's time in macro
calls and `url_for` (bench/README.md). Here links come from `links.Links` patterns,
vote widgets from `vote_html`, and everything a page shares (the viewer, the CSRF field,
the post's state) is computed once. The markup is the macro's: the same elements, classes
and ids, which the tests, static/forum.js and static/votes.js rely on.

The shared thread. The HTML is built as *pieces*: literal text, and per-comment slots
(the `<li>` tag, the head's notes, the toggle's open state, the vote widgets, the
actions) each holding what a viewer with nothing of their own there sees: not new, not
blocked, not the author, no vote. The pieces are kept per worker (`SharedThreads`) under
the kind of viewer (signed in or not, moderator of the post or not, which vote buttons
they may press, the post open or closed) and the thread itself exactly as this viewer's
own visibility-checked query returned it (every comment's id, place in the tree, shown or
placeholder, author, times, counts and text): two viewers share pieces only when their
own queries returned the same thread, so nothing reaches a viewer that their query did
not, and any new comment, edit, vote count or removal is a different key on the very next
request (no invalidation to get wrong). Each viewer's own state then goes in by a cheap
splice into the kept text (`_Layout.fill`): slots of comments that are new to them, by
someone they block, their own, or that they voted on are made for them; every other slot
takes the kept text; the CSRF field is theirs. A viewer who is shown one of their own removed
comments (the notice speaks to its author) gets a thread of their own, never kept.
Post bodies, which may be marked per reader (issue 27), are never part of it: only
comments, which are never marked.

The post page's thread (`threads.PageThread`) is found the same way, from the rows its
viewer's checked statement returned and the rule's decision for each, before any tree is
built: a hit makes only the viewer's own slots, from the kept nodes (which are never marked
for anyone). Its kept text holds while every "ago" in it does (`dates.changes_at`), and it
goes into the response as UTF-8 encoded once (`with_thread`).

Everything from the database is escaped here except `body_html`, which markup.py
sanitized at save time (the template printed it with `|safe` too). The rare parts
(removal notices, moderators' forms) still come from their macros in macros.html.

Extending: a per-comment flag for the viewer goes on the node (`Node.classes`,
`Node.data`) in the view (it goes in the viewer's own `<li>` slot); markup that every
comment gets goes in `_comment` below, in a slot if it depends on the viewer.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import datetime
from operator import attrgetter
from typing import Any, NamedTuple, cast

from flask import current_app, g
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2.environment import TemplateModule
from markupsafe import escape

from forum.models._time import utcnow
from forum.queries.threads import Node, PageThread, page_blocks, walk
from forum.rendering.dates import changes_at, time_ago
from forum.rendering.vote_html import VoteWidgets
from forum.web.links import Links

# Where the viewer's CSRF token goes in kept text (the forms under a comment): a string no
# one can write into a comment, since it holds a secret made when the worker starts.
CSRF = f"\x00csrf-{secrets.token_hex(16)}\x00"
# Where a page's thread goes (`with_thread`), in the page's text: a string no one can write, like CSRF.
THREAD = f"\x00thread-{secrets.token_hex(16)}\x00"
# A piece is literal text, or a slot: ((name, comment id), what a viewer with nothing of their own there sees).
Slot = tuple[tuple[str, int], str]
Piece = str | Slot


class _NoVotes:
    """The votes of a viewer who voted on nothing here: what the kept widgets show."""

    @staticmethod
    def choice(_item, _axis: str = "karma") -> None:
        return None


NO_VOTES = _NoVotes()


class SharedThreads:
    """Kept thread pieces, least recently used out first (one per worker), and how often a
    thread was found (read by the tests and the bench)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple, fresh: Callable[[tuple], bool] | None = None) -> tuple | None:
        """(pieces, whether they hold vote buttons, and what the kind of part keeps besides);
        None when nothing is kept under `key`, or what is kept is not `fresh`."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None and fresh is not None and not fresh(found):
                found = None
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple, value: tuple) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def texts(self) -> Iterator[str]:
        """Every kept literal and default, for tests that look for what must never be kept."""
        with self._lock:
            entries = list(self._entries.values())
        for pieces, *_ in entries:
            for piece in pieces:
                yield piece if isinstance(piece, str) else piece[1]


def app_store(name: str, default_size: int) -> SharedThreads | None:
    """The app's store called `name` (its size is the config's upper-case `name`); None when
    that size is 0. Each worker keeps its own: nothing kept is shared between processes."""
    size = current_app.config.get(name.upper(), default_size)
    if size <= 0:
        return None
    store = current_app.extensions.get(name)
    if store is None or store.max_entries != size:
        store = current_app.extensions[name] = SharedThreads(size)
    return store


def shared_threads() -> SharedThreads | None:
    """The app's kept threads; None when SHARED_THREADS is 0."""
    return app_store("shared_threads", 128)


def _token_out(pieces: list[Piece], token: str) -> list[Piece]:
    """The pieces with the viewer's CSRF token replaced by CSRF, wherever a form printed it."""
    if not token:
        return pieces
    return [
        piece.replace(token, CSRF) if isinstance(piece, str) else (piece[0], piece[1].replace(token, CSRF))
        for piece in pieces
    ]


# What a comment's kept text shows of it and of its author (besides its place in the tree
# and how long ago it was written): a change to any of them is a new key.
_COMMENT_KEY = (
    "id",
    "author_id",
    "deleted_at",
    "removed_at",
    "removal_reason",
    "edited_at",
    "score",
    "vote_count",
    "agreement",
    "agreement_count",
    "body_html",
)
_AUTHOR_KEY = ("id", "username", "display_name", "deleted_at")


def _columns(row, names: tuple[str, ...]) -> tuple:
    """These loaded columns of an ORM row, straight from its dict (the attribute machinery
    costs most of a long thread's key); through the attributes if one is not loaded, or for
    the post page's plain rows (`threads.ThreadComment`, which have no dict)."""
    values = getattr(row, "__dict__", None)
    if values is None:
        return attrgetter(*names)(row)
    try:
        return tuple([values[name] for name in names])
    except KeyError:
        return tuple(getattr(row, name) for name in names)


class _Layout:
    """Kept pieces joined once into runs, with where each slot's default and each CSRF
    marker sit: a viewer's page is one join of those runs with their few own slots and
    their token put in. A long signed-in thread is ~700 KB; every whole-text copy (a
    splice, then a token replace, then `Markup` of a `Markup`) cost 0.5-1.5 ms of
    allocating and faulting in fresh memory, about a fifth of the page (bench/README.md,
    "Issue 23, fifth round: the post page")."""

    __slots__ = ("csrf", "encoded", "runs", "spans")

    def __init__(self, pieces: list[Piece]) -> None:
        runs: list[str] = []
        # Each slot's first and last run + 1: its default (which may hold CSRF markers) is those runs.
        self.spans: dict[tuple[str, int], tuple[int, int]] = {}
        self.csrf: list[int] = []  # the runs that are a CSRF marker
        literal: list[str] = []  # literal text not yet in a run (consecutive literals make one run)
        for piece in pieces:
            if isinstance(piece, str):
                literal.append(piece)
                continue
            name, text = piece
            self._add(runs, "".join(literal))
            literal = []
            start = len(runs)
            self._add(runs, text)
            self.spans[name] = (start, len(runs))
        self._add(runs, "".join(literal))
        self.runs = runs
        self.encoded: list[bytes] | None = None  # the runs as UTF-8, made once when first asked

    def _add(self, runs: list[str], text: str) -> None:
        """Text appended as runs, each CSRF marker a run of its own."""
        first, *rest = text.split(CSRF)
        runs.append(first)
        for after in rest:
            self.csrf.append(len(runs))
            runs.append(CSRF)
            runs.append(after)

    def fill(self, own: dict[tuple[str, int], str], token: str) -> str:
        """The text with these slots in place of their defaults (slots it does not hold:
        ignored) and `token` in place of every CSRF marker; one copy of the text."""
        return "".join(self._put(self.runs.copy(), own, token, str))

    def fill_encoded(self, own: dict[tuple[str, int], str], token: str) -> list[bytes]:
        """`fill`'s text as UTF-8, in runs: the kept runs are encoded once (`encoded`). A long
        thread's vote buttons (✓, ▲...) make its text and its page two bytes a character,
        and encoding that page cost ~0.7 ms, against ~0.02 ms to join bytes already encoded
        (`with_thread`; bench/README.md, "Issue 23, sixth round: the long thread")."""
        if self.encoded is None:
            self.encoded = [run.encode() for run in self.runs]
        return self._put(self.encoded.copy(), own, token, str.encode)

    def _put(self, runs: list, own: dict[tuple[str, int], str], token: str, form: Callable[[str], Any]) -> list:
        """`runs` (the kept runs, copied, as `form` makes them) with the viewer's slots and token in."""
        mark = form(token)
        for at in self.csrf:
            runs[at] = mark
        empty = form("")
        for name, html in own.items():
            span = self.spans.get(name)
            if span is not None:
                start, end = span
                runs[start:end] = [form(html)] + [empty] * (end - start - 1)
        return runs


class KeptThread(NamedTuple):
    """What `SharedThreads` keeps of a thread."""

    pieces: list[Piece]
    has_buttons: bool  # the pieces hold vote buttons: the page prints its vote form
    layout: _Layout
    # A page's thread (`PageThread`): its nodes in page order, for each viewer's own slots
    # (never marked for anyone: nodes new to a viewer are copied for them), and from when until
    # when every "ago" in its text holds (`dates.changes_at`). None: the list of nodes was
    # handed over, and the key holds every "ago".
    flat: list[Node] | None = None
    made: datetime | None = None
    until: datetime | None = None

    def holds_at(self, now: datetime) -> bool:
        return (self.made is None or self.made <= now) and (self.until is None or now < self.until)


def _found(store: SharedThreads | None, key: tuple | None, fresh=None) -> KeptThread | None:
    if store is None or key is None:
        return None
    return cast(KeptThread | None, store.get(key, fresh))


class Html:
    """Trusted HTML handed to a template as a plain `str` (`__html__`): Jinja's escape makes
    a `Markup` of what this returns, and `Markup` of a plain str is one copy where `Markup`
    of a `Markup` (what a `Markup` return value, or a macro around it, costs) is a slow one."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __html__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


class ThreadRenderer:
    """Renders the comment trees of one post page for the current viewer."""

    def __init__(self, post, confirm_form=None, can_moderate: bool = False, votes=None) -> None:
        self.links = Links()
        self.widget = VoteWidgets.for_request()
        self.votes = votes
        self.can_moderate = can_moderate
        self.signed_in = current_user.is_authenticated
        self.viewer_id = current_user.id if self.signed_in else None
        self.post_id = post.id
        self.post_open = not post.is_deleted and not post.is_removed
        self.collapse_score = current_app.config["COMMENT_COLLAPSE_SCORE"]
        # Comments by people the viewer blocks start closed, for the viewer only.
        self.blocked = page_blocks(current_user)
        # Absent when CSRF is switched off (the tests), as the template printed nothing then.
        self.csrf_field = str(getattr(confirm_form, "csrf_token", "")) if self.signed_in else ""
        # The session's token as every form on the page carries it (Flask-WTF makes one per
        # request): kept pieces hold CSRF in its place, and each viewer gets their own back.
        self.csrf_token = generate_csrf() if self.signed_in else ""
        # One reading of the clock for the whole thread: its key and its text say the same "ago".
        self.now = utcnow()
        self._macros: TemplateModule | None = None

    # --- the page: kept pieces and the viewer's own slots ---------------------------------

    def render(self, nodes: list[Node] | PageThread) -> Html:
        if isinstance(nodes, PageThread):
            return self._render_page(nodes)
        flat = walk(nodes)
        key = self._key(flat)
        store = shared_threads() if key is not None else None
        found = _found(store, key)
        if found is None:
            found = self._kept(nodes)
            if store is not None and key is not None:
                store.put(key, found)
        return self._filled(found, flat, frozenset())  # a permalink's thread marks nothing new

    def _render_page(self, thread: PageThread) -> Html:
        """A page's thread, found by what its rows hold (`PageThread.key`) before any tree or
        comment object is made: on a hit, only the viewer's own slots are."""
        now = self.now
        key = None if thread.shows_own_removed() else (self._kind(), "page", thread.key())
        store = shared_threads() if key is not None else None
        found = _found(store, key, lambda kept: kept.holds_at(now))
        if found is None or found.flat is None:
            nodes = thread.nodes()
            flat = walk(nodes)
            until = min((changes_at(node.comment.created_at, now) for node in flat), default=None)
            found = self._kept(nodes, flat, now, until)
            if store is not None and key is not None:
                store.put(key, found)
        else:
            flat = found.flat
        if found.has_buttons:
            self.widget.used = True  # the page prints its vote form (vote_html.page_form)
        own = self._own_slots(flat, thread.new_ids)
        g.thread_encoded = found.layout.fill_encoded(own, self.csrf_token)
        return Html(THREAD)

    def _kept(self, nodes: list[Node], flat=None, made=None, until=None) -> KeptThread:
        """The thread's text as a viewer with nothing of their own in it sees it."""
        pieces: list[Piece] = []
        self._thread(nodes, pieces)
        kept = _token_out(pieces, self.csrf_token)
        return KeptThread(kept, self.widget.used, _Layout(kept), flat, made, until)

    def _filled(self, found: KeptThread, flat: list[Node], new: frozenset[int]) -> Html:
        if found.has_buttons:
            self.widget.used = True  # the page prints its vote form (vote_html.page_form)
        return Html(found.layout.fill(self._own_slots(flat, new), self.csrf_token))

    def _kind(self) -> tuple:
        """What the kept text depends on besides the thread: the kind of viewer."""
        return (
            self.post_id,
            self.signed_in,
            self.can_moderate,
            self.votes is not None,
            self.widget.rules,  # which vote buttons the viewer may press, and why not
            self.post_open,
            self.collapse_score,
        )

    def _key(self, flat: list[Node]) -> tuple | None:
        """The kind of viewer and the thread (`walk`'s list) as this viewer's query returned
        it; None: a thread of the viewer's own, never kept."""
        rows = []
        authors: dict[int, tuple] = {}  # a thread has few authors: each read once
        now = self.now
        for node in flat:
            c = node.comment
            if node.classes or node.data or (node.shown and c.is_removed and c.author_id == self.viewer_id):
                return None
            author = authors.get(c.author_id)
            if author is None:
                author = authors[c.author_id] = _columns(c.author, _AUTHOR_KEY)
            place = (node.depth, node.shown, node.more_below, node.reply_count, len(node.children))
            rows.append((place, _columns(c, _COMMENT_KEY), author, time_ago(c.created_at, now)))
        return (self._kind(), tuple(rows))

    def _own_slots(self, flat: list[Node], new: frozenset[int]) -> dict[tuple[str, int], str]:
        """The slots this viewer sees differently from the kept text (`walk`'s list; `new`:
        the ids of the comments new to the viewer)."""
        voted = {item_id for kind, item_id, _ in getattr(self.votes, "choices", {}) if kind == "comment"}
        own: dict[tuple[str, int], str] = {}
        for node in flat:
            c = node.comment
            blocked = node.shown and c.author_id in self.blocked
            is_new = c.id in new
            if is_new or blocked or node.classes or node.data:
                own["li", c.id] = self._li(node, blocked, is_new)
                own["note", c.id] = self._note(node, blocked, is_new)
                own["open", c.id] = self._open(node, blocked)
            if not node.shown:
                continue
            mine = self.signed_in and c.author_id == self.viewer_id
            if mine or c.id in voted:
                own["votes", c.id] = self._votes(c, self.votes, self.widget.votable(c, self.votes))
            if mine:
                own["actions", c.id] = self._actions(c, True)
        return own

    # --- the thread, as pieces --------------------------------------------------------------

    def _macro(self, name: str):
        if self._macros is None:
            self._macros = current_app.jinja_env.get_template("macros.html").module
        return getattr(self._macros, name)

    def _thread(self, nodes: list[Node], out: list[Piece]) -> None:
        out.append('<ol class="thread">')
        for node in nodes:
            self._comment(node, out)
        out.append("</ol>")

    def _low(self, node: Node, blocked: bool) -> bool:
        """Low-scored comments start closed, and, for the viewer only, those by someone they block."""
        return node.shown and (node.comment.score <= self.collapse_score or blocked)

    def _li(self, node: Node, blocked: bool, is_new: bool) -> str:
        classes = "comment comment-low" if self._low(node, blocked) else "comment"
        if is_new:  # written since the viewer's last visit (unread.written_since)
            classes += " comment-new"
        if node.classes:
            classes = f"{classes} {escape(' '.join(node.classes))}"
        data = "".join(f' data-{escape(k)}="{escape(v)}"' for k, v in node.data) if node.data else ""
        return f'<li class="{classes}" id="c{node.comment.id}"{data}>'

    def _note(self, node: Node, blocked: bool, is_new: bool) -> str:
        out = ' <span class="badge new-badge">new</span>' if is_new else ""
        if blocked:
            out += ' <span class="collapsed-note">(someone you blocked, collapsed)</span>'
        elif self._low(node, blocked):
            out += f' <span class="collapsed-note">(score {node.comment.score}, collapsed)</span>'
        return out

    def _open(self, node: Node, blocked: bool) -> str:
        return "" if self._low(node, blocked) else " open"

    def _votes(self, c, votes, votable: bool) -> str:
        widget = self.widget.html
        return f"{widget(c, 'comment', votes, 'karma', votable)} {widget(c, 'comment', votes, 'agreement', votable)}"

    def _comment(self, node: Node, out: list[Piece]) -> None:
        c, to = node.comment, self.links.to
        placeholder = ("[deleted account]" if c.author.is_deleted else "[deleted]") if c.is_deleted else "[removed]"
        permalink = to("posts.comment_permalink", c.id)
        # The byline's links stay outside <summary> (a link inside a toggle is "nested-interactive" for
        # assistive technology); the summary is the −/+ box beside it, and the byline shows when collapsed.
        plain = Node(c, node.depth, shown=node.shown)  # what a viewer with nothing of their own here sees
        out.append((("li", c.id), self._li(plain, False, False)))
        out.append('<div class="comment-head">')
        out.append(f'<span class="muted">{placeholder}</span>' if not node.shown else self.links.user(c.author))
        out.append(f' · <a class="permalink" href="{permalink}">{time_ago(c.created_at, self.now)}</a>')
        if c.edited_at and node.shown:
            out.append(' <span class="muted">· edited</span>')
        out.append((("note", c.id), self._note(plain, False, False)))
        if node.reply_count:
            replies = "reply" if node.reply_count == 1 else "replies"
            out.append(f' <span class="collapsed-note">({node.reply_count} {replies} hidden)</span>')
        out.append("</div><details")
        out.append((("open", c.id), self._open(plain, False)))
        out.append('><summary><span class="visually-hidden">Show or hide this comment</span></summary>')
        if not node.shown:
            out.append(f'<p class="muted">{placeholder}</p>')
        else:
            if c.is_removed:
                out.append(str(self._macro("removal_notice")(c, "comment")))
            out.append('<div class="comment-votes">')
            # Buttons for any member who may vote and did not write it (their own: `_own_slots`).
            votable = self.votes is not None and self.widget.can_vote and not c.is_deleted and not c.is_removed
            out.append((("votes", c.id), self._votes(c, NO_VOTES, votable)))
            out.append(f'</div><div class="prose">{c.body_html}</div><div class="actions">')
            if self.signed_in:
                out.append((("actions", c.id), self._actions(c, False)))
            out.append("</div>")
        if node.more_below:
            out.append(f'<p class="continue"><a href="{permalink}">Continue this thread →</a></p>')
        elif node.children:
            self._thread(node.children, out)
        out.append("</details></li>")

    def _actions(self, c, mine: bool) -> str:
        """The actions under a comment; `mine`: the viewer wrote it."""
        to = self.links.to
        out: list[str] = []
        if self.post_open and not c.is_removed:
            # Inline and without JavaScript: a closed <details> under the comment holds the reply form,
            # posted where the post's comment form posts (which checks the parent is shown to the viewer).
            out.append(
                f'<details class="reply-inline"><summary>Reply</summary>'
                f'<form method="post" action="{to("posts.comment", c.post_id)}" novalidate>{self.csrf_field}'
                f'<input type="hidden" name="parent_id" value="{c.id}">'
                f'<label for="reply-{c.id}">Your reply</label><textarea id="reply-{c.id}" name="body" rows="4">'
                '</textarea><button class="button" type="submit" name="submit" value="Reply">Reply</button>'
                "</form></details>"
            )
        if mine:
            if not c.is_removed:
                out.append(f' <a href="{to("posts.edit_comment", c.id)}">Edit</a>')
            out.append(
                f' <form class="inline" method="post" action="{to("posts.delete_comment", c.id)}">{self.csrf_field}'
                '<button class="link" type="submit" data-confirm="Delete this comment?">Delete</button></form>'
            )
        elif not c.is_removed:
            out.append(f' <a href="{to("moderation.report_comment", c.id)}">Report</a>')
        if self.can_moderate:
            form = self._macro("moderate_form")
            if c.is_removed:
                made = form(
                    to("moderation.restore_comment", c.id), "Restore", f"restore-c{c.id}", danger=False, required=False
                )
            else:
                made = form(to("moderation.remove_comment", c.id), "Remove", f"remove-c{c.id}")
            out.append(str(made))
        return "".join(out)


def with_thread(text: str) -> str | bytes:
    """A page's text as the response's body: with the page's thread (`render_thread` of a
    `PageThread` prints THREAD where it goes) put in as the UTF-8 it is kept as, the rest
    encoded here. Every view that prints a `PageThread` returns its page through this."""
    encoded = g.pop("thread_encoded", None)
    if encoded is None:
        return text
    head, found, tail = text.partition(THREAD)
    if not found:
        return text
    return b"".join([head.encode(), *encoded, tail.encode()])


def render_thread(
    nodes: list[Node] | PageThread, post, confirm_form=None, can_moderate: bool = False, votes=None
) -> Html:
    """The template global that prints a thread (posts/view.html, posts/comment.html)."""
    return ThreadRenderer(post, confirm_form, can_moderate, votes).render(nodes)

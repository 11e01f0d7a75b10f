"""A listing's post cards in Python, shared by every viewer whose own query returned the
same cards, with each viewer's own state added on top.

The idiom is the shared thread's (thread_html.py): the cards are built as pieces, literal
text and per-post slots (the vote widget, the "new" badge) holding what a viewer with
nothing of their own there sees (no vote, not an author, nothing new), and kept per worker
(`SharedThreads`, under its own name and size) under the kind of viewer (whether they get
vote buttons, and which) and the cards exactly as this viewer's own visibility-checked
query returned them: every column a card prints (title, audience, authors, tags, times,
counts, the excerpt this viewer may read). Two viewers share pieces only when their own
queries returned the same cards, so nothing reaches a viewer that their query did not, and
a new post, an edit, a vote count, a narrowed audience or a removal is a different key on
the very next request: nothing to invalidate. Each viewer's own slots are then made for
them alone: widgets on posts they wrote (numbers only) or voted on, and their "new" counts.

The markup is the `post_card` macro's, which now prints through `card_html` too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from flask_login import current_user
from markupsafe import Markup, escape

from forum.queries import listings
from forum.rendering.dates import time_ago
from forum.rendering.thread_html import NO_VOTES, Piece, SharedThreads, app_store
from forum.rendering.vote_html import VoteWidgets
from forum.web.links import Links


class Author(NamedTuple):
    id: int
    username: str
    display_name: str
    is_deleted: bool


class Card(NamedTuple):
    """Everything a post card prints: a key of the shared cards, so nothing else may go in."""

    id: int
    title: str
    audience_kind: str
    is_draft: bool
    created_at: datetime
    comment_count: int
    score: int
    vote_count: int
    excerpt: str
    authors: tuple[Author, ...]
    tags: tuple[str, ...]


def cards_from_rows(rows: Iterable[Any], extras: dict[int, tuple[list, list[str]]]) -> list[Card]:
    """Cards from `listings.card_page`'s rows and `listings.card_extras`, unpacked by
    position in the order their statements name the columns (a Row's attribute by name
    cost more than building the card: 130 us for a page of 20, most of it names)."""
    cards = []
    for post_id, title, audience_kind, created_at, comment_count, score, vote_count, excerpt in rows:
        authors, tags = extras[post_id]
        cards.append(
            Card(
                post_id,
                title,
                audience_kind,
                False,  # listings never list a draft (visibility.listed)
                created_at,
                comment_count,
                score,
                vote_count,
                excerpt or "",
                tuple(
                    Author(user_id, username, display_name, deleted_at is not None)
                    for _post_id, _kind, user_id, username, display_name, deleted_at in authors
                ),
                tuple(tags),
            )
        )
    return cards


def card_of_post(post) -> Card:
    """A card from an ORM post (pages that load posts whole)."""
    return Card(
        post.id,
        post.title,
        post.audience_kind,
        post.is_draft,
        post.created_at,
        post.comment_count,
        post.score,
        post.vote_count,
        post.shown_excerpt or "",  # set only by listings.as_cards, where the viewer may read the body
        tuple(Author(u.id, u.username, u.display_name, u.is_deleted) for u in post.authors),
        tuple(t.name for t in post.tags),
    )


class _Chose:
    """One viewer's vote on one card, as the widget asks for it."""

    def __init__(self, choice: str | None) -> None:
        self._choice = choice

    def choice(self, _item, _axis: str = "karma") -> str | None:
        return self._choice


def shared_listings() -> SharedThreads | None:
    """The app's kept cards; None when SHARED_LISTINGS is 0."""
    return app_store("shared_listings", 256)


_BADGES = {
    "restricted": (
        ' <span class="badge badge-restricted" title="Shared with chosen people and groups">restricted</span>'
    ),
    "members": ' <span class="badge badge-members" title="Signed-in members only">members</span>',
}
_DRAFT = (
    ' <span class="badge badge-draft" title="Only its authors and the people they share it with can read it">'
    "draft</span>"
)


class CardRenderer:
    """Renders the cards of one listing for the current viewer; `votes` as the macro took
    them (None: numbers only, as profiles and group pages show them)."""

    def __init__(self, votes=None, new_counts: dict[int, int] | None = None, *, keep: bool = True) -> None:
        self.keep = keep
        self.links = Links()
        self.widget = VoteWidgets.for_request()
        self.votes = votes
        self.new_counts = new_counts or {}
        viewer = current_user._get_current_object()  # the proxy looked up once
        self.viewer_id = viewer.id if viewer.is_authenticated else None
        self.buttons = votes is not None and self.widget.can_vote

    def render(self, cards: list[Card]) -> Markup:
        key = self._key(cards)
        store = shared_listings() if self.keep else None
        found = store.get(key) if store is not None else None
        if found is None:
            pieces: list[Piece] = []
            for card in cards:
                self._card(card, pieces)
            found = (pieces, self.buttons and any(not card.is_draft for card in cards))
            if store is not None:
                store.put(key, found)
        pieces, has_buttons = found
        if has_buttons:
            self.widget.used = True  # the page prints its vote form (vote_html.page_form)
        own = self._own_slots(cards)
        return Markup("".join(piece if isinstance(piece, str) else own.get(piece[0], piece[1]) for piece in pieces))

    def _key(self, cards: list[Card]) -> tuple:
        """The kind of viewer and the cards as this viewer's query returned them."""
        kind = ("cards", self.buttons, self.widget.rules if self.buttons else None)
        return (kind, tuple(cards), tuple(time_ago(card.created_at) for card in cards))

    def _own_slots(self, cards: list[Card]) -> dict[tuple[str, int], str]:
        """The slots this viewer sees differently from the kept text."""
        choices = getattr(self.votes, "choices", {})
        own: dict[tuple[str, int], str] = {}
        for card in cards:
            if self.new_counts.get(card.id):
                own["new", card.id] = f' <span class="badge new-badge">{self.new_counts[card.id]} new</span>'
            if not self.buttons or card.is_draft:
                continue
            if any(author.id == self.viewer_id for author in card.authors):
                own["votes", card.id] = self.widget.html(card, "post", NO_VOTES, "karma", False)
            elif (choice := choices.get(("post", card.id, "karma"))) is not None:
                own["votes", card.id] = self.widget.html(card, "post", _Chose(choice), "karma", True)
        return own

    def _card(self, card: Card, out: list[Piece]) -> None:
        to = self.links.to
        href = to("posts.view", card.id)
        votable = self.buttons and not card.is_draft  # for a viewer who did not write it
        out.append(f'<article class="post-card" id="p{card.id}">')
        out.append((("votes", card.id), self.widget.html(card, "post", NO_VOTES, "karma", votable)))
        badge = _DRAFT if card.is_draft else _BADGES.get(card.audience_kind, "")
        comments = "comment" if card.comment_count == 1 else "comments"
        out.append(
            f'<h2><a href="{href}">{escape(card.title)}</a>{badge}</h2><p class="meta">{self._authors(card)}'
            f' · <time datetime="{card.created_at.isoformat()}Z">{time_ago(card.created_at)}</time>'
            f' · <a href="{href}#comments">{card.comment_count} {comments}</a>'
        )
        out.append((("new", card.id), ""))
        out.append("</p>")
        if card.excerpt:
            out.append(f'<p class="excerpt">{escape(card.excerpt)}</p>')
        if card.tags:
            tags = "".join(f'<li><a href="{to("main.tag", name)}">{escape(name)}</a></li>' for name in card.tags)
            out.append(f'<ul class="tags">{tags}</ul>')
        out.append("</article>")

    def _authors(self, card: Card) -> str:
        """ "Ada, Grace and Alan"."""
        names = [self.links.user(author) for author in card.authors]
        if len(names) < 2:
            return "".join(names)
        return f"{', '.join(names[:-1])} and {names[-1]}"


def render_cards(cards: list[Card], votes=None, new_counts: dict[int, int] | None = None) -> Markup:
    """The cards of a listing (the views that load them as Core rows)."""
    return CardRenderer(votes, new_counts).render(cards)


def page_of_cards(rows: list[Any], votes=None, new_counts: dict[int, int] | None = None) -> Markup:
    """A page of `listings.card_page` rows as cards, with their authors and tags."""
    return render_cards(cards_from_rows(rows, listings.card_extras([row.id for row in rows])), votes, new_counts)


def card_html(post, votes=None, new_counts: dict[int, int] | None = None) -> Markup:
    """The template global behind the `post_card` macro: one ORM post's card, never kept
    (a page of them is worth keeping as one: `render_cards`)."""
    return CardRenderer(votes, new_counts, keep=False).render([card_of_post(post)])

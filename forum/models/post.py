from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from forum.extensions import Model, db
from forum.models._time import utcnow
from forum.models.moderated import Moderated
from forum.models.ranking import hot
from forum.models.user import User

AUDIENCE_KINDS = ("public", "members", "restricted")

post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(48), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name!r}>"


class Post(Moderated, Model):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_created_at", "created_at"),
        Index("ix_posts_hot", "hot", "id"),
        Index("ix_posts_score", "score", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    # Rendered and sanitized once on save; pages never render Markdown on a GET.
    body_html: Mapped[str] = mapped_column(Text)
    # What the author chose; the rows in post_audience are what reading is decided by.
    audience_kind: Mapped[str] = mapped_column(String(16), default="public")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    # Live (neither deleted nor removed) comments; kept by the services in the same transaction.
    comment_count: Mapped[int] = mapped_column(default=0)
    # Votes: kept by the vote service in the vote's own transaction.
    score: Mapped[int] = mapped_column(default=0)
    # The version of this post's usage terms in force (rows in post_terms); None: no terms.
    terms_version: Mapped[int | None]
    vote_count: Mapped[int] = mapped_column(default=0)
    # ranking.hot(score, created_at), stored so the hot sort is an index scan.
    hot: Mapped[float] = mapped_column(default=0.0)
    # A draft is read only by its authors and the people they share it with, listed nowhere
    # (forum/visibility.py); publishing clears this and restarts created_at, the ranking clock.
    is_draft: Mapped[bool] = mapped_column(default=False)
    # Each reader gets their own marked copy of the text (forum/services/marks.py).
    marks_copies: Mapped[bool] = mapped_column(default=False)
    # The opening words of body_html for the listing cards, kept on every save by
    # services/excerpts.py; empty for a post with marked copies (their wording varies per reader).
    excerpt: Mapped[str] = mapped_column(String(255), default="")
    # The excerpt this viewer may see, loaded only by listings.as_cards (None elsewhere).
    shown_excerpt: Mapped[str | None] = query_expression()

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True, foreign_keys=[author_id])
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by=Tag.name, lazy="selectin")
    audience: Mapped[list[PostAudience]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", passive_deletes=True
    )
    # Authors besides `author`: they edit the post and share its karma (docs/karma.md).
    coauthors: Mapped[list[User]] = relationship(
        secondary="post_coauthors", order_by=User.username, lazy="selectin", viewonly=False
    )

    @property
    def author_ids(self) -> set[int]:
        return {self.author_id, *(u.id for u in self.coauthors)}

    @property
    def authors(self) -> list[User]:
        return [self.author, *self.coauthors]

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.title!r}>"


@event.listens_for(Post, "before_insert")
@event.listens_for(Post, "before_update")
def _keep_hot(_mapper, _connection, post: Post) -> None:
    """A post's hot value follows its score and age. Votes change the score in SQL and set
    hot themselves; this covers new posts and a created_at set by hand (imports, tests)."""
    state = inspect(post)
    if state.pending or state.attrs.created_at.history.has_changes() or state.attrs.score.history.has_changes():
        post.created_at = post.created_at or utcnow()
        post.hot = hot(post.score or 0, post.created_at)


class PostAudience(Model):
    """One principal token that may read a post: public, members, user:<id> or group:<id>."""

    __tablename__ = "post_audience"
    __table_args__ = (Index("ix_post_audience_principal_post", "principal", "post_id"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    principal: Mapped[str] = mapped_column(String(40), primary_key=True)


class PostRevision(Model):
    """The text a post had before an edit; the live text stays on the post."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who could read this version when the post's audience last changed (models/snapshot.py);
    # NULL: whoever reads the post now.
    audience_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("audience_snapshots.id"))

    editor: Mapped[User] = relationship()

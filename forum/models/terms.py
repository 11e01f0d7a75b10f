"""Usage terms: what a reader agrees to before reading a post, and the site's own terms.

Terms are versioned and never edited in place: a change is a new row with the next
version, so every acceptance names exactly the text that was agreed to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models._time import utcnow
from forum.models.post import Post
from forum.models.user import User


class PostTerms(Model):
    """One version of the terms attached to a post. `Post.terms_version` names the one in force."""

    __tablename__ = "post_terms"
    __table_args__ = (UniqueConstraint("post_id", "version", name="uq_post_terms_post_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    version: Mapped[int]
    # The site template the author picked, or None for their own text.
    template_key: Mapped[str | None] = mapped_column(String(40))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TermsAcceptance(Model):
    """A reader agreed to version `version` of a post's terms."""

    __tablename__ = "terms_acceptances"
    __table_args__ = (
        UniqueConstraint("user_id", "post_id", "version", name="uq_terms_acceptances_user_post_version"),
        Index("ix_terms_acceptances_post_version", "post_id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    version: Mapped[int]
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    post: Mapped[Post] = relationship()


class SiteTerms(Model):
    """One version of the site-wide terms; the highest id is in force."""

    __tablename__ = "site_terms"
    # Versions are ids: never hand a used number to new text.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def version(self) -> int:
        return self.id


class SiteTermsAcceptance(Model):
    __tablename__ = "site_terms_acceptances"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(ForeignKey("site_terms.id", ondelete="CASCADE"), primary_key=True)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Audience snapshots: who could read an earlier version or a draft's review comment.

A post's audience (`post_audience`) says who may read the post now. A version the post
had before an audience change, and a comment written while it was a draft, keep the
audience they were written for: a row of `post_revisions` or `comments` that points to
a snapshot is read only by a viewer holding one of its tokens (and able to read the post
now, visibility.py). A NULL snapshot means "whoever reads the post": the ordinary case.
Snapshots are never deleted, so a version can never fall back to the post's audience.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model
from forum.models._time import utcnow


class AudienceSnapshot(Model):
    __tablename__ = "audience_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AudienceSnapshotPrincipal(Model):
    """One token of a snapshot (the format of `post_audience.principal`)."""

    __tablename__ = "audience_snapshot_principals"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("audience_snapshots.id", ondelete="CASCADE"), primary_key=True)
    principal: Mapped[str] = mapped_column(String(40), primary_key=True)

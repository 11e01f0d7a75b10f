from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models._time import utcnow
from forum.models.interest import Interest, group_interests
from forum.models.user import User
from forum.models.vouch import Vouch

JOIN_POLICIES = ("open", "request", "invite")
GROUP_ROLES = ("owner", "admin", "member")


class Group(Model):
    __tablename__ = "groups"
    # AUTOINCREMENT on SQLite (PostgreSQL's sequences never go back anyway): a deleted
    # group's id is never handed to a new group, so audiences that name "group:<id>" can
    # never pass to a recreated namesake.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    listed: Mapped[bool] = mapped_column(default=True)
    join_policy: Mapped[str] = mapped_column(String(16), default="request")
    # A join request must name a current member who vouches for the requester.
    requires_vouch: Mapped[bool] = mapped_column(default=False)
    # Members read the group's posts only once their account has two-factor sign-in: until
    # then they hold no token of the group (visibility.principals), as if outside it.
    requires_two_factor: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    interests: Mapped[list[Interest]] = relationship(secondary=group_interests, order_by=Interest.name, lazy="selectin")

    def __repr__(self) -> str:
        return f"<Group {self.slug!r}>"


class Membership(Model):
    __tablename__ = "memberships"
    __table_args__ = (Index("ix_memberships_user_group", "user_id", "group_id"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Group] = relationship()
    user: Mapped[User] = relationship()


def _one_pending(table: str) -> Index:
    """At most one pending row per (group, user), even when two submits race."""
    pending = text("status = 'pending'")
    return Index(
        f"uq_{table}_pending",
        "group_id",
        "user_id",
        unique=True,
        sqlite_where=pending,
        postgresql_where=pending,
    )


class GroupInvitation(Model):
    __tablename__ = "group_invitations"
    __table_args__ = (_one_pending("group_invitations"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|accepted|declined|cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    responded_at: Mapped[datetime | None]

    group: Mapped[Group] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])


class JoinRequest(Model):
    __tablename__ = "join_requests"
    __table_args__ = (_one_pending("join_requests"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    statement: Mapped[str] = mapped_column(Text, default="")
    # The vouch the request relies on (groups that require one); checked again on approval.
    vouch_id: Mapped[int | None] = mapped_column(ForeignKey("vouches.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|declined|withdrawn
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]

    group: Mapped[Group] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    vouch: Mapped[Vouch | None] = relationship()

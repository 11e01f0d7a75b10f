"""A member's public statement that they know another member's work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models._time import utcnow
from forum.models.user import User

_ACTIVE = text("withdrawn_at IS NULL")


class Vouch(Model):
    """Withdrawn vouches are kept (withdrawn_at set), so a join request that relied on one
    can say so; only active ones are shown. No karma: a vouch is a fact people judge."""

    __tablename__ = "vouches"
    __table_args__ = (
        # One active vouch per pair, in the database, so a double submit cannot make two.
        Index(
            "uq_vouches_active_pair",
            "voucher_id",
            "vouchee_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_vouches_vouchee", "vouchee_id"),
        CheckConstraint("voucher_id <> vouchee_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    vouchee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    statement: Mapped[str] = mapped_column(String(280))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    voucher: Mapped[User] = relationship(foreign_keys=[voucher_id])
    vouchee: Mapped[User] = relationship(foreign_keys=[vouchee_id])

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

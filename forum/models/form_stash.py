"""Text a form carried when its session had expired, kept until its writer signs in again.

The browser holds a random key in a cookie; the database holds only its SHA-256, the
editor's address to return to and the submitted fields. A stash is used once, and is
worth nothing after a day (forum/services/form_stash.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model
from forum.models._time import utcnow

PATH_MAX = 300


class FormStash(Model):
    __tablename__ = "form_stashes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Who may take it back: the writer the form named, or whoever signs in first in that
    # browser (then bound to them at sign-in, so no later sign-in there gets it).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None)
    # The editor page the text goes back into (a path on this site).
    path: Mapped[str] = mapped_column(String(PATH_MAX))
    # The submitted text fields, as JSON [[name, value], ...].
    fields: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<FormStash {self.id} for {self.path!r}>"

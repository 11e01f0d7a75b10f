from __future__ import annotations

from datetime import datetime
from typing import TypeGuard

from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models._time import utcnow
from forum.models.interest import Interest, user_interests

ROLES = ("user", "moderator", "admin")
# What a deleted account is called wherever its id still shows (placeholders, old versions).
DELETED_NAME = "[deleted account]"


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-case handle used in URLs and audience pickers; display_name is free text.
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    bio: Mapped[str] = mapped_column(Text, default="")
    bio_html: Mapped[str] = mapped_column(Text, default="")
    karma: Mapped[int] = mapped_column(default=0)
    role: Mapped[str] = mapped_column(String(16), default="user")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Listed in "People you may want to know" for members who share an interest.
    open_to_contact: Mapped[bool] = mapped_column(default=False)
    # The account's address: password resets and notification mail go only to it, and only
    # once it is verified (what an unverified account may do is the site's setting).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(default=None)
    # Registered under REGISTRATION_MODE = "approval": may read, not write, until an admin approves.
    awaiting_approval: Mapped[bool] = mapped_column(default=False)
    # Set when the member deleted their account (services/account_data.py): the row stays,
    # emptied, so its id is never handed to anyone else (audiences and snapshots name ids)
    # and its username stays reserved; nothing signs in as it and no name lookup finds it.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    # A new address asked for by a verified account: `email` (and its mail) stays until a
    # link sent to this one is followed. Not unique: whoever confirms first gets it.
    pending_email: Mapped[str | None] = mapped_column(String(254), default=None)
    # Who a new post is for unless the author picks otherwise: "public", "members" or "group:<id>"
    # (one of their groups). None until they choose one in settings: the editor then asks every time.
    default_audience: Mapped[str | None] = mapped_column(String(40), default=None)

    # Loaded on demand: every comment author and the signed-in user are Users, and pages
    # that list people ask for interests explicitly (selectinload), so threads don't pay.
    interests: Mapped[list[Interest]] = relationship(secondary=user_interests, order_by=Interest.name)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_active(self) -> bool:
        """Flask-Login's: `login_user` refuses an inactive user, whatever sign-in path calls it."""
        return self.deleted_at is None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    # The key of the sign-in this object stands for (forum/models/session.py). Flask-Login
    # stores what `get_session_key` returns (its `id_attribute`) in the session and remember
    # cookies, so a cookie names one sign-in, not the account. Not a column: it is set by
    # forum/services/sessions.py for the request's own user object.
    @property
    def session_key(self) -> str | None:
        return self.__dict__.get("_session_key")

    @session_key.setter
    def session_key(self, key: str | None) -> None:
        self.__dict__["_session_key"] = key

    def get_session_key(self) -> str:
        if not self.session_key:
            raise RuntimeError("Sign in through forum.views.auth._sign_in, which starts a session record.")
        return self.session_key

    def __repr__(self) -> str:
        return f"<User {self.username!r}>"


def is_signed_in(viewer: User | AnonymousUserMixin | None) -> TypeGuard[User]:
    """Whether `viewer` is a signed-in user. The one spelling of the question: a viewer is
    None outside a request (jobs, the CLI) and Flask-Login's anonymous user inside one."""
    return viewer is not None and bool(getattr(viewer, "is_authenticated", False))


def normalize_username(raw: str | None) -> str:
    """Usernames are stored and looked up trimmed and lower-cased."""
    return (raw or "").strip().lower()

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from forum.extensions import db
from forum.models import Interest, User
from forum.models._time import utcnow
from forum.models.user import normalize_username
from forum.queries.users import user_named, username_taken
from forum.rendering.markup import render_markdown
from forum.services import email_verification
from forum.services.errors import ServiceError
from forum.services.guards import ensure_verified
from forum.services.text import check_labels, check_username, split_labels

PASSWORD_MIN = 10
PASSWORD_MAX = 256
BIO_MAX = 5_000

# Checked against when the username is unknown, so both failures take the same time.
_DUMMY_HASH: str | None = None


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def register(
    username: str | None,
    display_name: str | None,
    password: str | None,
    email: str | None,
    *,
    verified: bool = False,
    commit: bool = True,
) -> User:
    """A new account, and a link to verify its address. `verified` is for callers that
    vouch for the address themselves (the demo, the command line, the tests' factories);
    without `commit` the caller commits, with whatever else belongs to the registration."""
    problems = registration_problems(username, display_name, password, email)
    if problems:
        raise problems[0]
    username = normalize_username(username)
    address = email_verification.normalize_address(email)
    display_name = " ".join((display_name or "").split()) or username
    user = User(
        username=username,
        display_name=display_name,
        password_hash=_hash(password or ""),
        email=address,
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    db.session.flush()
    if not verified:
        email_verification.queue("verify", user.id, address)
    if commit:
        commit_registration()
    return user


def registration_problems(
    username: str | None, display_name: str | None, password: str | None, email: str | None
) -> list[ServiceError]:
    """Every reason these details cannot make an account, one per field at most, so the
    form reports them all in one round rather than one per submission."""
    username = normalize_username(username)
    display_name = " ".join((display_name or "").split()) or username
    password = password or ""

    def check_name() -> None:
        check_username(username)
        if username_taken(username):
            raise ServiceError("That username is taken.", field="username")

    def check_display_name() -> None:
        if len(display_name) > 64:
            raise ServiceError("Display names are at most 64 characters.", field="display_name")

    def check_password() -> None:
        if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
            raise ServiceError(f"Passwords are {PASSWORD_MIN} to {PASSWORD_MAX} characters.", field="password")

    problems = []
    for check in (
        check_name,
        lambda: email_verification.check_address(email_verification.normalize_address(email)),
        check_display_name,
        check_password,
    ):
        try:
            check()
        except ServiceError as error:
            problems.append(error)
    return problems


def commit_registration() -> None:
    """Commit a new account; a name or address registered a moment earlier is a form error."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError("That username or address was registered a moment ago.", field="username") from None


def authenticate(username: str | None, password: str | None) -> User | None:
    global _DUMMY_HASH
    user = user_named(username or "")
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or _hash("not-a-real-password")
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def resolve_interests(raw: str | list[str]) -> list[Interest]:
    names = split_labels(raw)
    check_labels(names, "interests", most=12, longest=64)
    existing = {i.name: i for i in db.session.scalars(select(Interest).where(Interest.name.in_(names)))}
    return [existing.get(name) or Interest(name=name) for name in names]


def update_profile(
    user: User, display_name: str | None, bio: str | None, interests: str | None, open_to_contact: bool | None = None
) -> User:
    ensure_verified(user, "profile")
    display_name = " ".join((display_name or "").split())
    if not 1 <= len(display_name) <= 64:
        raise ServiceError("Display names are 1 to 64 characters.", field="display_name")
    if len(bio or "") > BIO_MAX:
        raise ServiceError(f"Bios are at most {BIO_MAX} characters.", field="bio")
    resolved = resolve_interests(interests or "")
    user.display_name = display_name
    user.bio = bio or ""
    user.bio_html = render_markdown(user.bio)
    user.interests = resolved
    if open_to_contact is not None:
        user.open_to_contact = open_to_contact
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise ServiceError("That is not your current password.", field="current")
    set_password(user, new)
    db.session.commit()


def set_password(user: User, new: str | None) -> None:
    """Hash and set a new password; the caller commits (and ends sessions: forum/services/passwords.py)."""
    if not PASSWORD_MIN <= len(new or "") <= PASSWORD_MAX:
        raise ServiceError(f"Passwords are {PASSWORD_MIN} to {PASSWORD_MAX} characters.", field="new")
    user.password_hash = _hash(new or "")

"""Helpers shared by the tests/test_moderation*.py modules."""

from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import ModAction, Report, User
from forum.services import moderation
from tests.factories import make_user


def make_moderator(username: str | None = None, role: str = "moderator") -> User:
    user = make_user(username)
    moderation.set_role(None, user, role)
    return user


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def actions(kind: str | None = None) -> list[ModAction]:
    """Log entries of one kind, or all but role grants (make_moderator writes those)."""
    query = select(ModAction).order_by(ModAction.id)
    if kind:
        query = query.where(ModAction.action == kind)
    else:
        query = query.where(ModAction.action.not_like("grant_%"))
    return list(db.session.scalars(query))


def reports() -> list[Report]:
    return list(db.session.scalars(select(Report).order_by(Report.id)))


def page(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)

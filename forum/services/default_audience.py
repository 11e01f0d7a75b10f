"""The audience a member's new posts start with, chosen in settings.

None until the member picks one: the editor then asks every time (a forum for hazardous
results names no readers for you). The choices are those the editor offers: Public,
Members, or Restricted to one of the member's own groups. Public as a default still
takes the second step at publishing (views/posts.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from forum.extensions import db
from forum.models import User
from forum.queries.groups import memberships_of
from forum.services.errors import ServiceError

ASK = ""  # no default: the editor asks
GROUP_PREFIX = "group:"


@dataclass(frozen=True)
class Preset:
    """What the editor preselects: the audience kind, and the group's address for Restricted."""

    kind: str
    group_slug: str = ""


def choices(user: User) -> list[tuple[str, str]]:
    """(value, label) for the settings form, in the editor's order."""
    return [
        (ASK, "No default: ask me every time"),
        ("members", "Members: anyone signed in"),
        *((f"{GROUP_PREFIX}{m.group.id}", f"Restricted to the group {m.group.name}") for m in memberships_of(user)),
        ("public", "Public: anyone, signed in or not (you still confirm each time you publish)"),
    ]


def set_default(user: User, value: str) -> None:
    if value not in {v for v, _label in choices(user)}:
        raise ServiceError("Choose one of the listed audiences.", field="default_audience")
    user.default_audience = value or None
    db.session.commit()


def preset(user: User) -> Preset | None:
    """The default to preselect in a new post, or None (no default, or a group the member has left)."""
    value = user.default_audience
    if not value:
        return None
    if not value.startswith(GROUP_PREFIX):
        return Preset(value)
    group = next((m.group for m in memberships_of(user) if f"{GROUP_PREFIX}{m.group.id}" == value), None)
    if group is None:
        return None
    return Preset("restricted", group.slug)

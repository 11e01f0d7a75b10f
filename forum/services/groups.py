from __future__ import annotations

import re

from sqlalchemy import select

from .. import indexing, visibility
from ..extensions import db
from ..markup import render_markdown
from ..models import JOIN_POLICIES, Group, Membership, PostAudience, User
from .accounts import resolve_interests
from .errors import ServiceError
from .guards import ensure_can_write

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64]


def create_group(
    owner: User, name: str, description: str = "", *, slug: str | None = None, listed: bool = True,
    join_policy: str = "request", interests: str = "",
) -> Group:
    ensure_can_write(owner)
    name = " ".join((name or "").split())
    if not 2 <= len(name) <= 80:
        raise ServiceError("Group names are 2 to 80 characters.", field="name")
    slug = (slug or slugify(name)).strip().lower()
    if not _SLUG.match(slug):
        raise ServiceError("The address may use lower-case letters, digits and '-', 2 to 63 long.", field="slug")
    if join_policy not in JOIN_POLICIES:
        raise ServiceError("Choose how people join.", field="join_policy")
    if len(description or "") > 10_000:
        raise ServiceError("Descriptions are at most 10,000 characters.", field="description")
    if db.session.scalar(select(Group.id).where(Group.slug == slug)) is not None:
        raise ServiceError("That address is taken; choose another.", field="slug")
    group = Group(
        name=name, slug=slug, description=description or "", description_html=render_markdown(description or ""),
        listed=listed, join_policy=join_policy,
    )
    group.interests = resolve_interests(interests)
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=owner.id, role="owner"))
    db.session.commit()
    visibility.forget_principals()
    return group


def add_member(group: Group, user: User, role: str = "member") -> Membership:
    """Make `user` a member (no commit). Callers check who may do this."""
    membership = db.session.get(Membership, (group.id, user.id))
    if membership is None:
        membership = Membership(group_id=group.id, user_id=user.id, role=role)
        db.session.add(membership)
    return membership


def delete_group(group: Group) -> None:
    """Delete a group. Posts keep their other audience entries; the group's entries go,
    and its id is never reused, so a new group with the same name reads nothing."""
    token = visibility.group_token(group.id)
    post_ids = list(db.session.scalars(select(PostAudience.post_id).where(PostAudience.principal == token)))
    db.session.execute(PostAudience.__table__.delete().where(PostAudience.principal == token))
    db.session.delete(group)
    db.session.commit()
    visibility.forget_principals()
    for post_id in post_ids:
        indexing.post_changed(post_id)

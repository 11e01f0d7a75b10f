"""Who knows whom: vouches, trust paths between a viewer and a person or a group, and
people with shared interests. Read-only queries, each bounded (no query per row).

Vouches, interests and the people directory are public facts. Group facts go through
`visibility`: a co-membership is named only for groups the viewer may see
(`visible_group_clause`), and a group's members, their interests and who vouches for
them only where `can_see_members` allows, so an unlisted group is never named, nor its
members listed, to someone outside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload, selectinload

from forum import visibility
from forum.extensions import db
from forum.models import Block, Group, Interest, Membership, Post, User, Vouch, is_signed_in
from forum.models.interest import group_interests, user_interests
from forum.queries import prebuilt

SHOWN = 12  # names shown per list; more are summarised by a count


def _active():
    return Vouch.withdrawn_at.is_(None)


def vouches_for(user: User) -> list[Vouch]:
    """Active vouches for `user`, newest first, with their vouchers (joined: one statement
    on every profile page, not two)."""
    return list(
        db.session.scalars(
            select(Vouch)
            .options(joinedload(Vouch.voucher))
            .where(Vouch.vouchee_id == user.id, _active())
            .order_by(Vouch.created_at.desc(), Vouch.id.desc())
        )
    )


def vouches_by(user: User) -> list[Vouch]:
    return list(
        db.session.scalars(
            select(Vouch)
            .options(selectinload(Vouch.vouchee))
            .where(Vouch.voucher_id == user.id, _active())
            .order_by(Vouch.created_at.desc(), Vouch.id.desc())
        )
    )


def active_vouch(voucher_id: int, vouchee_id: int) -> Vouch | None:
    return db.session.scalar(
        select(Vouch).where(Vouch.voucher_id == voucher_id, Vouch.vouchee_id == vouchee_id, _active())
    )


def _linked_ids(user_id: int | ColumnElement[int]) -> Select:
    """Ids of people with an active vouch to or from `user_id`."""
    return (
        union(
            select(Vouch.vouchee_id.label("uid")).where(Vouch.voucher_id == user_id, _active()),
            select(Vouch.voucher_id.label("uid")).where(Vouch.vouchee_id == user_id, _active()),
        )
        .subquery()
        .select()
    )


def _shared_interest_names(viewer_id: int, other_id: int | ColumnElement[int]) -> Select:
    mine = select(user_interests.c.interest_id).where(user_interests.c.user_id == viewer_id)
    return (
        select(Interest.name)
        .join(user_interests, user_interests.c.interest_id == Interest.id)
        .where(user_interests.c.user_id == other_id, Interest.id.in_(mine))
    )


class Person(NamedTuple):
    """What a name linking to a profile needs (`links.Links.user`), read as a plain row."""

    username: str
    display_name: str
    is_deleted: bool


class GroupName(NamedTuple):
    slug: str
    name: str


@dataclass
class PathsToUser:
    you_vouch: bool = False
    they_vouch: bool = False
    through: list[Person] = field(default_factory=list)  # people linked by vouches to both
    groups: list[GroupName] = field(default_factory=list)  # groups both belong to, that the viewer sees
    interests: list[str] = field(default_factory=list)
    you_block: bool = False  # the viewer blocks them (known to the viewer alone; not a path)

    @property
    def any(self) -> bool:
        return bool(self.you_vouch or self.they_vouch or self.through or self.groups or self.interests)


def _ranked(kind: str, order, *columns, source: Select) -> Select:
    """One kind of row of `_paths_statement`: (kind, rank, a, b, c), the first SHOWN by
    `order`, each with its rank, since a UNION ALL keeps no order of its parts."""
    rank = func.row_number().over(order_by=order).label("rank")
    part = source.add_columns(rank).order_by(order).limit(SHOWN).subquery()
    padded = [part.c[name] for name in columns] + [null()] * (3 - len(columns))
    return select(literal(kind).label("kind"), part.c.rank, *padded)


def _paths_statement(viewer: User) -> Executable:
    """Every row `paths_to_user` needs, in one statement built once (`prebuilt.variant_for`):
    built per request, its four queries were a third of a signed-in profile page. The
    person is the value-less `other_id`, passed on each call."""
    other = bindparam("other_id", type_=Integer)
    # Column `a` holds usernames in other parts: the voucher's id as text (PostgreSQL will
    # not unite an integer with a string column).
    vouches = select(literal("v"), literal(0), cast(Vouch.voucher_id, String), null(), null()).where(
        _active(),
        or_(
            and_(Vouch.voucher_id == viewer.id, Vouch.vouchee_id == other),
            and_(Vouch.voucher_id == other, Vouch.vouchee_id == viewer.id),
        ),
    )
    through = _ranked(
        "u",
        User.username,
        "username",
        "display_name",
        "deleted",
        source=select(User.username, User.display_name, User.deleted_at.is_not(None).label("deleted")).where(
            User.id.in_(_linked_ids(viewer.id)),
            User.id.in_(_linked_ids(other)),
            User.id != viewer.id,
            User.id != other,
        ),
    )
    # Aliases, so the read rule's own subqueries on memberships stay their own.
    mine, theirs = aliased(Membership), aliased(Membership)
    groups = _ranked(
        "g",
        Group.name,
        "slug",
        "name",
        source=select(Group.slug, Group.name)
        .join(mine, and_(mine.group_id == Group.id, mine.user_id == viewer.id))
        .join(theirs, and_(theirs.group_id == Group.id, theirs.user_id == other))
        .where(visibility.visible_group_clause(viewer, invited=False)),
    )
    interests = _ranked("i", Interest.name, "name", source=_shared_interest_names(viewer.id, other))
    blocked = select(literal("b"), literal(0), null(), null(), null()).where(
        Block.blocker_id == viewer.id, Block.blocked_id == other
    )
    return union_all(vouches, through, groups, interests, blocked)


def paths_to_user(viewer: User | None, user: User) -> PathsToUser | None:
    """How a signed-in viewer is connected to `user`, and whether they block them (None for
    anonymous visitors and for one's own profile). One statement, whatever the size of
    either network."""
    if not is_signed_in(viewer) or viewer.id == user.id:
        return None
    statement, params = prebuilt.variant_for("paths-to-user", _paths_statement, viewer)
    rows = sorted(db.session.execute(statement, {**params, "other_id": user.id}), key=lambda row: row[1])
    paths = PathsToUser()
    for kind, _rank, a, b, c in rows:
        if kind == "v":
            paths.you_vouch |= a == str(viewer.id)
            paths.they_vouch |= a == str(user.id)
        elif kind == "u":
            paths.through.append(Person(a, b, bool(c)))
        elif kind == "g":
            paths.groups.append(GroupName(a, b))
        elif kind == "i":
            paths.interests.append(a)
        elif kind == "b":
            paths.you_block = True
    return paths


# --- groups ------------------------------------------------------------------------------


@dataclass
class GroupIntroduction:
    """What a newcomer may learn about a group before joining."""

    member_interests: list[tuple[str, int]] = field(default_factory=list)  # (interest, members holding it)
    vouches: list[Vouch] = field(default_factory=list)  # active vouches for members, with both people
    known_members: list[User] = field(default_factory=list)  # members the viewer vouches for or is vouched by
    via_vouches: list[User] = field(default_factory=list)  # members who vouch for people the viewer is linked to
    co_members: list[User] = field(default_factory=list)  # members who share another (visible) group with the viewer
    shared_interests: list[str] = field(default_factory=list)  # the viewer's interests the group lists
    public_posts: list[Post] = field(default_factory=list)  # recent posts by members open to every member


def _member_ids(group: Group) -> Select:
    return select(Membership.user_id).where(Membership.group_id == group.id)


def introduce_group(viewer: User | None, group: Group) -> GroupIntroduction:
    """Only what `can_see_members` allows: nothing about members for an unlisted group's
    outsiders or for anonymous visitors. Bounded queries."""
    intro = GroupIntroduction()
    signed_in = is_signed_in(viewer)
    if is_signed_in(viewer):
        my_interest_ids = select(user_interests.c.interest_id).where(user_interests.c.user_id == viewer.id)
        intro.shared_interests = list(
            db.session.scalars(
                select(Interest.name)
                .join(group_interests, group_interests.c.interest_id == Interest.id)
                .where(group_interests.c.group_id == group.id, Interest.id.in_(my_interest_ids))
                .order_by(Interest.name)
            )
        )
    if not visibility.can_see_members(viewer, group):
        return intro
    members = _member_ids(group)
    n_holding = func.count(user_interests.c.user_id)
    intro.member_interests = [
        tuple(row)
        for row in db.session.execute(
            select(Interest.name, n_holding)
            .join(user_interests, user_interests.c.interest_id == Interest.id)
            .where(user_interests.c.user_id.in_(members))
            .group_by(Interest.id, Interest.name)
            .order_by(n_holding.desc(), Interest.name)
            .limit(SHOWN)
        )
    ]
    intro.vouches = list(
        db.session.scalars(
            select(Vouch)
            .options(selectinload(Vouch.voucher), selectinload(Vouch.vouchee))
            .where(_active(), Vouch.vouchee_id.in_(members))
            .order_by(Vouch.created_at.desc(), Vouch.id.desc())
            .limit(SHOWN)
        )
    )
    # Its members' open work: posts shared with the group itself are restricted to it.
    intro.public_posts = list(
        db.session.scalars(
            visibility.visible_posts(viewer)
            .where(Post.author_id.in_(members), visibility.open_to_every_member())
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(5)
        )
    )
    if not signed_in or viewer is None:
        return intro
    others = and_(User.id.in_(members), User.id != viewer.id)
    intro.known_members = list(
        db.session.scalars(
            select(User).where(others, User.id.in_(_linked_ids(viewer.id))).order_by(User.username).limit(SHOWN)
        )
    )
    # Members who vouch for someone the viewer vouches for or is vouched by: a second step.
    linked = _linked_ids(viewer.id)
    intro.via_vouches = list(
        db.session.scalars(
            select(User)
            .where(
                others,
                User.id.not_in(linked),
                User.id.in_(
                    select(Vouch.voucher_id).where(
                        _active(), Vouch.vouchee_id.in_(linked), Vouch.vouchee_id != viewer.id
                    )
                ),
            )
            .order_by(User.username)
            .limit(SHOWN)
        )
    )
    mine = aliased(Membership)
    mine_groups = (
        select(mine.group_id)
        .join(Group, Group.id == mine.group_id)
        .where(
            mine.user_id == viewer.id,
            mine.group_id != group.id,
            visibility.visible_group_clause(viewer, invited=False),
        )
    )
    intro.co_members = list(
        db.session.scalars(
            select(User)
            .where(others, User.id.in_(select(Membership.user_id).where(Membership.group_id.in_(mine_groups))))
            .order_by(User.username)
            .limit(SHOWN)
        )
    )
    return intro


def member_vouchers_for(group: Group, user: User) -> list[Vouch]:
    """Active vouches for `user` by current members of `group`: what a join request to a
    group that requires a vouch may name."""
    return list(
        db.session.scalars(
            select(Vouch)
            .options(selectinload(Vouch.voucher))
            .where(_active(), Vouch.vouchee_id == user.id, Vouch.voucher_id.in_(_member_ids(group)))
            .order_by(Vouch.created_at)
        )
    )


# --- interest matching -------------------------------------------------------------------


def groups_to_know(viewer: User | None, limit: int = 10) -> list[tuple[Group, int]]:
    """Groups the viewer may see (listed ones; never one they are merely invited to) and
    has not joined, sharing interests with them, most shared first. One query."""
    if not is_signed_in(viewer):
        return []
    mine = select(user_interests.c.interest_id).where(user_interests.c.user_id == viewer.id)
    joined = select(Membership.group_id).where(Membership.user_id == viewer.id)
    shared = func.count(group_interests.c.interest_id)
    return [
        tuple(row)
        for row in db.session.execute(
            select(Group, shared)
            .join(group_interests, group_interests.c.group_id == Group.id)
            .where(
                visibility.visible_group_clause(viewer, invited=False),
                Group.id.not_in(joined),
                group_interests.c.interest_id.in_(mine),
            )
            .group_by(Group.id)
            .order_by(shared.desc(), Group.name)
            .limit(limit)
        )
    ]


def people_to_know(viewer: User | None, limit: int = 20) -> list[tuple[User, list[str]]]:
    """Members open to contact who share interests with the viewer, most shared first,
    each with the shared interests. Two queries."""
    if not is_signed_in(viewer):
        return []
    mine = select(user_interests.c.interest_id).where(user_interests.c.user_id == viewer.id)
    shared = func.count(user_interests.c.interest_id)
    rows = db.session.execute(
        select(User, shared)
        .join(user_interests, user_interests.c.user_id == User.id)
        .where(User.open_to_contact.is_(True), User.id != viewer.id, user_interests.c.interest_id.in_(mine))
        .group_by(User.id)
        .order_by(shared.desc(), User.username)
        .limit(limit)
    ).all()
    users = [user for user, _ in rows]
    names: dict[int, list[str]] = {u.id: [] for u in users}
    if users:
        for user_id, name in db.session.execute(
            select(user_interests.c.user_id, Interest.name)
            .join(Interest, Interest.id == user_interests.c.interest_id)
            .where(user_interests.c.user_id.in_(names), Interest.id.in_(mine))
            .order_by(Interest.name)
        ):
            names[user_id].append(name)
    return [(user, names[user.id]) for user in users]

"""A member's own state, read once a request in one statement: the groups they belong to
(and which of those require two-factor, and whether they have it), the ban in force, the
warnings they have not acknowledged, and the site terms in force and whether they agreed.

Every signed-in page asks for all of it (principals for every read, the ban for the vote
buttons and the banner, the warnings banner, the site-terms gate), and each was its own
statement, whose building cost more than running it. One UNION ALL returns it instead:
one row `s` for the single answers, one row `m` per membership, one row `w` per pending
warning. The ban and warnings are returned as ids; their rows (for the banner's reason and
dates) are loaded only for the rare member who has one (`permissions.active_ban`,
`moderation.pending_warnings`).

Kept in the request's memo (forum/infra/memo.py: never longer, so a removed member, a ban
or new terms count from the next request), and dropped inside a request by the writes that
change it (`forget`: memberships, two-factor, bans, warnings, site terms).

It lives in infra, below permissions and visibility, because both read from it; it reads
only the member's own rows, never content.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    DateTime,
    Integer,
    and_,
    bindparam,
    case,
    exists,
    literal,
    null,
    or_,
    select,
    union_all,
)

from forum.infra.memo import forget as forget_memo
from forum.infra.memo import request_memo
from forum.infra.rows import rows as plain_rows
from forum.models import Ban, Group, Membership, ModeratorWarning
from forum.models._time import utcnow
from forum.models.terms import SiteTerms, SiteTermsAcceptance
from forum.models.two_factor import has_two_factor

_MEMO = "viewer_state"


@dataclass(frozen=True)
class ViewerState:
    group_ids: frozenset[int]  # every membership
    open_group_ids: frozenset[int]  # those whose posts the member may read now (two-factor)
    ban_id: int | None  # the ban in force, the longest-lasting if several overlap
    warning_ids: tuple[int, ...]  # unacknowledged
    site_terms_id: int | None  # the site terms in force, if any
    accepted_site_terms: bool  # agreed to those (True when there are none)


def ban_in_force(now=None) -> ColumnElement[bool]:
    """SQL on Ban: not lifted and not expired (at `now`, the clock's time unless given)."""
    return and_(
        Ban.lifted_at.is_(None), or_(Ban.expires_at.is_(None), Ban.expires_at > (utcnow() if now is None else now))
    )


def _flag(condition) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


@cache
def _statement() -> CompoundSelect:
    """Built once: its building cost more than running it. Every value is a
    bound parameter (`user_id`, `now`), so nothing of one member or moment stays in it."""
    user_id, now = bindparam("user_id", type_=Integer), bindparam("now", type_=DateTime)
    ban = (
        select(Ban.id)
        .where(Ban.user_id == user_id, ban_in_force(now))
        .order_by(Ban.expires_at.is_(None).desc(), Ban.expires_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    terms = select(SiteTerms.id).order_by(SiteTerms.id.desc()).limit(1).scalar_subquery()
    accepted = exists().where(SiteTermsAcceptance.user_id == user_id, SiteTermsAcceptance.version == terms)
    single = select(
        literal("s").label("kind"),
        ban.label("a"),
        _flag(has_two_factor(user_id)).label("b"),
        terms.label("c"),
        _flag(accepted).label("d"),
    )
    memberships = (
        select(literal("m"), Membership.group_id, _flag(Group.requires_two_factor), null(), null())
        .join(Group, Group.id == Membership.group_id)
        .where(Membership.user_id == user_id)
    )
    warnings = select(literal("w"), ModeratorWarning.id, null(), null(), null()).where(
        ModeratorWarning.user_id == user_id, ModeratorWarning.acknowledged_at.is_(None)
    )
    return union_all(single, memberships, warnings)


# A member who holds nothing: no group, no ban, no warning, no terms agreed to. The stand-in
# viewers forum/infra/prebuilt.py builds its statements for are such members, by ids no
# row has; their state is known without asking, so the request that first builds a
# statement runs the same statements as every later one (a page's statement count must not
# depend on which page first built it in this worker).
NOTHING = ViewerState(
    group_ids=frozenset(),
    open_group_ids=frozenset(),
    ban_id=None,
    warning_ids=(),
    site_terms_id=None,
    accepted_site_terms=False,
)
_HOLD_NOTHING: set[int] = set()


def hold_nothing(*user_ids: int) -> None:
    """These ids belong to no member: their state is NOTHING, never read."""
    _HOLD_NOTHING.update(user_ids)


def state(user_id: int) -> ViewerState:
    """The member's state for this request (one statement the first time)."""
    if user_id in _HOLD_NOTHING:
        return NOTHING
    memo = request_memo(_MEMO)
    if user_id not in memo:
        memo[user_id] = _load(user_id)
    return memo[user_id]


def _load(user_id: int) -> ViewerState:
    # Plain rows (forum/infra/rows.py): the ORM's loaders were a fifth of this call's cost.
    rows = plain_rows(_statement(), {"user_id": user_id, "now": utcnow()}).all()
    single = next(row for row in rows if row[0] == "s")
    two_factor = bool(single[2])
    memberships = [(row[1], bool(row[2])) for row in rows if row[0] == "m"]
    return ViewerState(
        group_ids=frozenset(gid for gid, _ in memberships),
        open_group_ids=frozenset(gid for gid, requires in memberships if two_factor or not requires),
        ban_id=single[1],
        warning_ids=tuple(row[1] for row in rows if row[0] == "w"),
        site_terms_id=single[3],
        accepted_site_terms=single[3] is None or bool(single[4]),
    )


def forget() -> None:
    """A write inside this request changed someone's state: read it again."""
    forget_memo(_MEMO)

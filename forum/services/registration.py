"""Who may create an account: REGISTRATION_MODE "open", "invite" or "approval".

invite: a registration spends an unused invite code that an admin, or a member with
INVITE_MIN_KARMA, created at /invites. approval: the account is created but may only read
(permissions.can_write) until an admin approves it at /moderation/approvals.
"""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import func, select, update

from forum import permissions
from forum.extensions import db
from forum.models import Invite, User
from forum.models._time import utcnow
from forum.services import accounts
from forum.services.errors import ServiceError
from forum.services.guards import ensure_can_write

MODES = ("open", "invite", "approval")


def mode() -> str:
    chosen = current_app.config["REGISTRATION_MODE"]
    if chosen not in MODES:
        raise RuntimeError(f"REGISTRATION_MODE is {chosen!r}; it must be one of {', '.join(MODES)}.")
    return chosen


def registration_problems(
    username: str | None, display_name: str | None, password: str | None, email: str | None, invite_code: str | None
) -> list[ServiceError]:
    """What register_member would refuse that can be known before trying, all at once (a used
    invite code shows only when the account is made: spending it is the check)."""
    problems = accounts.registration_problems(username, display_name, password, email)
    if mode() == "invite" and not (invite_code or "").strip():
        problems.append(ServiceError("Registration here needs an invite code from a member.", field="invite_code"))
    return problems


def register_member(
    username: str | None,
    display_name: str | None,
    password: str | None,
    email: str | None,
    invite_code: str | None = None,
) -> User:
    """Create the account as the site's mode says, in one transaction with the invite it spends."""
    current = mode()
    code = (invite_code or "").strip()
    if current == "invite" and not code:
        raise ServiceError("Registration here needs an invite code from a member.", field="invite_code")
    user = accounts.register(username, display_name, password, email, commit=False)
    if current == "invite":
        # Conditional on still being unused: two registrations racing for one code cannot both win.
        spent = db.session.execute(
            update(Invite)
            .where(Invite.code == code, Invite.used_at.is_(None))
            .values(used_by_id=user.id, used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]  # DML returns a CursorResult
            db.session.rollback()
            raise ServiceError("That invite code is unknown or already used.", field="invite_code")
    user.awaiting_approval = current == "approval"
    accounts.commit_registration()
    return user


# --- invites ------------------------------------------------------------------------------


def may_invite(user: User | None) -> bool:
    return (
        mode() == "invite"
        and permissions.can_write(user)
        and (permissions.is_admin(user) or user.karma >= current_app.config["INVITE_MIN_KARMA"])
    )


def invites_of(user: User) -> list[Invite]:
    return list(db.session.scalars(select(Invite).where(Invite.created_by_id == user.id).order_by(Invite.id.desc())))


def create_invite(user: User) -> Invite:
    ensure_can_write(user, "vouch")  # an invite vouches for a newcomer
    if not may_invite(user):
        raise ServiceError(
            f"Invites are made by admins and members with {current_app.config['INVITE_MIN_KARMA']} karma.", status=403
        )
    most = current_app.config["INVITES_OPEN_MAX"]
    unused = db.session.scalar(
        select(func.count()).select_from(Invite).where(Invite.created_by_id == user.id, Invite.used_at.is_(None))
    )
    if unused >= most and not permissions.is_admin(user):
        raise ServiceError(f"You hold {unused} unused invites; give those out first.", status=409)
    invite = Invite(code=secrets.token_urlsafe(12), created_by_id=user.id)
    db.session.add(invite)
    db.session.commit()
    return invite


# --- approval -----------------------------------------------------------------------------


def awaiting_approval() -> list[User]:
    return list(db.session.scalars(select(User).where(User.awaiting_approval.is_(True)).order_by(User.created_at)))


def approve(actor: User, user: User) -> None:
    if not permissions.is_admin(actor):
        raise ServiceError("Only admins approve accounts.", status=403)
    user.awaiting_approval = False
    db.session.commit()

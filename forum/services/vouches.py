"""Vouching for another member, and withdrawing it."""

from __future__ import annotations

from forum.extensions import db
from forum.models import User, Vouch
from forum.models._time import utcnow
from forum.queries import trust
from forum.services.errors import ServiceError
from forum.services.guards import ensure_can_write
from forum.services.unique import add_once

STATEMENT_MIN, STATEMENT_MAX = 3, 280


def vouch(voucher: User, vouchee: User, statement: str | None) -> Vouch:
    ensure_can_write(voucher, "vouch")  # the statement is public text
    if voucher.id == vouchee.id:
        raise ServiceError("You cannot vouch for yourself.", field="statement")
    statement = " ".join((statement or "").split())
    if not STATEMENT_MIN <= len(statement) <= STATEMENT_MAX:
        raise ServiceError(
            f"Say in {STATEMENT_MIN} to {STATEMENT_MAX} characters what you know of their work.",
            field="statement",
        )
    already = ServiceError(
        f"You already vouch for {vouchee.username}. Withdraw that vouch first to write a new one.",
        field="statement",
        status=409,
    )
    if trust.active_vouch(voucher.id, vouchee.id) is not None:
        raise already
    return add_once(Vouch(voucher_id=voucher.id, vouchee_id=vouchee.id, statement=statement), already)


def withdraw(voucher: User, vouchee: User) -> Vouch:
    """Withdrawn vouches are kept, marked, so a join request that relied on one can say so."""
    active = trust.active_vouch(voucher.id, vouchee.id)
    if active is None:
        raise ServiceError(f"You do not vouch for {vouchee.username}.", status=409)
    active.withdrawn_at = utcnow()
    db.session.commit()
    return active

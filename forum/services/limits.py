"""Limits counted in the database per client address: sign-in failures and registrations.

Sign-in failures count per (account, address): the typed username (normalized, known or
not) and the address it came from. A few failures cost nothing; after that each one makes
that pair wait twice as long as the last, up to a cap. So a colleague's typos behind a
shared lab address never refuse your correct password, and failures from elsewhere never
lock you out at your own address. A generous ceiling per address (distinct accounts failed
within an hour) stops one address spraying a common password across many accounts.

Known and unknown usernames are counted and refused alike, so the refusal tells nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from limits import parse_many
from sqlalchemy import delete, func, select

from forum.extensions import db
from forum.models import LimitEvent
from forum.models._time import utcnow
from forum.models.limits import REGISTRATION, SIGN_IN_FAILURE
from forum.models.user import normalize_username

# Failures older than this are forgotten; so is everything once the pair signs in.
SIGN_IN_WINDOW = timedelta(hours=24)
ADDRESS_WINDOW = timedelta(hours=1)


class Refused(Exception):
    """An attempt refused before it is tried; `message` says why and for how long."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{-(-minutes // 60)} hours"


def _seconds_until(moment: datetime) -> int:
    return max(1, int(-(-(moment - utcnow()).total_seconds() // 1)))


# --- sign-in ------------------------------------------------------------------------------


def sign_in_delay(failures: int) -> timedelta:
    """How long a pair waits after its `failures`-th failure: nothing for the free ones,
    then the base delay, doubling with each further failure, at most the cap."""
    config = current_app.config
    extra = failures - config["SIGN_IN_FREE_FAILURES"]
    if extra < 0:
        return timedelta(0)
    seconds = min(config["SIGN_IN_DELAY_SECONDS"] * 2 ** min(extra, 30), config["SIGN_IN_DELAY_MAX_SECONDS"])
    return timedelta(seconds=seconds)


def check_sign_in(username: str | None, address: str) -> None:
    """Raise Refused if this (account, address) pair, or this address, must wait."""
    now = utcnow()
    subject = normalize_username(username)[:64]
    pair = db.session.execute(
        select(func.count(), func.max(LimitEvent.created_at)).where(
            LimitEvent.kind == SIGN_IN_FAILURE,
            LimitEvent.subject == subject,
            LimitEvent.address == address,
            LimitEvent.created_at > now - SIGN_IN_WINDOW,
        )
    ).one()
    failures, last = pair
    if failures and last + sign_in_delay(failures) > now:
        wait = wait_text(_seconds_until(last + sign_in_delay(failures)))
        raise Refused(
            f"Too many failed sign-ins to this account from your address. Try again in {wait}.",
            _seconds_until(last + sign_in_delay(failures)),
        )
    ceiling = current_app.config["SIGN_IN_ADDRESS_ACCOUNTS_PER_HOUR"]
    # The newest failure of each account failed from here within the hour, oldest first:
    # the address may try again once fewer than `ceiling` of them remain in the window.
    recent = db.session.scalars(
        select(func.max(LimitEvent.created_at))
        .where(
            LimitEvent.kind == SIGN_IN_FAILURE,
            LimitEvent.address == address,
            LimitEvent.created_at > now - ADDRESS_WINDOW,
        )
        .group_by(LimitEvent.subject)
        .order_by(func.max(LimitEvent.created_at))
    ).all()
    if len(recent) >= ceiling and subject not in _failed_here_recently(address, now):
        until = recent[len(recent) - ceiling] + ADDRESS_WINDOW
        raise Refused(
            f"Too many accounts failed to sign in from your address this hour. Try again in "
            f"{wait_text(_seconds_until(until))}.",
            _seconds_until(until),
        )


def _failed_here_recently(address: str, now: datetime) -> set[str]:
    return set(
        db.session.scalars(
            select(LimitEvent.subject)
            .where(
                LimitEvent.kind == SIGN_IN_FAILURE,
                LimitEvent.address == address,
                LimitEvent.created_at > now - ADDRESS_WINDOW,
            )
            .distinct()
        )
    )


def record_sign_in_failure(username: str | None, address: str) -> None:
    _prune(SIGN_IN_FAILURE, SIGN_IN_WINDOW)
    db.session.add(LimitEvent(kind=SIGN_IN_FAILURE, subject=normalize_username(username)[:64], address=address))
    db.session.commit()


def forget_sign_in_failures(username: str | None, address: str) -> None:
    """A correct password from this address: its earlier typos no longer count."""
    db.session.execute(
        delete(LimitEvent).where(
            LimitEvent.kind == SIGN_IN_FAILURE,
            LimitEvent.subject == normalize_username(username)[:64],
            LimitEvent.address == address,
        )
    )
    db.session.commit()


# --- registration -------------------------------------------------------------------------


def _registration_limits():
    return parse_many(current_app.config["REGISTRATION_LIMIT"])


def check_registration(address: str) -> None:
    """Raise Refused when this address has created as many accounts as REGISTRATION_LIMIT allows."""
    now = utcnow()
    for item in _registration_limits():
        window = timedelta(seconds=item.get_expiry())
        times = db.session.scalars(
            select(LimitEvent.created_at)
            .where(LimitEvent.kind == REGISTRATION, LimitEvent.address == address, LimitEvent.created_at > now - window)
            .order_by(LimitEvent.created_at.desc())
            .limit(item.amount)
        ).all()
        if len(times) >= item.amount:
            until = times[-1] + window
            plural = "s" if item.amount != 1 else ""
            raise Refused(
                f"{item.amount} account{plural} {per_window(item.get_expiry())} can be created from one address. "
                f"Try again in {wait_text(_seconds_until(until))}; what you typed is kept below.",
                _seconds_until(until),
            )


def per_window(seconds: int) -> str:
    """'an hour' for 3600: how a limit's window reads in a message."""
    names = {60: "a minute", 3600: "an hour", 86400: "a day", 604800: "a week"}
    return names.get(seconds, f"in {wait_text(seconds)}")


def record_registration(address: str) -> None:
    longest = max(timedelta(seconds=item.get_expiry()) for item in _registration_limits())
    _prune(REGISTRATION, longest)
    db.session.add(LimitEvent(kind=REGISTRATION, address=address))
    db.session.commit()


def _prune(kind: str, window: timedelta) -> None:
    db.session.execute(delete(LimitEvent).where(LimitEvent.kind == kind, LimitEvent.created_at <= utcnow() - window))

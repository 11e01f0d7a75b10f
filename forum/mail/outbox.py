"""Draining the email queue: claim due rows, compose each at sending time, send, and
on failure record the error and try again later (exponential backoff, never dropped).

Only the worker (`flask forum worker`) calls this; requests only add rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from forum.extensions import db
from forum.mail.compose import compose
from forum.mail.transport import Transport, from_config
from forum.models import Notification, OutboxMessage
from forum.models._time import utcnow

# A claimed row is hidden from other workers this long; if the worker dies mid-send the
# row comes back by itself.
LEASE = timedelta(minutes=5)


@dataclass
class Tally:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    config = current_app.config
    return timedelta(
        seconds=min(config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1), config["MAIL_RETRY_MAX_SECONDS"])
    )


def _claim(row_id: int, now: datetime) -> OutboxMessage | None:
    """Take one due row for this worker: an UPDATE that only one worker can win."""
    won = db.session.execute(  # type: ignore[attr-defined]  # DML returns a CursorResult
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE)
    ).rowcount
    db.session.commit()
    return db.session.get(OutboxMessage, row_id) if won == 1 else None


def _deliver(row: OutboxMessage, transport: Transport, tally: Tally) -> None:
    now = utcnow()
    # A fresh request context per message: links need a host, and the per-request
    # principal cache must never carry one recipient's groups (or an old state) over.
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        try:
            message = compose(row)
            if message is not None:
                transport.send(message)
        except Exception as error:  # noqa: BLE001 - any failure is retried, never lost
            db.session.rollback()
            row = db.session.get_one(OutboxMessage, row.id)
            row.attempts += 1
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            row.next_attempt_at = utcnow() + backoff(row.attempts)
            db.session.commit()
            tally.failed += 1
            tally.errors.append(row.last_error)
            return
    row.status = "sent" if message is not None else "skipped"
    row.sent_at = now  # a digest's next window starts here
    if row.kind == "digest":
        # Two events at once may each have queued a digest (no lock is taken for it):
        # this one covered the other's window too.
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.user_id == row.user_id,
                OutboxMessage.kind == "digest",
                OutboxMessage.status == "pending",
                OutboxMessage.id != row.id,
            )
            .values(status="skipped", sent_at=now, last_error="merged into an earlier digest")
        )
    elif row.kind == "thread":
        # Likewise two comments at once may each have opened a batch for the same thread.
        first = db.session.get(Notification, row.notification_id)
        same_thread = select(Notification.id).where(Notification.post_id == (first.post_id if first else None))
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.user_id == row.user_id,
                OutboxMessage.kind == "thread",
                OutboxMessage.status == "pending",
                OutboxMessage.id != row.id,
                OutboxMessage.notification_id.in_(same_thread),
            )
            .values(status="skipped", sent_at=now, last_error="merged into an earlier email about its thread")
        )
    row.attempts += 1
    db.session.commit()
    if message is None:
        tally.skipped += 1
    else:
        tally.sent += 1


def run_once(transport: Transport | None = None, now: datetime | None = None) -> Tally:
    """Send every row due now (in batches), each at most once per pass."""
    transport = transport or from_config()
    tally = Tally()
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(current_app.config["MAIL_BATCH"])
        )
    )
    for row_id in due:
        row = _claim(row_id, now)
        if row is not None:
            _deliver(row, transport, tally)
    return tally


def run_forever(interval: float, echo=print, jobs=()) -> None:  # pragma: no cover - a loop around run_once
    """`jobs`: other periodic work (no arguments) run before each round of sending."""
    transport = from_config()
    while True:
        for job in jobs:
            job()
        tally = run_once(transport)
        if tally.sent or tally.skipped or tally.failed:
            echo(f"mail: {tally.sent} sent, {tally.skipped} skipped, {tally.failed} to retry")
        db.session.remove()
        time.sleep(interval)

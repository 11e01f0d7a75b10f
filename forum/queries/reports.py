"""The moderators' queue: reports and the copies they keep of what was reported.

This is the one read of restricted text that does not pass through `visibility.readable`:
a report keeps a copy of the reported title and text (made when a reader in the audience
reported it), and site moderators read that copy here whether or not they are in the
post's audience. Everyone else gets nothing: an empty queue, 404 for a report.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, select
from sqlalchemy.orm import selectinload

from forum import permissions
from forum.extensions import db
from forum.models import Report, User


def queue(viewer: User | None, *, resolved: bool = False) -> Select[tuple[Report]]:
    """Open reports, oldest first, or resolved ones, newest first, with their people and
    items loaded; no rows for anyone but a site moderator."""
    if resolved:
        query = select(Report).where(Report.status == "resolved").order_by(Report.resolved_at.desc())
    else:
        query = select(Report).where(Report.status == "open").order_by(Report.created_at, Report.id)
    if not permissions.is_moderator(viewer):
        query = query.where(false())
    return query.options(
        *(selectinload(rel) for rel in (Report.reporter, Report.author, Report.post, Report.comment, Report.message))
    )


def get_report_or_404(viewer: User | None, report_id: int) -> Report:
    """One report, for site moderators; 404 for everyone else, like a missing one."""
    report = db.session.get(Report, report_id) if permissions.is_moderator(viewer) else None
    if report is None:
        abort(404)
    return report

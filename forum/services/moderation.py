"""Reports, removals, warnings, bans and roles. Every decision writes one line of the
public moderation log (`ModAction`) in the same transaction as the change itself."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from forum import permissions
from forum.extensions import db
from forum.infra import viewer_state
from forum.models import (
    REPORT_DECISIONS,
    REPORT_REASONS,
    ROLES,
    Ban,
    Comment,
    Message,
    ModAction,
    ModeratorWarning,
    Post,
    Report,
    User,
)
from forum.models._time import utcnow
from forum.search import indexing
from forum.services import history, notifications
from forum.services.errors import ServiceError
from forum.services.guards import ensure_can_write

REASON_MAX = 2_000
BAN_DAYS_MAX = 3_650


def _reason(text: str | None, *, required: bool = True) -> str:
    text = " ".join((text or "").split())
    if required and not text:
        raise ServiceError("Give a reason; it is shown to the person concerned and in the log.", field="reason")
    if len(text) > REASON_MAX:
        raise ServiceError(f"Reasons are at most {REASON_MAX:,} characters.", field="reason")
    return text


def _log(actor: User | None, action: str, reason: str = "", **fields) -> ModAction:
    entry = ModAction(moderator_id=actor.id if actor else None, action=action, reason=reason, **fields)
    db.session.add(entry)
    return entry


# --- reports ----------------------------------------------------------------------------


def _report_details(reporter: User, reason: str, details: str) -> str:
    ensure_can_write(reporter, "report")
    if reason not in REPORT_REASONS:
        raise ServiceError("Choose a reason.", field="reason")
    details = (details or "").strip()
    if reason == "other" and not details:
        raise ServiceError("Tell the moderators what is wrong.", field="details")
    if len(details) > REASON_MAX:
        raise ServiceError(f"At most {REASON_MAX:,} characters, please.", field="details")
    return details


def _on_same_item(query, item: dict):
    """Reports on exactly this item: a post's own reports are not its comments'."""
    for column in ("post_id", "comment_id", "message_id"):
        value = item.get(column)
        query = query.where(getattr(Report, column).is_(None) if value is None else getattr(Report, column) == value)
    return query


def _open_report(reporter: User, author_id: int | None, **item) -> Report:
    """The reporter's open report on this item (post, comment or message), or a new one:
    a second report by the same person on the same item updates the open one."""
    query = _on_same_item(select(Report).where(Report.reporter_id == reporter.id, Report.status == "open"), item)
    existing = db.session.scalar(query)
    now = utcnow()
    if existing is None:
        existing = Report(reporter_id=reporter.id, author_id=author_id, created_at=now, **item)
        db.session.add(existing)
    existing.updated_at = now
    return existing


def report(reporter: User, post: Post, comment: Comment | None, reason: str, details: str = "") -> Report:
    """Report a post, or a comment on it. The caller fetched both through visibility."""
    details = _report_details(reporter, reason, details)
    item = comment or post
    if item.is_deleted or item.is_removed:
        raise ServiceError("That is already gone.", status=409)
    if comment is not None and comment.post_id != post.id:
        raise ServiceError("That comment belongs to another post.", status=400)
    existing = _open_report(reporter, item.author_id, post_id=post.id, comment_id=comment.id if comment else None)
    existing.reason, existing.details = reason, details
    # The copy is what moderators outside a restricted audience judge; refresh it so it
    # matches what the reporter saw this time.
    existing.audience_kind = post.audience_kind
    existing.copy_title = "" if comment is not None else post.title
    existing.copy_html = item.body_html
    db.session.commit()
    return existing


def report_message(reporter: User, message: Message, reason: str, details: str = "") -> Report:
    """Report a message of a conversation the reporter takes part in (the caller fetched it
    through visibility). The copy is that message's text alone, as the reporter reads it
    now (after any edit): a moderator outside the conversation judges it from this copy and
    never opens the conversation, whose subject and other messages were not reported."""
    details = _report_details(reporter, reason, details)
    if message.is_removed or message.author_id is None or not message.body_html:
        raise ServiceError("That is already gone.", status=409)
    if message.author_id == reporter.id:
        raise ServiceError("You cannot report your own message.", status=409)
    existing = _open_report(reporter, message.author_id, message_id=message.id)
    existing.reason, existing.details = reason, details
    existing.audience_kind, existing.copy_title, existing.copy_html = "conversation", "", message.body_html
    db.session.commit()
    return existing


def count_open_reports() -> int:
    return db.session.scalar(select(func.count()).select_from(Report).where(Report.status == "open")) or 0


def _on_item(report: Report) -> dict:
    """The log fields naming what a report was about (never the conversation: its id says
    nothing to the log's readers, who are decided by `message_id`)."""
    return {"post_id": report.post_id, "comment_id": report.comment_id, "message_id": report.message_id}


def _close_reports(moderator: User, decision: str, first: Report | None, **item) -> None:
    """Close every open report on the item, so one decision settles them all."""
    query = _on_same_item(select(Report).where(Report.status == "open"), item)
    now = utcnow()
    for open_report in db.session.scalars(query):
        open_report.status, open_report.decision = "resolved", decision
        open_report.resolved_at, open_report.resolved_by_id = now, moderator.id
    if first is not None and first.is_open:
        first.status, first.decision, first.resolved_at, first.resolved_by_id = "resolved", decision, now, moderator.id


def resolve_report(moderator: User, report: Report, decision: str, reason: str, ban_days: int | None = None) -> None:
    """Settle a report. Site moderators act here without reading the post or the
    conversation: the report's copy is their view of it, so nothing below reads through
    visibility."""
    if not permissions.is_moderator(moderator):
        raise ServiceError("Only moderators resolve reports.", status=403)
    if not report.is_open:
        raise ServiceError("That report is already resolved.", status=409)
    if decision not in REPORT_DECISIONS:
        raise ServiceError("Choose a decision.", field="decision")
    if decision == "dismiss":
        reason = _reason(reason, required=False)
        _close_reports(moderator, "dismiss", report, **_on_item(report))
        _log(moderator, "dismiss", reason, target_user_id=None, report_id=report.id, **_on_item(report))
        db.session.commit()
    elif decision == "remove":
        if report.message is not None:
            _remove_message(moderator, report.message, _reason(reason), report)
            return
        assert report.post is not None  # a report is on a post (or its comment) or on a message
        item = report.comment or report.post
        if item.is_removed:
            raise ServiceError("That is already removed.", status=409)
        _remove(moderator, report.post, report.comment, _reason(reason), report=report, group_id=None)
    elif decision == "warn":
        warn_user(moderator, report.author, reason, report=report)
    else:
        ban_user(moderator, report.author, reason, ban_days, report=report)


# --- messages, through their report only ------------------------------------------------


def _remove_message(moderator: User, message: Message, reason: str, report: Report) -> None:
    if message.is_removed:
        raise ServiceError("That is already removed.", status=409)
    message.removed_at, message.removal_reason = utcnow(), reason
    _close_reports(moderator, "remove", report, message_id=message.id)
    _log(
        moderator,
        "remove_message",
        reason,
        target_user_id=message.author_id,
        message_id=message.id,
        report_id=report.id,
    )
    notifications.message_moderated(message.author_id, message.conversation_id, removed=True)
    db.session.commit()


def restore_message(moderator: User, report: Report, reason: str = "") -> None:
    """Undo a removal made from a message's report, again without opening the conversation."""
    if not permissions.is_moderator(moderator):
        raise ServiceError("Only moderators restore messages.", status=403)
    message = report.message
    if message is None or not message.is_removed:
        raise ServiceError("That is not removed.", status=409)
    message.removed_at, message.removal_reason = None, ""
    reason = _reason(reason, required=False)
    _log(moderator, "restore_message", reason, target_user_id=message.author_id, message_id=message.id)
    notifications.message_moderated(message.author_id, message.conversation_id, removed=False)
    db.session.commit()


# --- removal ----------------------------------------------------------------------------


def _recount(post_id: int) -> None:
    """Recount live comments in SQL, so removal and deletion can never double-count."""
    history.recount_open_comments(post_id)


def _remove(
    actor: User, post: Post, comment: Comment | None, reason: str, *, report: Report | None, group_id: int | None
) -> None:
    item = comment or post
    item.removed_at, item.removed_by_id, item.removal_reason = utcnow(), actor.id, reason
    action = ("group_" if group_id else "") + ("remove_comment" if comment else "remove_post")
    _log(
        actor,
        action,
        reason,
        target_user_id=item.author_id,
        post_id=post.id,
        comment_id=comment.id if comment else None,
        group_id=group_id,
        report_id=report.id if report else None,
    )
    if permissions.is_moderator(actor) or report is not None:
        _close_reports(actor, "remove", report, post_id=post.id, comment_id=comment.id if comment else None)
    notifications.moderated(post, comment, removed=True)
    _commit_and_reindex(post, comment)


def _acting_group(actor: User, post: Post) -> int | None:
    """None when a site moderator acts; the group id when a group moderator does."""
    if permissions.is_moderator(actor):
        return None
    if permissions.is_group_moderator_of(actor, post):
        return permissions.moderating_group_id(post)
    raise ServiceError("You cannot moderate this.", status=403)


def remove_post(actor: User, post: Post, reason: str) -> None:
    """Remove a post the actor can read (fetched through visibility)."""
    group_id = _acting_group(actor, post)
    if post.is_removed:
        raise ServiceError("That post is already removed.", status=409)
    _remove(actor, post, None, _reason(reason), report=None, group_id=group_id)


def remove_comment(actor: User, comment: Comment, reason: str) -> None:
    group_id = _acting_group(actor, comment.post)
    if comment.is_removed:
        raise ServiceError("That comment is already removed.", status=409)
    _remove(actor, comment.post, comment, _reason(reason), report=None, group_id=group_id)


def _restore(actor: User, post: Post, comment: Comment | None, reason: str) -> None:
    group_id = _acting_group(actor, post)
    item = comment or post
    if not item.is_removed:
        raise ServiceError("That is not removed.", status=409)
    item.removed_at, item.removed_by_id, item.removal_reason = None, None, ""
    action = ("group_" if group_id else "") + ("restore_comment" if comment else "restore_post")
    _log(
        actor,
        action,
        reason,
        target_user_id=item.author_id,
        post_id=post.id,
        comment_id=comment.id if comment else None,
        group_id=group_id,
    )
    notifications.moderated(post, comment, removed=False)
    _commit_and_reindex(post, comment)


def restore_post(actor: User, post: Post, reason: str = "") -> None:
    _restore(actor, post, None, _reason(reason, required=False))


def restore_comment(actor: User, comment: Comment, reason: str = "") -> None:
    _restore(actor, comment.post, comment, _reason(reason, required=False))


# --- people -----------------------------------------------------------------------------


def warn_user(moderator: User, user: User, reason: str, *, report: Report | None = None) -> ModeratorWarning:
    if not permissions.is_moderator(moderator):
        raise ServiceError("Only moderators warn people.", status=403)
    reason = _reason(reason)
    warning = ModeratorWarning(user_id=user.id, moderator_id=moderator.id, reason=reason)
    db.session.add(warning)
    fields = {}
    if report is not None:
        fields = {**_on_item(report), "report_id": report.id}
        _close_reports(moderator, "warn", report, **_on_item(report))
    _log(moderator, "warn", reason, target_user_id=user.id, **fields)
    db.session.commit()
    viewer_state.forget()
    return warning


def acknowledge_warning(user: User, warning_id: int) -> None:
    warning = db.session.get(ModeratorWarning, warning_id)
    if warning is None or warning.user_id != user.id:
        raise ServiceError("No such warning.", status=404)
    if warning.acknowledged_at is None:
        warning.acknowledged_at = utcnow()
        db.session.commit()
        viewer_state.forget()


def pending_warnings(user: User) -> list[ModeratorWarning]:
    """Unacknowledged, oldest first. Their ids come with the member's state (one statement
    every page asks anyway); the rows only when there are some."""
    ids = viewer_state.state(user.id).warning_ids
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(ModeratorWarning)
            .where(ModeratorWarning.id.in_(ids), ModeratorWarning.acknowledged_at.is_(None))
            .order_by(ModeratorWarning.created_at)
        )
    )


def ban_user(moderator: User, user: User, reason: str, days: int | None = None, *, report: Report | None = None) -> Ban:
    """Ban for `days` days, or permanently when `days` is None."""
    if not permissions.is_moderator(moderator):
        raise ServiceError("Only moderators ban people.", status=403)
    if not permissions.can_ban(moderator, user):
        raise ServiceError(
            "You cannot ban yourself, an admin, or (unless you are an admin) another moderator.", status=403
        )
    reason = _reason(reason)
    if days is not None and not 1 <= days <= BAN_DAYS_MAX:
        raise ServiceError(f"A temporary ban lasts 1 to {BAN_DAYS_MAX} days.", field="days")
    now = utcnow()
    ban = Ban(
        user_id=user.id,
        moderator_id=moderator.id,
        reason=reason,
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    db.session.add(ban)
    if report is not None:
        _close_reports(moderator, "ban", report, **_on_item(report))
    # A ban is about a person: its log line never names the reported content. One from a
    # message's report keeps `message_id`, so the log tells its reason only to the
    # conversation's participants (the reason may quote the message).
    _log(
        moderator,
        "ban",
        reason,
        target_user_id=user.id,
        expires_at=ban.expires_at,
        report_id=report.id if report else None,
        message_id=report.message_id if report else None,
    )
    db.session.commit()
    permissions.forget_bans()
    return ban


def unban_user(moderator: User, user: User, reason: str = "") -> None:
    if not permissions.is_moderator(moderator):
        raise ServiceError("Only moderators lift bans.", status=403)
    reason = _reason(reason, required=False)
    active = permissions.active_ban(user)
    if active is None:
        raise ServiceError("That person is not banned.", status=409)
    now = utcnow()
    for ban in db.session.scalars(select(Ban).where(Ban.user_id == user.id, Ban.lifted_at.is_(None))):
        if ban.is_active(now):
            ban.lifted_at, ban.lifted_by_id = now, moderator.id
    _log(moderator, "unban", reason, target_user_id=user.id)
    db.session.commit()
    permissions.forget_bans()


def set_role(actor: User | None, user: User, role: str, reason: str = "") -> None:
    """Grant or revoke a site role. `actor` None is the operator at the command line."""
    if role not in ROLES:
        raise ServiceError("Unknown role.", field="role")
    if actor is not None and not permissions.can_change_role(actor, user):
        raise ServiceError("Only admins change roles, and not their own.", status=403)
    if user.role == role:
        return
    reason = _reason(reason, required=False)
    previous, user.role = user.role, role
    rank = {"user": 0, "moderator": 1, "admin": 2}
    action = "grant_" + role if rank[role] > rank[previous] else "revoke_" + previous
    _log(actor, action, reason, target_user_id=user.id)
    db.session.commit()


def _commit_and_reindex(post: Post, comment: Comment | None) -> None:
    """Removal and restore end alike: the live-comment count follows, then the index."""
    db.session.flush()
    if comment is not None:
        _recount(post.id)
    db.session.commit()
    if comment is not None:
        indexing.comment_changed(comment.id)
    else:
        indexing.post_changed(post.id)

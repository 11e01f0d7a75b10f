"""Reports, the moderators' queue, removals, bans, roles and the public log."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from forum import permissions, visibility
from forum.extensions import db
from forum.forms import show_error
from forum.forms.moderation import BanForm, ReasonForm, ReportForm, ResolveForm, RoleForm, ban_days
from forum.forms.posts import ConfirmForm
from forum.infra.pages import paginate
from forum.models import Ban, Comment, Report, User
from forum.queries import modlog
from forum.queries import reports as report_queries
from forum.queries.users import user_named_or_404
from forum.services import ServiceError, moderation
from forum.services.guards import write_refusal
from forum.views.posts import comment_url
from forum.web.paging import page_arg
from forum.web.security import safe_next

bp = Blueprint("moderation", __name__)


@bp.app_context_processor
def moderation_context() -> dict:
    """The ban banner, unacknowledged warnings and the queue size, on every page."""
    viewer = current_user._get_current_object()  # once, not through the proxy for each question
    if not viewer.is_authenticated:
        return {}
    context: dict[str, object] = {
        "ban_notice": write_refusal(viewer),
        "pending_warnings": moderation.pending_warnings(viewer),
    }
    if permissions.is_moderator(viewer):
        context["is_site_moderator"] = True
        context["open_report_count"] = moderation.count_open_reports()
    return context


def _require_moderator() -> None:
    if not permissions.is_moderator(current_user):
        abort(403)


def _back_to(post_id: int, comment: Comment | None = None):
    """The post, or the page of its thread that holds the comment."""
    return redirect(comment_url(comment) if comment is not None else url_for("posts.view", post_id=post_id))


# --- reports ----------------------------------------------------------------------------


def _report(post, comment):
    if not permissions.can_report(current_user):
        abort(403)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            moderation.report(current_user, post, comment, form.reason.data, form.details.data or "")
        except ServiceError as error:
            if error.status != 400:
                abort(error.status, error.message)
            show_error(form, error, "details")
        else:
            flash("Thank you. The moderators will look at your report.", "success")
            return _back_to(post.id, comment)
    status = 400 if request.method == "POST" else 200
    return render_template("moderation/report.html", form=form, post=post, comment=comment), status


@bp.route("/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
def report_post(post_id: int):
    return _report(visibility.get_live_post_body_or_404(post_id, current_user), None)


@bp.route("/comments/<int:comment_id>/report", methods=["GET", "POST"])
@login_required
def report_comment(comment_id: int):
    comment = visibility.get_shown_comment_or_404(comment_id, current_user)
    return _report(comment.post, comment)


# --- the queue --------------------------------------------------------------------------


@bp.route("/moderation")
@login_required
def queue():
    _require_moderator()
    resolved = request.args.get("show") == "resolved"
    reports = paginate(report_queries.queue(current_user, resolved=resolved), page_arg(), 30)
    readable = visibility.readable_post_ids(current_user, (r.post_id for r in reports.items if r.post_id))
    forms = {r.id: ResolveForm(prefix=f"r{r.id}") for r in reports.items}
    return render_template(
        "moderation/queue.html",
        reports=reports,
        readable=readable,
        forms=forms,
        resolved=resolved,
        reason_form=ReasonForm(),
    )


def _render_report(report: Report, form: ResolveForm, status: int = 200):
    readable = visibility.readable_post_ids(current_user, [report.post_id] if report.post_id else [])
    return render_template(
        "moderation/report_detail.html",
        report=report,
        form=form,
        readable=readable,
        reason_form=ReasonForm(),
    ), status


@bp.route("/moderation/reports/<int:report_id>", methods=["GET", "POST"])
@login_required
def review(report_id: int):
    _require_moderator()
    report = report_queries.get_report_or_404(current_user, report_id)
    form = ResolveForm(prefix=f"r{report.id}")
    if request.method == "GET":
        return _render_report(report, form)
    if form.validate_on_submit():
        try:
            moderation.resolve_report(
                current_user, report, form.decision.data, form.reason.data or "", ban_days(form.days.data)
            )
        except ServiceError as error:
            if error.status not in (400,):
                abort(error.status, error.message)
            show_error(form, error, "reason")
        else:
            flash("Decision recorded in the moderation log.", "success")
            return redirect(url_for("moderation.queue"))
    return _render_report(report, form, 400)


@bp.route("/moderation/reports/<int:report_id>/restore", methods=["POST"])
@login_required
def restore_reported(report_id: int):
    """Undo a removal made from a report, without needing to read the post or the conversation."""
    _require_moderator()
    report = report_queries.get_report_or_404(current_user, report_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            if report.message is not None:
                moderation.restore_message(current_user, report, form.reason.data or "")
            elif report.comment is not None:
                moderation.restore_comment(current_user, report.comment, form.reason.data or "")
            elif report.post is not None:
                moderation.restore_post(current_user, report.post, form.reason.data or "")
        except ServiceError as error:
            abort(error.status, error.message)
        flash("Restored.", "success")
    return redirect(url_for("moderation.review", report_id=report.id))


# --- removing and restoring what the moderator can read ---------------------------------


def _act(target, may_moderate: bool, act, back):
    """Remove or restore `target` (already fetched through visibility) with the form's reason."""
    if not may_moderate:
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            act(current_user, target, form.reason.data or "")
        except ServiceError as error:
            if error.status != 400:
                abort(error.status, error.message)
            flash(error.message, "error")
        else:
            flash("Done, and recorded in the moderation log.", "success")
    return back


def _act_on_post(post_id: int, act):
    post = visibility.get_post_or_404(post_id, current_user)
    return _act(post, permissions.can_moderate_post(current_user, post), act, _back_to(post.id))


def _act_on_comment(comment_id: int, act):
    comment = visibility.get_comment_or_404(comment_id, current_user)
    return _act(
        comment, permissions.can_moderate_comment(current_user, comment), act, _back_to(comment.post_id, comment)
    )


@bp.route("/moderation/posts/<int:post_id>/remove", methods=["POST"])
@login_required
def remove_post(post_id: int):
    return _act_on_post(post_id, moderation.remove_post)


@bp.route("/moderation/posts/<int:post_id>/restore", methods=["POST"])
@login_required
def restore_post(post_id: int):
    return _act_on_post(post_id, moderation.restore_post)


@bp.route("/moderation/comments/<int:comment_id>/remove", methods=["POST"])
@login_required
def remove_comment(comment_id: int):
    return _act_on_comment(comment_id, moderation.remove_comment)


@bp.route("/moderation/comments/<int:comment_id>/restore", methods=["POST"])
@login_required
def restore_comment(comment_id: int):
    return _act_on_comment(comment_id, moderation.restore_comment)


# --- people -----------------------------------------------------------------------------


def _render_user(user: User, ban_form=None, role_form=None, status: int = 200):
    bans = db.session.scalars(select(Ban).where(Ban.user_id == user.id).order_by(Ban.created_at.desc())).all()
    role_form = role_form or RoleForm(role=user.role)
    return render_template(
        "moderation/user.html",
        user=user,
        bans=bans,
        active=permissions.active_ban(user),
        ban_form=ban_form or BanForm(),
        role_form=role_form,
        reason_form=ReasonForm(),
        can_ban=permissions.can_ban(current_user, user),
        can_change_role=permissions.can_change_role(current_user, user),
    ), status


@bp.route("/moderation/users/<username>")
@login_required
def user(username: str):
    _require_moderator()
    return _render_user(user_named_or_404(username))


@bp.route("/moderation/users/<username>/ban", methods=["POST"])
@login_required
def ban(username: str):
    _require_moderator()
    target = user_named_or_404(username)
    if not permissions.can_ban(current_user, target):
        abort(403, "You cannot ban this person.")
    form = BanForm()
    if form.validate_on_submit():
        try:
            moderation.ban_user(current_user, target, form.reason.data or "", ban_days(form.days.data))
        except ServiceError as error:
            if error.status != 400:
                abort(error.status, error.message)
            show_error(form, error, "reason")
        else:
            flash(f"{target.display_name} is banned.", "success")
            return redirect(url_for("moderation.user", username=target.username))
    return _render_user(target, ban_form=form, status=400)


@bp.route("/moderation/users/<username>/unban", methods=["POST"])
@login_required
def unban(username: str):
    _require_moderator()
    target = user_named_or_404(username)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            moderation.unban_user(current_user, target, form.reason.data or "")
        except ServiceError as error:
            abort(error.status, error.message)
        flash(f"The ban on {target.display_name} is lifted.", "success")
    return redirect(url_for("moderation.user", username=target.username))


@bp.route("/moderation/users/<username>/role", methods=["POST"])
@login_required
def role(username: str):
    target = user_named_or_404(username)
    if not permissions.can_change_role(current_user, target):
        abort(403)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            moderation.set_role(current_user, target, form.role.data, form.reason.data or "")
        except ServiceError as error:
            abort(error.status, error.message)
        flash(f"{target.display_name} is now {'an' if target.role == 'admin' else 'a'} {target.role}.", "success")
        return redirect(url_for("moderation.user", username=target.username))
    return _render_user(target, role_form=form, status=400)


@bp.route("/moderation/warnings/<int:warning_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(warning_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            moderation.acknowledge_warning(current_user, warning_id)
        except ServiceError as error:
            abort(error.status)
    back = urlsplit(request.referrer or "")
    return redirect(safe_next(back.path + (f"?{back.query}" if back.query else "")) or url_for("main.index"))


# --- the public log ---------------------------------------------------------------------


@bp.route("/moderation/log")
def log():
    entries = paginate(
        modlog.entries_for(current_user),
        page_arg(),
        50,
    )
    return render_template("moderation/log.html", entries=entries, lines=modlog.lines_for(current_user, entries.items))

"""Membership actions: invitations, joining, requests, roles, removal, leaving.

Each is a small POST form; success redirects (Post/Redirect/Get), a refusal re-renders
the group page with the service's message and status. A group the viewer may not see
answers 404 before any permission is asked.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions, visibility
from forum.extensions import db
from forum.forms import show_error
from forum.forms.groups import InviteForm, JoinRequestForm, RoleForm
from forum.forms.posts import ConfirmForm
from forum.models import Group
from forum.queries import conversations as conversation_queries
from forum.queries import groups as group_queries
from forum.queries import trust
from forum.services import ServiceError
from forum.services import groups as group_service
from forum.services.errors import NotVerified
from forum.views.groups import render_group

bp = Blueprint("group_members", __name__)


def _group(slug: str) -> Group:
    group = visibility.get_group_or_404(slug, current_user)
    if not ConfirmForm().validate_on_submit():  # the CSRF token
        abort(400)
    return group


def _refused(group: Group, error: ServiceError):
    db.session.rollback()
    if error.status == 404:
        abort(404)
    return render_group(group, error.status, error=error.message)


def _back(group: Group, message: str, category: str = "success"):
    flash(message, category)
    return redirect(url_for("groups.view", slug=group.slug))


# --- invitations -----------------------------------------------------------------------


@bp.route("/groups/<slug>/invitations", methods=["POST"])
@login_required
def invite(slug: str):
    group = visibility.get_group_or_404(slug, current_user)
    if not permissions.can_manage_group(current_user, group):
        abort(403)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = group_service.invite(current_user, group, form.username.data)
        except ServiceError as error:
            db.session.rollback()
            show_error(form, error, "username")
        else:
            return _back(group, f"{invitation.user.username} is invited.")
    return render_group(group, 400, invite_form=form)


@bp.route("/groups/<slug>/invitations/<int:invitation_id>/cancel", methods=["POST"])
@login_required
def cancel_invitation(slug: str, invitation_id: int):
    group = _group(slug)
    try:
        group_service.cancel_invitation(current_user, group, invitation_id)
    except ServiceError as error:
        return _refused(group, error)
    return _back(group, "The invitation is cancelled.", "info")


@bp.route("/invitations/<int:invitation_id>/accept", methods=["POST"])
@login_required
def accept_invitation(invitation_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        membership = group_service.accept_invitation(current_user, invitation_id)
    except ServiceError:
        abort(404)
    return _back(membership.group, f"Welcome to {membership.group.name}.")


@bp.route("/invitations/<int:invitation_id>/decline", methods=["POST"])
@login_required
def decline_invitation(invitation_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        group_service.decline_invitation(current_user, invitation_id)
    except ServiceError:
        abort(404)
    flash("Invitation declined.", "info")
    return redirect(url_for("groups.mine"))


# --- joining ---------------------------------------------------------------------------


@bp.route("/groups/<slug>/join", methods=["POST"])
@login_required
def join(slug: str):
    group = _group(slug)
    try:
        group_service.join(current_user, group)
    except ServiceError as error:
        return _refused(group, error)
    return _back(group, f"You joined {group.name}.")


@bp.route("/groups/<slug>/request", methods=["GET", "POST"])
@login_required
def request_to_join(slug: str):
    group = visibility.get_group_or_404(slug, current_user)
    form = JoinRequestForm()
    vouches = trust.member_vouchers_for(group, current_user) if group.requires_vouch else []
    form.vouch.choices = [(0, "Choose a member")] + [
        (v.id, f"{v.voucher.display_name}: “{v.statement}”") for v in vouches
    ]
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                group_service.request_to_join(current_user, group, form.statement.data, form.vouch.data or None)
            except ServiceError as error:
                db.session.rollback()
                if error.field is None and not isinstance(error, NotVerified):
                    return _refused(group, error)
                show_error(form, error, "statement")
                status = error.status
            else:
                return _back(
                    group, "Your request is sent. You will become a member when an owner or admin approves it."
                )
    # "Ask a member you know for a vouch": members the requester shares something visible with.
    ask = conversation_queries.members_to_ask_for_vouch(current_user, group) if group.requires_vouch else []
    return render_template("groups/request.html", group=group, form=form, vouches=vouches, ask=ask), status


@bp.route("/groups/<slug>/request/withdraw", methods=["POST"])
@login_required
def withdraw_request(slug: str):
    group = _group(slug)
    try:
        group_service.withdraw_request(current_user, group)
    except ServiceError as error:
        return _refused(group, error)
    return _back(group, "Your request is withdrawn.", "info")


@bp.route("/groups/<slug>/requests")
@login_required
def requests(slug: str):
    group = visibility.get_group_or_404(slug, current_user)
    if not permissions.can_manage_group(current_user, group):
        abort(403)
    return render_template(
        "groups/requests.html",
        group=group,
        requests=group_queries.pending_requests(current_user, group),
    )


@bp.route("/groups/<slug>/requests/<int:request_id>/<any(approve, decline):decision>", methods=["POST"])
@login_required
def decide_request(slug: str, request_id: int, decision: str):
    group = _group(slug)
    try:
        join_request = group_service.decide_request(current_user, group, request_id, approve=decision == "approve")
    except ServiceError as error:
        return _refused(group, error)
    flash(f"{join_request.user.username} {'is now a member' if decision == 'approve' else 'was declined'}.", "success")
    return redirect(url_for("group_members.requests", slug=group.slug))


# --- members ---------------------------------------------------------------------------


@bp.route("/groups/<slug>/members/<username>/role", methods=["POST"])
@login_required
def change_role(slug: str, username: str):
    group = visibility.get_group_or_404(slug, current_user)
    form = RoleForm()
    if not form.validate_on_submit():
        return render_group(group, 400, error="Choose owner, admin or member.")
    try:
        membership = group_service.change_role(current_user, group, username, form.role.data)
    except ServiceError as error:
        return _refused(group, error)
    return _back(
        group,
        f"{membership.user.username} is now "
        f"{'an' if membership.role in ('owner', 'admin') else 'a'} {membership.role}.",
    )


@bp.route("/groups/<slug>/members/<username>/remove", methods=["POST"])
@login_required
def remove_member(slug: str, username: str):
    group = _group(slug)
    try:
        group_service.remove_member(current_user, group, username)
    except ServiceError as error:
        return _refused(group, error)
    return _back(group, f"{username} is no longer a member.", "info")


@bp.route("/groups/<slug>/leave", methods=["POST"])
@login_required
def leave(slug: str):
    group = _group(slug)
    try:
        group_service.leave(current_user, group)
    except ServiceError as error:
        return _refused(group, error)
    flash(f"You left {group.name}.", "info")
    # The group may now be hidden from the leaver (unlisted), so do not send them to it.
    return redirect(url_for("groups.mine"))

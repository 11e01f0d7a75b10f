"""Blocking a member from their profile, and the list of whom you block (Settings)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.extensions import db
from forum.forms.posts import ConfirmForm
from forum.queries import blocks as queries
from forum.queries.users import user_named_or_404
from forum.services import ServiceError
from forum.services import blocks as service

bp = Blueprint("blocks", __name__)


@bp.route("/users/<username>/<any(block, unblock):action>", methods=["POST"])
@login_required
def change(username: str, action: str):
    user = user_named_or_404(username)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        (service.block if action == "block" else service.unblock)(current_user, user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("users.profile", username=user.username))
    if action == "block":
        flash(
            f"You block {user.display_name}: no conversations or notifications from them, and their comments "
            "start collapsed for you. They are not told.",
            "info",
        )
    else:
        flash(f"You no longer block {user.display_name}.", "info")
    return redirect(url_for("users.profile", username=user.username))


@bp.route("/settings/blocked")
@login_required
def blocked():
    return render_template(
        "settings/blocked.html", people=queries.blocked_users(current_user), confirm_form=ConfirmForm()
    )

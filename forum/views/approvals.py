"""/moderation/approvals: accounts awaiting an admin's approval (REGISTRATION_MODE = "approval")."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.extensions import db
from forum.forms.posts import ConfirmForm
from forum.models import User
from forum.services import registration

bp = Blueprint("approvals", __name__)


def _require_admin() -> None:
    if not permissions.is_admin(current_user):
        abort(403)


@bp.route("/moderation/approvals")
@login_required
def index():
    _require_admin()
    return render_template("moderation/approvals.html", waiting=registration.awaiting_approval(), form=ConfirmForm())


@bp.route("/moderation/approvals/<int:user_id>", methods=["POST"])
@login_required
def approve(user_id: int):
    _require_admin()
    user = db.session.get(User, user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        registration.approve(current_user, user)
        flash(f"{user.display_name} is approved and may now post, comment and vote.", "success")
    return redirect(url_for("approvals.index"))

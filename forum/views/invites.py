"""/invites: the codes a member made for REGISTRATION_MODE = "invite" (registered only in that mode)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.forms.posts import ConfirmForm
from forum.services import ServiceError, registration

bp = Blueprint("invites", __name__)


@bp.route("/settings/invites", methods=["GET", "POST"])
@login_required
def index():
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            invite = registration.create_invite(current_user)
        except ServiceError as error:
            if error.status == 403:
                abort(403, error.message)
            flash(error.message, "error")
        else:
            flash(f"New invite code: {invite.code}", "success")
            return redirect(url_for("invites.index"))
    return render_template(
        "invites/index.html",
        form=form,
        may_invite=registration.may_invite(current_user),
        invites=registration.invites_of(current_user),
    )

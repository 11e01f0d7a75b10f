"""Vouching for members, and "People you may want to know"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.extensions import db
from forum.forms import show_error
from forum.forms.posts import ConfirmForm
from forum.forms.trust import VouchForm
from forum.queries import trust
from forum.queries.users import user_named_or_404
from forum.services import ServiceError
from forum.services import vouches as vouch_service
from forum.services.errors import NotVerified
from forum.views.users import render_profile

bp = Blueprint("vouches", __name__)


@bp.route("/users/<username>/vouch", methods=["POST"])
@login_required
def vouch(username: str):
    user = user_named_or_404(username)
    form = VouchForm()
    if not form.validate_on_submit():
        return render_profile(user, 400, vouch_form=form)
    try:
        vouch_service.vouch(current_user, user, form.statement.data)
    except ServiceError as error:
        db.session.rollback()
        if error.status == 403 and error.field is None and not isinstance(error, NotVerified):
            abort(403, error.message)
        show_error(form, error, "statement")
        return render_profile(user, error.status, vouch_form=form)
    flash(f"You vouch for {user.display_name}.", "success")
    return redirect(url_for("users.profile", username=user.username))


@bp.route("/users/<username>/vouch/withdraw", methods=["POST"])
@login_required
def withdraw(username: str):
    user = user_named_or_404(username)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        vouch_service.withdraw(current_user, user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("users.profile", username=user.username))
    flash(f"You no longer vouch for {user.display_name}.", "info")
    return redirect(url_for("users.profile", username=user.username))


@bp.route("/people/suggestions")
@login_required
def people_to_know():
    return render_template(
        "users/people_to_know.html",
        people=trust.people_to_know(current_user),
        groups=trust.groups_to_know(current_user),
    )

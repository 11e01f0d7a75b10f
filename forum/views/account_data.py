"""Your data: download it as one JSON file, or delete the account (docs/accounts.md)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from forum.extensions import limiter
from forum.forms import show_error
from forum.forms.account_data import DeleteAccountForm
from forum.models._time import utcnow
from forum.queries import account_data
from forum.services import ServiceError, notifications
from forum.services import account_data as account_service

bp = Blueprint("data", __name__)


def export_response(user) -> Response:
    """The member's data as a download; kept out of every cache (it is theirs alone)."""
    now = utcnow()
    data = account_data.export_for(user, now, notifications.email_modes(user.id))
    response = Response(json.dumps(data, indent=2, ensure_ascii=False) + "\n", mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{account_data.filename_for(user, now)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/settings/data")
@login_required
def index():
    return _render(DeleteAccountForm(formdata=None))


def _render(form: DeleteAccountForm, status: int = 200):
    response = Response(
        render_template("settings/data.html", form=form, confirmation=account_service.confirmation_for(current_user)),
        status=status,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/settings/data/export")
@login_required
def export():
    return export_response(current_user)


def _account_key() -> str:
    return f"delete-account:{current_user.get_id()}"


@bp.route("/settings/data/delete", methods=["POST"])
@login_required
# The form checks the password: a stolen session must not make it a password-guessing oracle.
@limiter.limit(
    "10 per hour", key_func=_account_key, error_message="Too many attempts to delete this account. Wait an hour."
)
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            account_service.delete_account(
                current_user._get_current_object(), form.password.data, form.confirmation.data
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            logout_user()
            session.clear()
            flash("Your account is deleted. Thank you for the time you spent here.", "info")
            return redirect(url_for("main.index"))
    return _render(form, 400 if request.method == "POST" else 200)

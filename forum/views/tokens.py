"""Personal access tokens for the API: create (shown once), see last use, revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.forms import show_error
from forum.forms.posts import ConfirmForm
from forum.forms.tokens import TokenForm, expiry_days
from forum.models._time import utcnow
from forum.services import ServiceError
from forum.services import tokens as token_service

bp = Blueprint("tokens", __name__)


def _render(form: TokenForm, *, created=None, raw: str | None = None, status: int = 200):
    return render_template(
        "settings/tokens.html",
        form=form,
        tokens=token_service.tokens_of(current_user),
        now=utcnow(),
        created=created,
        raw=raw,
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/settings/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    if request.method == "GET":
        return _render(form)
    if form.validate_on_submit():
        try:
            token, raw = token_service.create_token(
                current_user,
                form.name.data,
                form.scope.data,
                expiry_days(form.expires.data),
            )
        except ServiceError as error:
            show_error(form, error, "name")
        else:
            # Rendered, not redirected: the plain token exists only in this response
            # (a flash message would store it in the session cookie).
            return _render(TokenForm(formdata=None), created=token, raw=raw)
    return _render(form, status=400)


@bp.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        token = token_service.revoke_token(current_user, token_id)
    except ServiceError as error:
        abort(error.status)
    flash(f"The token “{token.name}” is revoked; scripts using it now get 401.", "info")
    return redirect(url_for("tokens.tokens"))

"""The private feed's address on the settings page: make one, replace it, turn it off."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.forms.posts import ConfirmForm
from forum.services import feed_tokens

bp = Blueprint("feed_settings", __name__)


def _render(*, raw: str | None = None):
    response = make_response(
        render_template(
            "settings/feed.html",
            token=feed_tokens.live_token(current_user),
            confirm_form=ConfirmForm(),
            address=url_for("feeds.private", token=raw, _external=True) if raw else None,
        )
    )
    if raw:
        response.headers["Cache-Control"] = "private, no-store"  # the address, shown once, stays off disk
    return response


@bp.route("/settings/feed")
@login_required
def settings():
    return _render()


@bp.route("/settings/feed/new", methods=["POST"])
@login_required
def rotate():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _token, raw = feed_tokens.rotate(current_user)
    # Rendered, not redirected: the address exists only in this response (a flash
    # message would keep it in the session cookie).
    return _render(raw=raw)


@bp.route("/settings/feed/revoke", methods=["POST"])
@login_required
def revoke():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if feed_tokens.revoke(current_user):
        flash("Your private feed is turned off; its address now answers “not found”.", "info")
    return redirect(url_for("feed_settings.settings"))

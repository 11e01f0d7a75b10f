"""/settings/sessions: where you are signed in, ending any one or all but this one, and
the other keys to your account (API tokens, the private feed address) with their pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.forms.posts import ConfirmForm
from forum.models._time import utcnow
from forum.queries.sessions import live_sessions
from forum.rendering.devices import describe_device
from forum.services import ServiceError, feed_tokens, sessions
from forum.services import tokens as token_service
from forum.views.auth import sign_out

bp = Blueprint("sessions", __name__)


@bp.route("/settings/sessions")
@login_required
def index():
    now = utcnow()
    this = sessions.current()
    return render_template(
        "settings/sessions.html",
        sessions=live_sessions(current_user.id, now),
        this_session_id=this.id if this is not None else None,
        describe_device=describe_device,
        tokens=[t for t in token_service.tokens_of(current_user) if t.is_active(now)],
        feed_token=feed_tokens.live_token(current_user),
        confirm_form=ConfirmForm(),
    )


@bp.route("/settings/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end(session_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    this = sessions.current()
    if this is not None and this.id == session_id:
        sign_out()  # ending the session in use is signing out
        flash("You are signed out.", "info")
        return redirect(url_for("auth.login"))
    try:
        sessions.end_session(current_user, session_id)
    except ServiceError as error:
        abort(error.status)
    flash("That session is ended: it is signed out wherever it was.", "info")
    return redirect(url_for("sessions.index"))


@bp.route("/settings/sessions/end-others", methods=["POST"])
@login_required
def end_others():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ended = sessions.end_other_sessions(current_user)
    if ended:
        flash(f"Signed out everywhere else ({ended} session{'s' if ended != 1 else ''}).", "info")
    else:
        flash("You were signed in nowhere else.", "info")
    return redirect(url_for("sessions.index"))

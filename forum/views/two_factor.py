"""Two-factor sign-in: its settings page (authenticator app, recovery codes, security keys)
and the second step of signing in. The rules are in forum/services/two_factor.py.

The second step: a correct password for an account with two-factor signs nobody in. It
leaves only the pending account's id in this browser's session, for a few minutes, and
`auth._sign_in` runs once a code or a key proves the second factor.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from forum.extensions import db, limiter
from forum.forms import show_error
from forum.forms.posts import ConfirmForm
from forum.forms.two_factor import (
    ConfirmAuthenticatorForm,
    RenewCodesForm,
    SecondStepForm,
    SecurityKeyForm,
    TurnOffForm,
)
from forum.models import Group, Membership, User
from forum.services import ServiceError
from forum.services import two_factor as service
from forum.web.security import safe_next

bp = Blueprint("two_factor", __name__)

PENDING = "two_factor_pending"  # {"user": id, "remember": bool, "next": path, "until": unix time}
KEY_CHALLENGE = "two_factor_key_challenge"  # the WebAuthn challenge of this browser's ceremony


# --- where security keys are bound ---------------------------------------------------


def relying_party() -> tuple[str, str]:
    """(rp id, origin) for WebAuthn: configured, else this request's host (development,
    tests) or SITE_URL (production, where the Host header is not trusted)."""
    config = current_app.config
    origin = config["WEBAUTHN_ORIGIN"]
    if not origin:
        origin = request.host_url if config["WEBAUTHN_RP_FROM_REQUEST"] else config["SITE_URL"]
        parts = urlsplit(origin)
        origin = f"{parts.scheme}://{parts.netloc}"
    return config["WEBAUTHN_RP_ID"] or (urlsplit(origin).hostname or ""), origin


def _keep_challenge(challenge: bytes) -> None:
    session[KEY_CHALLENGE] = challenge.hex()


def _take_challenge() -> bytes | None:
    """The challenge is used once, whatever the answer."""
    value = session.pop(KEY_CHALLENGE, None)
    return bytes.fromhex(value) if value else None


# --- settings --------------------------------------------------------------------------


def _requiring_groups(user: User) -> list[Group]:
    """The user's groups that require two-factor sign-in to read their posts."""
    return list(
        db.session.scalars(
            db.select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == user.id, Group.requires_two_factor.is_(True))
            .order_by(Group.name)
        )
    )


def _render(status: int = 200, *, codes: list[str] | None = None, **forms):
    row = service.authenticator(current_user)
    pending = row is not None and row.confirmed_at is None
    qr = secret = None
    if pending and row is not None:
        qr = service.qr_svg(service.provisioning_uri(current_user, row))
        secret = service.grouped_secret(row.secret)
    return render_template(
        "settings/two_factor.html",
        enabled=service.is_enabled(current_user),
        authenticator_on=row is not None and row.confirmed_at is not None,
        pending=pending,
        qr=qr,
        secret=secret,
        keys=service.security_keys(current_user),
        codes_left=service.recovery_codes_left(current_user),
        codes=codes,
        groups=_requiring_groups(current_user),
        confirm_form=forms.get("confirm_form") or ConfirmAuthenticatorForm(formdata=None),
        off_form=forms.get("off_form") or TurnOffForm(formdata=None),
        renew_form=forms.get("renew_form") or RenewCodesForm(formdata=None),
        key_form=forms.get("key_form") or SecurityKeyForm(formdata=None),
        action_form=ConfirmForm(formdata=None),
    ), status


@bp.route("/settings/two-factor")
@login_required
def index():
    return _render()


@bp.route("/settings/two-factor/authenticator", methods=["POST"])
@login_required
def start_authenticator():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.start_authenticator(current_user)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for(".index"))
    return _render()


@bp.route("/settings/two-factor/authenticator/confirm", methods=["POST"])
@login_required
def confirm_authenticator():
    form = ConfirmAuthenticatorForm()
    if form.validate_on_submit():
        try:
            codes = service.confirm_authenticator(current_user, form.code.data)
        except ServiceError as error:
            show_error(form, error, "code")
        else:
            flash("Two-factor sign-in is on: signing in now asks for a code from your app.", "success")
            # Rendered, not redirected: the codes exist only in this response.
            return _render(codes=codes)
    return _render(400, confirm_form=form)


@bp.route("/settings/two-factor/recovery-codes", methods=["POST"])
@login_required
def renew_recovery_codes():
    form = RenewCodesForm()
    if form.validate_on_submit():
        try:
            codes = service.renew_recovery_codes(current_user, form.password.data)
        except ServiceError as error:
            show_error(form, error, "password")
        else:
            return _render(codes=codes)
    return _render(400, renew_form=form)


@bp.route("/settings/two-factor/off", methods=["POST"])
@login_required
def turn_off():
    form = TurnOffForm()
    if form.validate_on_submit():
        try:
            service.turn_off(current_user, code=form.code.data, password=form.password.data)
        except ServiceError as error:
            show_error(form, error, "code")
        else:
            flash("Two-factor sign-in is off: your password alone signs you in.", "info")
            return redirect(url_for(".index"))
    return _render(400, off_form=form)


@bp.route("/settings/two-factor/keys/options", methods=["POST"])
@login_required
def key_registration_options():
    """JSON for navigator.credentials.create (static/two-factor.js)."""
    rp_id, _ = relying_party()
    options, challenge = service.registration_options(current_user, rp_id)
    _keep_challenge(challenge)
    return current_app.response_class(options, mimetype="application/json")


@bp.route("/settings/two-factor/keys", methods=["POST"])
@login_required
def register_key():
    form = SecurityKeyForm()
    challenge = _take_challenge()
    if form.validate_on_submit():
        if not form.credential.data or challenge is None:
            form.name.errors = [*form.name.errors, "Your browser sent no answer from a key. It needs JavaScript on."]
        else:
            rp_id, origin = relying_party()
            try:
                key, codes = service.register_key(
                    current_user, form.name.data, form.credential.data, challenge, rp_id, origin
                )
            except ServiceError as error:
                show_error(form, error, "name")
            else:
                flash(f"Your security key “{key.name}” is registered.", "success")
                if codes:
                    return _render(codes=codes)
                return redirect(url_for(".index"))
    form.credential.data = ""
    return _render(400, key_form=form)


@bp.route("/settings/two-factor/keys/<int:key_id>/remove", methods=["POST"])
@login_required
def remove_key(key_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        key = service.remove_key(current_user, key_id)
    except ServiceError as error:
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
    else:
        flash(f"The key “{key.name}” is removed.", "info")
    return redirect(url_for(".index"))


# --- the second step of signing in ---------------------------------------------------------


def begin_second_step(user: User, remember: bool, next_path: str | None) -> None:
    """After a correct password: a fresh session holding only who is signing in, for a few
    minutes. Nothing is signed in yet."""
    session.clear()
    session[PENDING] = {
        "user": user.id,
        "remember": bool(remember),
        "next": safe_next(next_path) or "",
        "until": int(time.time()) + current_app.config["TWO_FACTOR_PENDING_SECONDS"],
    }


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None
    return db.session.get(User, pending.get("user"))


def _limit_key() -> str:
    pending = session.get(PENDING)
    return (
        f"two-factor:{pending.get('user')}"
        if isinstance(pending, dict)
        else f"two-factor-address:{request.remote_addr}"
    )


def _limit() -> str:
    return current_app.config["TWO_FACTOR_LIMIT"]


def _finish(user: User):
    from forum.views import auth  # auth starts this step; the sign-in itself is its one entry point

    pending = session.get(PENDING) or {}
    auth._sign_in(user, remember=bool(pending.get("remember")))
    return redirect(safe_next(pending.get("next")) or url_for("main.index"))


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(
    _limit,
    methods=["POST"],
    key_func=_limit_key,
    error_message="Too many wrong codes. Wait a few minutes, then sign in again.",
)
def second_step():
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash("Your sign-in timed out. Enter your password again.", "info")
        return redirect(url_for("auth.login"))
    form = SecondStepForm()
    has_keys = bool(service.security_keys(user))
    if form.validate_on_submit():
        if form.credential.data:
            rp_id, origin = relying_party()
            challenge = _take_challenge()
            if challenge is not None and service.check_key(user, form.credential.data, challenge, rp_id, origin):
                return _finish(user)
            form.code.errors = [*form.code.errors, "That security key was not accepted. Try again, or enter a code."]
        elif form.code.data:
            if service.check_code(user, form.code.data) is not None:
                return _finish(user)
            form.code.errors = [
                *form.code.errors,
                "That code is not right, or it was already used. Enter the code your app shows now.",
            ]
        else:
            form.code.errors = [*form.code.errors, "Enter a code, or use your security key."]
        form.credential.data = ""
        return render_template("auth/two_factor.html", form=form, has_keys=has_keys), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/two_factor.html", form=form, has_keys=has_keys), status


@bp.route("/login/two-factor/key-options", methods=["POST"])
def key_authentication_options():
    """JSON for navigator.credentials.get: the pending account's keys and a new challenge."""
    user = _pending_user()
    if user is None:
        return jsonify(error="Your sign-in timed out. Enter your password again."), 400
    rp_id, _ = relying_party()
    options, challenge = service.authentication_options(user, rp_id)
    _keep_challenge(challenge)
    return current_app.response_class(options, mimetype="application/json")

"""The account's email address and password: Settings → Email and Password, the links
mailed to verify an address, and the forgotten-password pages (forum/services/
email_verification.py and passwords.py hold the rules)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from forum.extensions import limiter
from forum.forms import show_error
from forum.forms.account import EmailChangeForm, ForgotForm, PasswordChangeForm, ResetForm
from forum.forms.posts import ConfirmForm
from forum.services import ServiceError, email_verification, passwords
from forum.services.email_verification import LinkError, normalize_address
from forum.services.guards import unverified_message

bp = Blueprint("account", __name__)


@bp.app_context_processor
def _unverified_banner() -> dict:
    """Every page tells an unverified account what it is waiting for, with a resend button."""
    if not current_user.is_authenticated or current_user.is_verified:
        return {}
    return {"unverified_notice": unverified_message(current_user, refused=False)}


# --- email -------------------------------------------------------------------------------


def _account_mail_limit() -> str:
    return current_app.config["ACCOUNT_MAIL_LIMIT"]


def _account_key() -> str:
    return f"account-mail:{current_user.id}" if current_user.is_authenticated else "account-mail:-"


@bp.route("/settings/email", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _account_mail_limit,
    methods=["POST"],
    key_func=_account_key,
    error_message="You asked for several links this hour already. Wait a while, and check your spam folder.",
)
def email():
    form = EmailChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            address = email_verification.change_address(current_user, form.email.data, form.password.data)
        except ServiceError as error:
            show_error(form, error, "email")
            status = error.status
        else:
            flash(f"We sent a link to {address}: follow it to confirm the new address.", "success")
            return redirect(url_for(".email"))
    elif request.method == "POST":
        status = 400
    return render_template("account/email.html", form=form, resend_form=ConfirmForm()), status


@bp.route("/settings/email/resend", methods=["POST"])
@login_required
@limiter.limit(
    _account_mail_limit,
    key_func=_account_key,
    error_message="You asked for several links this hour already. Wait a while, and check your spam folder.",
)
def resend():
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            address = email_verification.resend(current_user)
        except ServiceError as error:
            flash(error.message, "info")
        else:
            flash(f"A new link is on its way to {address}.", "success")
    return redirect(url_for(".email"))


def _link_refused(error: LinkError, again: str, again_label: str):
    """A link that cannot be used: what went wrong and how to get a new one; nothing changed."""
    page = render_template("account/link_refused.html", message=error.message, again=again, again_label=again_label)
    return page, 400


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify(token: str):
    """The emailed link: a GET only shows what it confirms (mail scanners fetch links), the
    button confirms."""
    form = ConfirmForm()
    try:
        user, address = email_verification.read_link(token)
        if form.validate_on_submit():
            user = email_verification.confirm(token)
            flash(f"Thank you: {user.email} is confirmed.", "success")
            return redirect(url_for(".email") if current_user.is_authenticated else url_for("auth.login"))
    except LinkError as error:
        return _link_refused(error, url_for(".email"), "Send a new link from Settings → Email")
    status = 400 if request.method == "POST" else 200
    return render_template("account/verify.html", form=form, user=user, address=address), status


# --- password ----------------------------------------------------------------------------


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            ended = passwords.change(current_user, form.current.data, form.new.data, form.repeat.data)
        except ServiceError as error:
            show_error(form, error, "new")
            status = error.status
        else:
            others = f" and signed out {ended} other session{'s' if ended != 1 else ''}" if ended else ""
            flash(f"Your password is changed{others}.", "success")
            return redirect(url_for(".password"))
    elif request.method == "POST":
        status = 400
    return render_template("account/password.html", form=form), status


def _forgot_limit() -> str:
    return current_app.config["FORGOT_LIMIT"]


def _forgot_client_limit() -> str:
    return current_app.config["FORGOT_CLIENT_LIMIT"]


def _forgot_key() -> str:
    return "forgot:" + (normalize_address(request.form.get("email")) or "-")


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(
    _forgot_limit,
    methods=["POST"],
    key_func=_forgot_key,
    error_message="A link for this address was asked for several times already. Wait an hour, or check spam.",
)
@limiter.limit(_forgot_client_limit, methods=["POST"], error_message="Too many reset requests. Wait an hour.")
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        try:
            address = passwords.request_reset(form.email.data)
        except ServiceError as error:
            show_error(form, error, "email")
            return render_template("account/forgot.html", form=form), error.status
        # One answer whether or not an account has this address.
        return render_template("account/forgot_sent.html", address=address)
    status = 400 if request.method == "POST" else 200
    return render_template("account/forgot.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    form = ResetForm()
    try:
        passwords.read_reset_link(token)
        if form.validate_on_submit():
            passwords.reset(token, form.new.data, form.repeat.data)
            # Every session ended, this browser's too: sign in with the new password.
            # In this order: logout_user's note to delete the remember-me cookie must survive.
            session.clear()
            if current_user.is_authenticated:
                logout_user()
            flash("Your password is changed and every session signed out. Sign in with the new password.", "success")
            return redirect(url_for("auth.login"))
    except LinkError as error:
        return _link_refused(error, url_for(".forgot"), "Ask for a new link")
    except ServiceError as error:
        show_error(form, error, "new")
        return render_template("account/reset.html", form=form), error.status
    status = 400 if request.method == "POST" else 200
    return render_template("account/reset.html", form=form), status

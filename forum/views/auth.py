from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import limiter
from ..forms.auth import LoginForm, RegisterForm
from ..forms.posts import ConfirmForm
from ..security import safe_next
from ..services import ServiceError, accounts

bp = Blueprint("auth", __name__)


def _sign_in(user, remember: bool = False) -> None:
    # A fresh session at sign-in: nothing set before it (by anyone) survives.
    session.clear()
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(form.username.data, form.display_name.data, form.password.data)
        except ServiceError as error:
            getattr(form, error.field or "username").errors.append(error.message)
        else:
            _sign_in(user)
            flash(f"Welcome, {user.display_name}! Tell people about your work on your profile.", "success")
            return redirect(url_for("users.edit_profile"))
    return render_template("auth/register.html", form=form), 400 if request.method == "POST" else 200


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _login_key() -> str:
    return "login:" + (request.form.get("username", "").strip().lower() or "-")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_key, error_message="Too many sign-in attempts for this account. Wait a few minutes.")
@limiter.limit(_login_limit, methods=["POST"], error_message="Too many sign-in attempts from your address. Wait a few minutes.")
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is not None:
            _sign_in(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("main.index"))
        # One message for an unknown name and a wrong password.
        form.password.errors.append("Wrong username or password.")
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash("You are signed out.", "info")
    return redirect(url_for("main.index"))

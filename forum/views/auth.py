from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum.extensions import limiter
from forum.forms import show_error
from forum.forms.auth import LoginForm, RegisterForm
from forum.forms.posts import ConfirmForm
from forum.services import ServiceError, accounts
from forum.services import terms as terms_service
from forum.web.security import safe_next

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
    site_terms = terms_service.current_site_terms()
    if form.validate_on_submit():
        try:
            agreed = terms_service.check_registration(form.accept_site_terms.data, form.site_terms_version.data)
            user = accounts.register(form.username.data, form.display_name.data, form.password.data, form.email.data)
        except ServiceError as error:
            show_error(form, error, "username")
        else:
            if agreed is not None:
                terms_service.accept_site_terms(user, agreed.id)
            _sign_in(user)
            flash(
                f"Welcome, {user.display_name}! We sent a link to {user.email}: follow it to post, comment and vote. "
                "Meanwhile, tell people about your work on your profile.",
                "success",
            )
            return redirect(url_for("users.edit_profile"))
    if site_terms is not None and form.site_terms_version.data != str(site_terms.id):
        # Agreeing counts only for the text shown now: a stale tick is cleared.
        form.site_terms_version.data, form.accept_site_terms.data = str(site_terms.id), False
    return render_template(
        "auth/register.html", form=form, site_terms=site_terms
    ), 400 if request.method == "POST" else 200


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _login_key() -> str:
    return "login:" + (request.form.get("username", "").strip().lower() or "-")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_limit,
    methods=["POST"],
    key_func=_login_key,
    error_message="Too many sign-in attempts for this account. Wait a few minutes.",
)
@limiter.limit(
    _login_limit, methods=["POST"], error_message="Too many sign-in attempts from your address. Wait a few minutes."
)
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
        form.password.errors = [*form.password.errors, "Wrong username or password."]
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

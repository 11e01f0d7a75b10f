from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum.extensions import client_address
from forum.forms import show_error
from forum.forms.auth import LoginForm, RegisterForm
from forum.forms.posts import ConfirmForm
from forum.services import ServiceError, accounts, limits, registration, sessions, two_factor
from forum.services import terms as terms_service
from forum.views import two_factor as second_step
from forum.web.security import safe_next

bp = Blueprint("auth", __name__)


def _sign_in(user, remember: bool = False) -> None:
    """The one way in: a new session record, whose key the cookies carry (services/sessions.py)."""
    if current_user.is_authenticated:
        sessions.end_current()  # signing in again in this browser replaces its sign-in
    # A fresh session at sign-in: nothing set before it (by anyone) survives.
    session.clear()
    sessions.start(user, remember=remember, user_agent=request.headers.get("User-Agent"), address=client_address())
    login_user(user, remember=remember)
    if not remember:
        _clear_remember_cookie()  # one left by an earlier sign-in here would outlive this one


def _clear_remember_cookie() -> None:
    """Flask-Login deletes the remember cookie when the session holds this marker; it is
    read after the request, so it must be set after any `session.clear()`."""
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        session["_remember"] = "clear"


def sign_out() -> None:
    """End this browser's session: its record (so copies of the cookies die too), the
    session cookie and the remember cookie."""
    sessions.end_current()
    logout_user()
    session.clear()
    _clear_remember_cookie()


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if request.method == "GET" and request.args.get("invite"):
        form.invite_code.data = request.args["invite"][:64]
    site_terms = terms_service.current_site_terms()
    status = 400 if request.method == "POST" else 200
    headers: dict[str, str] = {}
    if form.is_submitted() and _all_checks_pass(form):
        address = client_address()
        try:
            limits.check_registration(address)
            agreed = terms_service.check_registration(form.accept_site_terms.data, form.site_terms_version.data)
            user = registration.register_member(
                form.username.data, form.display_name.data, form.password.data, form.email.data, form.invite_code.data
            )
        except limits.Refused as refused:
            flash(refused.message, "error")
            status, headers = 429, {"Retry-After": str(refused.retry_after)}
        except ServiceError as error:
            show_error(form, error, "username")
        else:
            limits.record_registration(address)
            if agreed is not None:
                terms_service.accept_site_terms(user, agreed.id)
            _sign_in(user)
            if user.awaiting_approval:
                flash("Your account awaits an admin's approval. You can read meanwhile.", "info")
            flash(
                f"Welcome, {user.display_name}! We sent a link to {user.email}: follow it to post, comment and vote. "
                "Meanwhile, tell people about your work on your profile.",
                "success",
            )
            return redirect(url_for("users.edit_profile"))
    if site_terms is not None and form.site_terms_version.data != str(site_terms.id):
        # Agreeing counts only for the text shown now: a stale tick is cleared.
        form.site_terms_version.data, form.accept_site_terms.data = str(site_terms.id), False
    return (
        render_template("auth/register.html", form=form, site_terms=site_terms, mode=registration.mode()),
        status,
        headers,
    )


def _all_checks_pass(form: RegisterForm) -> bool:
    """The form's rules and the services' (name or address taken, site terms...) together, so
    every error shows in one round; a field the form refused is not told twice."""
    valid = form.validate()
    problems = registration.registration_problems(
        form.username.data, form.display_name.data, form.password.data, form.email.data, form.invite_code.data
    )
    try:
        terms_service.check_registration(form.accept_site_terms.data, form.site_terms_version.data)
    except ServiceError as error:
        problems.append(error)
    for problem in problems:
        if problem.field is not None and problem.field in form and form[problem.field].errors:
            continue
        show_error(form, problem, "username")
    return valid and not problems


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        address = client_address()
        try:
            # Counted per (account, address) before the password is tried (services/limits.py).
            limits.check_sign_in(form.username.data, address)
        except limits.Refused as refused:
            form.password.errors = [*form.password.errors, refused.message]
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(refused.retry_after)}
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is not None:
            limits.forget_sign_in_failures(form.username.data, address)
            if two_factor.is_enabled(user):
                # The password was right; the account also wants its second factor first.
                second_step.begin_second_step(user, form.remember.data, form.next.data)
                return redirect(url_for("two_factor.second_step"))
            _sign_in(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("main.index"))
        limits.record_sign_in_failure(form.username.data, address)
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
        sign_out()
        flash("You are signed out.", "info")
    return redirect(url_for("main.index"))

"""Error pages in the site's layout; never a stack trace."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

from flask import Flask, current_app, g, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from forum.extensions import db, login_manager
from forum.search.backend import SearchUnavailable

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Sign in needed", "Please sign in to continue."),
    403: ("Not allowed", "You are not allowed to do that."),
    404: ("Not found", "There is nothing here. It may never have existed."),
    405: ("Method not allowed", "That address does not accept this kind of request."),
    409: ("Conflict", "That could not be done in the current state."),
    413: ("Too large", "What you sent is too large."),
    429: ("Slow down", "Too many requests. Please wait a little and try again."),
    500: ("Something went wrong", "An error on our side. It has been logged."),
    503: ("Temporarily unavailable", "This part of the site is unavailable right now. Please try again in a minute."),
}
# Seconds a client is told to wait after a 503.
RETRY_AFTER = 30
DATABASE_UNAVAILABLE = "The database cannot be reached right now. Please try again in a minute."
SEARCH_UNAVAILABLE = "Search is unavailable right now. Please try again in a few minutes."

CSRF_MESSAGE = (
    "The form expired or was not sent from this site, so nothing was saved. Go back, reload the page and try again."
)

# Never echoed back: secrets, and the form's own controls (buttons, hidden state).
_SECRET_FIELD = re.compile(r"pass|secret|token|confirm|current|^new$|csrf", re.IGNORECASE)
# Choices and hidden state are not typed text: "Terms: none" or a cursor's offset would only confuse.
# `vote` is a vote button's value, which names its item (views/votes.vote): not typed text.
_CONTROL_FIELDS = {"submit", "preview", "next", "remember", "audience", "terms", "open_history", "cursor", "vote"}
_ID_FIELD = re.compile(r"(^|_)ids?$")


_RENDERERS = "forum.error_renderers"


def register_renderer(app: Flask, prefix: str, render: Callable[[int, str | None], ResponseReturnValue]) -> None:
    """Errors under `prefix` are rendered by `render(code, detail)` instead of the HTML page:
    the API registers its JSON errors here, so this layer never imports the API."""
    app.extensions.setdefault(_RENDERERS, {})[prefix] = render


def render_error(code: int, detail: str | None = None, kept: list[tuple[str, str]] | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    for prefix, render in current_app.extensions.get(_RENDERERS, {}).items():
        if request.path.startswith(prefix):
            return render(code, detail)
    return render_template(
        "errors/error.html",
        code=code,
        title=title,
        message=detail or message,
        kept=kept or [],
    ), code


def submitted_text() -> list[tuple[str, str]]:
    """(label, text) for each non-empty text field of the refused form, minus secrets.

    A rejected CSRF token must not cost someone the comment they spent an hour on,
    so the error page hands their words back for copying.
    """
    kept = []
    for name, value in request.form.items(multi=True):
        # Ids are the form's own state, not typed text: echoing one would tell a hidden id from a missing one.
        if _SECRET_FIELD.search(name) or name in _CONTROL_FIELDS or _ID_FIELD.search(name) or not value.strip():
            continue
        kept.append((name.replace("_", " ").capitalize(), value))
    return kept


def csrf_refused():
    """A form whose CSRF token was refused: nothing saved, its text handed back for copying. (The
    editors' forms go back into the editor instead: forum/views/kept_forms.py.)"""
    return render_error(400, CSRF_MESSAGE, kept=submitted_text())


def database_unavailable(error: Exception) -> bool:
    """The database is down, restarting, unreachable or saturated: a 503 worth retrying,
    unlike a bug in a query (a 500). SQLAlchemy flags a connection the server dropped
    (`connection_invalidated`) and throws it away, so the next request starts clean."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    cause = error.orig
    if isinstance(cause, sqlite3.OperationalError):
        return "locked" in str(cause) or "busy" in str(cause)
    # PostgreSQL: no SQLSTATE means the connection itself failed; class 08 is a lost
    # connection, 57P0x the server shutting down or still starting.
    state = getattr(cause, "sqlstate", "") or ""
    return type(cause).__name__ == "OperationalError" and (not state or state[:2] == "08" or state.startswith("57P0"))


def unavailable_response():
    """The 503 page, rendered without the database: signed out, as nothing about the
    viewer can be read (and any text a form sent is handed back)."""
    try:
        db.session.rollback()
    except DBAPIError:
        db.session.remove()
    g._login_user = login_manager.anonymous_user()
    kept = submitted_text() if request.method == "POST" and not request.path.startswith("/api/") else None
    response = make_response(render_error(503, DATABASE_UNAVAILABLE, kept=kept))
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def loggable_path() -> str:
    """The request's path for a log line. A path holding a secret (a route argument named
    `token`, as in a private feed's address) is logged as its rule, never its value."""
    rule = request.url_rule
    if rule is not None and "token" in rule.arguments:
        return rule.rule
    return request.path


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        return csrf_refused()

    @app.errorhandler(SearchUnavailable)
    def search_unavailable(_error: SearchUnavailable):
        # Logged where it happened; the reader learns only that search is down.
        return render_error(503, SEARCH_UNAVAILABLE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # 404 bodies never carry a description: a hidden post and a missing one must look alike.
        detail = None if error.code == 404 else (error.description if error.code in (400, 409, 429) else None)
        # A refused form hands back what was typed (a reply to a comment deleted meanwhile,
        # say): the same for a hidden target as for a missing one, so it tells nothing.
        return render_error(error.code or 500, detail, kept=submitted_text() if request.method == "POST" else None)

    @app.errorhandler(Exception)
    def unhandled(error: Exception):
        if database_unavailable(error):
            app.logger.warning("Database unavailable on %s: %s", loggable_path(), error.__class__.__name__)
            return unavailable_response()
        app.logger.exception("Unhandled error on %s", loggable_path())
        # The failed transaction must not leak into rendering the error page.
        db.session.rollback()
        return render_error(500)

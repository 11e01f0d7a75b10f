"""Error pages in the site's layout; never a stack trace."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
}


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/api/"):
        from .api.errors import error_response

        return error_response(code, detail)
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, "The form expired or was not sent from this site. Please go back, reload and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # 404 bodies never carry a description: a hidden post and a missing one must look alike.
        detail = None if error.code == 404 else (error.description if error.code in (400, 409, 429) else None)
        return render_error(error.code or 500, detail)

    @app.errorhandler(Exception)
    def unhandled(error: Exception):
        app.logger.exception("Unhandled error on %s", request.path)
        return render_error(500)

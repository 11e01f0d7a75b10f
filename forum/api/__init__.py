"""The JSON API under /api/v1: the same visibility rule and services as the pages.

Views here fetch through `visibility`/`queries` and change things through
`forum.services`, exactly as the HTML views do; nothing in this package selects posts
or comments on its own. One module per resource; each view carries an `@operation`
record from which /api/v1/openapi.json is built.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app
from werkzeug.exceptions import HTTPException

from forum.api import auth
from forum.api.errors import ApiError, error_response
from forum.extensions import csrf, db, limiter, login_manager
from forum.services import ServiceError
from forum.web import errors

bp = Blueprint("api", __name__, url_prefix="/api/v1")

WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return error_response(error.status, error.message, error.field)


@bp.errorhandler(ServiceError)
def service_error(error: ServiceError):
    db.session.rollback()  # a refused change leaves nothing half-done in the session
    # 404 from a service (e.g. someone else's invitation) keeps the one 404 body.
    if error.status == 404:
        return error_response(404)
    return error_response(error.status, error.message, error.field)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    status = error.code or 500
    # A 404 never says why: hidden and missing must be byte-identical.
    detail = (
        None if status == 404 else error.description if status in (400, 403, 409, 429) and error.description else None
    )
    if status == 403 and detail and detail.startswith("You don't have the permission"):
        detail = None  # werkzeug's generic text; ours is clearer
    response = error_response(status, detail)
    if status == 405 and error.get_headers():
        response.headers.update({k: v for k, v in error.get_headers() if k == "Allow"})
    return response


bp.before_request(auth.guard)


def _read_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _write_limit() -> str:
    return current_app.config["API_WRITE_LIMIT"]


def init_app(app: Flask) -> None:
    from forum.api import (  # noqa: F401
        comments,
        conversations,
        groups,
        me,
        memberships,
        meta,
        notifications,
        posts,
        reports,
        search,
        users,
        votes,
    )

    csrf.exempt(bp)  # cookie-authenticated writes are checked in `auth.guard`
    limiter.limit(_read_limit, key_func=auth.rate_key, per_method=False)(bp)
    limiter.limit(_write_limit, key_func=auth.rate_key, methods=WRITE_METHODS, scope="api-write")(bp)
    app.register_blueprint(bp)
    errors.register_renderer(app, "/api/", error_response)
    login_manager.user_loader(auth.load_session_user)
    login_manager.request_loader(auth.load_token_user)
    app.session_interface = auth.TokenRequestSessions()

"""Who is calling: a bearer token, the session cookie, or nobody.

`authenticate_bearer` runs first among the app's before-request hooks (see
`forum.api.init_app`), so the rate limiter, the site-terms check and every view see the
token's user as `current_user`. A request with a token is judged by the token alone:
a session cookie sent alongside it is ignored. Cookie-authenticated API writes go
through CSRF protection like any form; bearer requests are exempt, since a browser
never attaches an Authorization header on its own.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from forum.api.errors import ApiError
from forum.extensions import csrf, login_manager
from forum.models import ApiToken, User
from forum.services import tokens

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _bearer() -> str | None:
    """The token sent, "" for a malformed Authorization header, None for none."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return ""
    return value.strip()


def authenticate_bearer() -> None:
    """App-wide hook: on API paths, a valid bearer token signs its user in for this
    request only (nothing is written to the session)."""
    if not _is_api_request():
        return
    raw = _bearer()
    if raw is None:
        return
    token = tokens.find_active(raw)
    g.api_token = token
    g.api_bearer_sent = True
    if token is None:
        # Anonymous until the blueprint's guard answers 401: nothing else may act for it.
        login_manager._update_request_context_with_user(None)
        return
    tokens.touch(token)
    login_manager._update_request_context_with_user(token.user)


def current_token() -> ApiToken | None:
    return g.get("api_token")


def guard() -> None:
    """Blueprint hook: refuse bad tokens, read-only writes and cross-site cookie writes."""
    if g.get("api_bearer_sent"):
        token = current_token()
        if token is None:
            raise ApiError(401, "The token is invalid, expired or revoked.")
        if request.method not in SAFE_METHODS and not token.can_write:
            raise ApiError(403, "This token is read-only; create a read-write token to make changes.")
        return
    # Only a signed-in session can be abused cross-site; an anonymous write gets its 401.
    if (
        request.method not in SAFE_METHODS
        and current_user.is_authenticated
        and current_app.config.get("WTF_CSRF_ENABLED", True)
    ):
        csrf.protect()


def require_user() -> User:
    """The signed-in caller, or 401."""
    if not current_user.is_authenticated:
        raise ApiError(401, "Sign in or send a token: Authorization: Bearer fpat_…")
    return current_user._get_current_object()


def rate_key() -> str:
    """Rate limits count per token; callers without one count per address."""
    token = current_token()
    return f"token:{token.id}" if token is not None else f"addr:{get_remote_address()}"

"""Who is calling: a bearer token, the session cookie, or nobody.

A bearer token signs its user in through Flask-Login's public `request_loader`
(`load_token_user`), lazily, like any other user: the rate limiter, the site-terms check
and every view see the token's user as `current_user`. A request to the API with an
Authorization header is judged by the token alone: `TokenRequestSessions` opens no
session for it and saves none (a cookie sent alongside is neither read nor rewritten),
and a remember cookie sent alongside resolves to the token's user too (`load_session_user`
asks `token_user`). Cookie-authenticated API writes go through CSRF
protection like any form; bearer requests are exempt, since a browser never attaches an
Authorization header on its own.
"""

from __future__ import annotations

from flask import Request, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_login.utils import decode_cookie
from itsdangerous import URLSafeTimedSerializer

from forum.api.errors import ApiError
from forum.extensions import client_address, csrf
from forum.infra.memo import request_memo
from forum.models import ApiToken, User
from forum.services import sessions, tokens

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_api_request(req: Request) -> bool:
    return req.path == "/api" or req.path.startswith("/api/")


def judged_by_token(req: Request | None = None) -> bool:
    """An API request that sent an Authorization header, well-formed or not."""
    req = req or request
    return _is_api_request(req) and "Authorization" in req.headers


def _bearer() -> str:
    """The token sent, or "" for a malformed Authorization header."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return ""
    return value.strip()


def current_token() -> ApiToken | None:
    """The live token this request sent, looked up (and its use recorded) once a request."""
    if not judged_by_token():
        return None
    memo = request_memo("api_token")
    if "token" not in memo:
        token = tokens.find_active(_bearer())
        if token is not None:
            tokens.touch(token)
        memo["token"] = token
    return memo["token"]


def token_user() -> User | None:
    token = current_token()
    return token.user if token is not None else None


def load_session_user(key: str) -> User | None:
    """Flask-Login's user_loader: the user of the live sign-in a session (or remember
    cookie) names by its key (forum/services/sessions.py), or nobody."""
    if judged_by_token():
        # Only a remember cookie sent with a bearer request gets here (such requests
        # have no session): the token decides, whoever the cookie names.
        return token_user()
    user = sessions.open_by_key(key, user_agent=request.headers.get("User-Agent"), address=client_address())
    if user is None:
        _forget_dead_key(key)
    return user


def _forget_dead_key(key: str) -> None:
    """A dead key leaves the browser: the session cookie drops it, and a remember cookie
    holding it is deleted (Flask-Login's own marker), so it is not asked about again. The
    request remembers it: a form kept from an expired session is its account's (views/kept_forms.py)."""
    g.dead_session_key = key
    if session.get("_user_id") == key:
        for name in ("_user_id", "_fresh", "_id"):
            session.pop(name, None)
    remember = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    if remember is not None and decode_cookie(remember) == key:
        session["_remember"] = "clear"


def load_token_user(_request: Request) -> User | None:
    """Flask-Login's request_loader: asked when the request has no signed-in session."""
    return token_user()


class TokenRequestSessions(SecureCookieSessionInterface):
    """Requests judged by a token get an empty session that is never saved: the token
    decides who they are, and nothing is written to a browser's cookie for them.

    The cookie's signing serializer is built once per set of keys, not on every request
    (Flask builds one each time it opens or saves a session: about 6 µs, on every request
    a page cache hit included). Keyed by the keys themselves, so a rotated SECRET_KEY or
    SECRET_KEY_FALLBACKS counts at once."""

    _signing: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        signing = self._signing
        if signing is None or signing[0] != keys:
            signing = self._signing = (keys, super().get_signing_serializer(app))
        return signing[1]

    def open_session(self, app, request):
        if judged_by_token(request):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if judged_by_token():
            return
        super().save_session(app, session, response)


def guard() -> None:
    """Blueprint hook: refuse bad tokens, read-only writes and cross-site cookie writes."""
    if judged_by_token():
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
    return f"token:{token.id}" if token is not None else f"addr:{client_address()}"

"""Headers, the sign-in settings, the client's address, the `next` redirect rule and
refusing NUL characters."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

from forum.extensions import login_manager
from forum.infra import compression

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# Sent with every response, unless the view set its own.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    # Flask-Login's "strong" protection hashes the raw X-Forwarded-For, which a client
    # behind a proxy writes itself. Each session is a database row bound to its browser
    # instead (forum/services/sessions.py), and the cookies carry that row's key, not the
    # user's id: Flask-Login stores what this method returns.
    login_manager.session_protection = None
    login_manager.id_attribute = "get_session_key"

    # Who a request is (its session's user or its bearer token's) is decided in forum/api/auth.py.
    app.before_request(refuse_nul_characters)
    if app.config["TRUSTED_PROXIES"]:
        # The client's address and scheme as the proxies saw them (rate limits, secure cookies).
        hops = app.config["TRUSTED_PROXIES"]
        # Replacing wsgi_app is Flask's documented way to add WSGI middleware; mypy sees a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    @app.after_request
    def set_headers(response: Response) -> Response:
        # As setdefault each, with one pass over the headers a view set rather than one a
        # header (each a search that raises and catches a KeyError when it is not there).
        present = {name.lower() for name in response.headers.keys()}
        response.headers.extend((name, value) for name, value in SECURITY_HEADERS if name.lower() not in present)
        if request.is_secure and app.config["HSTS_SECONDS"] > 0:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}")
        if for_someone(app):
            # What a member or a token sees stays out of every cache, the browser's disk
            # included. This hook also runs on the page cache's hits, so they carry it too.
            response.headers["Cache-Control"] = "private, no-store"
        return response


# Files the same for everyone (fingerprinted CSS and JS): caching them forever is safe.
PUBLIC_FILES = frozenset({"static", "assets.serve"})


def for_someone(app: Flask) -> bool:
    """Whether the response was made for a signed-in member or a bearer token's owner."""
    if request.endpoint in PUBLIC_FILES:
        return False
    if "Authorization" in request.headers:
        return True
    # A request without any credential cannot be a member's; only others load the user.
    # `is_anonymous` rather than `is_authenticated`: the latter reads the user's row, which
    # a commit earlier in the request (a post view's read receipt) expired, so asking it
    # here reloaded the row after every such page. Whoever the loader returned is a member
    # (it returns nobody for a deleted account), and erring towards "private" is safe.
    return compression.credentialed(app) and not current_user.is_anonymous


def safe_next(target: str | None) -> str | None:
    """Accept only a path on this site: no scheme, no host, no `//host` or `/\\host`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


NUL_MESSAGE = "Text may not contain NUL characters."
NUL, REPLACEMENT = "\x00", "\ufffd"


def refuse_nul_characters() -> None:
    """No text the forum stores or looks up may hold U+0000. SQLite would take it;
    PostgreSQL refuses it with an error (a 500), so it never reaches either: in the
    address it names nothing (404); in a query string, which only reads, it becomes
    U+FFFD, which matches nothing, so a search or filter answers as for any odd input;
    in a form or JSON body, which would be stored, it is bad input (400)."""
    if NUL in request.path:
        abort(404)
    if any(NUL in key or NUL in value for key, value in request.args.items(multi=True)):
        request.args = ImmutableMultiDict(
            (key.replace(NUL, REPLACEMENT), value.replace(NUL, REPLACEMENT))
            for key, value in request.args.items(multi=True)
        )
    if request.method != "GET" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any(NUL in key or NUL in value for key, value in request.form.items(multi=True)):
            abort(400, NUL_MESSAGE)
    if request.is_json and _holds_nul(request.get_json(silent=True)):
        abort(400, NUL_MESSAGE)


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False

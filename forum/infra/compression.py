"""gzip for pages whose bytes no attacker could want: responses to requests without
credentials.

Compression leaks the length of a secret that shares a response with text an attacker
controls (BREACH): a page that reflects `?q=` beside a CSRF token, or beside the title
of a restricted post, can be probed byte by byte from another site. So a page is
compressed only when the request carries no session cookie, remember cookie or
Authorization header and the response sets no cookie. Such a response is what any
signed-out stranger gets for the same URL: no CSRF token (a page that makes one puts it
in a new session, i.e. sets a cookie), no restricted post, nothing the attacker could
not fetch themselves. Signed-in pages go uncompressed. Static files are compressed in
assets.py (they hold no secrets).
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request, session

COMPRESSIBLE = ("text/html", "application/json", "text/css", "text/javascript", "application/atom+xml", "text/plain")
MIN_SIZE = 1024  # below this the gzip header and CPU cost more than they save
LEVEL = 6


def credentialed(app: Flask) -> bool:
    """Whether the request carries a session, remember cookie or Authorization header
    (page_cache.py calls a request without any of them anonymous, by this same test)."""
    cookies = request.cookies
    return bool(
        app.config["SESSION_COOKIE_NAME"] in cookies
        or app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies
        or "Authorization" in request.headers
    )


def init_app(app: Flask) -> None:
    @app.after_request
    def compress(response: Response) -> Response:
        if (
            response.status_code != 200
            or response.direct_passthrough
            or response.is_streamed
            or "Content-Encoding" in response.headers
            or response.mimetype not in COMPRESSIBLE
            or not wants_gzip()
        ):
            return response
        response.vary.add("Accept-Encoding")
        # The session cookie is written after this hook, so a modified session counts as
        # setting a cookie (a CSRF token made for this page lives there).
        if "Set-Cookie" in response.headers or session.modified or credentialed(app):
            return response
        body = response.get_data()
        if len(body) < MIN_SIZE:
            return response
        response.set_data(compress_bytes(body))
        response.headers["Content-Encoding"] = "gzip"
        return response


def compress_bytes(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=LEVEL)


def wants_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "")

"""The `next` rule, cookie flags, session renewal and security headers."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from forum.queries.sessions import session_with_hash
from forum.services.sessions import hash_key
from forum.web.security import safe_next
from tests.factories import PASSWORD, login, make_comment, make_post, make_user

NEXT_CASES = [
    ("/posts/3", "/posts/3"),
    ("/?page=2&tag=x", "/?page=2&tag=x"),
    ("/users/ada#about", "/users/ada#about"),
    ("", None),
    (None, None),
    ("posts/3", None),
    ("//evil.example", None),
    ("//evil.example/path", None),
    ("///evil.example", None),
    ("/\\evil.example", None),
    ("/\\/evil.example", None),
    ("\\\\evil.example", None),
    ("https://evil.example/", None),
    ("http:evil.example", None),
    ("javascript:alert(1)", None),
    ("JavaScript:alert(1)", None),
    ("data:text/html,hi", None),
    ("/\t/evil.example", None),
    ("/\n/evil.example", None),
    ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),  # stays an escaped path on this site
    (" //evil.example", None),
]


@pytest.mark.parametrize("target, expected", NEXT_CASES)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


@pytest.mark.parametrize("target, expected", [(t, e) for t, e in NEXT_CASES if t])
def test_login_redirects_only_to_paths_on_this_site(client, target, expected):
    make_user("ada")
    response = client.post("/login", data={"username": "ada", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == (expected or "/")


def test_login_page_carries_next_into_the_form(client):
    page = client.get("/login?next=/posts/7").get_data(as_text=True)
    assert 'name="next"' in page and 'value="/posts/7"' in page


def _set_cookie(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert headers, f"no {name} cookie set"
    return headers[-1]


def test_session_cookie_is_httponly_and_lax(client):
    make_user("ada")
    response = client.post("/login", data={"username": "ada", "password": PASSWORD, "remember": "y"})
    for name in ("session", "remember_token"):
        cookie = _set_cookie(response, name)
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure():
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True


def test_session_is_renewed_at_sign_in(client):
    user = make_user("ada")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session
        key = session["_user_id"]
    # The cookie names a sign-in (its random key), not the account.
    assert key != str(user.id)
    assert session_with_hash(hash_key(key)).user_id == user.id


def test_two_clients_do_not_share_a_signed_in_user(app):
    """Guards the test harness itself: each request must load its own user."""
    ada, ben = make_user("ada"), make_user("ben")
    post = make_post(ada, "Only for ben", audience="restricted", users=(ben,))
    author, outsider = app.test_client(), app.test_client()
    login(author, ada)
    assert author.get(f"/posts/{post.id}").status_code == 200
    assert outsider.get(f"/posts/{post.id}").status_code == 404
    assert author.get(f"/posts/{post.id}").status_code == 200


def test_sign_out_clears_the_session(client):
    login(client, make_user("ada"))
    client.post("/logout")
    with client.session_transaction() as session:
        assert "_user_id" not in session


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize("path", ["/", "/login", "/nowhere", "/static/style.css"])
def test_security_headers(client, path):
    response = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["Content-Security-Policy"]
    directives = dict((part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


class _InlineFinder(HTMLParser):
    """Collects what the Content-Security-Policy would block: inline scripts, styles, handlers."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script":
            if "src" not in names:
                self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> block")
        if "style" in names:
            self.problems.append(f"style attribute on <{tag}>")
        self.problems += [f"{name} on <{tag}>" for name in names if name.startswith("on")]
        for name, value in attrs:
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def test_pages_have_nothing_the_csp_would_block(client):
    author = make_user("ada")
    post = make_post(author, "A post", "| a | b |\n|:-|-:|\n| 1 | 2 |", tags="tables")
    comment = make_comment(author, post, "hello")
    make_comment(make_user("ben"), post, "reply", parent=comment)
    login(client, author)
    paths = [
        "/",
        "/tags",
        "/tags/tables",
        f"/posts/{post.id}",
        f"/comments/{comment.id}",
        f"/posts/{post.id}/edit",
        "/posts/new",
        "/users/ada",
        "/settings/profile",
        "/people",
        "/groups",
        "/about",
        f"/comments/{comment.id}/reply",
        "/nowhere",
    ]
    for path in paths:
        finder = _InlineFinder()
        finder.feed(client.get(path).get_data(as_text=True))
        assert finder.problems == [], path


def test_forwarded_addresses_count_only_behind_a_configured_proxy(database_copy):
    """Rate limits key on the client's address: behind nginx that is X-Forwarded-For, but
    only when the deployment says a proxy sets it; otherwise a client could pick its own."""
    from flask import request

    from config import TestConfig
    from forum import create_app

    seen = {}
    for hops in (0, 1):
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_copy(f"proxies{hops}"), TRUSTED_PROXIES=hops)
        app.add_url_rule("/_test/addr", "addr", lambda: request.remote_addr or "")
        response = app.test_client().get(
            "/_test/addr", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        seen[hops] = response.get_data(as_text=True)
    assert seen == {0: "127.0.0.1", 1: "203.0.113.7"}


NO_STORE = "private, no-store"


@pytest.mark.parametrize("path", ["/", "/nowhere", "/settings/profile", "/api/v1/posts", "/notifications"])
def test_a_members_responses_stay_out_of_every_cache(client, path):
    login(client, make_user("ada"))
    assert client.get(path).headers["Cache-Control"] == NO_STORE


def test_public_pages_keep_their_caching_for_signed_out_readers(client):
    make_post(make_user("ada"), "A post")
    for path in ("/", "/posts/1", "/login", "/nowhere"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path
    # Fingerprinted assets stay cacheable for members too: they hold no secrets.
    login(client, make_user("ben"))
    static = client.get("/static/style.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_the_page_caches_hits_for_a_member_carry_no_store(app, client):
    post = make_post(make_user("ada"), "A post")
    login(client, make_user("ben"))
    client.get("/")  # the welcome flash: never kept
    client.get(f"/posts/{post.id}")
    hit = client.get(f"/posts/{post.id}")
    assert hit.headers.get("X-Page-Cache") == "hit"
    assert hit.headers["Cache-Control"] == NO_STORE


def test_bearer_token_responses_carry_no_store(client):
    from forum.services import tokens

    _token, raw = tokens.create_token(make_user("ada"), "script")
    for headers in ({"Authorization": f"Bearer {raw}"}, {"Authorization": "Bearer fpat_wrong"}):
        assert client.get("/api/v1/me", headers=headers).headers["Cache-Control"] == NO_STORE


def test_a_restricted_file_is_never_stored(client):
    from tests.factories import make_attachment

    ada = make_user("ada")
    secret = make_post(ada, "Secret", audience="restricted", users=(ada,))
    figure = make_attachment(ada, secret)
    public = make_attachment(ada, make_post(ada, "Open"))
    assert client.get(f"/posts/{public.post_id}/files/{public.key}").headers["Cache-Control"] == "public, no-cache"
    login(client, ada)
    response = client.get(f"/posts/{secret.id}/files/{figure.key}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == NO_STORE


def test_hsts_only_over_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == f"max-age={app.config['HSTS_SECONDS']}"
    assert app.config["HSTS_SECONDS"] >= 180 * 24 * 3600  # what preload lists and scanners ask for
    app.config["HSTS_SECONDS"] = 0
    assert "Strict-Transport-Security" not in client.get("/", base_url="https://localhost").headers


def test_hsts_follows_the_proxys_scheme_only_behind_a_trusted_proxy(database_copy):
    from config import TestConfig
    from forum import create_app

    for hops, expected in ((0, False), (1, True)):
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_copy(f"hsts{hops}"), TRUSTED_PROXIES=hops)
        response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
        assert ("Strict-Transport-Security" in response.headers) is expected


def test_the_shipped_nginx_file_sends_hsts_and_no_second_copy():
    from pathlib import Path

    conf = (Path(__file__).resolve().parent.parent / "deploy" / "nginx-forum.conf").read_text()
    assert 'add_header Strict-Transport-Security "max-age=' in conf and "always" in conf
    assert "proxy_hide_header Strict-Transport-Security" in conf


def test_a_development_key_is_random_private_and_kept(tmp_path):
    """`make run` signs sessions with a key made once into instance/, never one printed in the source."""
    import os
    import stat

    from config import DevelopmentConfig
    from forum import create_app
    from forum.infra.secret_key import instance_secret_key

    assert DevelopmentConfig.SECRET_KEY == os.environ.get("SECRET_KEY", "")  # nothing written in the source
    path = tmp_path / "instance" / "secret_key"
    key = instance_secret_key(path)
    assert len(key) == 64 and int(key, 16) >= 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert instance_secret_key(path) == key
    assert instance_secret_key(tmp_path / "another") != key

    app = create_app(
        DevelopmentConfig,
        SECRET_KEY="",
        SECRET_KEY_FILE=str(path),  # an absolute path replaces the instance folder
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
    )
    assert app.config["SECRET_KEY"] == key

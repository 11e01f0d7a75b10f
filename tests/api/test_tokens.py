"""Personal access tokens: the settings page, storage, scopes, last use, CSRF, the CLI."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from forum.extensions import db
from forum.models import ApiToken
from forum.models._time import utcnow
from forum.services import tokens
from tests.api.helpers import bearer
from tests.factories import PASSWORD, READ_RECEIPTS, login, make_post, make_user, statements, writes

TOKEN = re.compile(r"fpat_[A-Za-z0-9_-]{43}")


def test_settings_page_creates_a_token_shown_once_and_stored_hashed(client, app):
    ada = make_user("ada")
    login(client, ada)
    response = client.post("/settings/tokens", data={"name": "notebook", "scope": "read-write", "expires": "30"})
    assert response.status_code == 200
    raw = TOKEN.search(response.get_data(as_text=True)).group(0)
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest() and row.token_hash != raw
    assert row.hint == raw[:9] and row.scope == "read-write" and row.name == "notebook"
    assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
    # Never again: the list shows the hint only.
    page = client.get("/settings/tokens").get_data(as_text=True)
    assert raw not in page and row.hint in page and "notebook" in page
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).get_json()
    assert me["username"] == "ada" and me["token"]["scope"] == "read-write"


def test_settings_page_keeps_what_was_typed_on_error(client):
    login(client, make_user("ada"))
    response = client.post("/settings/tokens", data={"name": "", "scope": "read", "expires": "never"})
    assert response.status_code == 400 and "Name your token" in response.get_data(as_text=True)
    response = client.post("/settings/tokens", data={"name": "my script", "scope": "admin", "expires": "never"})
    assert response.status_code == 400 and 'value="my script"' in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


def test_revoking_from_the_settings_page(client):
    ada = make_user("ada")
    token, raw = tokens.create_token(ada, "old script", "read")
    login(client, ada)
    assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 302
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert client.get("/api/v1/posts", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert "revoked" in client.get("/settings/tokens").get_data(as_text=True)


def test_nobody_revokes_or_sees_another_users_tokens(client):
    ada, eve = make_user("ada"), make_user("eve")
    token, _raw = tokens.create_token(ada, "ada's secret script", "read")
    login(client, eve)
    assert client.post(f"/settings/tokens/{token.id}/revoke").status_code == 404
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert "secret script" not in client.get("/settings/tokens").get_data(as_text=True)


def test_settings_page_needs_sign_in(client):
    assert client.get("/settings/tokens").status_code == 302


def test_last_used_is_written_at_most_once_a_minute(client):
    ada = make_user("ada")
    token, raw = tokens.create_token(ada, "t", "read")
    headers = {"Authorization": f"Bearer {raw}"}
    assert db.session.get(ApiToken, token.id).last_used_at is None
    client.get("/api/v1/me", headers=headers)
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None
    client.get("/api/v1/posts", headers=headers)
    assert db.session.get(ApiToken, token.id).last_used_at == first  # within the minute: no write
    db.session.get(ApiToken, token.id).last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    client.get("/api/v1/posts", headers=headers)
    assert db.session.get(ApiToken, token.id).last_used_at > first - timedelta(seconds=1)


def test_bearer_requests_set_no_cookie_and_ignore_a_session(client):
    ada, bob = make_user("ada"), make_user("bob")
    response = client.get("/api/v1/me", headers=bearer(bob, scope="read"))
    assert "Set-Cookie" not in response.headers
    login(client, ada)
    # The token decides, not the session cookie sent alongside it...
    me = client.get("/api/v1/me", headers=bearer(bob, scope="read")).get_json()
    assert me["username"] == "bob"
    # ...and a read-only token stays read-only even for a signed-in browser.
    response = client.post(
        "/api/v1/posts",
        headers=bearer(bob, scope="read"),
        json={"title": "t", "body": "b", "audience": {"kind": "public"}, "confirm_public": True},
    )
    assert response.status_code == 403
    # Without a token the session counts (the pages' own scripts may use the API).
    assert client.get("/api/v1/me").get_json()["username"] == "ada"


def test_a_remember_cookie_sent_with_a_token_changes_nothing(app, client):
    """A browser signed in with "keep me signed in" whose script sends a token: the token
    decides, and the browser's cookies are neither read for it nor rewritten."""
    ada, bob = make_user("ada"), make_user("bob")
    response = client.post("/login", data={"username": "ada", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    session_cookie = app.config["SESSION_COOKIE_NAME"]
    client.delete_cookie(session_cookie)  # the session expired; the remember cookie stays
    response = client.get("/api/v1/me", headers=bearer(bob, scope="read"))
    assert response.get_json()["username"] == "bob"
    assert "Set-Cookie" not in response.headers
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer fpat_not-a-token"})
    assert bad.status_code == 401 and "Set-Cookie" not in bad.headers
    # Without a token the remember cookie signs ada back in, as on any page.
    assert client.get("/api/v1/me").get_json()["username"] == "ada"
    assert ada.id != bob.id


def test_cookie_authenticated_writes_need_a_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    ada = make_user("ada")
    app.config["WTF_CSRF_ENABLED"] = False
    login(client, ada)
    app.config["WTF_CSRF_ENABLED"] = True
    body = {"title": "Cross-site?", "body": "b", "audience": {"kind": "public"}, "confirm_public": True}
    response = client.post("/api/v1/posts", json=body)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid"
    # Reads need no token, and bearer writes are exempt: a browser never adds that header by itself.
    assert client.get("/api/v1/me").status_code == 200
    assert client.post("/api/v1/posts", json=body, headers=bearer(ada)).status_code == 201
    # With the page's CSRF token (as the site's own JS would send it), a cookie write works.
    page = client.get("/settings/tokens").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/api/v1/posts", json=body, headers={"X-CSRFToken": csrf}).status_code == 201


def test_create_token_command(app):
    make_user("ada")
    result = app.test_cli_runner().invoke(
        args=["forum", "create-token", "ada", "--scope", "read-write", "--name", "cli"]
    )
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    assert TOKEN.fullmatch(raw)
    assert tokens.find_active(raw).scope == "read-write"
    missing = app.test_cli_runner().invoke(args=["forum", "create-token", "nobody"])
    assert missing.exit_code != 0 and "No user named" in missing.output


def test_token_service_rules(app):
    ada = make_user("ada")
    for name, scope, days, field in (
        ("", "read", None, "name"),
        ("x", "root", None, "scope"),
        ("x", "read", 0, "expires_in_days"),
    ):
        try:
            tokens.create_token(ada, name, scope, days)
        except tokens.ServiceError as error:
            assert error.field == field
        else:
            raise AssertionError("accepted")
    _token, raw = tokens.create_token(ada, "x", "read")
    assert tokens.find_active(raw) is not None
    assert tokens.find_active(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert tokens.find_active("not-a-token") is None and tokens.find_active(None) is None


def test_a_banned_users_token_reads_but_cannot_write(client):
    from forum.services import moderation
    from tests.moderation_helpers import make_moderator

    ada = make_user("ada")
    post = make_post(ada, "Mine", "text")
    headers = bearer(ada)
    moderation.ban_user(make_moderator("mod"), ada, "Spam.", days=3)
    assert client.get(f"/api/v1/posts/{post.id}", headers=headers).status_code == 200
    response = client.post(f"/api/v1/posts/{post.id}/comments", headers=headers, json={"body": "hi"})
    assert response.status_code == 403 and "banned" in response.get_json()["error"]["message"]


def test_bearer_gets_write_only_the_tokens_last_use(client):
    """The documented exceptions to "GET never writes": the token's last use (services.tokens.touch)
    and, for a post read in full, its read receipt (services/reads.py, READ_RECEIPTS)."""

    ada = make_user("ada")
    post = make_post(ada, "Read me", "x")
    headers = bearer(ada)
    with statements() as seen:
        for url in (
            "/api/v1/me",
            "/api/v1/posts",
            f"/api/v1/posts/{post.id}",
            f"/api/v1/posts/{post.id}/comments",
            "/api/v1/users/ada",
            "/api/v1/groups",
            "/api/v1/openapi.json",
        ):
            assert client.get(url, headers=headers).status_code == 200, url
    made = [" ".join(s.split()) for s in writes(seen, allow=READ_RECEIPTS)]
    assert len(made) == 1 and made[0].startswith("UPDATE api_tokens SET last_used_at"), made


def test_anonymous_writes_get_401_even_with_csrf_on(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(
        "/api/v1/posts", json={"title": "t", "body": "b", "audience": {"kind": "public"}, "confirm_public": True}
    )
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"

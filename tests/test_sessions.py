"""Sessions that end: a sign-in is a row in the database, and a cookie is only as good as its row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from config import TestConfig
from forum import create_app
from forum.extensions import db
from forum.models import UserSession
from forum.models._time import utcnow
from forum.queries.sessions import session_with_hash
from forum.services import sessions
from forum.services.sessions import hash_key
from tests.factories import PASSWORD, login, logout, make_user
from tests.privacy.oracle import normalized

SESSION, REMEMBER = "session", "remember_token"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


def copy_cookies(source, target, names=(SESSION, REMEMBER)) -> None:
    """What someone who copied the browser's cookies would hold."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def signed_in(client) -> bool:
    """Whether the client's cookies open a members-only page."""
    response = client.get("/notifications")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def session_key(client) -> str:
    with client.session_transaction() as session:
        return session["_user_id"]


def sign_in_remembered(client, user, user_agent: str | None = None):
    headers = {"User-Agent": user_agent} if user_agent else {}
    response = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "remember": "y"}, headers=headers
    )
    assert response.status_code == 302
    return response


def test_a_session_cookie_copied_before_sign_out_is_dead_after_it(app, client):
    ada = make_user("ada")
    login(client, ada)
    thief = app.test_client()
    copy_cookies(client, thief)
    assert signed_in(thief)  # the copy works while the session lives

    logout(client)

    assert not signed_in(thief)
    assert not signed_in(client)
    assert db.session.scalar(select(UserSession.ended_at)) is not None


def test_sign_in_stores_only_a_hash_of_the_key(client):
    ada = make_user("ada")
    login(client, ada)
    key = session_key(client)
    record = db.session.scalar(select(UserSession))
    assert record.key_hash == hash_key(key) and key not in record.key_hash
    assert record.user_id == ada.id and record.ended_at is None and not record.remember


def test_sign_out_everywhere_else_ends_the_others_and_keeps_this_one(app, client):
    ada = make_user("ada")
    login(client, ada)  # the laptop
    phone = app.test_client()
    login(phone, ada)
    thief = app.test_client()
    copy_cookies(client, thief)

    response = phone.post("/settings/sessions/end-others", follow_redirects=True)

    assert "Signed out everywhere else (1 session)." in response.get_data(as_text=True)
    assert signed_in(phone)
    assert not signed_in(client) and not signed_in(thief)


def test_end_other_sessions_as_a_password_change_calls_it(app, client):
    ada, ben = make_user("ada"), make_user("ben")
    login(client, ada)
    laptop = app.test_client()
    login(laptop, ada)
    login(bens := app.test_client(), ben)
    thief = app.test_client()
    copy_cookies(client, thief)

    # The request changing the password is the laptop's: its session is the current one.
    key = session_key(laptop)
    agent = session_with_hash(hash_key(key)).user_agent
    with app.test_request_context(headers={"User-Agent": agent}):
        assert sessions.open_by_key(key, user_agent=agent, address="127.0.0.1") == ada
        assert sessions.end_other_sessions(ada) == 1

    assert signed_in(laptop)
    assert not signed_in(client) and not signed_in(thief)
    assert signed_in(bens)  # another member's sessions are theirs


def test_end_all_sessions_ends_every_one(app, client):
    ada = make_user("ada")
    login(client, ada)
    login(other := app.test_client(), ada)
    assert sessions.end_all_sessions(ada) == 2
    assert not signed_in(client) and not signed_in(other)


def test_the_remember_cookie_differs_at_every_sign_in_and_is_removed_at_sign_out(app, client):
    ada = make_user("ada")
    values = set()
    for _ in range(2):
        sign_in_remembered(client, ada)
        values.add(client.get_cookie(REMEMBER).value)
        response = logout(client)
        assert any(
            h.startswith(f"{REMEMBER}=;") and "Expires=Thu, 01 Jan 1970" in h
            for h in response.headers.getlist("Set-Cookie")
        )
        assert client.get_cookie(REMEMBER) is None
    assert len(values) == 2


def test_a_remember_cookie_alone_signs_in_until_its_session_ends(app, client):
    ada = make_user("ada")
    sign_in_remembered(client, ada)
    closed_browser = app.test_client()  # the session cookie is gone, the remember cookie stays
    copy_cookies(client, closed_browser, names=(REMEMBER,))
    assert signed_in(closed_browser)

    record = db.session.scalar(select(UserSession))
    assert record.remember
    client.post(f"/settings/sessions/{record.id}/end")

    response = closed_browser.get("/notifications")
    assert response.status_code == 302
    # The dead cookie is deleted, not asked about on every request.
    assert any(h.startswith(f"{REMEMBER}=;") for h in response.headers.getlist("Set-Cookie"))
    assert closed_browser.get_cookie(REMEMBER) is None


def test_signing_in_without_remember_me_drops_an_older_remember_cookie(app, client):
    ada = make_user("ada")
    sign_in_remembered(client, ada)
    login(client, ada)
    assert client.get_cookie(REMEMBER) is None
    # and the earlier sign-in in this browser is over: two sign-ins, one live session
    assert len(db.session.scalars(select(UserSession).where(UserSession.ended_at.is_(None))).all()) == 1


def test_an_ending_in_one_app_is_seen_by_another_at_once(database_copy):
    """Two processes (two app objects) sharing one database: no cache in either keeps a
    session alive after the other ended it."""
    url = database_copy("two_apps")
    first = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False)
    second = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False)
    with first.app_context():
        ada = make_user("ada_two_apps")
        one = first.test_client()
        login(one, ada)
    two = second.test_client()
    copy_cookies(one, two)
    with second.app_context():
        assert signed_in(two)
        assert signed_in(two)  # twice: the second answer may come from its page cache
    with first.app_context():
        logout(one)
    with second.app_context():
        assert not signed_in(two)
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_a_stolen_cookie_with_another_user_agent_gets_nothing(app, client):
    ada = make_user("ada")
    sign_in_remembered(client, ada, user_agent=FIREFOX)
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX
    assert signed_in(client)

    thief = app.test_client()
    copy_cookies(client, thief)
    thief.environ_base["HTTP_USER_AGENT"] = CHROME_ON_WINDOWS
    assert not signed_in(thief)
    thief.environ_base["HTTP_USER_AGENT"] = ""
    assert not signed_in(thief)
    # The victim is not signed out by the attempt.
    assert signed_in(client)


def test_a_browser_update_keeps_the_session(app, client):
    ada = make_user("ada")
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX
    login(client, ada)
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX.replace("128.0", "133.0")
    assert signed_in(client)


def test_an_idle_session_ends(app, client):
    ada = make_user("ada")
    login(client, ada)
    long_ago = utcnow() - timedelta(days=app.config["SESSION_IDLE_DAYS"], minutes=1)
    db.session.execute(update(UserSession).values(last_seen_at=long_ago))
    db.session.commit()
    assert not signed_in(client)


def test_last_seen_is_written_at_most_every_few_minutes(app, client):
    ada = make_user("ada")
    login(client, ada)
    before = utcnow() - sessions.TOUCH_INTERVAL - timedelta(seconds=1)
    db.session.execute(update(UserSession).values(last_seen_at=before))
    db.session.commit()
    signed_in(client)
    touched = db.session.scalar(select(UserSession.last_seen_at))
    assert touched > before
    signed_in(client)
    assert db.session.scalar(select(UserSession.last_seen_at)) == touched


def test_the_client_address_ignores_a_forged_header_without_trusted_proxies(client):
    ada = make_user("ada")
    client.post(
        "/login",
        data={"username": "ada", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "198.51.100.20"},
    )
    assert db.session.scalar(select(UserSession.address).where(UserSession.user_id == ada.id)) == "198.51.100.20"


def test_the_client_address_counts_exactly_the_trusted_hops(database_copy):
    url = database_copy("one_proxy")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, TRUSTED_PROXIES=1)
    with app.app_context():
        ada = make_user("ada_proxied")
        # nginx appends the address it saw to whatever the client sent: only that last entry counts.
        app.test_client().post(
            "/login",
            data={"username": ada.username, "password": PASSWORD},
            headers={"X-Forwarded-For": "10.9.9.9, 203.0.113.7"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        assert db.session.scalar(select(UserSession.address)) == "203.0.113.7"
        db.session.remove()
        db.engine.dispose()


def test_forged_forwarded_addresses_share_one_rate_limit(app):
    """Without TRUSTED_PROXIES a client that writes its own X-Forwarded-For still counts as one address."""
    limited = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True
    )
    limited.config["API_RATE_LIMIT"] = "3 per minute"
    client = limited.test_client()
    statuses = [
        client.get(
            "/api/v1/posts", headers={"X-Forwarded-For": f"203.0.113.{n}"}, environ_base={"REMOTE_ADDR": "10.1.1.1"}
        ).status_code
        for n in range(4)
    ]
    with limited.app_context():
        db.engine.dispose()
    # The limiter object is shared: the next app created (or the `app` fixture) switches it off again.
    assert statuses == [200, 200, 200, 429]


def test_the_sessions_page_lists_and_ends_sessions(app, client):
    ada, ben = make_user("ada"), make_user("ben")
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX
    login(client, ada)
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = CHROME_ON_WINDOWS
    login(phone, ada)
    login(app.test_client(), ben)

    page = client.get("/settings/sessions").get_data(as_text=True)
    assert "Firefox on Linux" in page and "Chrome on Windows" in page
    assert page.count("(this session)") == 1
    assert page.count('class="this-session"') == 1
    assert "Sign out everywhere else" in page

    phone_session = db.session.scalar(select(UserSession).where(UserSession.user_agent == CHROME_ON_WINDOWS))
    response = client.post(f"/settings/sessions/{phone_session.id}/end", follow_redirects=True)
    assert "That session is ended" in response.get_data(as_text=True)
    assert not signed_in(phone)
    assert "Chrome on Windows" not in client.get("/settings/sessions").get_data(as_text=True)


def test_nobody_ends_another_members_session(app, client):
    ada, ben = make_user("ada"), make_user("ben")
    login(bens := app.test_client(), ben)
    bens_session = db.session.scalar(select(UserSession).where(UserSession.user_id == ben.id))
    login(client, ada)
    missing = client.post("/settings/sessions/9999/end")
    response = client.post(f"/settings/sessions/{bens_session.id}/end")
    # Byte-identical but for each page's own CSRF token (stamped per second, so two
    # requests straddling a second differ there; failed about 1 run in 8 before).
    assert response.status_code == 404
    assert normalized(response, f"/settings/sessions/{bens_session.id}/end") == normalized(
        missing, "/settings/sessions/9999/end"
    )
    assert signed_in(bens)


def test_ending_this_session_on_the_page_signs_out(app, client):
    ada = make_user("ada")
    login(client, ada)
    this = session_with_hash(hash_key(session_key(client)))
    response = client.post(f"/settings/sessions/{this.id}/end")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not signed_in(client)


def test_the_sessions_page_lists_tokens_and_the_feed_address(client):
    from forum.services import feed_tokens, tokens

    ada = make_user("ada")
    tokens.create_token(ada, "nightly export", "read")
    revoked, _ = tokens.create_token(ada, "old script", "read")
    tokens.revoke_token(ada, revoked.id)
    feed, _ = feed_tokens.rotate(ada)
    login(client, ada)
    page = client.get("/settings/sessions").get_data(as_text=True)
    assert "nightly export" in page and "old script" not in page
    assert feed.hint in page
    assert 'href="/settings/tokens"' in page and 'href="/settings/feed"' in page


def test_the_sessions_page_needs_sign_in(client):
    response = client.get("/settings/sessions")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_cookie_signed_with_a_retired_secret_key_opens_nothing(app, client):
    """The session cookie's signer is built once per set of keys (api/auth.py): a rotated key
    counts on the very next request, and a key moved to the fallbacks still opens its cookies."""
    login(client, make_user("ada"))
    assert signed_in(client)
    later = app.test_client()
    copy_cookies(client, later, names=(SESSION,))  # the refused request below replaces the client's cookie
    old = app.secret_key
    app.secret_key = "another secret key, long enough to be one"
    assert not signed_in(client)
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert signed_in(later)


def test_a_deleted_account_opens_nothing_even_with_a_session_left_live(app, client):
    """Deleting an account ends its sessions; the sign-in check holds even if one was missed."""
    from forum.models import User

    ada = make_user("ada")
    login(client, ada)
    key = session_key(client)
    agent = session_with_hash(hash_key(key)).user_agent
    with app.test_request_context(headers={"User-Agent": agent}):
        assert sessions.open_by_key(key, user_agent=agent, address="127.0.0.1") == ada
    db.session.execute(update(User).where(User.id == ada.id).values(deleted_at=utcnow()))
    db.session.commit()
    with app.test_request_context(headers={"User-Agent": agent}):
        assert sessions.open_sign_in(key, user_agent=agent, address="127.0.0.1") is None
        assert sessions.open_by_key(key, user_agent=agent, address="127.0.0.1") is None

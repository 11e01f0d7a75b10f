"""Sessions that end: a sign-in is a row in the database, and a cookie is only as good as its row."""

from __future__ import annotations

from tests.factories import login, logout, make_user

SESSION = "session"


def copy_session(source, target) -> None:
    """What someone who copied the browser's cookies would hold."""
    for name in (SESSION, "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def test_a_session_cookie_copied_before_sign_out_is_dead_after_it(app, client):
    ada = make_user("ada")
    login(client, ada)
    thief = app.test_client()
    copy_session(client, thief)
    assert thief.get("/notifications").status_code == 200  # the copy works while the session lives

    logout(client)

    response = thief.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

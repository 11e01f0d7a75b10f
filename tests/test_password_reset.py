"""Passwords: changing one (the current one is asked, other sessions end) and resetting a
forgotten one by an emailed link that works once, expires, dies with any password change,
and ends every session; asking for a link tells nothing about which addresses have accounts,
neither in the answer nor in the work done (statements run) nor in the mail queued."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import OutboxMessage
from forum.services import accounts, email_verification, sessions
from tests.factories import PASSWORD, login, make_user, send_queued_mail, sibling_app, statements

NEW = "a brand new password"
LINK = re.compile(r"http://forum\.test(/reset/\S+)")


def reset_link(client, address: str = "ada@example.org") -> str:
    send_queued_mail()
    assert client.post("/forgot", data={"email": address}).status_code == 200
    (message,) = send_queued_mail()
    assert message["To"] == address
    return LINK.search(message.get_content()).group(1)


def signs_in(client, user, password: str) -> bool:
    response = client.post("/login", data={"username": user.username, "password": password})
    client.post("/logout")
    return response.status_code == 302


@pytest.fixture
def ended(monkeypatch):
    """Which session-ending calls ran (the session records are the sessions engineer's)."""
    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(sessions, "end_all_sessions", lambda user: calls.append(("all", user.id)) or 0)
    monkeypatch.setattr(sessions, "end_other_sessions", lambda user: calls.append(("others", user.id)) or 0)
    return calls


# --- asking for a link: no enumeration -----------------------------------------------------


def test_a_known_and_an_unknown_address_get_the_same_answer_and_the_same_work(client):
    make_user("ada")
    make_user("una", email="unverified@example.org", verified=False)
    send_queued_mail()
    answers, work = {}, {}
    for address in ("ada@example.org", "nobody@example.org", "unverified@example.org"):
        with statements() as seen:
            response = client.post("/forgot", data={"email": address})
        assert response.status_code == 200
        answers[address] = response.get_data(as_text=True).replace(address, "ADDRESS")
        work[address] = seen
    assert (
        "If an account has ADDRESS as its verified address, a link to reset its password is on its way"
        in (answers["ada@example.org"])
    )
    assert answers["ada@example.org"] == answers["nobody@example.org"] == answers["unverified@example.org"]
    assert work["ada@example.org"] == work["nobody@example.org"] == work["unverified@example.org"]
    assert any(s.startswith("INSERT INTO outbox") for s in work["nobody@example.org"])


def test_the_known_address_gets_a_link_and_an_unknown_one_a_note_without_one(app):
    make_user("ada")
    make_user("una", email="unverified@example.org", verified=False)
    send_queued_mail()
    from forum.services import passwords

    for address in ("Ada@Example.org ", "nobody@example.org", "unverified@example.org"):
        passwords.request_reset(address)
    sent = {m["To"]: m for m in send_queued_mail()}
    assert set(sent) == {"ada@example.org", "nobody@example.org", "unverified@example.org"}
    assert LINK.search(sent["ada@example.org"].get_content())
    for address in ("nobody@example.org", "unverified@example.org"):
        body = sent[address].get_content()
        assert "no account has it as its verified address" in body
        assert "/reset/" not in body and "una" not in body


def test_a_bad_address_is_refused_with_what_was_typed_kept(client):
    response = client.post("/forgot", data={"email": "ada at example"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "does not look like an email address" in html and 'value="ada at example"' in html
    assert db.session.scalar(select(OutboxMessage.id)) is None


# --- using the link -----------------------------------------------------------------------


def test_the_link_sets_a_new_password_once_and_ends_every_session(client, ended):
    ada = make_user("ada")
    link = reset_link(client)
    page = client.get(link)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    response = client.post(link, data={"new": NEW, "repeat": NEW})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert ended == [("all", ada.id)]
    assert signs_in(client, ada, NEW) and not signs_in(client, ada, PASSWORD)

    again = client.post(link, data={"new": "yet another password", "repeat": "yet another password"})
    html = again.get_data(as_text=True)
    assert again.status_code == 400
    assert "already used" in html and "Nothing was changed." in html and 'href="/forgot"' in html
    assert signs_in(client, ada, NEW)
    assert client.get(link).status_code == 400


def test_signed_in_when_resetting_this_browser_is_signed_out_too(client, ended):
    ada = make_user("ada")
    link = reset_link(client)
    login(client, ada)
    client.post(link, data={"new": NEW, "repeat": NEW})
    assert "Sign out" not in client.get("/").get_data(as_text=True)


def test_an_expired_link_is_refused_and_changes_nothing(app, client, monkeypatch, ended):
    ada = make_user("ada")
    link = reset_link(client)
    later = time.time() + app.config["RESET_LINK_SECONDS"] + 5
    monkeypatch.setattr(time, "time", lambda: later)  # itsdangerous reads the clock through time.time
    response = client.post(link, data={"new": NEW, "repeat": NEW})
    assert response.status_code == 400 and "This link has expired." in response.get_data(as_text=True)
    monkeypatch.undo()
    assert ended == []
    assert signs_in(client, ada, PASSWORD)


def test_the_link_expires_after_an_hour(app):
    assert app.config["RESET_LINK_SECONDS"] == 3600


@pytest.mark.parametrize("how", ["altered payload", "altered signature", "verification salt", "garbage"])
def test_a_tampered_link_is_refused_and_changes_nothing(client, how, ended):
    ada = make_user("ada")
    token = reset_link(client).rsplit("/", 1)[1]
    payload, stamp, signature = token.split(".")
    forged = {
        "altered payload": f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{stamp}.{signature}",
        # The first character: the last one of unpadded base64 may carry only ignored bits.
        "altered signature": f"{payload}.{stamp}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}",
        # A verification link of the same account, under the other salt.
        "verification salt": email_verification.link_token(ada, ada.email),
        "garbage": "nothing-signed",
    }[how]
    response = client.post(f"/reset/{forged}", data={"new": NEW, "repeat": NEW})
    assert response.status_code == 400 and "Nothing was changed." in response.get_data(as_text=True)
    assert ended == []
    assert signs_in(client, ada, PASSWORD)


def test_a_password_changed_another_way_voids_the_link(client, ended):
    ada = make_user("ada")
    link = reset_link(client)
    accounts.change_password(ada, PASSWORD, "changed in settings")
    assert client.post(link, data={"new": NEW, "repeat": NEW}).status_code == 400
    assert signs_in(client, ada, "changed in settings")


def test_a_changed_address_voids_the_link(client, ended):
    ada = make_user("ada")
    link = reset_link(client)
    email_verification.change_address(ada, "ada@new.example", PASSWORD)
    confirm = email_verification.link_token(ada, "ada@new.example")
    email_verification.confirm(confirm)
    assert client.post(link, data={"new": NEW, "repeat": NEW}).status_code == 400


def test_a_bad_new_password_is_refused_and_the_link_still_works(client, ended):
    ada = make_user("ada")
    link = reset_link(client)
    for new, repeat, message in (("short", "short", "10 to 256"), (NEW, "something else", "differ")):
        response = client.post(link, data={"new": new, "repeat": repeat})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        assert new not in response.get_data(as_text=True)
    assert ended == []
    assert client.post(link, data={"new": NEW, "repeat": NEW}).status_code == 302
    assert signs_in(client, ada, NEW)


# --- changing it in settings ------------------------------------------------------------


def test_changing_the_password_asks_the_current_one_and_ends_other_sessions(client, ended):
    ada = make_user("ada")
    login(client, ada)
    wrong = client.post("/settings/password", data={"current": "not it at all", "new": NEW, "repeat": NEW})
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    differ = client.post("/settings/password", data={"current": PASSWORD, "new": NEW, "repeat": "other thing!"})
    assert differ.status_code == 400 and "differ" in differ.get_data(as_text=True)
    assert ended == []
    response = client.post("/settings/password", data={"current": PASSWORD, "new": NEW, "repeat": NEW})
    assert response.status_code == 302
    assert ended == [("others", ada.id)]
    assert "Sign out" in client.get("/").get_data(as_text=True)  # this session stays
    client.post("/logout")
    assert signs_in(client, ada, NEW) and not signs_in(client, ada, PASSWORD)


def test_the_pages_are_linked_from_sign_in_and_settings(client):
    assert 'href="/forgot"' in client.get("/login").get_data(as_text=True)
    login(client, make_user("ada"))
    menu = client.get("/settings").get_data(as_text=True)
    assert 'href="/settings/email"' in menu and 'href="/settings/password"' in menu


# --- limits: each request mails someone ------------------------------------------------


@pytest.fixture
def limited(app):
    """An app of its own with Flask-Limiter switched on, on the same database."""

    limited_app = sibling_app(
        app,
        RATELIMIT_ENABLED=True,
        FORGOT_LIMIT="2 per hour",
        FORGOT_CLIENT_LIMIT="3 per hour",
        ACCOUNT_MAIL_LIMIT="2 per hour",
    )
    with limited_app.app_context():
        yield limited_app
        db.session.remove()
        db.engine.dispose()
    # The limiter object is shared: the `app` fixture switches it back for the next test.


def test_reset_requests_are_limited_per_address_asked_for_and_per_client(limited):
    client = limited.test_client()

    def ask(address, client_address="10.0.0.1"):
        return client.post("/forgot", data={"email": address}, environ_base={"REMOTE_ADDR": client_address})

    assert [ask("ada@example.org", f"10.0.1.{i}").status_code for i in range(3)] == [200, 200, 429]
    assert "asked for several times already" in ask("ada@example.org", "10.0.2.1").get_data(as_text=True)
    assert [ask(f"x{i}@example.org", "10.0.3.1").status_code for i in range(4)] == [200, 200, 200, 429]


def test_links_an_account_mails_are_limited(limited):
    ada = make_user("ada", verified=False)
    client = limited.test_client()
    login(client, ada)
    codes = [client.post("/settings/email/resend").status_code for _ in range(3)]
    assert codes == [302, 302, 429]

"""The account's email address: registering with one, the signed link that verifies it
(single use, expiring, tamper-proof), changing it (the old address is told), what an
unverified account may not do (the text it typed is kept), and notification mail that
goes only to verified addresses."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import OutboxMessage, Post, User
from forum.services import email_verification, passwords
from forum.services import notifications as notification_service
from tests.api.helpers import bearer
from tests.factories import PASSWORD, login, make_comment, make_post, make_user, send_queued_mail

LINK = re.compile(r"http://forum\.test(/verify/\S+)")


def mail_to(address: str) -> list:
    return [m for m in send_queued_mail() if m["To"] == address]


def verify_link(address: str) -> str:
    (message,) = [m for m in mail_to(address) if m["Subject"] == "Confirm your email address"]
    return LINK.search(message.get_content()).group(1)


def register(client, **typed):
    data = {"username": "newbie", "display_name": "New Person", "email": "New@Example.org", **typed}
    return client.post("/register", data={**data, "password": PASSWORD, "confirm": PASSWORD})


def newbie() -> User:
    return db.session.scalar(select(User).where(User.username == "newbie"))


# --- registering and verifying ------------------------------------------------------------


def test_registering_sends_a_link_that_verifies_the_address_once(client):
    assert register(client).status_code == 302
    user = newbie()
    assert (user.email, user.is_verified) == ("new@example.org", False)
    link = verify_link("new@example.org")

    page = client.get(link)  # mail scanners fetch links: a GET only shows what it confirms
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "new@example.org" in html and "newbie" in html and ">Confirm</button>" in html
    db.session.expire_all()
    assert not newbie().is_verified

    assert client.post(link).status_code == 302
    db.session.expire_all()
    assert newbie().is_verified
    again = client.post(link)
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True) and 'href="/settings/email"' in again.get_data(as_text=True)


def test_a_failed_registration_keeps_everything_typed(client):
    make_user("other", email="taken@example.org")
    for typed, message in (
        ({"email": "not an address"}, "does not look like an email address"),
        ({"email": "TAKEN@example.org"}, "belongs to another account"),
        ({"email": ""}, "This field is required."),
    ):
        response = register(client, **typed)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert message in html
        assert 'value="newbie"' in html and 'value="New Person"' in html
        if typed["email"]:
            assert f'value="{typed["email"]}"' in html
    assert newbie() is None


def test_an_expired_link_is_refused_and_changes_nothing(app, client, monkeypatch):
    register(client)
    link = verify_link("new@example.org")
    later = time.time() + app.config["VERIFY_LINK_SECONDS"] + 5
    monkeypatch.setattr(time, "time", lambda: later)  # itsdangerous reads the clock through time.time
    response = client.post(link)
    assert response.status_code == 400
    assert "This link has expired." in response.get_data(as_text=True)
    monkeypatch.undo()
    db.session.expire_all()
    assert not newbie().is_verified
    assert client.post(link).status_code == 302  # the same link, before its time ran out


@pytest.mark.parametrize("how", ["altered", "other salt", "garbage"])
def test_a_tampered_link_is_refused(client, how):
    register(client)
    token = verify_link("new@example.org").rsplit("/", 1)[1]
    payload, rest = token.split(".", 1)
    forged = {
        "altered": payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest,
        "other salt": passwords.reset_token(newbie()),
        "garbage": "not-a-token",
    }[how]
    response = client.post(f"/verify/{forged}")
    assert response.status_code == 400
    assert "Nothing was changed." in response.get_data(as_text=True)
    db.session.expire_all()
    assert not newbie().is_verified


def test_resend_queues_one_link_and_an_old_one_keeps_working_until_used(client):
    register(client)
    login(client, newbie())
    assert client.post("/settings/email/resend").status_code == 302
    assert client.post("/settings/email/resend").status_code == 302  # one unsent link is enough
    rows = db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "verify"))
    assert rows == 1
    link = verify_link("new@example.org")
    assert client.post("/settings/email/resend").status_code == 302
    second = verify_link("new@example.org")
    assert client.post(link).status_code == 302
    assert client.post(second).status_code == 400  # the address is verified: every link for it is spent
    page = client.get("/settings/email").get_data(as_text=True)
    assert "new@example.org" in page and "verified" in page and "Send the link again" not in page


# --- changing the address -----------------------------------------------------------------


def test_changing_the_address_verifies_the_new_one_and_tells_the_old(client):
    ada = make_user("ada")
    send_queued_mail()
    login(client, ada)
    response = client.post("/settings/email", data={"email": "ada@new.example", "password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert (ada.email, ada.pending_email, ada.is_verified) == ("ada@example.org", "ada@new.example", True)
    sent = send_queued_mail()
    told = [m for m in sent if m["To"] == "ada@example.org"]
    assert [m["Subject"] for m in told] == ["Your forum account's email address is changing"]
    assert "/forgot" in told[0].get_content()
    (confirm,) = [m for m in sent if m["To"] == "ada@new.example"]
    link = LINK.search(confirm.get_content()).group(1)
    assert client.post(link).status_code == 302
    db.session.expire_all()
    assert (ada.email, ada.pending_email, ada.is_verified) == ("ada@new.example", None, True)
    assert client.post(link).status_code == 400


def test_a_newer_change_voids_the_older_link(client):
    ada = make_user("ada")
    login(client, ada)
    client.post("/settings/email", data={"email": "first@new.example", "password": PASSWORD})
    first = verify_link("first@new.example")
    client.post("/settings/email", data={"email": "second@new.example", "password": PASSWORD})
    assert client.post(first).status_code == 400
    db.session.expire_all()
    assert ada.email == "ada@example.org" and ada.pending_email == "second@new.example"


def test_a_change_needs_the_current_password_and_keeps_what_was_typed(client):
    ada = make_user("ada")
    make_user("ben")
    send_queued_mail()
    login(client, ada)
    for typed, message in (
        ({"email": "ada@new.example", "password": "wrong password"}, "not your current password"),
        ({"email": "BEN@example.org", "password": PASSWORD}, "belongs to another account"),
        ({"email": "nope", "password": PASSWORD}, "does not look like an email address"),
    ):
        response = client.post("/settings/email", data=typed)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert message in html and f'value="{typed["email"]}"' in html
        assert typed["password"] not in html
    db.session.expire_all()
    assert (ada.email, ada.pending_email) == ("ada@example.org", None)
    assert send_queued_mail() == []


# --- what an unverified account may do ---------------------------------------------------


@pytest.fixture
def unverified(client):
    author = make_user("author")
    post = make_post(author, "Open post")
    comment = make_comment(author, post, "A comment to vote on.")
    user = make_user("newbie", verified=False)
    login(client, user)
    return user, post, comment, author


def _refused_naming_the_address(response) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Confirm your email address first" in html and "newbie@example.org" in html
    assert 'action="/settings/email/resend"' in html and "Send the link again" in html
    return html


def test_an_unverified_account_may_not_post_and_keeps_its_text(client, unverified):
    response = client.post(
        "/posts/new",
        data={"title": "My typed title", "body": "My typed body, kept.", "audience": "public", "confirm_public": "y"},
    )
    html = _refused_naming_the_address(response)
    assert 'value="My typed title"' in html and "My typed body, kept." in html
    assert db.session.scalar(select(func.count(Post.id))) == 1


def test_an_unverified_account_may_not_comment_and_keeps_its_text(client, unverified):
    _user, post, _comment, _author = unverified
    response = client.post(f"/posts/{post.id}/comments", data={"body": "My typed comment, kept."})
    html = _refused_naming_the_address(response)
    assert "My typed comment, kept." in html


def test_an_unverified_account_may_not_vote(client, unverified):
    _user, post, comment, _author = unverified
    for url in (f"/posts/{post.id}/vote", f"/comments/{comment.id}/vote"):
        _refused_naming_the_address(client.post(url, data={"value": "up"}))
        json = client.post(url, data={"value": "up"}, headers={"Accept": "application/json"})
        assert json.status_code == 403 and "newbie@example.org" in json.get_json()["error"]["message"]
    db.session.expire_all()
    assert post.score == 0


def test_an_unverified_account_may_not_vouch_and_keeps_its_text(client, unverified):
    response = client.post("/users/author/vouch", data={"statement": "I read their SAE work closely."})
    html = _refused_naming_the_address(response)
    assert "I read their SAE work closely." in html


def test_an_unverified_account_may_edit_its_profile(client, unverified):
    response = client.post("/settings/profile", data={"display_name": "Newbie Renamed", "bio": "", "interests": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert unverified[0].display_name == "Newbie Renamed"


def test_groups_and_access_requests_wait_for_verification_too(unverified):
    from forum.services import ServiceError, access, groups

    user, post, _comment, _author = unverified
    with pytest.raises(ServiceError, match="newbie@example.org"):
        groups.create_group(user, "Newbie Lab")
    with pytest.raises(ServiceError, match="Confirm your email address first"):
        access.request_access(user, post, "Please.")


def test_a_join_request_waits_for_verification_with_its_statement_kept(client, unverified):
    from tests.factories import make_group

    group = make_group(unverified[3], "Open Lab")
    response = client.post(f"/groups/{group.slug}/request", data={"statement": "I study induction heads."})
    html = _refused_naming_the_address(response)
    assert "I study induction heads." in html


def test_the_api_answers_the_same_rule_in_json(client, unverified):
    user, post, _comment, _author = unverified
    headers = bearer(user)
    typed = {"title": "From a script", "body": "Body.", "audience": {"kind": "public"}, "confirm_public": True}
    response = client.post("/api/v1/posts", headers=headers, json=typed)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "forbidden" and "newbie@example.org" in error["message"]
    response = client.post(f"/api/v1/posts/{post.id}/comments", headers=headers, json={"body": "Hi."})
    assert response.status_code == 403 and "Confirm your email address first" in response.get_json()["error"]["message"]


def test_the_site_setting_decides(app, client, unverified):
    app.config["UNVERIFIED_MAY"] = {"read", "profile", "post"}
    response = client.post(
        "/posts/new",
        data={
            "title": "Allowed here",
            "body": "This site lets it through.",
            "audience": "public",
            "confirm_public": "y",
        },
    )
    assert response.status_code == 302
    _user, post, _comment, _author = unverified
    assert client.post(f"/posts/{post.id}/comments", data={"body": "Still not this."}).status_code == 403
    app.config["UNVERIFIED_MAY"] = {"read"}
    response = client.post("/settings/profile", data={"display_name": "Nope", "bio": "", "interests": ""})
    assert "Confirm your email address first" in response.get_data(as_text=True)


def test_verifying_through_the_link_lifts_the_refusal(client, unverified):
    client.post("/settings/email/resend")
    assert client.post(verify_link("newbie@example.org")).status_code == 302
    response = client.post(
        "/posts/new", data={"title": "Now I may", "body": "Verified.", "audience": "public", "confirm_public": "y"}
    )
    assert response.status_code == 302
    assert "Confirm your email address" not in client.get("/").get_data(as_text=True)


# --- notification mail ---------------------------------------------------------------------


def test_notification_mail_goes_only_to_verified_addresses(client):
    ada, ben, eli = make_user("ada"), make_user("ben", verified=False), make_user("eli")
    for user in (ada, ben):
        notification_service.save_email_settings(
            user, {"replies": "immediate", "mentions": "immediate", "threads": "immediate"}
        )
    send_queued_mail()  # the factories' own mail
    post = make_post(ada, "Ada's post")
    make_comment(eli, post, "Hello Ada, and @ben look.")
    assert [m["To"] for m in send_queued_mail()] == ["ada@example.org"]
    # Queued while verified, sent after the address stopped being verified: skipped.
    make_comment(eli, post, "Again.")
    ada.email_verified_at = None
    db.session.commit()
    assert send_queued_mail() == []


def test_an_address_waiting_to_replace_the_verified_one_gets_no_notification_mail(client):
    ada, eli = make_user("ada"), make_user("eli")
    notification_service.save_email_settings(ada, {"replies": "immediate", "threads": "immediate"})
    email_verification.change_address(ada, "ada@new.example", PASSWORD)
    send_queued_mail()
    make_comment(eli, make_post(ada, "Ada's post"), "Hello.")
    assert [m["To"] for m in send_queued_mail()] == ["ada@example.org"]


def test_the_demo_accounts_are_verified(app):
    from forum.demo.seed import PEOPLE, load_demo_content

    load_demo_content()
    users = db.session.scalars(select(User).order_by(User.id)).all()
    assert [(u.username, u.email, u.is_verified) for u in users[: len(PEOPLE)]] == [
        (name, f"{name}@example.org", True) for name, *_ in PEOPLE
    ]
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "verify")) == 0

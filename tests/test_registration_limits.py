"""Registration: a limit per address, and the invite-only and approval modes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Invite, LimitEvent, Post, User
from tests.factories import PASSWORD, login, make_user, sibling_app
from tests.moderation_helpers import count, make_moderator


def _register(client, username, addr="127.0.0.1", **extra):
    # The test client's own address by default: sessions are bound to it (strong protection).
    data = {"username": username, "display_name": f"{username} typed", "password": PASSWORD, "confirm": PASSWORD}
    data["email"] = f"{username}@example.org"
    return client.post("/register", data={**data, **extra}, environ_base={"REMOTE_ADDR": addr})


def _age_registrations(seconds: int) -> None:
    for event in db.session.scalars(select(LimitEvent)):
        event.created_at -= timedelta(seconds=seconds)  # in Python: SQLite stores times as text
    db.session.commit()


# --- the limit per address -------------------------------------------------------------------


def test_an_address_creates_only_so_many_accounts(app):
    app.config["REGISTRATION_LIMIT"] = "2 per hour;3 per day"
    for name in ("first", "second"):
        assert _register(app.test_client(), name).status_code == 302
    refused = _register(app.test_client(), "third")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "2 accounts an hour can be created from one address. Try again in 60 minutes" in html
    assert refused.headers["Retry-After"] == "3600"
    # What was typed is kept, and no account was made.
    assert 'value="third"' in html and 'value="third typed"' in html
    assert count(User, User.username == "third") == 0
    # Another address is not affected.
    assert _register(app.test_client(), "elsewhere", addr="10.0.0.9").status_code == 302
    # An hour later the hourly limit has passed, but the daily one holds.
    _age_registrations(3601)
    assert _register(app.test_client(), "third").status_code == 302
    refused = _register(app.test_client(), "fourth")
    assert refused.status_code == 429
    assert "3 accounts a day can be created from one address" in refused.get_data(as_text=True)


def test_failed_registrations_do_not_count(app):
    app.config["REGISTRATION_LIMIT"] = "1 per hour"
    make_user("taken")
    assert _register(app.test_client(), "taken").status_code == 400
    assert _register(app.test_client(), "free").status_code == 302


# --- approval mode -----------------------------------------------------------------------------


def test_in_approval_mode_a_new_account_reads_until_an_admin_approves_it(app, client):
    app.config["REGISTRATION_MODE"] = "approval"
    admin = make_moderator("boss", role="admin")
    page = client.get("/register").get_data(as_text=True)
    assert "an admin approves them before they post" in page
    assert _register(client, "newcomer").status_code == 302
    newcomer = db.session.scalar(select(User).where(User.username == "newcomer"))
    assert newcomer.awaiting_approval
    home = client.get("/").get_data(as_text=True)
    assert "posting, commenting and voting open once approved" in home  # the banner
    data = {"title": "My first post", "body": "Hello", "audience": "public", "confirm_public": "y"}
    assert client.post("/posts/new", data=data).status_code == 403
    assert count(Post) == 0

    # A moderator who is not an admin cannot see the list.
    login(client, make_moderator("mod"))
    assert client.get("/moderation/approvals").status_code == 403
    login(client, admin)
    listing = client.get("/moderation/approvals").get_data(as_text=True)
    assert "newcomer typed" in listing
    assert "Accounts awaiting approval" in client.get("/moderation").get_data(as_text=True)
    assert client.post(f"/moderation/approvals/{newcomer.id}").status_code == 302
    assert "Nobody is waiting" in client.get("/moderation/approvals").get_data(as_text=True)

    db.session.expire_all()
    newcomer.email_verified_at = newcomer.created_at  # approval and a verified address both open writing
    db.session.commit()
    login(client, newcomer)
    assert client.post("/posts/new", data=data).status_code == 302
    assert count(Post) == 1


def test_in_open_mode_accounts_need_no_approval(app, client):
    assert app.config["REGISTRATION_MODE"] == "open"
    assert _register(client, "newcomer").status_code == 302
    assert not db.session.scalar(select(User.awaiting_approval).where(User.username == "newcomer"))
    assert client.get("/settings/invites").status_code == 404


# --- invite mode --------------------------------------------------------------------------------


@pytest.fixture
def invite_app(app):
    """The invites page is registered only in invite mode: an app of its own, same database."""
    invite_only = sibling_app(
        app,
        REGISTRATION_MODE="invite",
        INVITE_MIN_KARMA=50,
    )
    with invite_only.app_context():
        yield invite_only
        db.session.remove()
        db.engine.dispose()


def test_in_invite_mode_registering_spends_a_members_code(invite_app):
    member = make_user("ada")
    member.karma = 50
    db.session.commit()
    client = invite_app.test_client()

    refused = _register(client, "stranger")
    assert refused.status_code == 400
    assert "needs an invite code" in refused.get_data(as_text=True)
    assert count(User, User.username == "stranger") == 0

    login(client, member)
    assert "Invites" in client.get("/settings").get_data(as_text=True)
    assert client.post("/settings/invites").status_code == 302
    code = db.session.scalar(select(Invite.code))
    assert f"/register?invite={code}" in client.get("/settings/invites").get_data(as_text=True)

    guest = invite_app.test_client()
    assert f'value="{code}"' in guest.get(f"/register?invite={code}").get_data(as_text=True)
    assert _register(guest, "friend", invite_code=code).status_code == 302
    assert "Friend typed".lower() in client.get("/settings/invites").get_data(as_text=True).lower()

    reused = _register(invite_app.test_client(), "another", invite_code=code)
    assert reused.status_code == 400
    assert "unknown or already used" in reused.get_data(as_text=True)
    assert count(User, User.username == "another") == 0


def test_members_below_the_karma_cannot_invite(invite_app):
    client = invite_app.test_client()
    login(client, make_user("newbie"))
    page = client.get("/settings/invites").get_data(as_text=True)
    assert "members with 50 karma" in page and "Create an invite code" not in page
    assert client.post("/settings/invites").status_code == 403
    assert count(Invite) == 0

"""Bans, warnings, site roles and `flask forum create-admin`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum import permissions
from forum.extensions import db
from forum.models import Ban, Comment, Group, ModeratorWarning, Post, Report, User
from forum.models._time import utcnow
from forum.services import ServiceError, moderation
from forum.services import groups as group_service
from tests.factories import PASSWORD, login, logout, make_comment, make_post, make_user
from tests.moderation_helpers import actions, count, make_moderator, page


def _ban(client, moderator, target, reason="spamming links", days="7"):
    login(client, moderator)
    response = client.post(f"/moderation/users/{target.username}/ban", data={"reason": reason, "days": days})
    logout(client)
    return response


def test_ban_blocks_every_write_but_not_reading(client):
    author = make_user("ada")
    spammer = make_user("spammer")
    secret = make_post(author, "Shared with spammer", audience="restricted", users=(spammer,))
    public = make_post(author, "Public post")
    assert _ban(client, make_moderator("mod"), spammer).status_code == 302
    login(client, spammer)
    # Reading is unchanged, including the restricted post they were shown before.
    assert client.get(f"/posts/{secret.id}").status_code == 200
    status, html = page(client, "/")
    assert status == 200 and "You are banned" in html and "spamming links" in html
    assert "spamming links" in page(client, "/tags")[1]  # the banner is on every page
    # Every write is refused, and nothing is written.
    assert client.get("/posts/new").status_code == 403
    assert client.post("/posts/new", data={"title": "t", "body": "b", "audience": "public"}).status_code == 403
    assert client.post(f"/posts/{public.id}/comments", data={"body": "hi"}).status_code == 403
    assert (
        client.post("/groups/new", data={"name": "Spam group", "join_policy": "open", "listed": "listed"}).status_code
        == 403
    )
    assert client.post(f"/posts/{public.id}/report", data={"reason": "spam"}).status_code == 403
    assert count(Post, Post.author_id == spammer.id) == 0
    assert count(Comment, Comment.author_id == spammer.id) == 0
    assert count(Report) == 0
    assert count(Group) == 0


def test_services_refuse_banned_writers_too(app):
    spammer = make_user("spammer")
    post = make_post(make_user("ada"))
    own = make_post(spammer, "Mine")
    moderation.ban_user(make_moderator("mod"), spammer, "spam", days=None)
    for attempt in (
        lambda: make_post(spammer),
        lambda: make_comment(spammer, post),
        lambda: group_service.create_group(spammer, "Spam group"),
        lambda: moderation.report(spammer, post, None, "spam"),
    ):
        with pytest.raises(ServiceError) as error:
            attempt()
        assert error.value.status == 403 and "banned" in error.value.message
    assert not permissions.can_vote(spammer) and not permissions.can_write(spammer)
    assert not permissions.can_edit_post(spammer, own)
    assert permissions.can_delete_post(spammer, own)  # they may still take their words down


def test_temporary_ban_expires(app):
    user = make_user("ben")
    ban = moderation.ban_user(make_moderator("mod"), user, "cool off", days=3)
    assert ban.expires_at is not None and permissions.is_banned(user)
    ban.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert not permissions.is_banned(user) and permissions.can_write(user)
    make_post(user)


def test_unban_lifts_the_ban_and_is_logged(client):
    user = make_user("ben")
    mod = make_moderator("mod")
    moderation.ban_user(mod, user, "spam", days=None)
    login(client, mod)
    assert client.post("/moderation/users/ben/unban", data={"reason": "appeal accepted"}).status_code == 302
    assert not permissions.is_banned(user)
    assert [a.action for a in actions()] == ["ban", "unban"]
    logout(client)
    login(client, user)
    assert "You are banned" not in page(client, "/")[1]
    assert client.get("/posts/new").status_code == 200


def test_moderators_cannot_ban_admins_or_each_other(client):
    mod = make_moderator("mod")
    admin = make_moderator("boss", role="admin")
    other_mod = make_moderator("mod2")
    assert _ban(client, mod, admin).status_code == 403
    assert _ban(client, mod, other_mod).status_code == 403
    assert _ban(client, mod, mod).status_code == 403
    with pytest.raises(ServiceError):
        moderation.ban_user(mod, admin, "no")
    assert count(Ban) == 0 and actions() == []
    # An admin may ban a moderator, never another admin.
    assert _ban(client, admin, other_mod).status_code == 302
    assert _ban(client, admin, make_moderator("boss2", role="admin")).status_code == 403
    assert count(Ban) == 1


def test_non_moderators_cannot_ban(client):
    target = make_user("ben")
    assert _ban(client, make_user("eve"), target).status_code == 403
    assert count(Ban) == 0


def test_ban_needs_a_reason(client):
    target = make_user("ben")
    login(client, make_moderator("mod"))
    response = client.post("/moderation/users/ben/ban", data={"reason": "", "days": "7"})
    assert response.status_code == 400 and "Give a reason" in response.get_data(as_text=True)
    assert count(Ban) == 0 and not permissions.is_banned(target)


def test_ban_and_warn_from_a_report(client):
    author = make_user("troll")
    post = make_post(author)
    report = moderation.report(make_user("ben"), post, None, "harassment")
    second = make_post(author)
    report2 = moderation.report(make_user("cyd"), second, None, "harassment")
    mod = make_moderator("mod")
    login(client, mod)
    client.post(
        f"/moderation/reports/{report.id}",
        data={f"r{report.id}-decision": "warn", f"r{report.id}-reason": "be civil", f"r{report.id}-days": "7"},
    )
    client.post(
        f"/moderation/reports/{report2.id}",
        data={f"r{report2.id}-decision": "ban", f"r{report2.id}-reason": "again", f"r{report2.id}-days": "permanent"},
    )
    assert [a.action for a in actions()] == ["warn", "ban"]
    ban = permissions.active_ban(author)
    assert ban is not None and ban.expires_at is None and ban.reason == "again"
    assert count(ModeratorWarning, ModeratorWarning.user_id == author.id) == 1


def test_warning_banner_until_acknowledged(client):
    user = make_user("ben")
    warning = moderation.warn_user(make_moderator("mod"), user, "Please stay on topic.")
    login(client, user)
    assert "Please stay on topic." in page(client, "/")[1]
    assert client.post(f"/moderation/warnings/{warning.id}/acknowledge").status_code == 302
    assert "Please stay on topic." not in page(client, "/")[1]
    # Someone else's warning cannot be acknowledged.
    other = moderation.warn_user(make_moderator("mod2"), make_user("cyd"), "x")
    assert client.post(f"/moderation/warnings/{other.id}/acknowledge").status_code == 404


# --- roles ------------------------------------------------------------------------------


def test_admin_grants_and_revokes_moderator_and_it_is_logged(client):
    admin = make_moderator("boss", role="admin")
    ben = make_user("ben")
    login(client, admin)
    assert client.post("/moderation/users/ben/role", data={"role": "moderator", "reason": "trusted"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, ben.id).role == "moderator"
    assert client.post("/moderation/users/ben/role", data={"role": "user", "reason": "stepped down"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, ben.id).role == "user"
    granted, revoked = actions("grant_moderator")[-1], actions("revoke_moderator")[-1]
    assert (granted.moderator_id, granted.target_user_id, granted.reason) == (admin.id, ben.id, "trusted")
    assert revoked.reason == "stepped down"
    logout(client)
    html = page(client, "/moderation/log")[1]
    assert "made a moderator" in html and "took the moderator role" in html


def test_moderators_cannot_change_roles(client):
    mod = make_moderator("mod")
    ben = make_user("ben")
    login(client, mod)
    assert client.post("/moderation/users/ben/role", data={"role": "admin"}).status_code == 403
    assert client.post("/moderation/users/mod/role", data={"role": "admin"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, ben.id).role == "user" and db.session.get(User, mod.id).role == "moderator"


def test_moderator_pages_are_closed_to_others(client):
    make_user("ben")
    login(client, make_user("eve"))
    for url in ("/moderation", "/moderation/users/ben", "/moderation?show=resolved"):
        assert client.get(url).status_code == 403
    logout(client)
    assert client.get("/moderation").status_code == 302  # sign in first


def test_create_admin_command_creates_or_promotes(app):
    runner = app.test_cli_runner()
    command = ["forum", "create-admin", "root", "--password", PASSWORD, "--email", "Root@Example.org"]
    result = runner.invoke(args=command)
    assert result.exit_code == 0, result.output
    root = db.session.scalar(db.select(User).where(User.username == "root"))
    assert root.role == "admin"
    assert root.email == "root@example.org" and root.is_verified  # the operator vouches for it
    existing = make_user("ben")
    result = runner.invoke(args=["forum", "create-admin", "ben"])
    assert result.exit_code == 0 and "ben is now an admin" in result.output
    db.session.expire_all()
    assert db.session.get(User, existing.id).role == "admin"
    assert [a.target_user_id for a in actions("grant_admin")] == [root.id, existing.id]
    assert all(a.moderator_id is None for a in actions("grant_admin"))


def test_create_admin_prompts_for_a_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["forum", "create-admin", "root"], input=f"{PASSWORD}\n{PASSWORD}\nroot@example.org\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User.role).where(User.username == "root")) == "admin"
    bad = runner.invoke(args=["forum", "create-admin", "x!", "--password", PASSWORD, "--email", "x@example.org"])
    assert bad.exit_code != 0 and "Usernames" in bad.output

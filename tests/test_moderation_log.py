"""The public moderation log, its privacy rule, and moderation by group owners and admins."""

from __future__ import annotations

import pytest

from forum import permissions
from forum.extensions import db
from forum.models import Membership
from forum.services import ServiceError, moderation
from forum.services import groups as group_service
from tests.factories import login, logout, make_comment, make_group, make_post, make_user
from tests.moderation_helpers import actions, make_moderator, page


def test_log_is_public_and_records_every_kind_of_action(client):
    author = make_user("ada")
    post = make_post(author, "Visible spam post")
    comment = make_comment(make_user("troll"), post, "comment text")
    mod = make_moderator("mod")
    admin = make_moderator("boss", role="admin")
    report = moderation.report(make_user("ben"), post, None, "spam")
    moderation.resolve_report(mod, report, "dismiss", "not spam")
    moderation.remove_post(mod, post, "actually spam")
    moderation.restore_post(mod, post, "appeal")
    moderation.remove_comment(mod, comment, "rude")
    moderation.warn_user(mod, comment.author, "be nice")
    moderation.ban_user(mod, comment.author, "kept at it", days=7)
    moderation.unban_user(mod, comment.author, "served")
    moderation.set_role(admin, make_user("cyd"), "moderator", "helpful")
    status, html = page(client, "/moderation/log")
    assert status == 200
    for text in (
        "dismissed a report on",
        "Visible spam post",
        "actually spam",
        "restored",
        "removed a comment on",
        "warned",
        "be nice",
        "banned",
        "kept at it",
        "lifted the ban on",
        "made a moderator",
        "helpful",
    ):
        assert text in html, text
    assert "comment text" not in html  # the log never quotes content
    assert len(actions()) == 7


def _restricted_removed():
    author = make_user("ada")
    insider = make_user("ben")
    post = make_post(author, "Secret synthesis title", audience="restricted", users=(insider,))
    report = moderation.report(insider, post, None, "hazardous")
    mod = make_moderator("mod")
    moderation.resolve_report(mod, report, "remove", "quoted the Secret protocol")
    return author, insider, post, mod


def test_log_entry_on_restricted_content_names_nothing_to_outsiders(client):
    author, insider, post, mod = _restricted_removed()
    for viewer in (None, make_user("eve"), make_moderator("mod2")):
        logout(client)
        if viewer:
            login(client, viewer)
        html = page(client, "/moderation/log")[1]
        # No line at all: its time and moderator would tell that something happened there.
        assert "removed" not in html and "a restricted post" not in html and "reason withheld" not in html
        assert html.count("<time") == len(actions("grant_moderator"))
        assert "Secret" not in html
        assert ">Ada<" not in html and "/users/ada" not in html
        assert f"/posts/{post.id}" not in html
    # A removed post answers 404 to its audience, so its line is theirs no more either; its
    # author, who may still open it to read why, finds it in the log.
    logout(client)
    login(client, insider)
    html = page(client, "/moderation/log")[1]
    assert "Secret" not in html and f"/posts/{post.id}" not in html and "removed" not in html
    logout(client)
    login(client, author)
    html = page(client, "/moderation/log")[1]
    assert "Secret synthesis title" in html and "quoted the Secret protocol" in html


def test_a_removed_members_post_is_named_only_to_whoever_may_still_open_it(client):
    author = make_user("ada")
    post = make_post(author, "Members title", audience="members")
    moderation.remove_post(make_moderator("mod"), post, "members reason")
    html = page(client, "/moderation/log")[1]
    assert "removed" not in html and "a members-only post" not in html
    assert "Members title" not in html and "members reason" not in html
    login(client, make_user("ben"))  # a member: the post answers them 404 now
    html = page(client, "/moderation/log")[1]
    assert "Members title" not in html and "members reason" not in html and "removed" not in html
    logout(client)
    login(client, author)
    html = page(client, "/moderation/log")[1]
    assert "Members title" in html and "members reason" in html
    moderation.restore_post(make_moderator("mod2"), post)
    logout(client)
    login(client, make_user("cyd"))  # restored: every member reads the post, and its log
    html = page(client, "/moderation/log")[1]
    assert "Members title" in html and "members reason" in html


def test_ban_entries_never_name_the_reported_content(client):
    author = make_user("ada")
    insider = make_user("cyd")
    post2 = make_post(author, "Secret two", audience="restricted", users=(insider,))
    report = moderation.report(insider, post2, None, "harassment")
    moderation.resolve_report(make_moderator("mod"), report, "ban", "harassing people", 7)
    [ban] = actions("ban")
    assert ban.post_id is None and ban.report_id == report.id
    html = page(client, "/moderation/log")[1]
    assert "banned" in html and "harassing people" in html and "Secret" not in html


# --- group moderation -------------------------------------------------------------------


def _group_setup():
    owner = make_user("owner")
    admin = make_user("gadmin")
    member = make_user("member")
    group = make_group(owner, "Wet Lab", members=(admin, member), listed=False)
    db.session.get(Membership, (group.id, admin.id)).role = "admin"
    db.session.commit()
    author = make_user("ada")
    group_service.add_member(group, author)
    db.session.commit()
    post = make_post(author, "Group-only protocol", audience="restricted", groups=(group,))
    comment = make_comment(member, post, "off-topic rant")
    return owner, admin, member, author, group, post, comment


def test_group_owner_removes_a_comment_on_a_group_only_post(client):
    owner, admin, member, author, group, post, comment = _group_setup()
    login(client, owner)
    html = page(client, f"/posts/{post.id}")[1]
    assert f"/moderation/comments/{comment.id}/remove" in html
    assert client.post(f"/moderation/comments/{comment.id}/remove", data={"reason": "off-topic"}).status_code == 302
    db.session.expire_all()
    assert comment.is_removed and post.comment_count == 0
    [entry] = actions("group_remove_comment")
    assert (entry.moderator_id, entry.group_id) == (owner.id, group.id)
    # In the log: members see it all; outsiders see neither the group, the owner nor the post.
    html = page(client, "/moderation/log")[1]
    assert "Group-only protocol" in html and "Wet Lab" in html and "off-topic" in html
    logout(client)
    login(client, make_user("eve"))
    html = page(client, "/moderation/log")[1]
    assert "removed a comment" not in html and "a group moderator" not in html and "a restricted post" not in html
    assert "Wet Lab" not in html and "Group-only" not in html and "/users/owner" not in html


def test_group_admin_removes_and_restores_the_post(client):
    owner, admin, member, author, group, post, comment = _group_setup()
    login(client, admin)
    assert client.post(f"/moderation/posts/{post.id}/remove", data={"reason": "wrong group"}).status_code == 302
    db.session.expire_all()
    assert post.is_removed
    assert client.get(f"/posts/{post.id}").status_code == 200  # its moderators still see it
    logout(client)
    login(client, member)
    assert client.get(f"/posts/{post.id}").status_code == 404
    logout(client)
    login(client, admin)
    assert client.post(f"/moderation/posts/{post.id}/restore", data={}).status_code == 302
    assert [a.action for a in actions()] == ["group_remove_post", "group_restore_post"]


def test_plain_members_cannot_moderate_the_group(client):
    owner, admin, member, author, group, post, comment = _group_setup()
    login(client, member)
    assert client.post(f"/moderation/posts/{post.id}/remove", data={"reason": "x"}).status_code == 403
    assert client.post(f"/moderation/comments/{comment.id}/remove", data={"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert not post.is_removed and not comment.is_removed and actions() == []


def test_group_moderators_only_moderate_posts_shared_only_with_their_group(client):
    owner = make_user("owner")
    author = make_user("ada")
    group = make_group(owner, "Wet Lab", members=(author,))
    wider = make_post(author, "Also shared with cyd", audience="restricted", groups=(group,), users=(make_user("cyd"),))
    public = make_post(author, "Public")
    assert permissions.moderating_group_id(wider) is None
    login(client, owner)
    for post in (wider, public):
        assert client.post(f"/moderation/posts/{post.id}/remove", data={"reason": "x"}).status_code == 403
    with pytest.raises(ServiceError):
        moderation.remove_post(owner, wider, "x")
    assert actions() == []


def test_group_moderators_cannot_resolve_site_reports(client):
    owner, admin, member, author, group, post, comment = _group_setup()
    report = moderation.report(member, post, None, "spam")
    login(client, owner)
    assert client.get("/moderation").status_code == 403
    assert (
        client.post(f"/moderation/reports/{report.id}", data={f"r{report.id}-decision": "dismiss"}).status_code == 403
    )

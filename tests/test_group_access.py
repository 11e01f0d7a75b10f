"""Membership changes and what a viewer may read: every change counts on the very next
request, and group counts include only what the viewer may read."""

from __future__ import annotations

import pytest

from forum import visibility
from forum.extensions import db
from forum.models import Group, PostAudience
from forum.models.principals import user_token
from forum.services import groups as svc
from forum.services import posts as post_service
from tests.factories import login, logout, make_group, make_post, make_user, page_text


def reads_everywhere(client, post, group) -> dict:
    """Where the viewer meets the post: its page, the front page, the group page and counts."""
    group_page = client.get(f"/groups/{group.slug}")
    return {
        "post": client.get(f"/posts/{post.id}").status_code,
        "front": post.title in page_text(client.get("/")),
        "group_page": group_page.status_code == 200 and post.title in page_text(group_page),
        "group_count": "1 post" in page_text(group_page),
        "directory_count": "1 post" in page_text(client.get("/groups")) if group.listed else None,
        "mine_count": "1 post" in page_text(client.get("/groups/mine")),
    }


READS = {"post": 200, "front": True, "group_page": True, "group_count": True, "mine_count": True}


@pytest.mark.parametrize("listed", [True, False], ids=["listed", "unlisted"])
@pytest.mark.parametrize("how", ["leaves", "is removed"])
def test_losing_membership_takes_effect_on_the_next_request(client, listed, how):
    owner, member = make_user("olga"), make_user("mia")
    group = make_group(owner, "Red Team", listed=listed, members=(member,))
    post = make_post(owner, "Elicitation gap draft", audience="restricted", groups=(group,))
    login(client, member)
    before = reads_everywhere(client, post, group)
    assert before == {**READS, "directory_count": True if listed else None}

    if how == "leaves":
        assert client.post(f"/groups/{group.slug}/leave").status_code == 302
    else:
        svc.remove_member(owner, group, "mia")

    after = reads_everywhere(client, post, group)
    assert after["post"] == 404
    assert not any(after[k] for k in ("front", "group_page", "group_count", "directory_count", "mine_count"))
    if listed:
        page = page_text(client.get(f"/groups/{group.slug}"))
        assert "0 posts" in page and "None that you can read." in page
    else:
        assert client.get(f"/groups/{group.slug}").status_code == 404


def test_joining_takes_effect_on_the_next_request(client):
    owner, user = make_user("olga"), make_user("ann")
    group = make_group(owner, "Open Lab", join_policy="open")
    post = make_post(owner, "Members only result", audience="restricted", groups=(group,))
    login(client, user)
    assert client.get(f"/posts/{post.id}").status_code == 404
    assert "0 posts" in page_text(client.get("/groups/open-lab"))
    client.post("/groups/open-lab/join")
    assert client.get(f"/posts/{post.id}").status_code == 200
    assert "1 post" in page_text(client.get("/groups/open-lab"))


def test_principals_are_forgotten_inside_the_same_request(app):
    """A service that changes memberships drops the per-request cache, so a later check
    in the same request sees the change."""
    owner, member = make_user(), make_user()
    group = make_group(owner, "Gamma", members=(member,))
    post = make_post(owner, "P", audience="restricted", groups=(group,))
    with app.test_request_context():
        assert visibility.can_read_post(member, post.id)
        svc.leave(member, group)
        assert not visibility.can_read_post(member, post.id)


def test_group_post_counts_include_only_what_the_viewer_may_read(client):
    owner, outsider, named, member = make_user("olga"), make_user("otto"), make_user("nina"), make_user("mia")
    group = make_group(owner, "Circuits", members=(member,))
    make_post(owner, "For the group", audience="restricted", groups=(group,))
    make_post(owner, "For the group and nina", audience="restricted", groups=(group,), users=(named,))
    gone = make_post(owner, "Deleted one", audience="restricted", groups=(group,))
    post_service.delete_post(gone)
    make_post(owner, "Not shared with the group", audience="restricted", users=(named, member))

    expected = {None: "0 posts", outsider: "0 posts", named: "1 post", member: "2 posts", owner: "2 posts"}
    for viewer, count in expected.items():
        if viewer is not None:
            login(client, viewer)
        for url in ("/groups", "/groups/circuits"):
            assert f"2 members · {count}" in page_text(client.get(url)), (viewer, url)
        if viewer is not None:
            logout(client)


def test_a_recreated_namesake_reads_none_of_the_old_groups_posts(client):
    owner, member, named = make_user("olga"), make_user("mia"), make_user("nina")
    old = make_group(owner, "Red Team", members=(member,))
    old_id = old.id
    post = make_post(owner, "Old group secret", audience="restricted", groups=(old,), users=(named,))
    svc.delete_group(old, actor=owner)

    new = make_group(make_user("mallory"), "Red Team", members=(member,))
    assert new.slug == "red-team" and new.id != old_id
    assert db.session.get(Group, old_id) is None
    tokens = {row.principal for row in db.session.query(PostAudience).filter_by(post_id=post.id)}
    assert tokens == {user_token(owner.id), user_token(named.id)}

    login(client, member)
    assert client.get(f"/posts/{post.id}").status_code == 404
    assert "Old group secret" not in page_text(client.get("/"))
    page = page_text(client.get("/groups/red-team"))
    assert "Old group secret" not in page and "0 posts" in page
    logout(client)
    login(client, named)  # the post keeps its other readers
    assert client.get(f"/posts/{post.id}").status_code == 200

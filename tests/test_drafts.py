"""Drafts: read by their authors and the people they share them with, listed nowhere,
published to the audience chosen for them. Privacy first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import Post
from forum.models._time import utcnow
from forum.search import indexing, service
from forum.services import ServiceError, drafts, votes
from tests.factories import login, logout, make_comment, make_group, make_post, make_user
from tests.privacy.oracle import MISSING_POST, normalized

SECRET = "Xylophone draft"  # only ever in the draft: any page showing it leaks


@pytest.fixture
def world(app):
    author, member, outsider, friend = (
        make_user("author"),
        make_user("member"),
        make_user("outsider"),
        make_user("friend"),
    )
    group = make_group(author, "Open Lab", members=(member,))
    public = make_post(author, "Published note", "Plain.", tags="circuits")
    draft = make_post(
        author, SECRET, "Xylophone body.", tags="circuits, xylotag", audience="restricted", groups=(group,), draft=True
    )
    return {
        "author": author,
        "member": member,
        "outsider": outsider,
        "friend": friend,
        "group": group,
        "public": public,
        "draft": draft,
    }


def _listing_pages(w) -> list[str]:
    return [
        "/",
        "/?sort=new",
        "/?sort=top-all",
        "/tags",
        "/tags/circuits",
        "/users/author",
        f"/groups/{w['group'].slug}",
        "/search?q=xylophone",
        "/api/v1/posts",
        "/api/v1/users/author",
        "/api/v1/users/author/posts",
        f"/api/v1/groups/{w['group'].slug}/posts",
        "/api/v1/search?q=xylophone",
        "/feeds/hot.atom",
        "/feeds/new.atom",
        "/feeds/tags/circuits.atom",
        "/feeds/users/author.atom",
        f"/feeds/groups/{w['group'].slug}.atom",
    ]


@pytest.mark.parametrize("viewer", [None, "member", "outsider", "author"])
def test_a_draft_is_in_no_listing_count_search_or_profile_for_anyone(client, world, viewer):
    """Not even its author's: drafts live on the Drafts page. Counts stay as without it."""
    if viewer:
        login(client, world[viewer])
    for url in _listing_pages(world):
        response = client.get(url)
        body = response.get_data(as_text=True).lower()
        # Search pages echo the query; the draft's own words are what must not appear.
        assert "xylophone draft" not in body and "xylophone body" not in body and "xylotag" not in body, url
        assert f"/posts/{world['draft'].id}" not in body and f'"id": {world["draft"].id},' not in body, url
    assert client.get("/tags/xylotag").status_code == 404  # a tag only a draft uses does not exist
    assert client.get(f"/feeds/posts/{world['draft'].id}/comments.atom").status_code == 404
    if viewer:  # the viewer's private feed (everything they may read) leaves drafts out too
        from forum.services import feed_tokens

        _, raw = feed_tokens.rotate(world[viewer])
        assert "xylophone" not in client.get(f"/feeds/private/{raw}.atom").get_data(as_text=True).lower()
    profile = client.get("/api/v1/users/author").get_json()
    assert profile["post_count"] == 1


@pytest.mark.parametrize("viewer", [None, "member", "outsider"])
def test_outside_its_readers_a_draft_is_a_missing_post(client, world, viewer):
    """The group it will be published to cannot read it yet."""
    if viewer:
        login(client, world[viewer])
    draft = world["draft"]
    for suffix in ("", "/edit", "/revisions", "/share"):
        # An anonymous /edit leaves a "please sign in" flash for whichever page renders next.
        with client.session_transaction() as session:
            session.pop("_flashes", None)
        hidden = client.get(f"/posts/{draft.id}{suffix}")
        missing = client.get(f"/posts/{MISSING_POST}{suffix}")
        assert normalized(hidden, f"/posts/{draft.id}") == normalized(missing, f"/posts/{MISSING_POST}"), suffix
        if viewer:
            assert hidden.status_code == 404


def test_drafts_are_not_indexed_until_published(app, world):
    upserts, deletions = indexing.documents_for([world["draft"].id], [])
    # The draft's document leaves (or never enters) the index, and so does any listing card of it.
    assert upserts == [] and set(deletions) == {f"post:{world['draft'].id}", f"listing:{world['draft'].id}"}
    assert all(doc["post_id"] != world["draft"].id for doc in indexing.all_documents())
    assert service.search(world["author"], "xylophone").total == 0
    drafts.publish(world["draft"], world["author"])
    assert service.search(world["member"], "xylophone").total == 1
    assert service.search(world["outsider"], "xylophone").total == 0


def test_the_drafts_page_lists_mine_and_those_shared_with_me(client, world):
    drafts.share_draft(world["draft"], world["author"], "friend", "read")
    login(client, world["author"])
    assert SECRET in client.get("/drafts").get_data(as_text=True)
    logout(client)
    login(client, world["friend"])
    page = client.get("/drafts").get_data(as_text=True)
    assert SECRET in page and "shared with you: read" in page
    assert client.get(f"/posts/{world['draft'].id}").status_code == 200
    logout(client)
    login(client, world["member"])
    assert SECRET not in client.get("/drafts").get_data(as_text=True)


def test_unsharing_answers_404_on_the_very_next_request(client, world):
    draft = world["draft"]
    drafts.share_draft(draft, world["author"], "friend", "comment")
    login(client, world["friend"])
    assert client.get(f"/posts/{draft.id}").status_code == 200
    drafts.unshare_draft(draft, world["author"], world["friend"].id)
    assert client.get(f"/posts/{draft.id}").status_code == 404
    assert SECRET not in client.get("/drafts").get_data(as_text=True)


def test_roles_read_comment_edit(client, world):
    draft = world["draft"]
    reader, commenter, editor = make_user("reader"), make_user("commenter"), make_user("editor")
    for user, role in ((reader, "read"), (commenter, "comment"), (editor, "edit")):
        drafts.share_draft(draft, world["author"], user.username, role)
    login(client, reader)
    assert client.post(f"/posts/{draft.id}/comments", data={"body": "From a reader."}).status_code == 403
    assert client.get(f"/posts/{draft.id}/edit").status_code == 403
    logout(client)
    login(client, commenter)
    assert client.post(f"/posts/{draft.id}/comments", data={"body": "From a commenter."}).status_code == 302
    assert client.get(f"/posts/{draft.id}/edit").status_code == 403
    logout(client)
    login(client, editor)
    assert client.get(f"/posts/{draft.id}/edit").status_code == 200
    response = client.post(
        f"/posts/{draft.id}/edit", data={"title": SECRET, "body": "Edited by the editor.", "tags": "circuits"}
    )
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.body_md == "Edited by the editor." and draft.is_draft
    # Editing the text is not choosing the readers: sharing and publishing stay with the authors.
    assert client.post(f"/posts/{draft.id}/publish", data={}).status_code == 403
    assert client.post(f"/posts/{draft.id}/share", data={"username": "outsider", "role": "read"}).status_code == 403


def test_publishing_goes_to_the_chosen_audience_and_starts_the_clock(client, world):
    draft = world["draft"]
    draft.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    old_hot = draft.hot
    drafts.share_draft(draft, world["author"], "friend", "read")
    login(client, world["author"])
    assert client.post(f"/posts/{draft.id}/publish", data={}).status_code == 302
    db.session.refresh(draft)
    assert not draft.is_draft
    assert draft.created_at > utcnow() - timedelta(minutes=1) and draft.hot > old_hot
    logout(client)
    login(client, world["member"])
    assert SECRET in client.get("/").get_data(as_text=True)
    logout(client)
    # The share ended with the draft: the friend is not in the group it was published to.
    login(client, world["friend"])
    assert client.get(f"/posts/{draft.id}").status_code == 404


def test_a_draft_takes_no_votes(app, world):
    drafts.share_draft(world["draft"], world["author"], "friend", "comment")
    with pytest.raises(ServiceError) as refused:
        votes.cast_vote(world["friend"], world["draft"], "up")
    assert refused.value.status == 409


def test_saving_a_draft_from_the_editor(client, world):
    login(client, world["author"])
    response = client.post(
        "/posts/new",
        data={
            "title": "Zebra plan",
            "body": "Zebra body.",
            "audience": "public",
            "save_draft": "Save draft",
        },
    )
    assert response.status_code == 302
    post = db.session.scalar(db.select(Post).where(Post.title == "Zebra plan"))
    assert post.is_draft
    logout(client)
    assert client.get(f"/posts/{post.id}").status_code == 404
    assert "Zebra" not in client.get("/").get_data(as_text=True)


def test_comments_on_a_draft_stay_off_profiles(client, world):
    drafts.share_draft(world["draft"], world["author"], "friend", "comment")
    make_comment(world["friend"], world["draft"], "Xylophone remark.")
    for viewer in (None, world["outsider"], world["friend"]):
        if viewer:
            login(client, viewer)
        assert "xylophone" not in client.get("/users/friend").get_data(as_text=True).lower()
        assert "xylophone" not in client.get("/api/v1/users/friend/comments").get_data(as_text=True).lower()
        if viewer:
            logout(client)


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", "Whom should the draft be shared with?"),
        ("friend outsider", "Name one person"),
        ("ghost", "No user named ghost."),
        ("author", "is an author of this draft already"),
    ],
)
def test_sharing_refuses_with_a_message(client, world, username, message):
    login(client, world["author"])
    response = client.post(f"/posts/{world['draft'].id}/share", data={"username": username, "role": "read"})
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_followers_and_the_group_hear_of_a_draft_only_when_it_is_published(app, world):
    from forum.models import Notification
    from forum.services import notifications

    notifications.set_following(world["outsider"], "user", world["author"].id, "follow")
    draft = make_post(
        world["author"], "Quiet draft", "Body.", audience="restricted", groups=(world["group"],), draft=True
    )
    drafts.share_draft(draft, world["author"], "friend", "read")
    about = db.select(Notification.user_id, Notification.kind).where(Notification.post_id == draft.id)
    # Only the person it was shared with is told, that it was shared with them (issue 24).
    assert set(db.session.execute(about).tuples()) == {(world["friend"].id, "draft_shared")}
    drafts.publish(draft, world["author"])
    told = {uid for uid, kind in db.session.execute(about) if kind != "draft_shared"}
    assert world["member"].id in told and world["outsider"].id in told and world["friend"].id not in told


def test_a_listed_draft_shows_no_listing_card_until_published(client, world):
    from forum.services import access

    access.set_listing(
        world["author"], world["draft"], True, "An abstract long enough to be listed for members to see. " * 2
    )
    login(client, world["outsider"])
    assert "xylophone" not in client.get("/listed").get_data(as_text=True).lower()
    assert client.get(f"/posts/{world['draft'].id}/access").status_code == 404
    assert service.search(world["outsider"], "abstract").total == 0
    drafts.publish(world["draft"], world["author"])
    assert "xylophone" in client.get("/listed").get_data(as_text=True).lower()

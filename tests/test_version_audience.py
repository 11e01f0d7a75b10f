"""Versions and draft-era comments keep the audience they were written for.

Publishing a draft, or giving a post more readers, opens its current text only: the
draft's earlier versions and its reviewers' comments, and the versions a narrower
audience read, stay with those who could read them then, unless the author opens them.
Every check here is on what a page, the API, a feed or search returns.
"""

from __future__ import annotations

import pytest

from forum.search import service
from forum.services import drafts, posts
from forum.services.audience import PUBLIC, Audience, audience_of
from tests.factories import login, logout, make_comment, make_post, make_user
from tests.privacy.oracle import MISSING_COMMENT, normalized

FIRST_TITLE = "Quokka first title"
FIRST_BODY = "Quokka first text, with the raw numbers 41.7 and 52.3."
REVIEW = "please drop the numbers, Wombat"
SECRET_PASSAGE = "Pangolin passage for one reader only"


def _edit(post, editor, title, body, audience=None, **options):
    return posts.update_post(post, editor, title, body, "", audience or audience_of(post), **options)


@pytest.fixture
def reviewed(app):
    """A draft edited by a sharee (eli) and reviewed by another (rita), then published."""
    author, eli, rita = make_user("author"), make_user("eli"), make_user("rita")
    draft = make_post(author, FIRST_TITLE, FIRST_BODY, draft=True)
    drafts.share_draft(draft, author, "eli", "edit")
    drafts.share_draft(draft, author, "rita", "comment")
    _edit(draft, eli, "Final title", "Final text, without figures.")
    review = make_comment(rita, draft, REVIEW)
    return {"author": author, "eli": eli, "rita": rita, "post": draft, "review": review}


def _anonymous_pages(post_id: int) -> dict[str, str]:
    return {
        "history": f"/posts/{post_id}/revisions",
        "compare": f"/posts/{post_id}/revisions/compare",
        "compare-1-2": f"/posts/{post_id}/revisions/compare?from=1&to=2",
        "post": f"/posts/{post_id}",
        "api-post": f"/api/v1/posts/{post_id}",
        "api-comments": f"/api/v1/posts/{post_id}/comments",
        "comment-feed": f"/posts/{post_id}/comments.atom",
        "front": "/",
        "profile": "/users/rita",
        "profile-api": "/api/v1/users/rita/comments",
        "search": "/search?q=numbers",
        "search-api": "/api/v1/search?q=numbers",
    }


def _leaks(client, post_id: int, canaries: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for name, path in _anonymous_pages(post_id).items():
        body = client.get(path).get_data(as_text=True)
        for canary in canaries:
            if canary in body:
                found[name] = canary
    return found


# --- leak 4: publishing a draft publishes its private history ------------------------------


def test_publishing_keeps_the_drafts_versions_and_reviews_with_its_readers(client, reviewed):
    post = reviewed["post"]
    drafts.publish(post, reviewed["author"])
    # Signed out: none of the draft's first text, its reviewer's words, or its editor's name.
    assert _leaks(client, post.id, (FIRST_TITLE, "Quokka", "41.7", "Wombat", ">eli<", " by eli")) == {}
    history = client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)
    assert "v1 is the only version" in history and "v2" not in history
    # The review comment's permalink is a 404 byte-identical to a comment that never existed.
    review = reviewed["review"]
    assert normalized(client.get(f"/comments/{review.id}"), f"/comments/{review.id}") == normalized(
        client.get(f"/comments/{MISSING_COMMENT}"), f"/comments/{MISSING_COMMENT}"
    )
    assert service.search(None, "numbers").total == 0
    assert service.search(make_user("someone"), "wombat").total == 0


def test_the_drafts_readers_still_read_its_history_after_publishing(client, reviewed):
    post = reviewed["post"]
    drafts.publish(post, reviewed["author"])
    for reader in (reviewed["author"], reviewed["rita"]):
        logout(client)
        login(client, reader)
        history = client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)
        assert FIRST_TITLE in history and "by eli" in history
        assert REVIEW in client.get(f"/posts/{post.id}").get_data(as_text=True)
        assert client.get(f"/comments/{reviewed['review'].id}").status_code == 200
    assert service.search(reviewed["rita"], "wombat").total == 1


def test_the_comment_count_tells_nothing_of_kept_reviews(client, reviewed):
    post = reviewed["post"]
    drafts.publish(post, reviewed["author"])
    assert client.get(f"/api/v1/posts/{post.id}").get_json()["comment_count"] == 0
    make_comment(make_user("later"), post, "A published comment.")
    assert client.get(f"/api/v1/posts/{post.id}").get_json()["comment_count"] == 1


def test_a_reply_to_a_kept_review_stays_with_the_drafts_readers(client, reviewed):
    post = reviewed["post"]
    drafts.publish(post, reviewed["author"])
    make_comment(reviewed["author"], post, "Dropped them, Numbat.", parent=reviewed["review"])
    assert "Numbat" not in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Numbat" not in client.get(f"/api/v1/posts/{post.id}/comments").get_data(as_text=True)
    login(client, reviewed["rita"])
    assert "Numbat" in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_the_publish_form_counts_what_would_open_and_the_author_may_open_it(client, reviewed):
    post = reviewed["post"]
    login(client, reviewed["author"])
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "1 earlier version and 1 review comment" in page
    editor = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert "1 earlier version and 1 review comment" in editor
    response = client.post(f"/posts/{post.id}/publish", data={"open_history": "y", "confirm_public": "y"})
    assert response.status_code == 302
    logout(client)
    assert FIRST_TITLE in client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)
    assert REVIEW in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert client.get(f"/api/v1/posts/{post.id}").get_json()["comment_count"] == 1


# --- leak 5: widening an audience publishes what the narrower one read -------------------------


@pytest.fixture
def narrowed(app):
    """A post for one reader, edited to remove a passage."""
    author, reader = make_user("author"), make_user("reader")
    post = make_post(author, "Shared note", f"Intro.\n\n{SECRET_PASSAGE}", audience="restricted", users=(reader,))
    _edit(post, author, "Shared note", "Intro.")
    return {"author": author, "reader": reader, "post": post}


def test_widening_keeps_earlier_versions_with_their_readers(client, narrowed):
    post, author = narrowed["post"], narrowed["author"]
    _edit(post, author, "Shared note", "Intro.", PUBLIC)
    for path in (f"/posts/{post.id}/revisions", f"/posts/{post.id}/revisions/compare?from=1&to=2"):
        body = client.get(path).get_data(as_text=True)
        assert SECRET_PASSAGE not in body and "Pangolin" not in body
    assert client.get(f"/posts/{post.id}/revisions/compare?from=1&to=2").status_code == 404
    login(client, narrowed["reader"])
    assert SECRET_PASSAGE in client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)


def test_versions_written_after_widening_are_read_by_the_new_audience(client, narrowed):
    post, author = narrowed["post"], narrowed["author"]
    _edit(post, author, "Shared note", "Intro.", PUBLIC)
    _edit(post, author, "Shared note", "Intro, public and then revised.")
    history = client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)
    assert "Intro." in history and "public and then revised" in history and SECRET_PASSAGE not in history
    # Its first version for this reader is the first public one; the diff names its author only once edited.
    assert "v2, edited" in history and "v3" not in history


def test_widening_with_the_authors_consent_opens_earlier_versions(client, narrowed):
    post, author = narrowed["post"], narrowed["author"]
    login(client, author)
    editor = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert "This post has 1 earlier version" in editor and "open_history" in editor
    response = client.post(
        f"/posts/{post.id}/edit",
        data={
            "title": "Shared note",
            "body": "Intro.",
            "audience": "public",
            "open_history": "y",
            "confirm_public": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    logout(client)
    assert SECRET_PASSAGE in client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)


def test_widening_through_the_edit_form_keeps_versions_by_default(client, narrowed):
    post, author = narrowed["post"], narrowed["author"]
    login(client, author)
    form = {"title": "Shared note", "body": "Intro.", "audience": "public", "confirm_public": "y"}
    response = client.post(f"/posts/{post.id}/edit", data=form)
    assert response.status_code == 302
    logout(client)
    assert SECRET_PASSAGE not in client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)


def test_granting_access_opens_the_current_text_only(client, narrowed):
    from forum.services import access

    post, author = narrowed["post"], narrowed["author"]
    newcomer = make_user("newcomer")
    request = access.request_access(newcomer, post, "May I read it?")
    access.decide(author, post, request.id, approve=True)
    login(client, newcomer)
    assert "Intro." in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert SECRET_PASSAGE not in client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)


def test_narrowing_then_widening_back_reopens_only_to_those_who_read_it(client, app):
    author, reader = make_user("author"), make_user("reader")
    post = make_post(author, "Open note", f"Intro.\n\n{SECRET_PASSAGE}")
    _edit(post, author, "Open note", "Intro.", Audience("restricted", frozenset({reader.id})))
    _edit(post, author, "Open note", "Intro, for the reader.")
    _edit(post, author, "Open note", "Intro, for the reader.", PUBLIC)
    history = client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)
    # The first version was public when written; the second was the reader's only.
    assert SECRET_PASSAGE in history and history.count('<li class="version"') == 2


# --- the public moderation log --------------------------------------------------------------


def test_the_log_says_nothing_of_moderation_on_a_kept_review(client, reviewed):
    from forum.services import moderation
    from tests.moderation_helpers import actions, make_moderator

    post = reviewed["post"]
    moderator = make_moderator("modkeeper")
    drafts.share_draft(post, reviewed["author"], "modkeeper", "read")  # a moderator is in the audience, or cannot act
    drafts.publish(post, reviewed["author"])
    moderation.remove_comment(moderator, reviewed["review"], "Tapir reason")
    assert [a.action for a in actions("remove_comment")] == ["remove_comment"]
    html = client.get("/moderation/log").get_data(as_text=True)
    assert "removed a comment" not in html and "Tapir" not in html
    # Only the role grant is on the public log: no time or moderator for the removal.
    assert html.count("<time") == len(actions("grant_moderator"))
    login(client, reviewed["rita"])
    assert "Tapir reason" in client.get("/moderation/log").get_data(as_text=True)


def test_the_post_page_and_api_say_edited_only_to_readers_of_an_earlier_version(client, narrowed):
    post, author = narrowed["post"], narrowed["author"]
    _edit(post, author, "Shared note", "Intro.", PUBLIC)
    assert "revisions" not in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert client.get(f"/api/v1/posts/{post.id}").get_json()["edited_at"] is None
    assert [p["edited_at"] for p in client.get("/api/v1/posts").get_json()["items"]] == [None]
    login(client, narrowed["reader"])
    assert f"/posts/{post.id}/revisions" in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert client.get(f"/api/v1/posts/{post.id}").get_json()["edited_at"] is not None


def test_a_follower_hears_nothing_of_a_reply_to_a_kept_review(client, reviewed):
    from forum.queries import inbox
    from forum.services import notifications

    post = reviewed["post"]
    drafts.publish(post, reviewed["author"])
    follower = make_user("follower")
    notifications.set_following(follower, "post", post.id, "follow")
    make_comment(reviewed["author"], post, "Dropped them, Numbat. @follower", parent=reviewed["review"])
    assert inbox.unread_count(follower) == 0
    login(client, follower)
    assert "Numbat" not in client.get("/notifications").get_data(as_text=True)
    # rita, whose review it answers, hears of it (besides the draft's being shared with her).
    assert [item.kind for item in inbox.items(reviewed["rita"])] == ["reply_comment", "draft_shared"]


def test_votes_on_a_kept_review_earn_no_public_karma(client, reviewed):
    from forum.extensions import db
    from forum.services import votes

    post, rita = reviewed["post"], reviewed["rita"]
    drafts.publish(post, reviewed["author"])
    votes.cast_vote(reviewed["eli"], reviewed["review"], "up")
    db.session.refresh(rita)
    assert rita.karma == 0
    assert votes.audit() == []


def test_the_author_may_open_versions_kept_at_an_earlier_change(client, narrowed):
    post, author = narrowed["post"], narrowed["author"]
    _edit(post, author, "Shared note", "Intro.", PUBLIC)
    assert SECRET_PASSAGE not in client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)
    _edit(post, author, "Shared note", "Intro.", PUBLIC, open_history=True)
    assert SECRET_PASSAGE in client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)


def test_only_an_author_opens_the_history(client, narrowed):
    from forum.services import ServiceError

    with pytest.raises(ServiceError):
        _edit(narrowed["post"], narrowed["reader"], "Shared note", "Intro.", open_history=True)


def test_the_public_feed_gives_no_edit_time_for_kept_versions(client, narrowed):
    from datetime import timedelta

    from forum.extensions import db

    post, author = narrowed["post"], narrowed["author"]
    post.created_at -= timedelta(days=1)  # so the edit time differs from it
    db.session.commit()
    _edit(post, author, "Shared note", "Intro.", PUBLIC)
    feed = client.get("/feeds/new.atom").get_data(as_text=True)
    assert f"<updated>{post.created_at.isoformat(timespec='seconds')}" in feed
    assert post.edited_at.isoformat(timespec="seconds") not in feed


def test_the_index_stores_the_drafts_readers_for_a_kept_review(app, reviewed):
    from forum.search import indexing

    post, review = reviewed["post"], reviewed["review"]
    drafts.publish(post, reviewed["author"])
    upserts, _ = indexing.documents_for([post.id], [])
    by_kind = {doc["kind"]: doc for doc in upserts}
    assert by_kind["post"]["acl"] == ["public", f"user:{reviewed['author'].id}"]
    readers = {f"user:{u.id}" for u in (reviewed["author"], reviewed["eli"], reviewed["rita"])}
    assert by_kind["comment"]["comment_id"] == review.id and set(by_kind["comment"]["acl"]) == readers


@pytest.mark.parametrize(
    ("post_tokens", "snapshot_tokens", "both"),
    [
        ({"public"}, {"user:1", "user:2"}, {"user:1", "user:2"}),
        ({"members"}, {"public"}, {"members"}),
        ({"members", "user:1"}, {"user:1", "group:3"}, {"user:1", "group:3"}),
        ({"group:3", "user:1"}, {"group:4", "user:1"}, {"user:1"}),
    ],
)
def test_a_kept_comments_index_tokens_are_never_wider_than_either_audience(post_tokens, snapshot_tokens, both):
    from forum.visibility import both_audiences

    assert both_audiences(frozenset(post_tokens), frozenset(snapshot_tokens)) == both

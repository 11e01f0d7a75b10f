"""A write drops only the pages it touched (issue 23): the post page is kept under its post's
scope, EVERYTHING and its viewer's own token, with a member's bell in its key, and NOT under
the viewer's other tokens (forum/infra/page_cache.py).

So a vote, a comment or an edit on one post leaves every other post's page kept, for a
visitor and for a member, while the post it touched is made afresh; a notification shows
on the member's next page when they may read its post, and changes nothing (not the hit,
not a byte) when they may not; and every narrowing, removal, ban, terms change and unshared
draft still takes effect on the very next request of a kept post page.
"""

from __future__ import annotations

import re

import pytest

from forum.extensions import db
from forum.infra import page_cache
from forum.models import Comment, Notification, Post
from forum.services import drafts, groups, moderation, notifications, posts, votes
from forum.services.audience import Audience
from forum.services.terms import TermsChoice
from tests.factories import login, make_comment, make_group, make_post, make_user, page_text
from tests.moderation_helpers import make_moderator
from tests.privacy.oracle import MISSING_POST, normalized


def state(response) -> str | None:
    return response.headers.get("X-Page-Cache")


def member_client(app, user):
    client = app.test_client()
    login(client, user)
    client.get("/")  # the page after signing in carries the welcome flash: never kept
    return client


def kept(client, path: str):
    """The page, asked for until it is served from the cache (twice: made, then kept)."""
    client.get(path)
    again = client.get(path)
    assert state(again) == "hit", path
    return again


def missing(client):
    path = f"/posts/{MISSING_POST}"
    return normalized(client.get(path), path)


def refused_like_missing(client, path: str) -> None:
    """The kept page is gone: the post answers exactly as one that never existed."""
    assert normalized(client.get(path), path) == missing(client)


# The index forgets the posts it takes once more, after the request that wrote them
# (search/indexing.py). Switched off in every test but its own: the commit alone must take
# effect, since a page made between the commit and the index would otherwise be kept.
forget_posts = page_cache.forget_posts


@pytest.fixture(autouse=True)
def commit_alone(monkeypatch):
    monkeypatch.setattr(page_cache, "forget_posts", lambda *_args, **_kwargs: None)


@pytest.fixture
def world(app):
    author, reader, outsider = make_user("author"), make_user("reader"), make_user("outsider")
    lab = make_group(author, "Lab", members=(reader,))
    first = make_post(author, "First findings", "Everyone may read the first.")
    second = make_post(author, "Second findings", "Everyone may read the second.")
    private = make_post(author, "Lab only findings", "Secret lab text.", audience="restricted", groups=(lab,))
    return {
        "author": author,
        "reader": reader,
        "outsider": outsider,
        "lab": lab,
        "first": first,
        "second": second,
        "private": private,
    }


def _path(post) -> str:
    return f"/posts/{post.id}"


def _writes(world):
    """Writes on the first post, each with the text its page shows after it."""
    first = world["first"]
    yield "vote", lambda: votes.cast_vote(world["outsider"], db.session.get(Post, first.id), "up"), None
    yield "comment", lambda: make_comment(world["author"], first, "A fresh reply."), "A fresh reply."
    yield (
        "edit",
        lambda: posts.update_post(first, world["author"], "First findings, revised", first.body_md, "", _public()),
        "First findings, revised",
    )


def _public() -> Audience:
    return Audience("public", frozenset(), frozenset())


@pytest.mark.parametrize("write", ["vote", "comment", "edit"])
def test_a_write_on_one_post_keeps_every_other_posts_page(app, client, world, write):
    reader = member_client(app, world["reader"])
    first, second = _path(world["first"]), _path(world["second"])
    for viewer in (client, reader):
        kept(viewer, first)
        kept(viewer, second)
    before = {viewer: page_text(viewer.get(first)) for viewer in (client, reader)}
    _, do, shown = next(entry for entry in _writes(world) if entry[0] == write)

    do()

    for viewer in (client, reader):
        other = viewer.get(second)
        assert state(other) == "hit", write
        touched = viewer.get(first)
        # Made afresh (a member's, with a new comment since their last visit, is not kept at all).
        assert state(touched) != "hit" and page_text(touched) != before[viewer], write
        if shown:
            assert shown in page_text(touched)
    if write == "vote":
        db.session.expire_all()
        assert db.session.get(Post, world["first"].id).score == 1


def test_the_index_taking_a_post_drops_its_page_alone(app, client, world):
    reader = member_client(app, world["reader"])
    first, second = _path(world["first"]), _path(world["second"])
    for viewer in (client, reader):
        kept(viewer, first)
        kept(viewer, second)

    forget_posts([world["first"].id])

    for viewer in (client, reader):
        assert (state(viewer.get(first)), state(viewer.get(second))) == ("miss", "hit")


def bell(response) -> str:
    found = re.search(r'<span class="bell-count[^"]*">([^<]*)<', page_text(response))
    assert found is not None
    return found.group(1)


def test_a_notification_about_another_post_shows_on_the_next_page(app, world):
    reader = member_client(app, world["reader"])
    question = make_comment(world["reader"], world["first"], "A question for the author.")
    second = _path(world["second"])
    before = bell(kept(reader, second))  # joining the lab told them already: "1"

    make_comment(world["author"], world["first"], "An answer.", parent=question)

    page = reader.get(second)
    assert state(page) == "miss" and bell(page) == str(int(before) + 1)
    assert bell(kept(reader, second)) == str(int(before) + 1)


def test_a_notification_about_a_post_they_cannot_read_changes_nothing(app, world):
    """Made for the outsider about the lab's post: never counted, so neither their bell, nor
    their kept page, nor whether it is a hit may move (a miss would tell of the lab's activity)."""
    outsider = member_client(app, world["outsider"])
    second = _path(world["second"])
    before = page_text(kept(outsider, second))

    db.session.add(
        Notification(
            user_id=world["outsider"].id, kind="reply_post", actor_id=world["author"].id, post_id=world["private"].id
        )
    )
    db.session.commit()

    after = outsider.get(second)
    assert state(after) == "hit" and page_text(after) == before
    assert bell(after) == "0"  # nothing counted


def test_a_narrowed_audience_takes_effect_at_once(app, client, world):
    outsider, reader = member_client(app, world["outsider"]), member_client(app, world["reader"])
    path, first = _path(world["first"]), world["first"]
    for viewer in (client, outsider, reader):
        kept(viewer, path)

    posts.update_post(
        first,
        world["author"],
        first.title,
        first.body_md,
        "",
        Audience("restricted", frozenset(), frozenset({world["lab"].id})),
    )

    refused_like_missing(client, path)
    refused_like_missing(outsider, path)
    assert "Everyone may read the first." in page_text(reader.get(path))


def test_a_removed_member_loses_the_kept_page_at_once(app, world):
    reader, path = member_client(app, world["reader"]), _path(world["private"])
    reader.post("/notifications/read")  # the bell reads 0 before and after: only their token can drop the page
    reader.get("/")  # its flash
    assert "Secret lab text." in page_text(kept(reader, path)) and bell(reader.get(path)) == "0"

    groups.remove_member(world["author"], world["lab"], world["reader"].username)

    refused_like_missing(reader, path)


def test_their_own_follow_shows_on_the_kept_page_at_once(app, world):
    """A follow replaces the member's own token alone (their bell does not move)."""
    reader, path = member_client(app, world["reader"]), _path(world["second"])
    before = page_text(kept(reader, path))
    assert "You follow this thread." not in before

    notifications.set_following(world["reader"], "post", world["second"].id, "follow")

    after = reader.get(path)
    assert "You follow this thread." in page_text(after) and bell(after) == bell(reader.get(path))


def test_a_ban_shows_on_the_kept_post_page_at_once(app, world):
    reader, path = member_client(app, world["reader"]), _path(world["second"])
    assert "banner-ban" not in page_text(kept(reader, path))

    moderation.ban_user(make_moderator(), world["reader"], "Repeated abuse")

    assert "banner-ban" in page_text(reader.get(path))


def test_a_removal_takes_effect_at_once(app, client, world):
    reader, path = member_client(app, world["reader"]), _path(world["second"])
    for viewer in (client, reader):
        assert "Everyone may read the second." in page_text(kept(viewer, path))

    moderation.remove_post(make_moderator(), db.session.get(Post, world["second"].id), "Spam")

    for viewer in (client, reader):
        refused_like_missing(viewer, path)  # a removed post is its author's and moderators' alone


def test_new_terms_gate_the_kept_page_at_once(app, world):
    reader, private = member_client(app, world["reader"]), world["private"]
    path = _path(private)
    assert "Secret lab text." in page_text(kept(reader, path))

    posts.update_post(
        private,
        world["author"],
        private.title,
        private.body_md,
        "",
        Audience("restricted", frozenset(), frozenset({world["lab"].id})),
        terms=TermsChoice(None, "Ask before you build on this."),
    )

    gated = page_text(reader.get(path))
    assert "Secret lab text." not in gated and "Ask before you build on this." in gated


def test_an_unshared_draft_is_gone_at_once(app, world):
    draft = make_post(world["author"], "Shared draft", "Draft text for the reader.", draft=True)
    drafts.share_draft(draft, world["author"], world["reader"].username, "read")
    reader, path = member_client(app, world["reader"]), _path(draft)
    assert "Draft text for the reader." in page_text(kept(reader, path))

    drafts.unshare_draft(draft, world["author"], world["reader"].id)

    refused_like_missing(reader, path)


def test_one_members_votes_never_reach_another(app, world):
    """Two new members whose bells both read 0, with a generation store where no token was
    ever replaced (a new one, as after moving it): only who they are keeps their pages apart."""
    voter, watcher = make_user("voter"), make_user("watcher")
    mine, theirs = member_client(app, voter), member_client(app, watcher)
    app.extensions["page_cache"].generation = page_cache.MemoryGeneration()
    path = _path(world["second"])
    kept(theirs, path)
    assert mine.post(f"{path}/vote", data={"value": "up"}).status_code == 303

    voted = page_text(kept(mine, path))
    other = page_text(kept(theirs, path))
    assert 'aria-pressed="true"' in voted and 'href="/users/voter"' in voted.split("</header>")[0]
    assert 'aria-pressed="true"' not in other and 'href="/users/watcher"' in other.split("</header>")[0]


def test_a_moderators_view_never_reaches_a_reader(app, world):
    """A moderator and a new member, both with an empty bell, under a generation store where
    no token was ever replaced: the moderator's page (a removed comment's text) stays theirs."""
    moderator = make_moderator()
    comment = make_comment(world["outsider"], world["second"], "Remove me, maybe.")
    moderation.remove_comment(moderator, db.session.get(Comment, comment.id), "Off topic")
    watcher, reader = member_client(app, moderator), member_client(app, make_user("newcomer"))
    app.extensions["page_cache"].generation = page_cache.MemoryGeneration()
    path = _path(world["second"])

    theirs = page_text(kept(watcher, path))
    assert "Remove me, maybe." in theirs  # a moderator reads a removed comment's text
    assert bell(watcher.get(path)) == bell(reader.get(path)) == "0"
    mine = page_text(kept(reader, path))
    assert "Remove me, maybe." not in mine and moderator.username not in mine.split("</header>")[0]

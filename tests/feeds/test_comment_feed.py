"""The Atom feed of a post's comments: public posts only, as an anonymous reader sees them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forum.services import comments as comment_service
from forum.services import drafts as draft_service
from forum.services import moderation
from forum.services import posts as post_service
from tests.factories import login, make_comment, make_group, make_post, make_user
from tests.privacy.oracle import MISSING_POST, normalized
from tests.test_query_counts import add_thread, statements_for

from .helpers import add_terms, parse, set_audience


@pytest.fixture
def world(app):
    ada, ben = make_user("ada"), make_user("ben", display_name="Ben")
    lab = make_group(ada, "Lab", members=(ben,))
    public = make_post(ada, "Open thread", "Public body.")
    first = make_comment(ben, public, "First *question*.")
    make_comment(ada, public, "An answer.", parent=first)
    gone = make_comment(ben, public, "Withdrawn zanzibar remark.")
    comment_service.delete_comment(gone)
    rude = make_comment(ben, public, "Removed zanzibar insult.")
    mod = make_user("mod")
    moderation.set_role(None, mod, "moderator")
    moderation.remove_comment(mod, rude, "Rude.")
    restricted = make_post(ada, "Lab thread", "zanzibar body", audience="restricted", groups=(lab,))
    make_comment(ben, restricted, "zanzibar comment")
    return SimpleNamespace(ada=ada, ben=ben, lab=lab, public=public, first=first, restricted=restricted, mod=mod)


def feed_url(post_id: int) -> str:
    return f"/feeds/posts/{post_id}/comments.atom"


def test_the_feed_lists_live_comments_newest_first(client, world):
    response = client.get(feed_url(world.public.id))
    assert "zanzibar" not in response.get_data(as_text=True)
    _root, entries = parse(response)
    assert [e.title for e in entries] == ["ada on “Open thread”", "Ben on “Open thread”"]
    assert entries[1].content == world.first.body_html and "<em>question</em>" in entries[1].content
    assert entries[1].link == f"http://localhost/comments/{world.first.id}"
    assert entries[1].author == "Ben"


def _change(world, post, change: str) -> None:
    """Narrow, gate, delete, remove or publish (a draft) the post."""
    if change in ("restricted", "members"):
        set_audience(post, change, groups=(world.lab,) if change == "restricted" else ())
    elif change == "terms":
        add_terms(post)
    elif change == "deleted":
        post_service.delete_post(post)
    elif change == "removed":
        moderation.remove_post(world.mod, post, "Off topic.")
    elif change == "draft":
        draft_service.publish(post, world.ada)
    else:
        raise ValueError(change)


@pytest.mark.parametrize("change", ["restricted", "members", "terms", "deleted", "removed"])
def test_a_post_anyone_may_not_read_has_no_comment_feed(client, world, change):
    post = world.public
    _change(world, post, change)
    login(client, world.ada)  # even its author gets the anonymous view
    hidden, missing = client.get(feed_url(post.id)), client.get(feed_url(MISSING_POST))
    assert hidden.status_code == 404
    assert normalized(hidden, f"/posts/{post.id}") == normalized(missing, f"/posts/{MISSING_POST}")


def test_the_post_page_links_to_its_comment_feed_only_when_it_exists(client, world):
    page = client.get(f"/posts/{world.public.id}").get_data(as_text=True)
    assert f'href="{feed_url(world.public.id)}"' in page.split("</head>")[0]
    login(client, world.ben)
    page = client.get(f"/posts/{world.restricted.id}").get_data(as_text=True)
    assert "application/atom+xml" not in page


def test_the_comment_feed_query_count_does_not_grow(client, world):
    small, large = make_post(world.ada, "Small"), make_post(world.ada, "Large")
    add_thread(small, [world.ada, world.ben], 3)
    add_thread(large, [world.ada, world.ben, world.mod], 60)
    few, many = statements_for(client, feed_url(small.id)), statements_for(client, feed_url(large.id))
    assert len(few) == len(many), "\n".join(many)


def _links_feed(page: str, post_id: int) -> bool:
    return f'href="{feed_url(post_id)}"' in page


@pytest.mark.parametrize("change", ["none", "restricted", "members", "terms", "deleted", "removed", "draft"])
def test_the_post_page_links_to_the_feed_exactly_when_the_feed_answers(client, world, change):
    """The page takes its answer from its own checked fetch (visibility.anyone_reads_in_full),
    not from a statement of its own: for every viewer who may open the page, before and
    after each change (publishing, for the draft), it links to the feed exactly when the feed serves it."""
    post = make_post(world.ada, "Changing", "Some body.", draft=change == "draft")
    make_comment(world.ada, post, "A comment.")
    viewers = [None, world.ada, world.ben, world.mod]

    def check() -> int:
        opened = 0
        for viewer in viewers:
            client.post("/logout")
            if viewer is not None:
                login(client, viewer)
            page = client.get(f"/posts/{post.id}")
            if page.status_code != 200:
                continue
            opened += 1
            served = client.get(feed_url(post.id)).status_code == 200
            assert _links_feed(page.get_data(as_text=True), post.id) is served, (change, viewer)
        return opened

    assert check() == (1 if change == "draft" else 4)
    if change != "none":
        _change(world, post, change)
    assert check() >= 1

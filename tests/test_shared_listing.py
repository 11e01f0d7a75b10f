"""The shared listing (forum/rendering/listing_html.py): a page of post cards is rendered once
per kind of viewer and the exact cards their own query returned, and kept; each viewer's
own state (their votes, the posts they wrote, "new" counts) goes on top. These tests check
that the kept cards are really shared (the store's hit counter), that nothing of one viewer
reaches another, and that a post a viewer lost leaves their very next listing."""

from __future__ import annotations

import re

import pytest

from forum.extensions import db
from forum.models import Post
from forum.rendering.listing_html import shared_listings
from forum.services import groups, moderation, posts, votes
from forum.services.audience import Audience
from tests.factories import login, make_comment, make_group, make_post, make_user
from tests.moderation_helpers import make_moderator


@pytest.fixture(autouse=True)
def no_page_cache(app, monkeypatch):
    """The page cache would answer repeat reads before the cards are rendered at all."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)


def signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def page(client, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def card(text: str, post: Post) -> str:
    start = text.index(f'<article class="post-card" id="p{post.id}">')
    return text[start : text.index("</article>", start)]


def test_members_share_cards_and_never_see_each_others_state(app):
    author, ann = make_user("author"), make_user("ann")
    voted = make_post(author, "Voted on by Ann", tags="shared")
    followed = make_post(author, "Read by Ann before", tags="shared")
    own = make_post(ann, "Written by Ann", tags="shared")
    anns = signed_in(app, ann)
    page(anns, f"/posts/{followed.id}")  # her visit: comments after it are new to her
    make_comment(author, followed, "Written after Ann's visit.")
    votes.cast_vote(ann, db.session.get(Post, voted.id), "up")
    store = shared_listings()

    for path in ("/", "/tags/shared"):
        for ann_first in (True, False):  # either one's page makes the kept cards
            ben = signed_in(app, make_user())
            first, second = (anns, ben) if ann_first else (ben, anns)
            store._entries.clear()
            texts = {first: page(first, path)}
            hits = store.hits
            texts[second] = page(second, path)
            assert store.hits == hits + 1  # the second page was made from the cards the first one kept
            hers, his = texts[anns], texts[ben]

            # Ann's own state is on her page...
            assert f'value="post:{voted.id}:karma:up:up" aria-pressed="true"' in card(hers, voted)
            assert "vote-readonly" in card(hers, own) and 'name="vote"' not in card(hers, own)
            if path == "/":  # the front page counts what is new since one's last visit
                assert re.search(r'new-badge">1 new<', card(hers, followed))

            # ...and none of it on the other member's.
            assert 'aria-pressed="true"' not in his and "new-badge" not in his
            assert f'value="post:{own.id}:karma:up"' in card(his, own)  # Ben may vote on Ann's post
            assert f'value="post:{voted.id}:karma:up"' in card(his, voted)


def test_signed_out_readers_never_get_a_members_cards(app):
    author = make_user("author")
    post = make_post(author, "Public notes")
    member = signed_in(app, make_user("member"))
    assert f'value="post:{post.id}:karma:up"' in card(page(member), post)
    anonymous = page(app.test_client())
    assert 'name="vote"' not in anonymous and "vote-readonly" in card(anonymous, post)
    assert 'name="vote"' in page(member)  # and the other way round


def test_a_post_a_member_lost_leaves_their_next_listing(app):
    """A removal from the group, a narrowed audience and a moderator's removal each take the
    post off the very next front page and tag page of whoever lost it, kept cards or not."""
    author = make_user("author")
    ann, ben = make_user("ann"), make_user("ben")
    circle = make_group(author, "Circle", members=(ann, ben))
    make_post(author, "Staying notes", tags="kept")  # the tag stays for everyone
    make_post(author, "Circle notes", tags="kept", audience="restricted", groups=(circle,))
    for_members = make_post(author, "Members notes", tags="kept", audience="members")
    public = make_post(author, "Public notes", tags="kept")
    anns, bens = signed_in(app, ann), signed_in(app, ben)
    for path in ("/", "/tags/kept"):
        for client in (anns, bens):
            text = page(client, path)
            assert "Circle notes" in text and "Members notes" in text and "Public notes" in text
    assert shared_listings().hits >= 2  # Ben's pages came from Ann's kept cards

    groups.remove_member(author, db.session.get(type(circle), circle.id), "ben")
    for path in ("/", "/tags/kept"):
        assert "Circle notes" not in page(bens, path)
        assert "Circle notes" in page(anns, path)

    post = db.session.get(Post, for_members.id)
    posts.update_post(post, author, post.title, post.body_md, "kept", Audience("restricted", frozenset({ann.id})))
    for path in ("/", "/tags/kept"):
        assert "Members notes" not in page(bens, path)
        assert "Members notes" in page(anns, path)

    moderation.remove_post(make_moderator("mod"), db.session.get(Post, public.id), "Off topic")
    for path in ("/", "/tags/kept"):
        assert "Public notes" not in page(anns, path) and "Public notes" not in page(bens, path)

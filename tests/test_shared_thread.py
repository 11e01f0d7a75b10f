"""The shared thread (forum/rendering/thread_html.py): a post's comment thread is rendered
once per kind of viewer and thread, and kept; each viewer's own state (votes, their own
comments' buttons, new marks, blocks, the form token) goes on top. These tests check that
the kept thread is really shared (the store's hit counter) and that nothing of one viewer
ever reaches another."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from config import TestConfig
from forum import create_app
from forum.extensions import db
from forum.models import Comment, Post, User
from forum.models._time import utcnow
from forum.rendering.thread_html import THREAD, shared_threads
from forum.services import blocks, comments, drafts, moderation, votes
from tests.factories import PASSWORD, RequestIsolatedClient, login, make_comment, make_post, make_user
from tests.moderation_helpers import make_moderator


@pytest.fixture(autouse=True)
def no_page_cache(app, monkeypatch):
    """The page cache would answer repeat reads before the thread is rendered at all."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)


@pytest.fixture
def thread(app):
    author, ann, ben, troll = make_user("author"), make_user("ann"), make_user("ben"), make_user("troll")
    post = make_post(author, "A discussed post", "The post body, never part of a shared thread.")
    written = {
        "by_author": make_comment(author, post, "The author's own remark."),
        "by_ann": make_comment(ann, post, "Ann's careful comment."),
        "by_troll": make_comment(troll, post, "A troll's comment."),
    }
    return {"post": post, "author": author, "ann": ann, "ben": ben, "troll": troll, **written}


def page(client, post) -> str:
    response = client.get(f"/posts/{post.id}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert THREAD not in text and '<ol class="thread">' in text  # the thread was put in where it goes
    return text


def comment_html(text: str, comment: Comment) -> str:
    start = text.rindex("<li ", 0, text.index(f'id="c{comment.id}"'))
    return text[start : text.index("</li>", start)]


def signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def test_readers_share_one_thread_and_never_see_each_others_state(app, thread):
    post = thread["post"]
    ann = signed_in(app, thread["ann"])
    page(ann, post)  # Ann's visit: what comes after it is new to her
    votes.cast_vote(thread["ann"], db.session.get(Comment, thread["by_author"].id), "up")
    blocks.block(thread["ann"], thread["troll"])
    store = shared_threads()

    for ann_first in (True, False):  # either one's page makes the kept thread
        ben = signed_in(app, make_user())  # a first visit: nothing is new to them
        first, second = (ann, ben) if ann_first else (ben, ann)
        later = make_comment(thread["author"], post, "Written after Ann's last visit.")
        store._entries.clear()
        texts = {first: page(first, post)}
        hits = store.hits
        texts[second] = page(second, post)
        assert store.hits == hits + 1  # the second page was made from the thread the first one kept
        anns, bens = texts[ann], texts[ben]

        # Ann's own state is on her page...
        assert re.search(r':karma:up:up" aria-pressed="true"', comment_html(anns, thread["by_author"]))
        mine = comment_html(anns, thread["by_ann"])
        assert f'/comments/{thread["by_ann"].id}/edit"' in mine and "Delete</button>" in mine
        assert "vote-readonly" in mine and "Report</a>" not in mine
        assert "comment-new" in comment_html(anns, later) and "new-badge" in comment_html(anns, later)
        assert "someone you blocked" in comment_html(anns, thread["by_troll"])

        # ...and none of it on the other member's.
        assert 'aria-pressed="true"' not in bens
        theirs = comment_html(bens, thread["by_ann"])
        assert "/edit" not in theirs and "Delete</button>" not in theirs and "Report</a>" in theirs
        assert "comment-new" not in bens and "new-badge" not in bens and "someone you blocked" not in bens
        assert f'value="comment:{thread["by_ann"].id}:karma:up"' in theirs  # Ben may vote on it


def test_a_moderators_view_never_reaches_a_reader(app, thread):
    post = thread["post"]
    moderator = make_moderator("mod")
    mod, ben = signed_in(app, moderator), signed_in(app, thread["ben"])
    # The same thread for both (nothing removed): the moderator's page first.
    assert f"remove-c{thread['by_ann'].id}" in page(mod, post)
    hits = shared_threads().hits
    assert "remove-c" not in page(ben, post) and shared_threads().hits == hits  # a kept thread of its own

    moderation.remove_comment(moderator, db.session.get(Comment, thread["by_troll"].id), "Abuse")

    mods = page(mod, post)
    assert "A troll&#39;s comment." in mods or "A troll's comment." in mods
    assert f"remove-c{thread['by_ann'].id}" in mods and f"restore-c{thread['by_troll'].id}" in mods

    bens = page(ben, post)
    assert "troll" not in bens.split('<ol class="thread">', 1)[1]
    assert "remove-c" not in bens and "restore-c" not in bens and "Removed by a moderator" not in bens

    # The author of the removed comment reads it with the notice addressed to them alone.
    trolls = page(signed_in(app, thread["troll"]), post)
    assert "A moderator removed your comment." in trolls and "remove-c" not in trolls


def test_a_new_comment_an_edit_and_a_removal_show_on_the_next_request(app, thread):
    post, ben = thread["post"], signed_in(app, thread["ben"])
    page(ben, post)
    assert "Ann&#39;s careful comment." in page(ben, post) or "Ann's careful comment." in page(ben, post)

    make_comment(thread["ann"], post, "A fresh reply.")
    assert "A fresh reply." in page(ben, post)

    comments.edit_comment(db.session.get(Comment, thread["by_ann"].id), "Ann changed her mind.")
    text = page(ben, post)
    assert "Ann changed her mind." in text and "careful comment" not in text

    moderation.remove_comment(make_moderator(), db.session.get(Comment, thread["by_ann"].id), "Off topic")
    assert "Ann changed her mind." not in page(ben, post)

    votes.cast_vote(thread["ann"], db.session.get(Comment, thread["by_author"].id), "up")
    score = re.search(r"data-vote-total[^>]*>(-?\d+)<", comment_html(page(ben, post), thread["by_author"]))
    assert score and score.group(1) == "1"


def test_the_kept_thread_holds_no_post_body_and_no_form_token(database_copy):
    """Post bodies may be marked per reader (issue 27): never in the kept thread. Each form
    under a comment carries the viewer's own token, never the one of whoever's page made
    the thread."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_copy("shared"), WTF_CSRF_ENABLED=True)
    app.config["PAGE_CACHE_SECONDS"] = 0
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
        author, ann, ben = make_user("author"), make_user("ann"), make_user("ben")
        post = make_post(author, "Tokens", "The post body, never kept with the thread.")
        make_comment(author, post, "A comment with a reply form under it.")
        tokens = {}
        for user in (ann, ben):
            client = app.test_client()
            login_page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
            assert client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
            text = page(client, post)
            tokens[user.username] = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', text))
            assert len(tokens[user.username]) == 1  # every form on the page: the viewer's own token
        store = shared_threads()
        assert store.hits >= 1 and tokens["ann"] != tokens["ben"]
        kept = "".join(store.texts())
        assert "Post body, never kept" not in kept and "The post body" not in kept
        assert not any(token in kept for token in tokens["ann"] | tokens["ben"])
        db.session.remove()
        db.engine.dispose()


def test_kept_threads_are_per_post(app, thread):
    other = make_post(thread["author"], "Another post", "Other body.")
    make_comment(thread["author"], other, "Only on the other post.")
    ben = signed_in(app, thread["ben"])
    page(ben, thread["post"])
    assert "Only on the other post." in page(ben, other)
    assert "Only on the other post." not in page(ben, thread["post"])
    assert db.session.get(Post, other.id) is not None


def test_a_kept_layout_fills_as_joining_its_pieces_would():
    """`_Layout.fill` is one join of runs; it must give exactly what joining the pieces with
    the viewer's own slots in place, then putting their token in, gives: slots that hold a
    token marker (a reply form's), empty slots side by side, slots at either end. So must
    `fill_encoded`, as UTF-8 (what the post page's response carries: `with_thread`)."""
    import random

    from forum.rendering.thread_html import CSRF, _Layout

    rng = random.Random(23)
    for _ in range(300):
        pieces: list = []
        for i in range(rng.randint(0, 12)):
            text = rng.choice(["", "a", "<li>", f"x{CSRF}y", CSRF, f"{CSRF}{CSRF}", "z" * rng.randint(1, 5), "▲ ✓ ·"])
            pieces.append(text if rng.random() < 0.5 else ((rng.choice(["li", "note", "votes"]), i), text))
        slots = [piece[0] for piece in pieces if not isinstance(piece, str)]
        own = {name: f"<own {name[0]}{name[1]}>" for name in slots if rng.random() < 0.4}
        own[("li", 999)] = "<a slot the thread does not hold>"
        token = rng.choice(["", "the-token"])
        expected = "".join(
            piece if isinstance(piece, str) else own.get(piece[0], piece[1]) for piece in pieces
        ).replace(CSRF, token)
        layout = _Layout(pieces)
        assert layout.fill(own, token) == expected
        assert b"".join(layout.fill_encoded(own, token)) == expected.encode()


def test_review_comments_reach_only_the_drafts_readers_whoever_reads_first(app):
    """A draft's review comment stays with the draft's readers once it is published: a reader
    outside them gets their own thread from their own rows, whichever page was made first."""
    author, rita, ann = make_user("author"), make_user("rita"), make_user("ann")
    post = make_post(author, "Reviewed findings", "The published text.", draft=True)
    drafts.share_draft(post, author, "rita", "comment")
    make_comment(rita, post, "A review for the draft's readers only.")
    drafts.publish(post, author)
    make_comment(author, post, "A published comment.")
    store = shared_threads()
    for rita_first in (True, False):
        store._entries.clear()
        for user in (rita, ann) if rita_first else (ann, rita):
            text = page(signed_in(app, user), post)
            assert "A published comment." in text
            assert ("A review for the draft" in text) == (user is rita)


def test_a_ban_takes_the_vote_buttons_away_on_the_next_request(app, thread):
    post, ben = thread["post"], signed_in(app, thread["ben"])
    button = f'value="comment:{thread["by_ann"].id}:karma:up"'
    assert button in comment_html(page(ben, post), thread["by_ann"])
    moderation.ban_user(make_moderator(), db.session.get(User, thread["ben"].id), "Spam")
    assert button not in comment_html(page(ben, post), thread["by_ann"])


def test_a_kept_thread_says_how_long_ago_as_of_each_request(app, thread, monkeypatch):
    """A kept thread's "ago"s are as of the request that made it: a later request past the
    moment one of them changes gets a thread made afresh; one before it, the kept one."""
    from forum.rendering import thread_html

    post, ben, ann = thread["post"], signed_in(app, thread["ben"]), signed_in(app, thread["ann"])
    start = utcnow()
    monkeypatch.setattr(thread_html, "utcnow", lambda: start)
    assert "just now</a>" in comment_html(page(ben, post), thread["by_ann"])
    store = shared_threads()
    hits = store.hits
    monkeypatch.setattr(thread_html, "utcnow", lambda: start + timedelta(seconds=20))
    assert "just now</a>" in comment_html(page(ann, post), thread["by_author"])
    assert store.hits == hits + 1  # every "ago" still holds: the kept thread
    monkeypatch.setattr(thread_html, "utcnow", lambda: start + timedelta(minutes=2, seconds=1))
    assert "2 minutes ago</a>" in comment_html(page(ben, post), thread["by_ann"])
    assert store.hits == hits + 1


def test_a_renamed_author_shows_on_the_next_request(app, thread):
    post, ben = thread["post"], signed_in(app, thread["ben"])
    page(ben, post)
    db.session.get(User, thread["ann"].id).display_name = "Ann Renamed"
    db.session.commit()
    assert "Ann Renamed" in comment_html(page(ben, post), thread["by_ann"])


def test_a_members_own_removed_comment_never_reaches_another_reader(app, thread):
    """Its author reads it with a notice addressed to them; a reader after them gets the
    placeholder, not the text or the notice (the author's thread is never kept)."""
    post = thread["post"]
    moderation.remove_comment(make_moderator(), db.session.get(Comment, thread["by_troll"].id), "Abuse")
    trolls = page(signed_in(app, thread["troll"]), post)
    assert "A moderator removed your comment." in trolls
    bens = page(signed_in(app, thread["ben"]), post)
    assert "troll" not in bens.split('<ol class="thread">', 1)[1] and "removed your comment" not in bens

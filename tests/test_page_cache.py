"""The page cache (forum/infra/page_cache.py) answers repeat reads without ever handing one
viewer's page to another, or a page from before a write to anyone.

Every other test runs with the cache on too, the privacy crawl included; these pin the
rules down one by one.
"""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import select

from config import TestConfig
from forum import create_app
from forum.extensions import db
from forum.infra import page_cache
from forum.models import Comment, Post
from forum.services import drafts, groups, moderation, posts, votes
from forum.services.audience import Audience
from forum.services.terms import TermsChoice
from tests.factories import login, make_comment, make_group, make_post, make_user
from tests.moderation_helpers import make_moderator

REDIS_URL = os.environ.get("TEST_REDIS_URL")


def cache_state(response) -> str | None:
    return response.headers.get("X-Page-Cache")


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def world(app):
    author, reader, outsider = make_user("author"), make_user("reader"), make_user("outsider")
    lab = make_group(author, "Lab", members=(reader,))
    public = make_post(author, "Public findings", "Everyone may read this.")
    private = make_post(author, "Lab only findings", "Secret lab text.", audience="restricted", groups=(lab,))
    return {"author": author, "reader": reader, "outsider": outsider, "lab": lab, "public": public, "private": private}


def member_client(app, user):
    client = app.test_client()
    login(client, user)
    client.get("/")  # the page after signing in carries the welcome flash: never kept
    return client


def test_a_repeat_read_is_served_from_the_cache(client, world):
    path = f"/posts/{world['public'].id}"
    first, second = client.get(path), client.get(path)
    assert (cache_state(first), cache_state(second)) == ("miss", "hit")
    assert body(first) == body(second)
    assert "Public findings" in body(second)


def test_a_member_page_is_kept_for_that_member_only(app, world):
    path = f"/posts/{world['public'].id}"
    # Signing in writes (the last sign-in time): sign everyone in before anything is kept.
    reader, outsider, anonymous = (
        member_client(app, world["reader"]),
        member_client(app, world["outsider"]),
        app.test_client(),
    )
    assert cache_state(reader.get(path)) == "miss"
    assert cache_state(reader.get(path)) == "hit"

    theirs = outsider.get(path)
    assert cache_state(theirs) == "miss"
    header = body(theirs).split("</header>")[0]
    assert 'href="/users/outsider"' in header and 'href="/users/reader"' not in header

    signed_out = anonymous.get(path)
    assert cache_state(signed_out) == "miss"
    assert "Sign out" not in body(signed_out) and 'href="/users/reader"' not in body(signed_out)
    assert cache_state(anonymous.get(path)) == "hit"

    # ...and the other way round: the signed-out page (no form token in it) is not the
    # member's either.
    page_cache.forget_all()
    anonymous.get(path)
    mine = reader.get(path)
    assert cache_state(mine) == "miss" and 'href="/users/reader"' in body(mine)


def test_narrowing_an_audience_hides_the_post_at_once(app, world):
    post, path = world["public"], f"/posts/{world['public'].id}"
    outsider = member_client(app, world["outsider"])
    anonymous = app.test_client()
    for client in (outsider, anonymous):
        client.get(path)
        assert cache_state(client.get(path)) == "hit"
    assert "Public findings" in body(anonymous.get("/"))

    posts.update_post(
        post,
        world["author"],
        post.title,
        post.body_md,
        "",
        Audience("restricted", frozenset(), frozenset({world["lab"].id})),
    )

    for client in (outsider, anonymous):
        hidden = client.get(path)
        assert hidden.status_code == 404 and "Public findings" not in body(hidden)
    assert "Public findings" not in body(anonymous.get("/"))


def test_leaving_the_audience_group_hides_the_post_at_once(app, world):
    path = f"/posts/{world['private'].id}"
    reader = member_client(app, world["reader"])
    reader.get(path)
    assert cache_state(reader.get(path)) == "hit"

    groups.remove_member(world["author"], world["lab"], world["reader"].username)

    gone = reader.get(path)
    assert gone.status_code == 404 and "Secret lab text" not in body(gone)


def test_a_removed_post_is_gone_for_every_cached_viewer(app, world):
    path = f"/posts/{world['public'].id}"
    anonymous = app.test_client()
    anonymous.get(path)
    assert cache_state(anonymous.get(path)) == "hit"

    moderation.remove_post(make_moderator(), db.session.get(Post, world["public"].id), "Spam")

    assert "Everyone may read this." not in body(anonymous.get(path))


def test_a_ban_shows_at_once(app, world):
    profile = "/users/author"
    anonymous = app.test_client()
    anonymous.get(profile)
    assert cache_state(anonymous.get(profile)) == "hit"

    moderation.ban_user(make_moderator(), world["author"], "Repeated abuse")

    again = anonymous.get(profile)
    assert cache_state(again) != "hit"


def test_new_comments_and_votes_show_on_the_next_read(app, world):
    post, path = world["public"], f"/posts/{world['public'].id}"
    author = member_client(app, world["author"])
    author.get(path)
    assert cache_state(author.get(path)) == "hit"

    make_comment(world["reader"], post, "A fresh reply from the lab.")
    assert "A fresh reply from the lab." in body(author.get(path))

    score = re.compile(r'class="vote-total"[^>]*>([^<]+)<')
    before = score.findall(body(author.get("/")))
    votes.cast_vote(world["reader"], db.session.get(Post, post.id), "up")
    after = score.findall(body(author.get("/")))
    assert before != after


def test_a_read_receipt_does_not_throw_pages_away(app, world):
    """A member's every visit writes a receipt; that write alone must not empty the cache."""
    path = f"/posts/{world['public'].id}"
    reader = member_client(app, world["reader"])
    anonymous = app.test_client()
    anonymous.get(path)
    reader.get(path)
    assert cache_state(anonymous.get(path)) == "hit"


def test_a_page_with_a_flash_is_never_kept(app, world):
    client = member_client(app, world["reader"])
    client.get("/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Your vouch was saved.")]
    flashed = client.get("/")
    assert "Your vouch was saved." in body(flashed) and "X-Page-Cache" not in flashed.headers
    after = client.get("/")
    assert "Your vouch was saved." not in body(after)


def test_a_kept_form_token_only_goes_back_to_its_own_session(app, world):
    """With CSRF on, a member page holds the session's token: another session of the
    same member must get a page with its own token."""
    app.config["WTF_CSRF_ENABLED"] = True
    path = f"/posts/{world['public'].id}"
    token = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    def signed_in_session():
        client = app.test_client()
        app.config["WTF_CSRF_ENABLED"] = False
        login(client, world["reader"])
        app.config["WTF_CSRF_ENABLED"] = True
        client.get("/")  # the flash page; it also gives the session its token
        return client

    first, second = signed_in_session(), signed_in_session()
    first.get(path)
    kept = first.get(path)
    assert cache_state(kept) == "hit"
    mine = second.get(path)
    assert cache_state(mine) != "hit"
    with second.session_transaction() as session:
        raw = session["csrf_token"]
    tokens = set(token.findall(body(mine)))
    assert tokens and tokens.isdisjoint(token.findall(body(kept)))
    # The token in the page must be the second session's own: its forms must post.
    from itsdangerous import URLSafeTimedSerializer

    signer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    assert {signer.loads(t) for t in tokens} == {raw}


def test_another_browser_with_a_stolen_cookie_gets_no_kept_page(app, world):
    """A session is bound to its browser (forum/services/sessions.py): so is the cache."""
    path = f"/posts/{world['public'].id}"
    reader = member_client(app, world["reader"])
    reader.get(path)
    assert cache_state(reader.get(path)) == "hit"
    elsewhere = reader.get(path, headers={"User-Agent": "Other browser/1.0"})
    assert cache_state(elsewhere) != "hit"
    assert "Sign out" not in body(elsewhere)


def test_a_session_ended_elsewhere_gets_no_kept_page(app, world):
    """Ending a session writes no table the generation watches: the hit itself asks whether it lives."""
    path = f"/posts/{world['public'].id}"
    reader = member_client(app, world["reader"])
    reader.get(path)
    assert cache_state(reader.get(path)) == "hit"
    member_client(app, world["reader"]).post("/settings/sessions/end-others")
    after = reader.get(path)
    assert cache_state(after) != "hit"
    assert "Sign out" not in body(after)


def test_a_forged_host_is_kept_apart(app, world):
    path = f"/posts/{world['public'].id}"
    client = app.test_client()
    client.get(path, headers={"Host": "evil.example"})
    assert cache_state(client.get(path, headers={"Host": "evil.example"})) == "hit"
    assert cache_state(client.get(path)) == "miss"


def test_pages_expire(app, world, monkeypatch):
    path = f"/posts/{world['public'].id}"
    client = app.test_client()
    client.get(path)
    assert cache_state(client.get(path)) == "hit"
    later = page_cache._now() + app.config["PAGE_CACHE_SECONDS"] + 1
    monkeypatch.setattr(page_cache, "_now", lambda: later)
    assert cache_state(client.get(path)) == "miss"


def test_only_marked_pages_and_only_gets(app, world):
    client = member_client(app, world["reader"])
    client.get("/notifications")
    assert "X-Page-Cache" not in client.get("/notifications").headers
    response = client.post(f"/posts/{world['public'].id}/comments", data={"body": "posted"})
    assert "X-Page-Cache" not in response.headers


def test_an_error_page_is_never_kept(app, world):
    client = app.test_client()
    for _ in range(2):
        response = client.get(f"/posts/{world['private'].id}")
        assert response.status_code == 404 and "X-Page-Cache" not in response.headers


def test_turned_off_it_keeps_nothing(app, world):
    app.config["PAGE_CACHE_SECONDS"] = 0
    client = app.test_client()
    for _ in range(2):
        assert "X-Page-Cache" not in client.get("/").headers


def test_a_write_in_one_worker_reaches_the_pages_of_another(database_copy, tmp_path):
    """Two apps on one database and one generation file: what gunicorn's workers are."""
    url = database_copy("two_workers")
    settings = dict(
        SQLALCHEMY_DATABASE_URI=url,
        PAGE_CACHE_GENERATION=str(tmp_path / "generation"),
        SEARCH_INDEX_DIR=str(tmp_path / "index"),
        UPLOAD_DIR=str(tmp_path / "uploads"),
        WTF_CSRF_ENABLED=False,
    )
    first, second = create_app(TestConfig, **settings), create_app(TestConfig, **settings)
    with first.app_context():
        author = make_user("worker_author")
        post_id = make_post(author, "Shared between workers").id
    path = f"/posts/{post_id}"
    reader = first.test_client()
    with first.app_context():
        reader.get(path)
        assert cache_state(reader.get(path)) == "hit"
    with second.app_context():
        make_comment(db.session.get(type(author), author.id), db.session.get(Post, post_id), "Written by worker two.")
        db.session.remove()
    with first.app_context():
        assert "Written by worker two." in body(reader.get(path))
        db.session.remove()
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_the_generation_file_is_shared_by_every_reader(tmp_path):
    one, two = page_cache.FileGeneration(tmp_path / "gen"), page_cache.FileGeneration(tmp_path / "gen")
    before = two.current()
    one.bump()
    assert two.current() != before
    assert one.current() == two.current()


def test_the_store_drops_the_least_recently_used_past_its_budget():
    store = page_cache.PageStore(max_bytes=400)
    page = lambda: page_cache.Entry(b"x" * 100, "text/html", 0.0, None)  # noqa: E731
    for key in "abcd":
        store.put((key,), page())
    store.get(("a",))  # used: "b" is now the oldest
    store.put(("e",), page())
    assert store.get(("b",)) is None and store.get(("a",)) is not None and len(store) == 4
    store.put(("huge",), page_cache.Entry(b"x" * 200, "text/html", 0.0, None))
    assert store.get(("huge",)) is None  # more than a quarter of the budget is never kept


def test_auto_shares_the_generation_where_the_rate_limits_are_shared(tmp_path):
    from flask import Flask

    app = Flask("probe", instance_path=str(tmp_path))
    app.config.update(PAGE_CACHE_GENERATION="auto", RATELIMIT_STORAGE_URI="memory://")
    assert isinstance(page_cache._generation_for(app), page_cache.FileGeneration)
    app.config["RATELIMIT_STORAGE_URI"] = "redis://10.0.0.5:6379/0"
    chosen = page_cache._generation_for(app)  # redis-py connects on first use, not here
    assert isinstance(chosen, page_cache.RedisGeneration)
    assert chosen.client.connection_pool.connection_kwargs["host"] == "10.0.0.5"


@pytest.mark.skipif(not REDIS_URL, reason="needs redis-server: make test-postgres starts one (TEST_REDIS_URL)")
def test_the_redis_generation_is_shared_by_every_host():
    one, two = page_cache.RedisGeneration(REDIS_URL), page_cache.RedisGeneration(REDIS_URL)
    before = two.current()
    one.bump()
    assert two.current() != before and one.current() == two.current()


def test_an_unreachable_redis_means_pages_are_made_afresh(app, world, monkeypatch):
    client = app.test_client()
    path = f"/posts/{world['public'].id}"
    client.get(path)
    assert cache_state(client.get(path)) == "hit"

    def down():
        raise ConnectionError("redis is down")

    monkeypatch.setattr(app.extensions["page_cache"].generation, "current", down)
    monkeypatch.setattr(app.extensions["page_cache"].generation, "bump", down)
    response = client.get(path)
    assert response.status_code == 200 and "X-Page-Cache" not in response.headers
    make_comment(world["reader"], world["public"], "Still saved while redis is down.")
    assert "Still saved while redis is down." in body(client.get(path))


def test_signed_out_hits_are_gzipped_once_and_members_never(app, world):
    import gzip

    path = f"/posts/{world['public'].id}"
    client = app.test_client()
    plain = client.get(path)
    first = client.get(path, headers={"Accept-Encoding": "gzip"})
    second = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert cache_state(first) == cache_state(second) == "hit"
    assert first.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in first.headers["Vary"]
    assert gzip.decompress(first.get_data()) == plain.get_data()
    assert first.get_data() == second.get_data()

    member = member_client(app, world["reader"])
    member.get(path)
    kept = member.get(path, headers={"Accept-Encoding": "gzip"})
    assert cache_state(kept) == "hit" and "Content-Encoding" not in kept.headers


def test_new_since_your_last_visit_is_never_served_stale(app, world):
    """Read receipts do not empty the cache, so pages that show what they change are not kept."""
    post, path = world["public"], f"/posts/{world['public'].id}"
    reader = member_client(app, world["reader"])
    reader.get(path)
    make_comment(world["author"], post, "Written after the reader's visit.")

    front = reader.get("/")
    assert 'class="badge new-badge">1 new<' in body(front) and "X-Page-Cache" not in front.headers
    page = reader.get(path)  # shows the comment as new, and records this visit
    assert "comment-new" in body(page) and "X-Page-Cache" not in page.headers
    assert "comment-new" not in body(reader.get(path))
    assert "new-badge" not in body(reader.get("/"))


def test_search_pages_follow_the_index(app, world):
    """Search is kept too: the index is written after the commit, and replaces the
    generation again once it has the change."""
    outsider, anonymous = member_client(app, world["outsider"]), app.test_client()
    path = "/search?q=findings"
    for client in (outsider, anonymous):
        client.get(path)
        kept = client.get(path)
        assert cache_state(kept) == "hit" and "Public findings" in body(kept)

    post = world["public"]
    posts.update_post(
        post,
        world["author"],
        post.title,
        post.body_md,
        "",
        Audience("restricted", frozenset(), frozenset({world["lab"].id})),
    )
    for client in (outsider, anonymous):
        assert "Public findings" not in body(client.get(path))

    make_post(world["author"], "Fresh findings", "Just published.")
    assert "Fresh findings" in body(anonymous.get(path))


def test_a_search_page_made_before_the_index_has_a_write_is_not_kept_after_it(app, world):
    """The window between a commit and its index write: a page made there is filed under
    a generation the index write replaces."""
    from forum.search import indexing

    client = app.test_client()
    path = "/search?q=findings"
    made_in_the_window = client.get(path)  # stands for a page made between commit and index
    assert cache_state(made_in_the_window) == "miss"
    indexing.apply(indexing.Changes(post_ids={world["public"].id}))
    assert cache_state(client.get(path)) == "miss"


def test_activity_inside_a_restricted_post_changes_nothing_for_an_outsider(app, client, world):
    """A comment, a vote on it and on the post, and the search index taking the comment:
    all inside a post only the lab reads. The anonymous visitor's and a signed-in
    outsider's front page, tags and search stay hits (so neither the header nor the timing
    of a miss tells them anything); the lab member's pages are made afresh."""
    outsider, member = member_client(app, world["outsider"]), member_client(app, world["reader"])
    author = member_client(app, world["author"])
    pages = ["/", "/tags", "/search?q=findings", f"/users/{world['author'].username}"]
    for viewer in (client, outsider, member):
        for path in pages:
            viewer.get(path)
            assert cache_state(viewer.get(path)) == "hit", path

    private = world["private"].id
    commented = member.post(f"/posts/{private}/comments", data={"body": "Hidden lab chatter."})
    assert commented.status_code == 302
    comment_id = db.session.scalar(select(Comment.id).where(Comment.post_id == private))
    member.post(f"/posts/{private}/vote", data={"value": "up"})
    author.post(f"/comments/{comment_id}/vote", data={"value": "up"})
    db.session.expire_all()
    assert db.session.get(Post, private).score > 0 and db.session.get(Comment, comment_id).score > 0

    for viewer in (client, outsider):
        assert [cache_state(viewer.get(path)) for path in pages] == ["hit"] * len(pages)
    assert cache_state(member.get("/")) == "miss"  # the lab member reads it: the page is new
    assert "1 comment<" in body(member.get("/"))
    assert cache_state(member.get(f"/posts/{private}")) == "miss"


def test_outside_development_no_header_tells_a_hit_from_a_miss(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_HEADER", False)  # what ProductionConfig has
    store, path = app.extensions["page_cache"].store, f"/posts/{world['public'].id}"
    before = len(store)
    first = client.get(path)
    kept = len(store)
    second = client.get(path)
    assert "X-Page-Cache" not in first.headers and "X-Page-Cache" not in second.headers
    assert body(first) == body(second) and kept == before + 1 == len(store)  # kept, then served


def test_joining_the_audience_group_shows_its_activity_at_once(app, world):
    """A member's tokens are kept in the worker to key their pages; joining a group (a new
    token) must reach their kept pages and the next comment inside the group's post too."""
    outsider = member_client(app, world["outsider"])
    outsider.get("/")
    assert cache_state(outsider.get("/")) == "hit" and "Lab only findings" not in body(outsider.get("/"))

    groups.add_member(world["lab"], world["outsider"])
    db.session.commit()
    assert "Lab only findings" in body(outsider.get("/"))
    assert cache_state(outsider.get("/")) == "hit"
    make_comment(world["author"], world["private"], "Welcome to the lab.")
    front = outsider.get("/")
    assert cache_state(front) == "miss" and "1 comment<" in body(front)


def _hidden_writes(world, newcomer):
    """Writes only the lab (and the author) can see, one commit each, by name."""
    author, lab, private = world["author"], world["lab"], world["private"]
    lab_only = Audience("restricted", frozenset(), frozenset({lab.id}))
    yield "comment", lambda: make_comment(world["reader"], private, "Hidden lab chatter.")
    yield "new post", lambda: make_post(author, "Second lab post", "More.", tags="findings", **_lab(world))
    yield "edit", lambda: posts.update_post(private, author, "Lab only, renamed", "New secret.", "", lab_only)
    yield (
        "audience change",
        lambda: posts.update_post(
            private, author, private.title, private.body_md, "", Audience("restricted", frozenset(), frozenset())
        ),
    )
    yield "membership", lambda: (groups.add_member(lab, newcomer), db.session.commit())
    yield "leaving", lambda: groups.remove_member(author, lab, newcomer.username)
    draft = {}
    yield "draft", lambda: draft.setdefault("post", make_post(author, "Lab draft", "Unfinished.", draft=True))
    yield "share", lambda: drafts.share_draft(draft["post"], author, world["reader"].username, "read")
    yield "unshare", lambda: drafts.unshare_draft(draft["post"], author, world["reader"].id)


def _lab(world) -> dict:
    return {"audience": "restricted", "groups": (world["lab"],)}


def test_hidden_posts_edits_audiences_and_memberships_change_nothing_for_an_outsider(app, client, world):
    """Each write below reaches only the lab or the author. The anonymous visitor's and a
    signed-in outsider's front page, tags, a tag page and an unrelated member's profile stay
    hits after every one (neither the header nor a miss's time tells them anything); the lab
    member's front page is made afresh after the new post, so the test can tell."""
    bystander = make_user("bystander")
    make_post(bystander, "Bystander notes", "Public.", tags="findings")
    newcomer = make_user("newcomer")
    outsider, member = member_client(app, world["outsider"]), member_client(app, world["reader"])
    pages = ["/", "/tags", "/tags/findings", "/users/bystander"]
    for viewer in (client, outsider, member):
        for path in pages:
            viewer.get(path)
            assert cache_state(viewer.get(path)) == "hit", path

    for name, write in _hidden_writes(world, newcomer):
        write()
        for viewer in (client, outsider):
            assert [cache_state(viewer.get(path)) for path in pages] == ["hit"] * len(pages), name
        if name == "new post":
            front = member.get("/")
            assert cache_state(front) == "miss" and "Second lab post" in body(front)
            member.get("/")  # kept again
    assert "Second lab post" not in body(outsider.get("/")) + body(client.get("/tags/findings"))


def test_narrowing_to_fewer_members_drops_the_pages_of_those_who_lost_it(app, world):
    """Narrowed from the lab to the author alone: the reader held the lab's token, which the
    narrowing replaces, so their kept post page and front page go at once."""
    private, path = world["private"], f"/posts/{world['private'].id}"
    reader = member_client(app, world["reader"])
    for page in (path, "/"):
        reader.get(page)
        assert cache_state(reader.get(page)) == "hit"
    assert "Lab only findings" in body(reader.get("/"))

    posts.update_post(
        private, world["author"], private.title, private.body_md, "", Audience("restricted", frozenset(), frozenset())
    )

    gone = reader.get(path)
    assert gone.status_code == 404 and "Secret lab text" not in body(gone)
    assert "Lab only findings" not in body(reader.get("/"))


def test_an_unshared_draft_is_gone_at_once(app, world):
    draft = make_post(world["author"], "Shared draft", "Draft text for the reader.", draft=True)
    drafts.share_draft(draft, world["author"], world["reader"].username, "read")
    path = f"/posts/{draft.id}"
    reader = member_client(app, world["reader"])
    reader.get(path)
    kept = reader.get(path)
    assert cache_state(kept) == "hit" and "Draft text for the reader." in body(kept)

    drafts.unshare_draft(draft, world["author"], world["reader"].id)

    gone = reader.get(path)
    assert gone.status_code == 404 and "Draft text for the reader." not in body(gone)


def test_new_terms_gate_the_post_at_once(app, world):
    post, path = world["private"], f"/posts/{world['private'].id}"
    reader = member_client(app, world["reader"])
    reader.get(path)
    assert cache_state(reader.get(path)) == "hit" and "Secret lab text" in body(reader.get(path))

    posts.update_post(
        post,
        world["author"],
        post.title,
        post.body_md,
        "",
        Audience("restricted", frozenset(), frozenset({world["lab"].id})),
        terms=TermsChoice(None, "Ask before you build on this."),
    )

    gated = reader.get(path)
    assert "Secret lab text" not in body(gated) and "Ask before you build on this." in body(gated)


def test_a_listing_card_reaches_every_member_at_once(app, world):
    """A card shows a restricted post's title to every signed-in member: listing it, and
    taking it back, drop every member's pages (and no one else's)."""
    from forum.services import access

    outsider = member_client(app, world["outsider"])
    outsider.get("/search?q=findings")
    assert "Lab only findings" not in body(outsider.get("/search?q=findings"))

    access.set_listing(world["author"], world["private"], True, "An abstract anyone signed in may read.")
    db.session.commit()
    assert "Lab only findings" in body(outsider.get("/search?q=findings"))

    access.set_listing(world["author"], world["private"], False, None)
    db.session.commit()
    assert "Lab only findings" not in body(outsider.get("/search?q=findings"))


def test_signing_in_and_out_changes_nothing_for_anyone_else(app, client, world):
    """A sign-in writes only session bookkeeping (`user_sessions`, the sign-in limits), which
    no page shows: the anonymous visitor's and a signed-in outsider's front page and an
    unrelated profile stay hits while another member signs in and out."""
    outsider, pages = member_client(app, world["outsider"]), ["/", "/users/author"]
    for viewer in (client, outsider):
        for path in pages:
            viewer.get(path)
            assert cache_state(viewer.get(path)) == "hit", path

    reader = app.test_client()
    login(reader, world["reader"])
    reader.post("/logout")
    for viewer in (client, outsider):
        assert [cache_state(viewer.get(path)) for path in pages] == ["hit", "hit"]


def test_a_karma_change_replaces_only_the_pages_that_show_it(app, client, world):
    """A counted vote on a post every member reads moves its author's karma. The author's
    profile shows the new total to everyone on the next request, and the author's own post
    page (the vote rules say their karma); the anonymous visitor, who cannot read the post,
    keeps their front page and an unrelated profile, hits. (The profile's karma moving is the
    one thing an outsider sees of the vote: karma is public by design, docs/karma.md.)"""
    author, bystander = world["author"], make_user("bystander")
    members_post = make_post(author, "Members findings", "For members.", audience="members")
    voter, writer = member_client(app, world["reader"]), member_client(app, author)
    pages = ["/", "/users/bystander", "/users/author"]
    for path in pages:
        client.get(path)
        assert cache_state(client.get(path)) == "hit", path
    own = f"/posts/{world['public'].id}"
    writer.get(own)
    assert cache_state(writer.get(own)) == "hit"
    karma = author.karma

    assert voter.post(f"/posts/{members_post.id}/vote", data={"value": "up"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(type(author), author.id).karma > karma
    new_karma = db.session.get(type(author), author.id).karma

    assert [cache_state(client.get(path)) for path in pages[:2]] == ["hit", "hit"]
    profile = client.get("/users/author")
    assert cache_state(profile) == "miss" and f"{new_karma} karma" in body(profile)
    assert bystander.username in body(client.get("/users/bystander"))
    mine = writer.get(own)
    assert cache_state(mine) == "miss" and f"You have {new_karma} karma" in body(mine)


def test_a_group_post_published_or_voted_on_changes_nothing_for_an_outsider(app, client, world):
    """Publishing a draft recounts its authors' karma; a vote in a group's post counts toward
    no karma. Neither moves a total, so the outsider's pages, the author's profile included,
    stay hits."""
    outsider = member_client(app, world["outsider"])
    member = member_client(app, world["reader"])
    draft = make_post(world["author"], "Lab draft", "Unfinished.", draft=True, **_lab(world))
    pages = ["/", "/tags", "/users/author"]
    for viewer in (client, outsider):
        for path in pages:
            viewer.get(path)
            assert cache_state(viewer.get(path)) == "hit", path

    drafts.publish(draft, world["author"])
    db.session.commit()
    assert member.post(f"/posts/{world['private'].id}/vote", data={"value": "up"}).status_code == 303
    for viewer in (client, outsider):
        assert [cache_state(viewer.get(path)) for path in pages] == ["hit"] * len(pages)
    assert "Lab draft" in body(member.get("/"))


def test_reading_a_notification_changes_nothing_for_anyone_else(app, client, world):
    """A read mark is the member's own inbox: opening a notification about a public post, or
    marking all read, leaves the anonymous visitor's and an outsider's pages hits, while the
    member's own bell drops on their next request."""
    from forum.models import Notification

    make_comment(world["reader"], world["public"], "A reply for the author.")
    notification = db.session.scalar(select(Notification).where(Notification.user_id == world["author"].id))
    assert notification is not None and notification.post_id == world["public"].id
    outsider, author = member_client(app, world["outsider"]), member_client(app, world["author"])
    pages = ["/", f"/posts/{world['public'].id}", "/users/author"]
    for viewer in (client, outsider, author):
        for path in pages:
            viewer.get(path)
            assert cache_state(viewer.get(path)) == "hit", path
    assert 'class="bell-count">1<' in body(author.get("/"))

    assert author.post(f"/notifications/{notification.id}/read").status_code == 302
    for viewer in (client, outsider):
        assert [cache_state(viewer.get(path)) for path in pages] == ["hit"] * len(pages)
    front = author.get("/")
    assert cache_state(front) == "miss" and 'class="bell-count empty"' in body(front)

    author.post("/notifications/read")
    for viewer in (client, outsider):
        assert [cache_state(viewer.get(path)) for path in pages] == ["hit"] * len(pages)


def _behind_the_caches_back(statement) -> None:
    """A write on its own connection, which the page cache does not see (no generation moves):
    only the hit's own check of the session can then refuse the kept page."""
    with db.engine.begin() as connection:
        connection.execute(statement)


@pytest.mark.parametrize(
    "change",
    ["ended", "idle", "deleted", "other browser"],
)
def test_a_member_hit_checks_the_session_and_its_user_every_time(app, world, change):
    """A member's hit names its viewer from the session row alone (services/sessions.py
    `open_sign_in`): every check of the full path's sign-in holds on it, at the very next request."""
    from datetime import timedelta

    from sqlalchemy import update

    from forum.models import User, UserSession
    from forum.models._time import utcnow

    path = f"/posts/{world['public'].id}"
    reader = member_client(app, world["reader"])
    reader.get(path)
    assert cache_state(reader.get(path)) == "hit"
    headers = {}
    if change == "ended":
        _behind_the_caches_back(update(UserSession).values(ended_at=utcnow()))
    elif change == "idle":
        long_ago = utcnow() - timedelta(days=app.config["SESSION_IDLE_DAYS"], minutes=1)
        _behind_the_caches_back(update(UserSession).values(last_seen_at=long_ago))
    elif change == "deleted":  # a deleted account whose session was somehow left open
        _behind_the_caches_back(update(User).where(User.id == world["reader"].id).values(deleted_at=utcnow()))
    else:
        headers = {"User-Agent": "Other browser/1.0"}
    after = reader.get(path, headers=headers)
    assert cache_state(after) != "hit"
    assert "Sign out" not in body(after)
    assert "Public findings" in body(after)  # the page itself, made for nobody signed in


def test_the_generation_files_are_read_afresh_through_the_kept_directory(tmp_path):
    """FileGeneration reads through a descriptor of its directory kept open: a file replaced
    or removed since, and a directory moved aside and made anew, are all read as they are now."""
    path = tmp_path / "gen"
    reader, writer = page_cache.FileGeneration(path), page_cache.FileGeneration(path)
    scopes = [page_cache.EVERYTHING, "group:1"]
    first = reader.current(scopes)
    writer.bump(["group:1"])
    second = reader.current(scopes)
    assert second[0] == first[0] and second[1] != first[1]
    (path / "all").unlink()  # removed by hand: a new generation
    assert reader.current(scopes)[0] not in (first[0], "0")
    path.rename(tmp_path / "old")
    moved = page_cache.FileGeneration(path)  # another worker starts on a new directory
    moved.bump(["group:1"])
    assert reader.current(scopes) == moved.current(scopes)

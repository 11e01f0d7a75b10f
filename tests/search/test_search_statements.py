"""The search page's own statements, built once per kind of viewer (infra/prebuilt.py) and run
with each viewer's id and tokens: the hits' re-check (`visibility.readable_hits`), what a search
leaves out (`visibility.search_exclusions`) and the group filter's groups. Asked for viewers in
turn, each gets what the rule built for them alone gives, and a narrowing, a removal, a ban, a
terms change or leaving a group counts on the very next call."""

from __future__ import annotations

import pytest
from sqlalchemy import and_, delete, insert, select, update

from forum import permissions, visibility
from forum.extensions import db
from forum.models import Ban, Comment, Group, Membership, Post, PostAudience, TermsAcceptance, User
from forum.models._time import utcnow
from forum.search import service
from forum.services import access, drafts
from tests.factories import login, logout, make_comment, make_group, make_post, make_user, statements

pytestmark = pytest.mark.usefixtures("no_page_cache")


@pytest.fixture
def world(app):
    names = ("author", "coauthor", "reader", "member", "agreed", "outsider", "mod", "noisy")
    people = {name: make_user(name) for name in names}
    people["mod"].role = "moderator"
    author, reader, member, agreed = people["author"], people["reader"], people["member"], people["agreed"]
    lab = make_group(author, "Lab", members=(member, agreed), listed=False)
    make_group(author, "Open circle", members=(reader,))
    posts = {
        "open": make_post(author, "Open"),
        "members": make_post(author, "For members", audience="members"),
        "reader": make_post(author, "For the reader", audience="restricted", users=(reader,)),
        "lab": make_post(author, "For the lab", audience="restricted", groups=(lab,)),
        "draft": make_post(author, "Draft", draft=True, audience="restricted", users=(reader,)),
        "gated": make_post(author, "Gated", audience="restricted", groups=(lab,), coauthors=(people["coauthor"],)),
        "removed": make_post(people["noisy"], "Removed"),
        "deleted": make_post(author, "Deleted"),
        "marked": make_post(author, "Marked", audience="restricted", groups=(lab,)),
        "listed": make_post(author, "Listed for the lab", audience="restricted", groups=(lab,)),
        "removed gated": make_post(author, "Removed and gated", audience="restricted", groups=(lab,)),
    }
    comments = {
        "open": make_comment(member, posts["open"], "On the open post"),
        "noisy": make_comment(people["noisy"], posts["open"], "Noise"),
        "lab": make_comment(member, posts["lab"], "In the lab"),
        "gated": make_comment(author, posts["gated"], "Behind the terms"),
        "removed": make_comment(member, posts["open"], "Removed comment"),
        "deleted": make_comment(member, posts["open"], "Deleted comment"),
    }
    posts["gated"].terms_version = posts["removed gated"].terms_version = 1
    posts["removed gated"].removed_at = utcnow()
    posts["marked"].marks_copies = True
    posts["removed"].removed_at = utcnow()
    posts["deleted"].deleted_at = utcnow()
    comments["removed"].removed_at = utcnow()
    comments["deleted"].deleted_at = utcnow()
    db.session.add(TermsAcceptance(user_id=agreed.id, post_id=posts["gated"].id, version=1))
    db.session.commit()
    access.set_listing(author, posts["listed"], True, "An abstract for members.")
    # A review written while the post was a draft stays with the draft's readers (the reader).
    reviewed = make_post(author, "Reviewed", draft=True)
    drafts.share_draft(reviewed, author, "reader", "comment")
    comments["review"] = make_comment(reader, reviewed, "A review of the draft")
    posts["reviewed"] = drafts.publish(reviewed, author)
    return people, lab, posts, comments


def _viewers(people) -> list[User | None]:
    order = ("reader", None, "member", "outsider", "author", "coauthor", "agreed", "mod", "reader", None, "member")
    return [people[name] if name else None for name in order]


def _hits_built_here(viewer, post_ids, comment_ids, include_removed: bool) -> tuple[dict, dict]:
    """What the rule gives this viewer, from statements built now for them alone."""
    state = (
        and_(Post.deleted_at.is_(None), Post.is_draft.is_(False))
        if include_removed
        else and_(Post.deleted_at.is_(None), Post.is_draft.is_(False), Post.removed_at.is_(None))
    )
    posts = {
        post.id: (post.title, post.author.username, post.audience_kind, post.is_removed, post.created_at)
        for post in db.session.scalars(select(Post).where(Post.id.in_(post_ids), visibility.readable(viewer), state))
    }
    shown = [Comment.deleted_at.is_(None)] + ([] if include_removed else [Comment.removed_at.is_(None)])
    comments = {
        comment.id: (comment.post_id, comment.author.username, comment.is_removed, comment.created_at)
        for comment in db.session.scalars(
            select(Comment)
            .join(Post, Comment.post_id == Post.id)
            .where(
                Comment.id.in_(comment_ids),
                visibility.readable(viewer),
                visibility.body_readable(viewer),
                visibility.comment_in_snapshot(viewer),
                state,
                *shown,
            )
        )
    }
    return posts, comments


def _hits_as_read(viewer, post_ids, comment_ids, include_removed: bool) -> tuple[dict, dict]:
    posts, comments = visibility.readable_hits(viewer, post_ids, comment_ids, include_removed=include_removed)
    for post in posts.values():
        # A marked post comes back as the Post itself (its excerpt is made from its text).
        assert isinstance(post, Post) is bool(post.marks_copies)
    return (
        {p.id: (p.title, p.author.username, p.audience_kind, p.is_removed, p.created_at) for p in posts.values()},
        {c.id: (c.post_id, c.author.username, c.is_removed, c.created_at) for c in comments.values()},
    )


def test_the_hits_recheck_answers_each_viewer_their_own(app, world):
    people, lab, posts, comments = world
    post_ids = [post.id for post in posts.values()] + [10_000]
    comment_ids = [comment.id for comment in comments.values()] + [10_001]
    seen_posts: set[int] = set()
    seen_comments: set[int] = set()
    hidden_comments: set[int] = set()  # from viewers who read the post they are on
    for viewer in _viewers(people):
        for include_removed in (False, True):
            with app.test_request_context():
                expected = _hits_built_here(viewer, post_ids, comment_ids, include_removed)
                assert _hits_as_read(viewer, post_ids, comment_ids, include_removed) == expected, (
                    viewer and viewer.username,
                    include_removed,
                )
                seen_posts |= set(expected[0])
                seen_comments |= set(expected[1])
                if expected[0].get(posts["reviewed"].id):
                    hidden_comments |= set(comment_ids) - set(expected[1])
    # The world tells the viewers apart: every readable kind of post was shown to someone.
    assert {posts[name].id for name in ("open", "reader", "lab", "gated", "marked", "removed")} <= seen_posts
    assert comments["review"].id in seen_comments and comments["review"].id in hidden_comments
    with app.test_request_context():
        reader, member = (db.session.get(User, people[name].id) for name in ("reader", "member"))
        assert posts["reader"].id in _hits_as_read(reader, post_ids, comment_ids, False)[0]
        assert comments["lab"].id in _hits_as_read(member, post_ids, comment_ids, False)[1]
    # A narrowed audience and a removed member count on the very next call.
    db.session.execute(
        delete(PostAudience).where(PostAudience.post_id == posts["reader"].id, PostAudience.principal.like("user:%"))
    )
    db.session.execute(insert(PostAudience).values(post_id=posts["reader"].id, principal=f"user:{people['author'].id}"))
    db.session.execute(delete(Membership).where(Membership.group_id == lab.id, Membership.user_id == member.id))
    db.session.execute(update(Post).where(Post.id == posts["open"].id).values(removed_at=utcnow()))
    db.session.commit()
    with app.test_request_context():
        reader, member = (db.session.get(User, people[name].id) for name in ("reader", "member"))
        assert posts["reader"].id not in _hits_as_read(reader, post_ids, comment_ids, False)[0]
        found = _hits_as_read(member, post_ids, comment_ids, False)
        assert posts["lab"].id not in found[0] and comments["lab"].id not in found[1]
        assert posts["open"].id not in found[0] and comments["open"].id not in found[1]
        for viewer in (reader, member, None):
            expected = _hits_built_here(viewer, post_ids, comment_ids, False)
            assert _hits_as_read(viewer, post_ids, comment_ids, False) == expected


def _exclusions_built_here(viewer, include_removed: bool) -> visibility.SearchExclusions:
    listings = set(db.session.scalars(visibility.read_listing_ids(viewer))) if viewer is not None else set()
    return visibility.SearchExclusions(
        frozenset(db.session.scalars(visibility.gated_post_ids(viewer, include_removed=include_removed))),
        frozenset(db.session.scalars(visibility.gated_comment_ids(viewer, include_removed=include_removed))),
        frozenset(listings),
        frozenset(permissions.banned_user_ids()),
    )


def test_what_a_search_leaves_out_is_each_viewers_own(app, world):
    people, lab, posts, comments = world
    db.session.add(Ban(user_id=people["noisy"].id, reason="noise"))
    db.session.commit()
    gated_for_someone = False
    for viewer in _viewers(people):
        for include_removed in (False, True):
            with app.test_request_context():
                expected = _exclusions_built_here(viewer, include_removed)
                found = visibility.search_exclusions(viewer, include_removed=include_removed)
                assert found == expected, (viewer and viewer.username, include_removed)
                gated_for_someone |= posts["gated"].id in found.gated_posts
    assert gated_for_someone
    with app.test_request_context():
        member = db.session.get(User, people["member"].id)
        assert posts["removed gated"].id in visibility.search_exclusions(member, include_removed=True).gated_posts
        assert posts["removed gated"].id not in visibility.search_exclusions(member).gated_posts
    with app.test_request_context():
        member, agreed = (db.session.get(User, people[name].id) for name in ("member", "agreed"))
        assert visibility.search_exclusions(member).gated_comments == {comments["gated"].id}
        assert visibility.search_exclusions(member).read_listings == {posts["listed"].id}
        assert visibility.search_exclusions(agreed).gated_posts == set()
        assert visibility.search_exclusions(None).banned_authors == {people["noisy"].id}
    # New terms gate the post again; a lifted ban and a new one; leaving the group drops its card.
    db.session.execute(update(Post).where(Post.id == posts["gated"].id).values(terms_version=2))
    db.session.execute(update(Ban).values(lifted_at=utcnow()))
    db.session.add(Ban(user_id=people["outsider"].id, reason="another"))
    db.session.add(Ban(user_id=people["author"].id, reason="ended just now", expires_at=utcnow()))
    db.session.execute(delete(Membership).where(Membership.group_id == lab.id, Membership.user_id == member.id))
    db.session.commit()
    with app.test_request_context():
        member, agreed = (db.session.get(User, people[name].id) for name in ("member", "agreed"))
        assert visibility.search_exclusions(agreed).gated_posts == {posts["gated"].id}
        assert visibility.search_exclusions(None).banned_authors == {people["outsider"].id}
        assert visibility.search_exclusions(member).read_listings == set()
        for viewer in (member, agreed, None):
            assert visibility.search_exclusions(viewer) == _exclusions_built_here(viewer, False)


def test_the_group_filter_offers_each_viewer_their_own_groups(app, world):
    people, lab, _posts, _comments = world
    for viewer in _viewers(people):
        with app.test_request_context():
            expected = [
                (group.id, group.slug, group.name)
                for group in db.session.scalars(visibility.visible_groups(viewer).order_by(Group.name))
            ]
            assert [tuple(row) for row in service.searchable_groups(viewer)] == expected
    with app.test_request_context():
        member = db.session.get(User, people["member"].id)
        assert lab.id in {row.id for row in service.searchable_groups(member)}
    db.session.execute(delete(Membership).where(Membership.group_id == lab.id, Membership.user_id == member.id))
    db.session.commit()
    with app.test_request_context():
        member = db.session.get(User, people["member"].id)
        assert lab.id not in {row.id for row in service.searchable_groups(member)}


def test_a_member_never_sees_another_members_hits_on_the_page(client, world, search_backend):
    """Viewers in turn on the same URL: each page shows only what that viewer may read."""
    people, lab, posts, _comments = world
    from forum.search import indexing

    with client.application.app_context():
        indexing.reindex()
    pages = {}
    for name in ("member", "reader", "outsider", "member"):
        logout(client)
        login(client, people[name])
        page = client.get("/search?q=lab").get_data(as_text=True)
        pages.setdefault(name, []).append(page.split('class="meta search-total"')[1])  # the hits
    assert "For the lab" in pages["member"][0] and pages["member"][0] == pages["member"][1]
    assert "For the lab" not in pages["reader"][0] and "For the lab" not in pages["outsider"][0]


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_search_page_statement_count(client, world, search_backend, signed_in):
    """A page of hits costs the same few statements whatever it shows: the exclusions, the
    re-check and the groups (signed in, also the member's session and state, and the bell)."""
    people, _lab, _posts, _comments = world
    from forum.search import indexing

    with client.application.app_context():
        indexing.reindex()
    if signed_in:
        login(client, people["member"])
    counts = []
    for query in ("open", "noise", "post", "body"):
        client.get(f"/search?q={query}")
        with statements() as seen:
            assert client.get(f"/search?q={query}").status_code == 200
        counts.append(len(seen))
    assert counts[:3] == [counts[0]] * 3, counts
    # PostgreSQL's search is one statement more (the index is a table); Whoosh's is none.
    assert counts[0] == (6 if signed_in else 3) + (search_backend == "postgres"), counts
    # "body" finds every post: for the member, a marked one too, whose own copy is read whole
    # (the post and its co-authors) to make its excerpt.
    assert counts[3] == counts[0] + (2 if signed_in else 0), counts

"""The number of SQL statements a page issues must not grow with its content."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import insert

from forum.extensions import db
from forum.models import Comment, Post
from forum.models._time import utcnow
from tests.factories import login, make_post, make_user, statements

# What a page costs to make: a repeat served by the page cache costs no statement at all.
pytestmark = pytest.mark.usefixtures("no_page_cache")


def add_thread(post: Post, authors: list, n: int, seed: int = 1) -> None:
    """`n` comments in a mixed-depth tree, inserted in bulk (the services are tested elsewhere)."""
    rng = random.Random(seed)
    ids: list[int] = []
    for i in range(n):
        parent = rng.choice(ids) if ids and rng.random() < 0.7 else None
        author = authors[i % len(authors)]
        comment_id = db.session.execute(
            insert(Comment)
            .values(
                post_id=post.id,
                parent_id=parent,
                author_id=author.id,
                body_md=f"comment {i}",
                body_html=f"<p>comment {i}</p>",
                created_at=utcnow(),
            )
            .returning(Comment.id)
        ).scalar_one()
        ids.append(comment_id)
    db.session.query(Post).filter_by(id=post.id).update({"comment_count": n})
    db.session.commit()


def statements_for(client, path: str) -> list[str]:
    client.get(path)  # warm up: first-request work is not what this measures
    with statements() as seen:
        response = client.get(path)
    assert response.status_code == 200
    return seen


@pytest.fixture
def two_threads(app):
    authors = [make_user(f"author{i}", interests="circuits, evals") for i in range(12)]
    small, large = make_post(authors[0], "Small", tags="a, b"), make_post(authors[0], "Large", tags="a, b")
    add_thread(small, authors, 5)
    add_thread(large, authors, 500)
    return small, large, authors


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("page", ["", "?page=2"], ids=["first page", "a later page"])
def test_post_page_query_count_does_not_grow_with_comments(client, two_threads, signed_in, page):
    """The 500-comment thread spans several pages of top-level comments; any of them
    costs what the 5-comment thread costs."""
    small, large, authors = two_threads
    if signed_in:
        login(client, authors[3])
    few = statements_for(client, f"/posts/{small.id}")
    many = statements_for(client, f"/posts/{large.id}{page}")
    assert len(few) == len(many), "\n".join(many)


def test_permalink_query_count_does_not_grow_with_comments(client, two_threads):
    small, large, _ = two_threads
    first = lambda post: db.session.scalar(  # noqa: E731
        db.select(Comment.id).where(Comment.post_id == post.id, Comment.parent_id.is_(None)).order_by(Comment.id)
    )
    few = statements_for(client, f"/comments/{first(small)}")
    many = statements_for(client, f"/comments/{first(large)}")
    assert len(few) == len(many), "\n".join(many)


@pytest.mark.parametrize("path", ["/", "/users/author0", "/users/author0?tab=comments", "/tags/a"])
def test_listing_query_counts_do_not_grow(client, app, path):
    author = make_user("author0")
    others = [make_user(f"other{i}") for i in range(3)]

    def fill(n):
        for i in range(n):
            post = make_post(author, f"Post {i}", tags="a")
            add_thread(post, [author, *others], 2, seed=i)

    fill(2)
    few = statements_for(client, path)
    fill(15)
    many = statements_for(client, path)
    assert len(few) == len(many), "\n".join(many)


def test_people_directory_query_count_does_not_grow(client):
    def add_people(start, n):
        for i in range(start, start + n):
            make_user(f"person{i}", interests=f"topic{i}, shared")

    add_people(0, 2)
    few = statements_for(client, "/people")
    add_people(2, 15)
    many = statements_for(client, "/people")
    assert len(few) == len(many), "\n".join(many)


def test_group_page_query_count_does_not_grow_with_members(client):
    """Members, pending invitations and join requests are loaded with their users in a
    fixed number of queries, whatever their number."""
    from forum.services import groups as group_service
    from tests.factories import make_group

    owner = make_user("owner")
    small, large = (
        make_group(owner, "Small circle", join_policy="request"),
        make_group(owner, "Large circle", join_policy="request"),
    )
    for group, n in ((small, 2), (large, 40)):
        for i in range(n):
            group_service.add_member(group, make_user(f"{group.slug[:5]}m{i}"))
        for i in range(n // 2):
            group_service.invite(owner, group, make_user(f"{group.slug[:5]}i{i}").username)
            group_service.request_to_join(make_user(f"{group.slug[:5]}r{i}"), group, "I read your notes.")
    db.session.commit()
    login(client, owner)
    counts = [len(statements_for(client, f"/groups/{group.slug}")) for group in (small, large)]
    assert counts[0] == counts[1], counts


@pytest.fixture
def member_in_groups(app):
    """A member of three groups (one requiring two-factor), under site terms they accepted."""
    from forum.services import terms as terms_service
    from tests.factories import make_group

    admin = make_user("root")
    admin.role = "admin"
    db.session.commit()
    terms = terms_service.set_site_terms(admin, "Be kind.")
    member = make_user("member")
    groups = [make_group(admin, f"Circle {i}", members=(member,)) for i in range(3)]
    groups[0].requires_two_factor = True
    db.session.commit()
    terms_service.accept_site_terms(member, terms.id)
    return member


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # the session with its user; the member's state; the bell
        ("/about", 3),
        # the same, then the listing's count and rows
        ("/tags", 4),
        # the same, then the person, their posts' count (they have none: no rows), their
        # comments' count, the viewer's paths to them with their own vouch and block (one
        # statement, was six), the vouches with their vouchers, the follow button, the
        # person's interests
        ("/users/root", 10),
    ],
)
def test_fixed_cost_of_a_signed_in_page(client, member_in_groups, path, expected):
    """What every signed-in page pays before its content: the session and its user in one
    statement, then one for the member's state (groups, two-factor, ban, warnings, site terms:
    forum/infra/viewer_state.py), whatever they are asked for how often, then the bell.
    These counts only ever go down."""
    login(client, member_in_groups)
    seen = statements_for(client, path)
    assert len(seen) == expected, "\n".join(seen)
    assert seen[0].lstrip().startswith("SELECT user_sessions.")


def test_a_ban_and_warnings_cost_their_rows_only_when_there_are_some(client, member_in_groups):
    from forum.services import moderation
    from tests.factories import make_user as make

    moderator = make("mod")
    moderator.role = "moderator"
    db.session.commit()
    login(client, member_in_groups)
    plain = len(statements_for(client, "/about"))
    moderation.warn_user(moderator, member_in_groups, "Mind the tone.")
    moderation.ban_user(moderator, member_in_groups, "Spam.", days=3)
    seen = statements_for(client, "/about")
    assert len(seen) == plain + 2, "\n".join(seen)
    html = client.get("/about").get_data(as_text=True)
    assert "Mind the tone." in html and "Spam." in html


def test_a_post_view_does_not_reload_its_reader_after_the_read_receipt(client, two_threads, monkeypatch):
    """The read receipt's commit expires the signed-in user's row; nothing after it may ask
    for that row again (the response's privacy header once did, one statement a page)."""
    from forum.services import reads

    monkeypatch.setattr(reads, "VISIT", timedelta(0))  # every view is recorded, the measured one too
    small, _, authors = two_threads
    login(client, authors[3])
    seen = statements_for(client, f"/posts/{small.id}")
    receipt = next(i for i, s in enumerate(seen) if s.lstrip().startswith("INSERT INTO post_reads"))
    reloads = [s for s in seen[receipt:] if s.lstrip().startswith("SELECT users.")]
    assert not reloads, "\n".join(reloads)
    response = client.get(f"/posts/{small.id}")
    assert response.headers["Cache-Control"] == "private, no-store"

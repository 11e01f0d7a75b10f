"""Random worlds against a plain-Python oracle.

The oracle reads the world as it was generated (who is in which group, what audience
each author chose), never the tokens or clauses of `forum.visibility`, so a slip in the
read rule, in how audiences are stored, or in a listing shows up as a difference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound
from werkzeug.security import generate_password_hash

from forum import visibility
from forum.extensions import db
from forum.models import Comment, Group, Membership, Post, Tag, TotpSecret, User
from forum.queries import listings
from forum.services.audience import Audience, apply_audience

PASSWORD = "oracle password"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TAGS = ("alpha", "beta", "gamma", "delta")
EPOCH = datetime(2024, 1, 1)


@dataclass(frozen=True)
class PostSpec:
    author: int
    kind: str
    users: frozenset[int]
    groups: frozenset[int]
    tags: frozenset[str]
    deleted: bool
    minutes: int  # creation time; equal times exercise the id tie-break


@dataclass(frozen=True)
class CommentSpec:
    post: int
    author: int
    parent: int | None  # index of an earlier comment; used only if on the same post
    deleted: bool


@st.composite
def worlds(draw):
    n_users = draw(st.integers(1, 5))
    n_groups = draw(st.integers(0, 3))
    users = st.integers(0, n_users - 1)
    group_listed = draw(st.lists(st.booleans(), min_size=n_groups, max_size=n_groups))
    members = draw(st.lists(st.sets(users, max_size=n_users), min_size=n_groups, max_size=n_groups))
    posts = draw(
        st.lists(
            st.builds(
                PostSpec,
                author=users,
                kind=st.sampled_from(("public", "members", "restricted", "restricted")),
                users=st.frozensets(users, max_size=3),
                groups=st.frozensets(st.integers(0, max(n_groups - 1, 0)), max_size=n_groups),
                tags=st.frozensets(st.sampled_from(TAGS), max_size=2),
                deleted=st.sampled_from((False, False, False, True)),
                minutes=st.integers(0, 5),
            ),
            max_size=8,
        )
    )
    comments = []
    if posts:
        comments = draw(
            st.lists(
                st.builds(
                    CommentSpec,
                    post=st.integers(0, len(posts) - 1),
                    author=users,
                    parent=st.none() | st.integers(0, 11),
                    deleted=st.sampled_from((False, False, True)),
                ),
                max_size=12,
            )
        )
    # Groups that require two-factor sign-in to read, and the users who have it.
    requires_two_factor = draw(st.lists(st.booleans(), min_size=n_groups, max_size=n_groups))
    two_factor = draw(st.sets(users, max_size=n_users))
    return n_users, group_listed, members, posts, comments, requires_two_factor, two_factor


class Oracle:
    """What each viewer should see, from the world as generated."""

    def __init__(self, world, user_ids, group_ids, post_ids, comment_rows):
        self.n_users, self.group_listed, self.members, self.posts, _, self.requires_two_factor, self.two_factor = world
        self.user_ids, self.group_ids, self.post_ids = user_ids, group_ids, post_ids
        self.comments = comment_rows  # (comment id, post index, author index, deleted)

    def reads(self, viewer: int | None, p: int) -> bool:
        spec = self.posts[p]
        if spec.kind == "public":
            return True
        if viewer is None:
            return False
        if spec.kind == "members" or viewer == spec.author:
            return True
        return viewer in spec.users or any(self.reads_group(viewer, g) for g in spec.groups if g < len(self.members))

    def reads_group(self, viewer: int, g: int) -> bool:
        """A member reads what is shared with the group, if it does not require two-factor or they have it."""
        return viewer in self.members[g] and (not self.requires_two_factor[g] or viewer in self.two_factor)

    def lists(self, viewer, p) -> bool:
        return self.reads(viewer, p) and not self.posts[p].deleted

    def front_page(self, viewer, tag=None) -> list[int]:
        chosen = [
            p for p in range(len(self.posts)) if self.lists(viewer, p) and (tag is None or tag in self.posts[p].tags)
        ]
        chosen.sort(key=lambda p: (self.posts[p].minutes, self.post_ids[p]), reverse=True)
        return [self.post_ids[p] for p in chosen]

    def posts_by(self, viewer, author) -> list[int]:
        return [pid for pid in self.front_page(viewer) if self.posts[self.post_ids.index(pid)].author == author]

    def comments_by(self, viewer, author) -> set[int]:
        return {cid for cid, p, a, deleted in self.comments if a == author and not deleted and self.lists(viewer, p)}

    def sees_group(self, viewer, g) -> bool:
        return self.group_listed[g] or (viewer is not None and viewer in self.members[g])

    def group_posts(self, viewer, g) -> list[int]:
        return [
            pid
            for pid in self.front_page(viewer)
            if (spec := self.posts[self.post_ids.index(pid)]).kind == "restricted" and g in spec.groups
        ]

    def tags(self, viewer) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p, spec in enumerate(self.posts):
            if self.lists(viewer, p):
                for tag in spec.tags:
                    counts[tag] = counts.get(tag, 0) + 1
        return counts

    def comment_readable(self, viewer, p) -> bool:
        return self.reads(viewer, p) and not self.posts[p].deleted

    def live_comments(self, p) -> int:
        return sum(1 for _, q, _, deleted in self.comments if q == p and not deleted)


def _wipe() -> None:
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def build(world, password_hash: str) -> Oracle:
    """Insert the world through the models (one commit), storing audiences the way the
    post service does."""
    n_users, group_listed, members, posts, comments, requires_two_factor, two_factor = world
    users = [User(username=f"u{i}", display_name=f"User {i}", password_hash=password_hash) for i in range(n_users)]
    groups = [
        Group(slug=f"g{i}", name=f"Group {i}", listed=listed, requires_two_factor=requires)
        for i, (listed, requires) in enumerate(zip(group_listed, requires_two_factor, strict=True))
    ]
    db.session.add_all(users + groups)
    db.session.flush()
    db.session.add_all(TotpSecret(user_id=users[u].id, secret=TOTP_SECRET, confirmed_at=EPOCH) for u in two_factor)
    for g, who in enumerate(members):
        db.session.add_all(Membership(group_id=groups[g].id, user_id=users[u].id) for u in who)
    tags = {name: Tag(name=name) for name in TAGS}
    rows = []
    for spec in posts:
        post = Post(
            author_id=users[spec.author].id,
            title=f"title {len(rows)}",
            body_md="b",
            body_html="<p>b</p>",
            created_at=EPOCH + timedelta(minutes=spec.minutes),
            deleted_at=EPOCH if spec.deleted else None,
        )
        post.tags = [tags[t] for t in sorted(spec.tags)]
        audience = Audience(
            spec.kind,
            frozenset(users[u].id for u in spec.users),
            frozenset(groups[g].id for g in spec.groups if g < len(groups)),
        )
        db.session.add(post)
        apply_audience(post, audience)
        rows.append(post)
    db.session.flush()
    comment_rows, made = [], []
    for spec in comments:
        parent = made[spec.parent] if spec.parent is not None and spec.parent < len(made) else None
        if parent is not None and parent.post_id != rows[spec.post].id:
            parent = None
        comment = Comment(
            post_id=rows[spec.post].id,
            author_id=users[spec.author].id,
            body_md="c",
            body_html="<p>c</p>",
            parent_id=parent.id if parent else None,
            deleted_at=EPOCH if spec.deleted else None,
        )
        db.session.add(comment)
        db.session.flush()
        made.append(comment)
        comment_rows.append((comment.id, spec.post, spec.author, spec.deleted))
        if not spec.deleted:
            rows[spec.post].comment_count += 1
    db.session.commit()
    return Oracle(world, [u.id for u in users], [g.id for g in groups], [p.id for p in rows], comment_rows)


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def check_queries(oracle: Oracle, viewer: int | None) -> None:
    user = db.session.get(User, oracle.user_ids[viewer]) if viewer is not None else None
    assert db.session.scalars(listings.front_page(user)).all() == [
        db.session.get(Post, i) for i in oracle.front_page(viewer)
    ]
    for tag in TAGS:
        tag_row = db.session.scalar(select(Tag).where(Tag.name == tag))
        if tag_row is None:  # never used: front_page(tag=None) would mean "no filter"
            assert oracle.front_page(viewer, tag) == []
            continue
        assert [p.id for p in db.session.scalars(listings.front_page(user, tag=tag_row))] == oracle.front_page(
            viewer, tag
        )
    assert {row.Tag.name: row.n_posts for row in db.session.execute(listings.tags_with_counts(user))} == oracle.tags(
        viewer
    )
    for a, author_id in enumerate(oracle.user_ids):
        author = db.session.get(User, author_id)
        assert [p.id for p in db.session.scalars(listings.posts_by(user, author))] == oracle.posts_by(viewer, a)
        assert _count(listings.posts_by(user, author)) == len(oracle.posts_by(viewer, a))
        assert {c.id for c in db.session.scalars(listings.comments_by(user, author)).unique()} == oracle.comments_by(
            viewer, a
        )
        assert _count(listings.comments_by(user, author)) == len(oracle.comments_by(viewer, a))
    for g, group_id in enumerate(oracle.group_ids):
        group = db.session.get(Group, group_id)
        visible = db.session.scalar(visibility.visible_groups(user).where(Group.id == group_id)) is not None
        assert visible == oracle.sees_group(viewer, g)
        assert [p.id for p in db.session.scalars(listings.posts_shared_with_group(user, group))] == oracle.group_posts(
            viewer, g
        )
    for p, post_id in enumerate(oracle.post_ids):
        assert _fetches(visibility.get_post_or_404, post_id, user) == oracle.reads(viewer, p)
    for comment_id, p, _, _ in oracle.comments:
        assert _fetches(visibility.get_comment_or_404, comment_id, user) == oracle.comment_readable(viewer, p)


def _fetches(fetch, ident, user) -> bool:
    try:
        fetch(ident, user)
    except NotFound:
        return False
    return True


def check_http(client, oracle: Oracle, viewer: int | None) -> None:
    """The same answers through the pages a person uses."""
    if viewer is not None:
        response = client.post("/login", data={"username": f"u{viewer}", "password": PASSWORD})
        assert response.status_code == 302
        if viewer in oracle.two_factor:  # the second step, with the code the app shows now
            response = client.post("/login/two-factor", data={"code": pyotp.TOTP(TOTP_SECRET).now()})
            assert response.status_code == 302
    ids, url = [], "/"
    while url:
        html = client.get(url).get_data(as_text=True)
        ids += [int(i) for i in dict.fromkeys(re.findall(r'<h2><a href="/posts/(\d+)">', html))]
        counts = dict(re.findall(r'href="/posts/(\d+)#comments">(\d+) comment', html))
        for post_id, n in counts.items():
            assert int(n) == oracle.live_comments(oracle.post_ids.index(int(post_id)))
        nxt = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert ids == oracle.front_page(viewer)
    for p, post_id in enumerate(oracle.post_ids):
        assert (client.get(f"/posts/{post_id}").status_code == 200) == oracle.reads(viewer, p)
    for a in range(len(oracle.user_ids)):
        html = client.get(f"/users/u{a}?tab=comments").get_data(as_text=True)
        assert f"Posts ({len(oracle.posts_by(viewer, a))})" in html
        assert f"Comments ({len(oracle.comments_by(viewer, a))})" in html
    if viewer is not None:
        client.post("/logout")


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(world=worlds())
def test_every_listing_matches_the_oracle(app, world):
    app.config["POSTS_PER_PAGE"] = 3
    password_hash = generate_password_hash(PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
    _wipe()
    oracle = build(world, password_hash)
    client = app.test_client()
    for viewer in [None, *range(len(oracle.user_ids))]:
        check_queries(oracle, viewer)
    # Pages cost more than queries: anonymous and one signed-in user per world.
    for viewer in (None, world[0] - 1):
        check_http(client, oracle, viewer)

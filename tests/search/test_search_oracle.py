"""Random worlds: for every viewer, search equals a plain-Python oracle.

Worlds are built through the real services (so the indexing hooks run as in production):
users, groups and memberships, posts with random audiences, comments, some deleted or
removed, some authors banned. The oracle reads the world as generated, never
`forum.visibility`, and says which posts and comments each viewer may find.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.extensions import db
from forum.search import service
from forum.services import accounts, comments, groups, moderation, posts
from forum.services.audience import Audience

SHARED = "lanternfish"


@dataclass(frozen=True)
class PostSpec:
    author: int
    kind: str
    users: frozenset[int]
    groups: frozenset[int]
    fate: str  # "live", "deleted" or "removed"


@dataclass(frozen=True)
class CommentSpec:
    post: int
    author: int
    fate: str


@st.composite
def worlds(draw):
    n_users = draw(st.integers(2, 4))
    users = st.integers(0, n_users - 1)
    n_groups = draw(st.integers(1, 2))
    members = draw(st.lists(st.frozensets(users, min_size=1), min_size=n_groups, max_size=n_groups))
    fates = st.sampled_from(("live", "live", "live", "deleted", "removed"))
    post_specs = draw(
        st.lists(
            st.builds(
                PostSpec,
                author=users,
                kind=st.sampled_from(("public", "members", "restricted", "restricted")),
                users=st.frozensets(users, max_size=2),
                groups=st.frozensets(st.integers(0, n_groups - 1), max_size=n_groups),
                fate=fates,
            ),
            min_size=3,
            max_size=6,
        )
    )
    comment_specs = draw(
        st.lists(
            st.builds(
                CommentSpec,
                post=st.integers(0, len(post_specs) - 1),
                author=users,
                fate=fates,
            ),
            min_size=2,
            max_size=6,
        )
    )
    banned = draw(st.frozensets(users, max_size=1))
    return n_users, members, post_specs, comment_specs, banned


def _wipe() -> None:
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def _reads(world, viewer: int | None, spec: PostSpec) -> bool:
    _, members, _, _, _ = world
    if spec.kind == "public":
        return True
    if viewer is None:
        return False
    if spec.kind == "members" or viewer == spec.author or viewer in spec.users:
        return True
    return any(viewer in members[g] for g in spec.groups if spec.kind == "restricted")


def oracle(world, viewer: int | None) -> set[tuple[str, int]]:
    """(kind, index in the world) of what `viewer` may find."""
    _, _, post_specs, comment_specs, banned = world
    found = set()
    for p, spec in enumerate(post_specs):
        if _reads(world, viewer, spec) and spec.fate == "live" and spec.author not in banned:
            found.add(("post", p))
    for c, spec in enumerate(comment_specs):
        post = post_specs[spec.post]
        if (
            _reads(world, viewer, post)
            and post.fate == "live"
            and spec.fate == "live"
            and spec.author not in banned
            and post.fate != "deleted"
        ):
            found.add(("comment", c))
    return found


def build(world):
    n_users, members, post_specs, comment_specs, banned = world
    users = [
        accounts.register(f"oracle{i}", "", "oracle password", f"oracle{i}@example.org", verified=True)
        for i in range(n_users)
    ]
    moderator = accounts.register("omod", "", "oracle password", "omod@example.org", verified=True)
    moderation.set_role(None, moderator, "moderator")
    made_groups = []
    for g, who in enumerate(members):
        group = groups.create_group(moderator, f"Oracle group {g}")  # the owner is no viewer
        for u in who:
            groups.add_member(group, users[u])
        made_groups.append(group)
    db.session.commit()
    post_rows, comment_rows = [], []
    for p, spec in enumerate(post_specs):
        audience = Audience(
            spec.kind,
            frozenset(users[u].id for u in spec.users if u != spec.author),
            frozenset(made_groups[g].id for g in spec.groups if g < len(made_groups)),
        )
        if spec.kind == "restricted" and not (audience.user_ids or audience.group_ids):
            audience = Audience("restricted", frozenset({moderator.id}))
        post_rows.append(posts.create_post(users[spec.author], f"Post {p}", f"{SHARED} pm{p}x", "", audience))
    for c, spec in enumerate(comment_specs):
        comment_rows.append(comments.add_comment(users[spec.author], post_rows[spec.post], f"{SHARED} cm{c}x"))
    for row, spec in zip(comment_rows, comment_specs):
        if spec.fate == "deleted":
            comments.delete_comment(row)
        elif spec.fate == "removed":
            moderation.remove_comment(moderator, row, "Oracle.")
    for row, spec in zip(post_rows, post_specs):
        if spec.fate == "deleted":
            posts.delete_post(row)
        elif spec.fate == "removed":
            moderation.remove_post(moderator, row, "Oracle.")
    for u in banned:
        moderation.ban_user(moderator, users[u], "Oracle.", 7)
    return users, post_rows, comment_rows


@pytest.mark.slow
@pytest.mark.usefixtures("search_backend")
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(world=worlds())
def test_search_equals_the_oracle_for_every_viewer(app, world):
    _wipe()
    app.config["SEARCH_INDEX_DIR"] = tempfile.mkdtemp(prefix="oracle-index-") + "/index"
    users, post_rows, comment_rows = build(world)
    ids = {("post", p): row.id for p, row in enumerate(post_rows)}
    ids |= {("comment", c): row.id for c, row in enumerate(comment_rows)}
    for viewer in [None, *range(len(users))]:
        person = None if viewer is None else users[viewer]
        expected = {(kind, ids[(kind, n)]) for kind, n in oracle(world, viewer)}
        found = service.search(person, SHARED, per_page=100)
        got = {(r.kind, r.comment.id if r.comment else r.post.id) for r in found.items}
        assert got == expected and found.total == len(expected), viewer
        # Each marker word: exactly its own document, or nothing.
        for (kind, n), doc_id in ids.items():
            marker = f"{'pm' if kind == 'post' else 'cm'}{n}x"
            found = service.search_as_typed(person, marker)
            assert found.total == (1 if (kind, n) in oracle(world, viewer) else 0), (viewer, marker)
            # With did-you-mean: a marker found nowhere may be corrected ("pm2x" to
            # "pm0x"), but only to what the viewer may read.
            corrected = service.search(person, marker, per_page=100)
            shown = {(r.kind, r.comment.id if r.comment else r.post.id) for r in corrected.items}
            assert shown <= expected and (corrected.corrected is None) == (found.total > 0 or not shown)

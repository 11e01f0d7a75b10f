"""The read rule at size: front page and group page for a viewer in 20 groups and for
an anonymous visitor, over 10,000 users, 500 groups and 50,000 posts (30% restricted).

    python -m bench.visibility_bench [--scale S] [--explain]
"""

from __future__ import annotations

import argparse
import random
from datetime import timedelta

from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from forum import visibility
from forum.extensions import db
from forum.models import Group, Membership, Post, PostAudience, Tag, User
from forum.models._time import utcnow
from forum.models.post import post_tags
from forum.queries import listings

from .common import after_bulk_insert, explain, summary, temp_app, time_calls

PASSWORD = "bench password"
VIEWER_GROUPS = 20
REPEAT = 40


def populate(scale: float, rng: random.Random) -> dict:
    """Bulk inserts (Core executemany), one commit per table."""
    n_users, n_groups, n_posts = int(10_000 * scale), max(int(500 * scale), VIEWER_GROUPS + 1), int(50_000 * scale)
    viewer_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.execute(
        insert(User),
        [
            {
                "id": i,
                "username": f"user{i:05d}",
                "display_name": f"User {i}",
                "password_hash": viewer_hash if i == 1 else "!",
            }
            for i in range(1, n_users + 1)
        ],
    )
    db.session.execute(
        insert(Group),
        [
            {
                "id": i,
                "slug": f"group-{i}",
                "name": f"Group {i}",
                "listed": rng.random() < 0.8,
                "join_policy": "request",
            }
            for i in range(1, n_groups + 1)
        ],
    )
    memberships = {(gid, 1) for gid in rng.sample(range(1, n_groups + 1), VIEWER_GROUPS)}  # the viewer: user 1
    for uid in range(2, n_users + 1):
        memberships |= {(gid, uid) for gid in rng.sample(range(1, n_groups + 1), rng.randint(0, 4))}
    db.session.execute(insert(Membership), [{"group_id": g, "user_id": u, "role": "member"} for g, u in memberships])
    db.session.execute(insert(Tag), [{"id": i, "name": f"tag{i}"} for i in range(1, 201)])

    # Posts end now, so the short "top" windows hold some (a week is about 1,000 posts).
    start = utcnow() - timedelta(minutes=10 * (n_posts + 1))
    posts, audience, tagging = [], [], []
    for pid in range(1, n_posts + 1):
        author = rng.randint(1, n_users)
        roll = rng.random()
        kind = "restricted" if roll < 0.30 else "members" if roll < 0.45 else "public"
        posts.append(
            {
                "id": pid,
                "author_id": author,
                "title": f"Post {pid}",
                "body_md": "b",
                "body_html": "<p>b</p>",
                "audience_kind": kind,
                "created_at": start + timedelta(minutes=10 * pid + rng.randint(0, 9)),
                "deleted_at": start if rng.random() < 0.02 else None,
            }
        )
        tokens = {f"user:{author}"}
        if kind == "public":
            tokens.add("public")
        elif kind == "members":
            tokens.add("members")
        else:
            tokens |= {f"group:{g}" for g in rng.sample(range(1, n_groups + 1), rng.randint(0, 3))}
            tokens |= {
                f"user:{u}" for u in rng.sample(range(1, n_users + 1), rng.randint(0 if len(tokens) > 1 else 1, 3))
            }
        audience += [{"post_id": pid, "principal": t} for t in tokens]
        tagging += [{"post_id": pid, "tag_id": t} for t in rng.sample(range(1, 201), rng.randint(0, 3))]
    db.session.execute(insert(Post), posts)
    db.session.execute(insert(PostAudience), audience)
    db.session.execute(insert(post_tags), tagging)
    after_bulk_insert()
    viewer_groups = sorted(g for g, u in memberships if u == 1)
    # The viewer's group with the most posts shared with it: the heaviest group page.
    busiest = db.session.execute(
        select(PostAudience.principal, func.count())
        .where(PostAudience.principal.in_([f"group:{g}" for g in viewer_groups]))
        .group_by(PostAudience.principal)
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    return {
        "users": n_users,
        "groups": n_groups,
        "posts": n_posts,
        "audience_rows": len(audience),
        "group_slug": f"group-{busiest[0].split(':')[1]}",
        "group_posts": busiest[1],
    }


def page_query(query, per_page: int):
    """What `db.paginate` runs for page 1: the rows and the total."""

    def run():
        db.session.scalars(query.limit(per_page)).all()
        db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        db.session.expunge_all()

    return run


def compare_forms(viewer, per_page: int) -> list[str]:
    """The audience test as a correlated EXISTS (what `visibility.readable` is) against
    `Post.id IN (audience subquery)`, for the page rows and for the total count."""
    from sqlalchemy import exists

    tokens = visibility.principals(viewer)
    forms = {
        "EXISTS": exists().where(PostAudience.post_id == Post.id, PostAudience.principal.in_(tokens)),
        "IN": Post.id.in_(select(PostAudience.post_id).where(PostAudience.principal.in_(tokens))),
    }
    lines = []
    for name, clause in forms.items():
        query = (
            select(Post.id).where(clause, Post.deleted_at.is_(None)).order_by(Post.created_at.desc(), Post.id.desc())
        )
        count = select(func.count()).select_from(query.order_by(None).subquery())
        lines.append(summary(f"  {name} rows", time_calls(lambda: db.session.execute(query.limit(per_page)).all(), 10)))
        lines.append(summary(f"  {name} count", time_calls(lambda: db.session.execute(count).all(), 10)))
    return lines


def main(scale: float = 1.0, show_plans: bool = False) -> None:
    rng = random.Random(20240601)
    with temp_app() as app:
        with app.app_context():
            data = populate(scale, rng)
            group = db.session.scalar(select(Group).where(Group.slug == data["group_slug"]))
            # A listed group, so the anonymous group page exists too.
            group.listed = True
            db.session.commit()
        print(
            f"visibility: {data['users']:,} users, {data['groups']:,} groups, {data['posts']:,} posts, "
            f"{data['audience_rows']:,} audience rows; "
            f"group page: {data['group_slug']} ({data['group_posts']} posts shared)"
        )
        per_page = app.config["POSTS_PER_PAGE"]

        results = []
        for who in ("viewer in 20 groups", "anonymous"):
            client = app.test_client()
            if who != "anonymous":
                assert client.post("/login", data={"username": "user00001", "password": PASSWORD}).status_code == 302
            for label, url in (
                ("front page", "/"),
                ("front page p50", "/?page=50"),
                ("group page", f"/groups/{data['group_slug']}"),
            ):

                def get(url=url, client=client):
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.status_code)

                results.append(summary(f"GET {label} ({who})", time_calls(get, REPEAT)))
            with app.test_request_context():
                viewer = db.session.get(User, 1) if who != "anonymous" else None
                grp = db.session.scalar(select(Group).where(Group.slug == data["group_slug"]))
                for label, query in (
                    ("front_page()", listings.front_page(viewer)),
                    ("front_page(top-week)", listings.front_page(viewer, "top-week")),
                    ("posts_shared_with_group()", listings.posts_shared_with_group(viewer, grp)),
                ):
                    results.append(
                        summary(f"{label} rows+count ({who})", time_calls(page_query(query, per_page), REPEAT))
                    )
                    if show_plans:
                        results.append(f"  plan of {label} ({who}):\n{explain(query.limit(per_page))}")
                        count = select(func.count()).select_from(query.order_by(None).subquery())
                        results.append(f"  plan of its count:\n{explain(count)}")
                if show_plans:
                    results.append(f"audience test forms ({who}):")
                    results += compare_forms(viewer, per_page)
        for line in results:
            print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN QUERY PLAN for each query")
    args = parser.parse_args()
    main(args.scale, args.explain)

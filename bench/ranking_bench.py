"""Hot front page over 50,000 posts and 500,000 votes, on a migrated SQLite file
(or PostgreSQL: `scripts/pg-test-cluster python -m bench.ranking_bench`).

    python -m bench.ranking_bench [--scale 1.0]     # 50,000 posts, 500,000 votes

Data are synthetic and fixed by a seed: 1,000 users in 20 groups; posts over two years,
80% public, 10% members-only, 10% shared with one group; votes skewed towards popular
posts, 85% normal up, 10% down, 5% strong. Scores, counts and hot values are stored as
the vote service keeps them. Prints p50/p95 of wall and CPU milliseconds.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

from sqlalchemy import func, insert, select

from bench.common import ON_POSTGRES, after_bulk_insert, explain, summary, temp_app, time_calls
from forum.extensions import db
from forum.models import Group, Membership, Post, PostAudience, User, Vote, ranking
from forum.models._time import utcnow
from forum.queries import listings
from forum.services.votes import cast_vote, viewer_votes

# Posts end now, so the "top" windows (measured from the clock) hold their share of them.
NOW = utcnow().replace(microsecond=0)


def build(n_posts: int, n_votes: int, n_users: int = 1_000, n_groups: int = 20, seed: int = 1) -> None:
    rng = random.Random(seed)
    db.session.execute(
        insert(User),
        [
            {
                "id": i,
                "username": f"u{i}",
                "display_name": f"User {i}",
                "password_hash": "x",
                "karma": rng.randint(0, 3_000),
            }
            for i in range(1, n_users + 1)
        ],
    )
    db.session.execute(
        insert(Group), [{"id": g, "slug": f"g{g}", "name": f"Group {g}"} for g in range(1, n_groups + 1)]
    )
    db.session.execute(
        insert(Membership),
        [{"group_id": g, "user_id": u} for u in range(1, n_users + 1) for g in rng.sample(range(1, n_groups + 1), 2)],
    )

    posts = []
    for pid in range(1, n_posts + 1):
        created = NOW - timedelta(seconds=rng.randint(0, 2 * 365 * 86_400))
        roll = rng.random()
        kind = "public" if roll < 0.8 else "members" if roll < 0.9 else "restricted"
        posts.append(
            {
                "id": pid,
                "author_id": rng.randint(1, n_users),
                "title": f"Post {pid}",
                "body_md": "b",
                "body_html": "<p>b</p>",
                "audience_kind": kind,
                "created_at": created,
                "score": 0,
                "vote_count": 0,
            }
        )

    votes, seen = [], set()
    while len(votes) < n_votes:
        pid = min(int(rng.paretovariate(1.1)), n_posts) if rng.random() < 0.5 else rng.randint(1, n_posts)
        uid = rng.randint(1, n_users)
        if (uid, pid) in seen:
            continue
        seen.add((uid, pid))
        roll = rng.random()
        direction, strong = (1, False) if roll < 0.85 else (-1, False) if roll < 0.95 else (rng.choice((1, -1)), True)
        weight = direction * (3 if strong else 1)
        votes.append(
            {
                "user_id": uid,
                "post_id": pid,
                "axis": "karma",
                "direction": direction,
                "strong": strong,
                "weight": weight,
            }
        )
        posts[pid - 1]["score"] += weight
        posts[pid - 1]["vote_count"] += 1
    for p in posts:
        p["hot"] = ranking.hot(p["score"], p["created_at"])

    audience = []
    for p in posts:
        audience.append({"post_id": p["id"], "principal": f"user:{p['author_id']}"})
        if p["audience_kind"] == "restricted":
            audience.append({"post_id": p["id"], "principal": f"group:{rng.randint(1, n_groups)}"})
        else:
            audience.append({"post_id": p["id"], "principal": p["audience_kind"]})
    # Core inserts: bulk, and without the ORM's before_insert hook (hot is already set).
    db.session.execute(insert(Post.__table__), posts)
    db.session.execute(insert(PostAudience.__table__), audience)
    for start in range(0, len(votes), 50_000):
        db.session.execute(insert(Vote.__table__), votes[start : start + 50_000])
    after_bulk_insert()


def main(scale: float = 1.0) -> None:
    n_posts, n_votes = max(500, int(50_000 * scale)), max(5_000, int(500_000 * scale))
    runs = max(20, int(200 * scale))
    with temp_app() as app:
        with app.app_context():
            start = time.perf_counter()
            build(n_posts, n_votes)
            print(
                f"built {n_posts:,} posts, {db.session.scalar(select(func.count()).select_from(Vote)):,} votes "
                f"in {time.perf_counter() - start:.1f}s"
            )
            member_id = 7
            top_week = listings.front_page(None, "top-week").limit(20)
            # The other form of the top-week order: what this engine does not get (the
            # "+ 0" hint on PostgreSQL, the plain score column on SQLite).
            other = top_week.order_by(None).order_by(
                (Post.score + 0).desc() if ON_POSTGRES else Post.score.desc(), Post.id.desc()
            )
            plans = [
                ("hot", explain(listings.front_page(None, "hot").limit(20))),
                ("top-week", explain(top_week)),
                ("top-week, the other form", explain(other)),
            ]
        for line in measure(app, n_posts, member_id, runs):
            print(line, flush=True)
    for label, plan in plans:
        print(f"plan of {label} ({'PostgreSQL' if ON_POSTGRES else 'SQLite'}):\n{plan}")


def measure(app, n_posts: int, member_id: int, runs: int):
    def in_context(fn, signed_in=False):
        """One call as one request would make it: its own app context, session and `g`."""

        def call():
            with app.app_context():
                return fn(db.session.get(User, member_id) if signed_in else None)

        return call

    def ids_only(sort, signed_in=False):
        return in_context(
            lambda member: db.session.execute(
                listings.front_page(member, sort).with_only_columns(Post.id).limit(20)
            ).all(),
            signed_in,
        )

    def listing(sort, signed_in=False):
        return in_context(
            lambda member: db.session.scalars(listings.front_page(member, sort).limit(20)).all(), signed_in
        )

    # "SQL": the ranking query alone (ids). "ORM": the page's posts loaded as the view does,
    # with authors, tags and audiences eagerly loaded.
    for sort in listings.SORTS:
        yield summary(f"SQL {sort}", time_calls(ids_only(sort), runs))
    yield summary("SQL hot, member of 2 groups", time_calls(ids_only("hot", True), runs))
    for sort in ("hot", "top-week", "top-all"):
        yield summary(f"ORM {sort}", time_calls(listing(sort), runs))
    yield summary("ORM hot, member of 2 groups", time_calls(listing("hot", True), runs))

    count = in_context(
        lambda _: db.session.scalar(
            select(func.count()).select_from(listings.front_page(None, "hot").order_by(None).subquery())
        )
    )
    yield summary("SQL count(*) (paginate)", time_calls(count, max(runs // 4, 10)))

    # What the stored column saves: the same filter, ranked by a decay computed per row at read time.
    if ON_POSTGRES:
        age_hours = func.extract("epoch", NOW - Post.created_at) / 3600
    else:
        age_hours = (func.julianday(NOW) - func.julianday(Post.created_at)) * 24
    decayed = Post.score * 1.0 / (age_hours + 2)
    at_read = in_context(
        lambda _: db.session.execute(
            listings.front_page(None, "new")
            .with_only_columns(Post.id)
            .order_by(None)
            .order_by(decayed.desc())
            .limit(20)
        ).all()
    )
    yield summary("SQL decay at read time", time_calls(at_read, max(runs // 10, 5)))

    with app.app_context():
        page_ids = [p.id for p in db.session.scalars(listings.front_page(None, "hot").limit(20))]
    yield summary(
        "viewer's votes, 1 query", time_calls(in_context(lambda m: viewer_votes(m, post_ids=page_ids), True), runs)
    )

    client = app.test_client()
    yield summary("GET /?sort=hot, signed out", time_calls(lambda: client.get("/?sort=hot"), max(runs // 4, 10)))

    rng = random.Random(2)
    with app.app_context():
        voter_ids = list(db.session.scalars(select(User.id).where(User.karma >= 25).limit(200)))

    def one_vote():
        with app.app_context():
            voter = db.session.get(User, rng.choice(voter_ids))
            post = db.session.get(Post, rng.randint(1, n_posts))
            if post.author_id != voter.id:
                cast_vote(voter, post, rng.choice(("up", "down", "strong-up")))

    yield summary("cast_vote (1 transaction)", time_calls(one_vote, runs))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    main(parser.parse_args().scale)

"""Hot front page over 50,000 posts and 500,000 votes, on a migrated SQLite file.

    python -m bench.ranking_bench [--posts 50000] [--votes 500000] [--runs 200]

Data are synthetic and fixed by a seed: 1,000 users in 20 groups; posts over two years,
80% public, 10% members-only, 10% shared with one group; votes skewed towards popular
posts, 85% normal up, 10% down, 5% strong. Scores, counts and hot values are stored as
the vote service keeps them. Prints p50/p95 in milliseconds.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

from config import TestConfig
from forum import create_app, queries, ranking
from forum.extensions import db
from forum.models import Group, Membership, Post, PostAudience, User, Vote
from forum.services.votes import cast_vote, viewer_votes

NOW = datetime(2026, 6, 1)


def build(n_posts: int, n_votes: int, n_users: int = 1_000, n_groups: int = 20, seed: int = 1) -> None:
    rng = random.Random(seed)
    db.session.execute(insert(User), [
        {"id": i, "username": f"u{i}", "display_name": f"User {i}", "password_hash": "x", "karma": rng.randint(0, 3_000)}
        for i in range(1, n_users + 1)
    ])
    db.session.execute(insert(Group), [{"id": g, "slug": f"g{g}", "name": f"Group {g}"} for g in range(1, n_groups + 1)])
    db.session.execute(insert(Membership), [
        {"group_id": g, "user_id": u} for u in range(1, n_users + 1) for g in rng.sample(range(1, n_groups + 1), 2)
    ])

    posts = []
    for pid in range(1, n_posts + 1):
        created = NOW - timedelta(seconds=rng.randint(0, 2 * 365 * 86_400))
        roll = rng.random()
        kind = "public" if roll < 0.8 else "members" if roll < 0.9 else "restricted"
        posts.append({"id": pid, "author_id": rng.randint(1, n_users), "title": f"Post {pid}", "body_md": "b",
                      "body_html": "<p>b</p>", "audience_kind": kind, "created_at": created, "score": 0, "vote_count": 0})

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
        votes.append({"user_id": uid, "post_id": pid, "axis": "karma", "direction": direction, "strong": strong, "weight": weight})
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
        db.session.execute(insert(Vote.__table__), votes[start:start + 50_000])
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm the page cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--votes", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ranking-bench-"))
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir / 'bench.sqlite3'}", WTF_CSRF_ENABLED=False)
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        build(args.posts, args.votes)
        print(f"built {args.posts:,} posts, {db.session.scalar(select(func.count()).select_from(Vote)):,} votes "
              f"in {time.perf_counter() - start:.1f}s ({workdir})")
        member = db.session.get(User, 7)
        rows = []

        def listing(viewer, sort):
            return lambda: db.session.scalars(queries.front_page(viewer, sort).limit(20)).all()

        def ids_only(viewer, sort):
            return lambda: db.session.execute(queries.front_page(viewer, sort).with_only_columns(Post.id).limit(20)).all()

        # "SQL": the ranking query alone (ids); "ORM": the page's posts loaded as the view does,
        # with their authors, tags and audiences eagerly loaded.
        for sort in queries.SORTS:
            rows.append((f"SQL {sort}, signed out", timed(ids_only(None, sort), args.runs)))
        rows.append(("SQL hot, member of 2 groups", timed(ids_only(member, "hot"), args.runs)))
        for sort in ("hot", "top-week", "top-all"):
            rows.append((f"ORM {sort}, signed out", timed(listing(None, sort), args.runs)))
        rows.append(("ORM hot, member of 2 groups", timed(listing(member, "hot"), args.runs)))
        count = select(func.count()).select_from(queries.front_page(None, "hot").order_by(None).subquery())
        rows.append(("SQL count(*) of listed posts (paginate)", timed(lambda: db.session.scalar(count), max(args.runs // 4, 20))))

        # What a stored column saves: the same visibility filter, ranked by a decay computed per row at read time.
        decayed = (Post.score * 1.0 / ((func.julianday(NOW) - func.julianday(Post.created_at)) * 24 + 2))
        at_read = lambda: db.session.execute(
            queries.front_page(None, "new").with_only_columns(Post.id).order_by(None).order_by(decayed.desc()).limit(20)
        ).all()
        rows.append(("SQL decay computed at read time", timed(at_read, max(args.runs // 10, 10))))

        page_ids = [p.id for p in listing(member, "hot")()]
        rows.append(("viewer's votes for a page (1 query)", timed(lambda: viewer_votes(member, post_ids=page_ids), args.runs)))

        client = app.test_client()
        rows.append(("GET /?sort=hot page, signed out", timed(lambda: client.get("/?sort=hot"), max(args.runs // 4, 20))))

        rng = random.Random(2)
        voters = list(db.session.scalars(select(User).where(User.karma >= 25).limit(200)))
        def one_vote():
            voter = rng.choice(voters)
            post = db.session.get(Post, rng.randint(1, args.posts))
            if post.author_id != voter.id:
                cast_vote(voter, post, rng.choice(("up", "down", "strong-up")))
        rows.append(("cast_vote (one transaction)", timed(one_vote, args.runs)))

        plan = db.session.execute(text("EXPLAIN QUERY PLAN " + str(
            queries.front_page(None, "hot").limit(20).compile(db.engine, compile_kwargs={"literal_binds": True})
        ))).all()
    print(f"\n| {'measure':42} | {'p50 ms':>8} | {'p95 ms':>8} |\n|{'-' * 44}|{'-' * 9}:|{'-' * 9}:|")
    for name, (p50, p95) in rows:
        print(f"| {name:42} | {p50:8.2f} | {p95:8.2f} |")
    print("\nhot query plan (SQLite):")
    for row in plan:
        print("  " + row[-1])


if __name__ == "__main__":
    main()

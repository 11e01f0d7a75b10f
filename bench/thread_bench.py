"""GET /posts/<id> for a large mixed-depth thread, and the tree build alone.

python -m bench.thread_bench [--scale 1.0]      # 1,000 comments, 50 requests
python -m bench thread
"""

from __future__ import annotations

import argparse
import random

from sqlalchemy import insert, select, update

from bench.common import summary, temp_app, time_calls
from forum.extensions import db
from forum.models import Comment, Post
from forum.models._time import utcnow
from forum.queries.threads import build_tree
from forum.services import accounts, posts

PASSWORD = "bench-password-123"


def add_thread(post_id: int, author_ids: list[int], n: int, rng: random.Random) -> None:
    """`n` comments: runs of replies to the previous comment (deep chains), replies to
    random earlier comments (bushy middles) and new top-level comments."""
    ids: list[int] = []
    for i in range(n):
        roll = rng.random()
        if not ids or roll < 0.2:
            parent = None
        elif roll < 0.5:
            parent = ids[-1]
        else:
            parent = rng.choice(ids)
        ids.append(
            db.session.execute(
                insert(Comment)
                .values(
                    post_id=post_id,
                    parent_id=parent,
                    author_id=rng.choice(author_ids),
                    body_md=f"Comment {i} with a little **Markdown**.",
                    body_html=f"<p>Comment {i} with a little <strong>Markdown</strong>.</p>",
                    created_at=utcnow(),
                )
                .returning(Comment.id)
            ).scalar_one()
        )
    db.session.execute(update(Post).where(Post.id == post_id).values(comment_count=n))
    db.session.commit()


def depth_profile(comments: list[Comment]) -> tuple[int, float]:
    parent = {c.id: c.parent_id for c in comments}
    depths = []
    for c in comments:
        d, p = 0, c.parent_id
        while p is not None:
            d, p = d + 1, parent[p]
        depths.append(d)
    return max(depths), sum(depths) / len(depths)


def main(scale: float = 1.0) -> None:
    n_comments = max(20, int(1000 * scale))
    n_requests = max(5, int(50 * scale))
    rng = random.Random(20240611)
    with temp_app() as app:
        with app.app_context():
            users = [
                accounts.register(f"bench{i}", f"Bench User {i}", PASSWORD, f"bench{i}@example.org", verified=True)
                for i in range(25)
            ]
            post = posts.create_post(users[0], "A long thread", "Body of the post.", "bench")
            add_thread(post.id, [u.id for u in users], n_comments, rng)
            post_id = post.id
            comments = list(db.session.scalars(select(Comment).where(Comment.post_id == post_id)).unique())
            deepest, mean_depth = depth_profile(comments)
            max_depth = app.config["MAX_THREAD_DEPTH"]
            tree_ms = time_calls(lambda: build_tree(comments, max_depth=max_depth), n_requests)

        anonymous = app.test_client()
        signed_in = app.test_client()
        signed_in.post("/login", data={"username": "bench3", "password": PASSWORD})

        def fetch(client):
            response = client.get(f"/posts/{post_id}")
            assert response.status_code == 200

        anon_ms = time_calls(lambda: fetch(anonymous), n_requests)
        user_ms = time_calls(lambda: fetch(signed_in), n_requests)

    print(
        f"{n_comments} comments, deepest reply at depth {deepest}, mean depth {mean_depth:.1f}, "
        f"shown to depth {max_depth}"
    )
    print(summary("build_tree alone", tree_ms))
    print(summary("GET /posts/<id> anonymous", anon_ms))
    print(summary("GET /posts/<id> signed in", user_ms))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    main(parser.parse_args().scale)

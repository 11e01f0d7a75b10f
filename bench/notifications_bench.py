"""The bell at size: the unread count (on every page a signed-in user opens) and the first
notifications page, for a user holding 5,000 notifications about 2,000 posts of which a
third they may no longer read, each checked through `visibility` when counted.

    python -m bench.notifications_bench [--scale S]
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta

from sqlalchemy import insert

from forum.extensions import db
from forum.models import Comment, Group, Membership, Notification, Post, PostAudience, User
from forum.queries import inbox

from .common import summary, temp_app, time_calls

REPEAT = 40


def populate(scale: float, rng: random.Random) -> dict:
    n_posts, n_notes = int(2_000 * scale), int(5_000 * scale)
    db.session.execute(
        insert(User),
        [{"id": i, "username": f"user{i}", "display_name": f"User {i}", "password_hash": "!"} for i in range(1, 201)],
    )
    db.session.execute(insert(Group), [{"id": i, "slug": f"g{i}", "name": f"G {i}"} for i in range(1, 41)])
    db.session.execute(insert(Membership), [{"group_id": g, "user_id": 1} for g in range(1, 21)])
    start = datetime(2025, 1, 1)
    posts, audience, comments = [], [], []
    for pid in range(1, n_posts + 1):
        posts.append(
            {
                "id": pid,
                "author_id": rng.randint(2, 200),
                "title": f"Post {pid}",
                "body_md": "b",
                "body_html": "<p>b</p>",
                "audience_kind": "restricted",
                "created_at": start + timedelta(minutes=pid),
            }
        )
        group = rng.randint(1, 30)  # groups 21-30: the viewer is not (or no longer) a member
        audience.append({"post_id": pid, "principal": f"group:{group}"})
        comments.append(
            {
                "id": pid,
                "post_id": pid,
                "author_id": rng.randint(2, 200),
                "body_md": "c",
                "body_html": "<p>c</p>",
                "created_at": start + timedelta(minutes=pid),
            }
        )
    db.session.execute(insert(Post), posts)
    db.session.execute(insert(PostAudience), audience)
    db.session.execute(insert(Comment), comments)
    db.session.execute(
        insert(Notification),
        [
            {
                "user_id": 1,
                "kind": rng.choice(["reply_post", "thread", "mention"]),
                "actor_id": rng.randint(2, 200),
                "post_id": (pid := rng.randint(1, n_posts)),
                "comment_id": pid,
                "created_at": start + timedelta(minutes=i),
                "read_at": None if rng.random() < 0.5 else start,
            }
            for i in range(n_notes)
        ],
    )
    db.session.commit()
    return {"posts": n_posts, "notifications": n_notes}


def main(scale: float = 1.0) -> None:
    rng = random.Random(20261202)
    with temp_app() as app:
        with app.app_context():
            data = populate(scale, rng)
        print(f"notifications: one user, {data['notifications']:,} notifications on {data['posts']:,} restricted posts")
        with app.test_request_context():
            viewer = db.session.get(User, 1)
            count = inbox.unread_count(viewer)
            shown = len(inbox.items(viewer))
            print(f"  unread shown: {count:,}; shown in all: {shown:,} of {data['notifications']:,}")
            lines = [
                summary("unread_count()", time_calls(lambda: inbox.unread_count(viewer), REPEAT)),
                summary("items() first page", time_calls(lambda: inbox.items(viewer, limit=31), REPEAT)),
            ]
        for line in lines:
            print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    main(parser.parse_args().scale)

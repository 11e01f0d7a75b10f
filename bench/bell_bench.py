"""The bell: a member in 20 groups with 5,000 notifications about 20 posts, all unread or 2% unread.

Times, in one request each (CPU per call), the exact count the API gives
(`inbox.unread_count`), the bell's capped recount (what a member pays once after a write
they could see) and the bell's kept count (`inbox.bell_count` on every other page).
"""

from __future__ import annotations

import argparse
import random
import time

from sqlalchemy import insert

from bench.common import temp_app
from forum import visibility
from forum.extensions import db
from forum.models import Notification, User
from forum.queries import inbox
from forum.services import accounts
from forum.services import groups as group_service
from forum.services import posts as post_service
from forum.services.audience import Audience

PASSWORD = "bench-password-1"


def _cpu_ms(fn, repeat: int) -> float:
    fn()
    start = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - start) / repeat * 1000


def main(scale: float = 1.0) -> None:
    total = max(50, int(5000 * scale))
    for unread_share in (1.0, 0.02):
        with temp_app() as app:
            with app.test_request_context():
                reader = accounts.register("reader", "Reader", PASSWORD, "reader@example.org", verified=True)
                author = accounts.register("author", "Author", PASSWORD, "author@example.org", verified=True)
                groups = [group_service.create_group(author, f"Group {i}") for i in range(20)]
                for group in groups:
                    group_service.add_member(group, reader)
                db.session.commit()
                public = Audience("public", frozenset(), frozenset())
                posts = [post_service.create_post(author, f"Post {i}", "Body.", "", public) for i in range(20)]
                rnd = random.Random(1)
                rows = [
                    dict(
                        user_id=reader.id,
                        kind="thread",
                        actor_id=author.id,
                        post_id=rnd.choice(posts).id,
                        read_at=None if rnd.random() < unread_share else posts[0].created_at,
                    )
                    for _ in range(total)
                ]
                db.session.execute(insert(Notification), rows)
                db.session.commit()
                reader_id = reader.id
            with app.test_request_context():
                user = db.session.get(User, reader_id)
                visibility.principals(user)  # the page has read them already
                exact = _cpu_ms(lambda: inbox.unread_count(user), 20)
                recount = _cpu_ms(lambda: inbox._capped_unread(user), 20)
                kept = _cpu_ms(lambda: inbox.bell_count(user), 500)
                shown = inbox.bell_label(inbox.bell_count(user))
            print(
                f"{total:,} notifications, {unread_share:.0%} unread (bell shows {shown}): exact count {exact:.2f} ms, "
                f"bell recount {recount:.2f} ms, bell kept {kept:.3f} ms CPU per call",
                flush=True,
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    main(parser.parse_args().scale)

"""The demo content produces notifications the way real use does, and keeps the promise."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, OutboxMessage, User
from tests.notifications.helpers import kinds, stored


def test_seeded_notifications(app):
    assert app.test_cli_runner().invoke(args=["forum", "seed"]).exit_code == 0
    ada, ben, eli = (db.session.scalar(select(User).where(User.username == name)) for name in ("ada", "ben", "eli"))
    assert {"reply_post", "mention", "group_invitation"} <= set(kinds(ada))
    assert "reply_comment" in kinds(ben)
    # Eli follows Ada and sees her public post; the red team's mention of him stays unseen.
    # He also asked Ben for a vouch in a conversation (forum/demo/conversations.py): Ben answered.
    # And a draft of the demo is shared with him (sharees are told, issue 24).
    assert kinds(eli) == ["message", "shared_user", "followed_user_post"]
    assert "message_request" in kinds(ben)
    # What is stored for him but not shown is only posts of Ada's that he may not read.
    rows = db.session.execute(
        select(Notification.kind, Notification.post_id).where(Notification.user_id == eli.id)
    ).all()
    assert "mention" not in {kind for kind, _ in rows}
    assert all(kind in ("followed_user_post", "message", "shared_user") for kind, _ in rows) and stored(eli) == len(
        rows
    )
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.user_id == ada.id)) is not None

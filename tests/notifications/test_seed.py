"""The demo content produces notifications the way real use does, and keeps the promise."""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import OutboxMessage, User

from .conftest import kinds, stored


def test_seeded_notifications(app):
    assert app.test_cli_runner().invoke(args=["forum", "seed"]).exit_code == 0
    ada, ben, eli = (db.session.scalar(select(User).where(User.username == name)) for name in ("ada", "ben", "eli"))
    assert {"reply_post", "mention", "group_invitation"} <= set(kinds(ada))
    assert "reply_comment" in kinds(ben)
    # Eli follows Ada and sees her public post; the red team's mention of him stays unseen.
    assert kinds(eli) == ["followed_user_post"]
    assert stored(eli) == 1
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.user_id == ada.id)) is not None

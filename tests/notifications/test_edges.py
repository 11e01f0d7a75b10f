"""Edges: statement counts that do not grow, a deleted group, duplicate digests."""

from __future__ import annotations

from datetime import timedelta

from forum.extensions import db
from forum.mail import outbox
from forum.models import Notification, OutboxMessage
from forum.models._time import utcnow
from forum.services import groups as group_service
from forum.services import notifications as service
from tests.factories import login, make_comment, make_post, statements
from tests.notifications.helpers import kinds, stored


def _count_statements(client, path):
    client.get(path)
    with statements() as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def test_the_page_and_the_count_cost_the_same_for_few_or_many(client, world):
    post = make_post(world.ada, "Open post")
    make_comment(world.ben, post, "One.")
    login(client, world.ada)
    few = (_count_statements(client, "/notifications"), _count_statements(client, "/notifications/count"))
    for i in range(20):
        make_comment(world.ben, post, f"More {i}.")
    many = (_count_statements(client, "/notifications"), _count_statements(client, "/notifications/count"))
    assert few == many


def test_deleting_a_group_deletes_what_named_it(world):
    group_service.invite(world.ada, world.lab, "eli")
    assert kinds(world.eli) == ["group_invitation"]
    group_service.delete_group(world.lab, world.ada)
    assert stored(world.eli) == 0


def test_two_pending_digests_become_one_email(world):
    class Recorder:
        sent = []

        def send(self, message):
            self.sent.append(message)

    service.save_email_settings(world.ben, {"shared": "digest"})
    make_post(world.ada, "Lab post", audience="restricted", groups=(world.lab,))
    db.session.add(
        OutboxMessage(user_id=world.ben.id, kind="digest", since=utcnow() - timedelta(days=1), next_attempt_at=utcnow())
    )
    db.session.commit()
    outbox.run_once(Recorder(), now=utcnow() + timedelta(days=2))
    assert len(Recorder.sent) == 1
    statuses = db.session.scalars(db.select(OutboxMessage.status).where(OutboxMessage.user_id == world.ben.id)).all()
    assert sorted(statuses) == ["sent", "skipped"]


def test_notifications_hold_references_never_text():
    """A copied title or text could outlive the reader's right to it; only ids are kept."""
    columns = {c.name for c in Notification.__table__.columns}
    assert columns == {
        "id",
        "user_id",
        "kind",
        "actor_id",
        "post_id",
        "comment_id",
        "group_id",
        "conversation_id",
        "created_at",
        "read_at",
    }


def test_a_digest_leaves_out_what_was_already_read_on_the_site(world):
    class Recorder:
        def __init__(self):
            self.sent = []

        def send(self, message):
            self.sent.append(message)

    service.save_email_settings(world.ben, {"shared": "digest"})
    make_post(world.ada, "Seen already", audience="restricted", groups=(world.lab,))
    service.mark_all_read(world.ben)
    make_post(world.ada, "Not seen yet", audience="restricted", groups=(world.lab,))
    transport = Recorder()
    outbox.run_once(transport, now=utcnow() + timedelta(days=2))
    (message,) = transport.sent
    assert "Not seen yet" in message.get_content() and "Seen already" not in message.get_content()


def test_notifying_a_whole_group_costs_the_same_for_5_or_40_members(world):
    from tests.factories import make_group, make_user

    def statements_to_share(n):
        members = [make_user(f"m{n}x{i}") for i in range(n)]
        for member in members:
            service.save_email_settings(member, {"shared": "digest"})
        group = make_group(world.ada, f"Big {n}", members=tuple(members))
        with statements() as seen:
            make_post(world.ada, f"For {n}", audience="restricted", groups=(group,))
        return len(seen)

    assert statements_to_share(5) == statements_to_share(40)

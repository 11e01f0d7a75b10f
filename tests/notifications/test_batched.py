"""Calm email: a busy thread mails each reader once per THREAD_EMAIL_MINUTES, listing its new comments;
a direct reply and a mention still arrive at once; co-authors and people a draft is shared with are told."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import select

from forum.extensions import db
from forum.mail import outbox
from forum.models import Notification, OutboxMessage
from forum.models._time import utcnow
from forum.services import drafts, posts
from forum.services import notifications as service
from forum.services.audience import audience_of
from tests.factories import make_comment, make_post, make_user


class Recorder:
    def __init__(self):
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def later(minutes: int):
    return utcnow() + timedelta(minutes=minutes)


def test_a_busy_thread_sends_its_readers_one_email_listing_the_comments(app):
    ada, ben, eli = make_user("ada"), make_user("ben"), make_user("eli")
    post = make_post(ada, "Busy thread")
    service.set_following(eli, "post", post.id, "follow")
    for n in range(12):
        make_comment(ben, post, f"Comment number {n}.")
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.in_(("immediate", "thread")))).all()
    # One waiting email per reader (the author, the follower), none sent before the interval ends.
    assert sorted((r.user_id, r.kind) for r in rows) == sorted([(ada.id, "thread"), (eli.id, "thread")])
    assert outbox.run_once(Recorder()).sent == 0

    transport = Recorder()
    tally = outbox.run_once(transport, now=later(app.config["THREAD_EMAIL_MINUTES"] + 1))
    assert (tally.sent, tally.failed) == (2, 0)
    for message in transport.sent:
        assert message["Subject"] == "12 new comments on “Busy thread”"
        body = message.get_content()
        assert all(f"Comment number {n}." in body for n in range(12))
        assert body.index("Comment number 0.") < body.index("Comment number 11.")  # in the thread's order

    # The next comment opens a new batch: one email per thread per interval, never a second at once.
    make_comment(ben, post, "One more.")
    assert outbox.run_once(Recorder(), now=later(1)).sent == 0
    transport = Recorder()
    outbox.run_once(transport, now=later(app.config["THREAD_EMAIL_MINUTES"] + 1))
    assert {m["To"]: m["Subject"] for m in transport.sent} == {
        "ada@example.org": "ben commented on your post “Busy thread”",
        "eli@example.org": "ben commented on “Busy thread”",
    }


def test_what_the_reader_already_read_is_not_mailed(app):
    ada, ben = make_user("ada"), make_user("ben")
    post = make_post(ada, "Read on the site")
    make_comment(ben, post, "Seen already.")
    service.mark_all_read(ada)
    transport = Recorder()
    tally = outbox.run_once(transport, now=later(app.config["THREAD_EMAIL_MINUTES"] + 1))
    assert transport.sent == [] and tally.skipped == 1


def test_a_direct_reply_and_a_mention_arrive_at_once(app):
    ada, ben, eli = make_user("ada"), make_user("ben"), make_user("eli")
    post = make_post(eli, "A thread")
    question = make_comment(ada, post, "My question.")
    make_comment(ben, post, "An answer to you, and @eli.", parent=question)
    transport = Recorder()
    outbox.run_once(transport)  # no waiting
    subjects = {m["To"]: m["Subject"] for m in transport.sent}
    assert subjects == {
        "ada@example.org": "ben replied to your comment on “A thread”",
        "eli@example.org": "ben mentioned you on “A thread”",
    }


def test_co_authors_and_sharees_are_told_when_added(app):
    ada, ben, chen, dana = make_user("ada"), make_user("ben"), make_user("chen"), make_user("dana")
    draft = make_post(ada, "Joint draft", draft=True, coauthors=(ben,))
    posts.update_post(draft, ada, draft.title, draft.body_md, [], audience_of(draft), coauthors=["ben", "chen"])
    drafts.share_draft(draft, ada, "dana", "comment")
    drafts.share_draft(draft, ada, "dana", "edit")  # a change of role tells nobody again
    told = db.session.execute(
        select(Notification.user_id, Notification.kind).where(Notification.post_id == draft.id)
    ).all()
    assert sorted(told) == sorted([(ben.id, "coauthor_added"), (chen.id, "coauthor_added"), (dana.id, "draft_shared")])
    transport = Recorder()
    outbox.run_once(transport)
    assert {m["Subject"] for m in transport.sent} == {
        "ada made you a co-author of “Joint draft”",
        "ada shared the draft “Joint draft” with you",
    }

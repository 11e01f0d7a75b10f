"""The bell's count is kept per member (inbox.bell_count) and must still drop what the
member may no longer read on the very next request, whichever write took it away."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import insert

from forum.extensions import db
from forum.models import Notification
from forum.services import conversations, moderation, notifications
from forum.services import groups as group_service
from tests.factories import login, make_comment, make_post, make_user, statements
from tests.moderation_helpers import make_moderator
from tests.notifications.helpers import REVOCATIONS, revoke


def bell(client) -> str:
    """The count as the page shows it, and the JSON endpoint agreeing with it."""
    page = client.get("/about").get_data(as_text=True)
    shown = re.search(r'class="bell-count[^"]*">([^<]*)<', page).group(1)
    polled = client.get("/notifications/count").get_json()["unread"]
    assert shown == (str(polled) if polled < 100 else "99+")
    return shown


def _restricted(world):
    return make_post(world.ada, "Lab result", "Body.", audience="restricted", groups=(world.lab,))


@pytest.fixture
def ben(app, world):
    client = app.test_client()
    login(client, world.ben)
    client.get("/")  # the welcome flash
    return client


def turn_on_two_factor(user) -> None:
    from tests.test_two_factor_groups import turn_on_two_factor as enrol

    enrol(user)


@pytest.mark.parametrize("how", [*REVOCATIONS, "two-factor required", "mute"])
def test_a_kept_count_drops_what_the_member_may_no_longer_read(world, ben, how):
    post = _restricted(world)
    question = make_comment(world.ben, post, "Question.")
    make_comment(world.ada, post, "Answer.", parent=question)
    assert bell(ben) == bell(ben) == "1"  # shared with his group, and the reply: one thread, now kept
    if how == "two-factor required":
        turn_on_two_factor(world.ada)
        group_service.update_group(
            world.ada, world.lab, name=world.lab.name, description="", listed=world.lab.listed,
            join_policy=world.lab.join_policy, interests="", requires_two_factor=True,
        )  # fmt: skip
    elif how == "mute":
        notifications.set_following(world.ben, "post", post.id, "mute")
    else:
        revoke(world, post, how)
    left = {"new terms": "1", "mute": "1"}.get(how, "0")  # the sharing notice stays readable
    assert bell(ben) == left
    assert ben.get("/api/v1/notifications/unread").get_json() == {"unread": int(left)}  # the reply is gone


def test_a_new_notification_and_a_read_mark_reach_the_kept_count(world, ben):
    _restricted(world)
    assert bell(ben) == "1"
    make_comment(world.ada, make_post(world.ada, "Open", "Body."), "@ben, a mention.")
    assert bell(ben) == "2"
    assert ben.post("/notifications/read").status_code == 302
    assert bell(ben) == "0"


def test_a_count_is_kept_until_a_write_the_member_could_see(app, world, ben):
    _restricted(world)
    hidden = make_post(world.eli, "Eli's own", "Body.", audience="restricted", users=(make_user("fay"),))
    bell(ben)
    with statements() as seen:
        assert bell(ben) == "1"
    assert not [s for s in seen if "notifications" in s]  # the kept count, no recount
    make_comment(world.eli, hidden, "Nobody in the lab reads this, @ben.")
    with statements() as seen:
        assert bell(ben) == "1"
    assert not [s for s in seen if "notifications" in s]  # activity ben cannot read: still kept


def test_one_members_count_never_reaches_another(app, world, ben):
    _restricted(world)
    eli = app.test_client()
    login(eli, world.eli)
    eli.get("/")
    assert (bell(ben), bell(eli)) == ("1", "0")


def test_the_bell_stops_counting_at_99_plus(world, ben):
    rows = [dict(user_id=world.ben.id, kind="join_declined", group_id=world.lab.id) for _ in range(150)]
    db.session.execute(insert(Notification), rows)
    db.session.commit()
    assert bell(ben) == "99+"
    assert ben.get("/api/v1/notifications/unread").get_json() == {"unread": 150}  # the API stays exact


def test_the_bell_counts_threads_with_news_not_every_comment(world, ben):
    """Issue 24: a busy thread is one item on the bell; a conversation is one; any other
    notification is one. The API's count stays exact."""
    busy, quiet = make_post(world.ben, "Busy", "Body."), make_post(world.ben, "Quiet", "Body.")
    for i in range(5):
        make_comment(world.ada, busy, f"Comment {i}.")
    make_comment(world.eli, quiet, "Just one.")
    assert bell(ben) == "2"
    talk = conversations.start(world.ada, [world.ben], "Figures", "Here they come.")
    conversations.write(world.ada, talk, conversations.place_of(talk, world.ada), "And another.")
    assert bell(ben) == "3"
    rows = [dict(user_id=world.ben.id, kind="join_declined", group_id=world.lab.id) for _ in range(2)]
    db.session.execute(insert(Notification), rows)
    db.session.commit()
    assert bell(ben) == "5"
    assert ben.get("/api/v1/notifications/unread").get_json() == {"unread": 10}
    ben.post("/notifications/read")
    assert bell(ben) == "0"


def test_a_thread_counts_while_one_of_its_unread_items_may_be_read(app, world, ben):
    """The thread is counted through `shown`, item by item: a removed comment's notice
    no longer carries its thread, another readable one still does."""
    post = make_post(world.ben, "Open", "Body.")
    removed = make_comment(world.ada, post, "Soon removed.")
    assert bell(ben) == "1"
    moderation.remove_comment(make_moderator(), removed, "Off topic.")
    assert bell(ben) == "0"
    make_comment(world.eli, post, "Still here.")
    assert bell(ben) == "1"


def test_the_recount_reads_only_the_members_own_rows(world, ben):
    """The recount finds a member's threads among their own unread rows and then checks
    rows of that thread: those must be theirs too. Eli's unread notice in a thread ben muted,
    and eli's notices about no post at all, never count for ben."""
    post = make_post(world.ada, "Open", "Body.")
    notifications.set_following(world.ben, "post", post.id, "mute")
    rows = [
        dict(user_id=world.ben.id, kind="thread", post_id=post.id),  # muted: not shown to ben
        dict(user_id=world.eli.id, kind="mention", post_id=post.id),  # a kind no mute silences
        dict(user_id=world.eli.id, kind="join_declined", group_id=world.lab.id),  # about no post
    ]
    db.session.execute(insert(Notification), rows)
    db.session.commit()
    assert bell(ben) == "0"

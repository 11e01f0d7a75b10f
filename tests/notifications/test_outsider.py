"""Every kind, one by one: the intended reader is told, and eli, outside the audience but
following everyone involved and mentioned everywhere, is told nothing; his count stays 0."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import NOTIFICATION_KINDS, GroupInvitation, Tag
from forum.services import conversations, moderation, notifications, terms
from forum.services import groups as group_service
from forum.services import posts as post_service
from forum.services.audience import Audience
from tests.factories import login, make_comment, make_post, make_user
from tests.moderation_helpers import make_moderator
from tests.notifications.helpers import kinds

TITLE = "Zanzibar result"


def _post(w, **kwargs):
    return make_post(w.ada, TITLE, "Body.", tags="zanzibar-tag", audience="restricted", groups=(w.lab,), **kwargs)


def _invite_ben_elsewhere(w):
    other = group_service.create_group(w.ada, "Hidden Two", listed=False, join_policy="invite")
    group_service.invite(w.ada, other, "chen")
    return other


def reply_post(w):
    make_comment(w.ben, _post(w), "For @eli too.")
    return w.ada


def reply_comment(w):
    first = make_comment(w.ben, _post(w), "Question.")
    make_comment(w.ada, _post_of(first), "Answer, @eli.", parent=first)
    return w.ben


def thread(w):
    post = _post(w)
    make_comment(w.ben, post, "First.")
    make_comment(w.chen, post, "Second, @eli.")
    return w.ben


def mention(w):
    make_comment(w.ada, _post(w), "@ben and @eli, look.")
    return w.ben


def group_invitation(w):
    _invite_ben_elsewhere(w)
    return w.chen


def invitation_answered(w):
    other = _invite_ben_elsewhere(w)
    invitation = db.session.scalar(db.select(GroupInvitation).where(GroupInvitation.group_id == other.id))
    group_service.accept_invitation(w.chen, invitation.id)
    return w.ada


def join_request(w):
    closed = group_service.create_group(w.ada, "Closed Lab", listed=False, join_policy="request")
    group_service.request_to_join(w.chen, closed, "Please.")
    return w.ada


def join_decided(w):
    closed = group_service.create_group(w.ada, "Closed Lab", listed=False, join_policy="request")
    request = group_service.request_to_join(w.chen, closed, "Please.")
    group_service.decide_request(w.ada, closed, request.id, approve=True)
    return w.chen


def shared(w):
    make_post(w.ada, TITLE, "Body.", audience="restricted", users=(w.chen,), groups=(w.lab,))
    return w.chen


def terms_accepted(w):
    post = _post(w)
    post_service.update_post(
        post,
        w.ada,
        post.title,
        post.body_md,
        "",
        Audience("restricted", frozenset(), frozenset({w.lab.id})),
        terms=terms.TermsChoice(None, "Keep it inside."),
    )
    terms.accept_post_terms(w.ben, post, post.terms_version)
    return w.ada


def moderated(w):
    comment = make_comment(w.ben, _post(w), "Removable.")
    moderation.remove_comment(make_moderator("mod"), comment, "Spam.")
    return w.ben


def followed(w):
    notifications.set_following(w.chen, "user", w.ada.id, "follow")
    _post(w)
    return w.chen


def message(w):
    conversations.start(w.ada, [w.ben], "Zanzibar talk", "For ben, not @eli.")
    return w.ben


def message_request(w):
    stranger = make_user("dan")
    stranger.open_to_contact = True
    conversations.start(w.ada, [stranger], "Zanzibar request", "Hello, @eli is not here.")
    return stranger


def _post_of(comment):
    return comment.post


EVENTS = [
    reply_post,
    reply_comment,
    thread,
    mention,
    group_invitation,
    invitation_answered,
    join_request,
    join_decided,
    shared,
    terms_accepted,
    moderated,
    followed,
    message,
    message_request,
]


@pytest.fixture
def w(world):
    world.chen = make_user("chen")
    group_service.add_member(world.lab, world.chen)
    db.session.commit()
    # Eli follows everyone and everything involved (at the service level, past the pages' checks).
    make_post(world.ben, "Public tag seed", tags="zanzibar-tag")
    tag_id = db.session.scalar(db.select(Tag.id).where(Tag.name == "zanzibar-tag"))
    for target, target_id in (("user", world.ada.id), ("user", world.ben.id), ("tag", tag_id), ("group", world.lab.id)):
        notifications.set_following(world.eli, target, target_id, "follow")
    return world


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.__name__)
def test_the_reader_is_told_and_the_outsider_nothing(client, w, event):
    login(client, w.eli)
    before = client.get("/notifications/count").get_json()["unread"]
    recipient = event(w)
    assert kinds(recipient), f"{event.__name__} told its reader nothing"
    assert kinds(w.eli) == []
    assert client.get("/notifications/count").get_json()["unread"] == before == 0
    page = client.get("/notifications").get_data(as_text=True)
    assert "Zanzibar" not in page and "Hidden Two" not in page and "Closed Lab" not in page


def test_every_kind_is_exercised():
    told = {
        "reply_post",
        "reply_comment",
        "thread",
        "mention",
        "group_invitation",
        "invitation_accepted",
        "join_request",
        "join_approved",
        "shared_user",
        "shared_group",
        "terms_accepted",
        "mod_removed",
        "followed_user_post",
        "message",
        "message_request",
    }
    untested_here = set(NOTIFICATION_KINDS) - told
    # Covered in test_kinds.py: declined answers, restoring, tag and group follows.
    assert untested_here == {
        "join_declined",
        "invitation_declined",
        "mod_restored",
        "followed_tag_post",
        "followed_group_post",
        # Covered in test_batched.py: co-authors and sharees told when added.
        "coauthor_added",
        "draft_shared",
    }

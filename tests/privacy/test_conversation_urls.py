"""Every conversation address, for every viewer class: a participant gets the page; a
former participant, an outsider, a site moderator and an anonymous visitor get exactly
what a conversation that never existed gives them, and nothing is written.

A message's report is the one copy of conversation text outside the conversation: its
addresses answer everyone but a site moderator exactly as a missing report does, and a
moderator reads the reported message there and nothing else of the conversation.

Add every new address under /messages/<id> (or the API's /conversations/<id>) here."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import ConversationParticipant, Message, MessageAttachment, User
from forum.services import conversations, moderation
from tests.factories import image_bytes, login, make_group, make_user
from tests.moderation_helpers import make_moderator
from tests.privacy.oracle import MISSING_POST, db_snapshot, normalized
from tests.privacy.urls import LOGIN

MISSING = MISSING_POST
CANARY = "heliotrope"
REPORTED = "quincunx"  # the reported message: in the report's copy, and nowhere else outside

# (method, path, form data, what a participant gets)
PROBES = [
    ("GET", "/messages/{c}", None, 200),
    ("POST", "/messages/{c}", {"body": "A reply."}, 302),
    ("POST", "/messages/{c}", {"body": ""}, 400),
    ("POST", "/messages/{c}/add", {"username": "nobody-at-all"}, 400),
    ("POST", "/messages/{c}/accept", {}, 302),
    ("POST", "/messages/{c}/decline", {}, 302),
    ("POST", "/messages/{c}/leave", {}, 302),
    ("GET", "/messages/{c}/files/{key}", None, 200),
    ("GET", "/messages/{c}/{m}/report", None, 200),
    ("POST", "/messages/{c}/{m}/report", {"reason": "spam"}, 302),
    ("GET", "/messages/{c}/{own}/edit", None, 200),
    ("POST", "/messages/{c}/{own}/edit", {"body": "Edited."}, 302),
    ("POST", "/messages/{c}/{own}/edit", {"body": ""}, 400),
    ("POST", "/messages/{c}/mute", {}, 302),
    ("POST", "/messages/{c}/unmute", {}, 302),
    ("GET", "/api/v1/conversations/{c}", None, 200),
    ("GET", "/api/v1/conversations/{c}/messages", None, 200),
    ("PATCH", "/api/v1/conversations/{c}/messages/{own}", {"body": "Edited."}, 200),
    ("POST", "/api/v1/conversations/{c}/messages/{m}/reports", {"reason": "spam"}, 201),
    ("POST", "/api/v1/conversations/{c}/mute", {}, 204),
    ("POST", "/api/v1/conversations/{c}/unmute", {}, 204),
]
VIEWERS = ("participant", "former", "outsider", "moderator", "anonymous")


@pytest.fixture
def talk(app, kept_worlds):
    """Built once per worker, loaded for each test (tests/privacy/kept.py)."""
    cid, user_ids, ids = kept_worlds.world("talk", _build_talk)
    return cid, {viewer: db.session.get(User, user_id) for viewer, user_id in user_ids.items()}, ids


def _build_talk():
    ada, bob, former, outsider = make_user("ada"), make_user("bob"), make_user("former"), make_user("outsider")
    moderator = make_moderator("mod")
    make_group(ada, members=(bob, former, moderator))
    conversation = conversations.start(ada, [bob, former], f"The {CANARY} question", f"{CANARY} body")
    me = conversations.place_of(conversation, ada)
    conversations.write(ada, conversation, me, "A figure.", ("figure.png", image_bytes()))
    reported = conversations.write(ada, conversation, me, f"A {REPORTED} remark.")
    own = conversations.write(bob, conversation, conversations.place_of(conversation, bob), f"Mine, {CANARY}.")
    conversations.leave(db.session.get(ConversationParticipant, (conversation.id, former.id)))
    users = {"participant": bob.id, "former": former.id, "outsider": outsider.id, "moderator": moderator.id}
    key = db.session.scalar(select(MessageAttachment.key))
    return conversation.id, users, {"key": key, "m": reported.id, "own": own.id}


def _request(client, method, path, data):
    if path.startswith("/api/"):
        return client.open(path, method=method, json=data)
    return client.open(path, method=method, data=data)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("probe", PROBES, ids=lambda p: f"{p[0]} {p[1]} {p[2]}")
def test_only_participants_reach_a_conversation(client, talk, viewer, probe):
    method, path, data, participant_status = probe
    cid, users, ids = talk
    if viewer != "anonymous":
        login(client, users[viewer])
    here, missing = path.format(c=cid, **ids), path.format(c=MISSING, **ids)
    if viewer == "participant":
        response = _request(client, method, here, data)
        assert response.status_code == participant_status, response.get_data(as_text=True)[:300]
        return
    before = db_snapshot(skip=("user_sessions",))
    seen = _request(client, method, here, data)
    assert db_snapshot(skip=("user_sessions",)) == before, "a refused request wrote"
    assert CANARY not in seen.get_data(as_text=True) and REPORTED not in seen.get_data(as_text=True)
    expected = 401 if viewer == "anonymous" and path.startswith("/api/") else LOGIN if viewer == "anonymous" else 404
    assert seen.status_code == expected
    assert normalized(seen, here) == normalized(_request(client, method, missing, data), missing)


@pytest.mark.parametrize("viewer", ["former", "outsider", "moderator"])
def test_no_canary_in_the_api_lists_search_or_notifications(client, talk, viewer):
    _cid, users, _ids = talk
    login(client, users[viewer])
    for path in (
        "/api/v1/conversations",
        "/api/v1/notifications",
        "/api/v1/notifications/unread",
        "/api/v1/users/ada",
        "/api/v1/saved",
        "/notifications",
        "/messages",
        "/users/ada",
    ):
        body = client.get(path).get_data(as_text=True)
        assert CANARY not in body, path
    # Search answers exactly as for a word nobody wrote (the query itself is echoed back).
    never = "zzzzzzzzzz"
    for search in ("/search?q={}", "/api/v1/search?q={}"):
        found = normalized(client.get(search.format(CANARY)))
        blank = normalized(client.get(search.format(never)))
        assert found == tuple(p.replace(never, CANARY) if isinstance(p, str) else p for p in blank), search
    assert client.get("/api/v1/conversations").get_json()["total"] == 0
    assert client.get("/api/v1/notifications/unread").get_json()["unread"] == 0


REPORT_PROBES = [
    ("GET", "/moderation/reports/{r}", None),
    ("POST", "/moderation/reports/{r}", {"decision": "dismiss"}),
    ("POST", "/moderation/reports/{r}/restore", {}),
]


@pytest.fixture
def reported(talk):
    """`talk`, with the participant's report on one message of it."""
    cid, users, ids = talk
    message = db.session.get(Message, ids["m"])
    report = moderation.report_message(users["participant"], message, "harassment", "Please look.")
    return cid, users, report.id


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("probe", REPORT_PROBES, ids=lambda p: f"{p[0]} {p[1]}")
def test_a_message_report_answers_anyone_but_a_moderator_as_a_missing_report(client, reported, viewer, probe):
    method, path, data = probe
    _cid, users, report_id = reported
    if viewer == "moderator":
        return  # below: the moderator reads the copy
    if viewer != "anonymous":
        login(client, users[viewer])
    here, missing = path.format(r=report_id), path.format(r=MISSING)
    before = db_snapshot(skip=("user_sessions",))
    seen = client.open(here, method=method, data=data)
    assert db_snapshot(skip=("user_sessions",)) == before, "a refused request wrote"
    body = seen.get_data(as_text=True)
    assert CANARY not in body and REPORTED not in body
    assert seen.status_code == (LOGIN if viewer == "anonymous" else 403)
    assert normalized(seen, here) == normalized(client.open(missing, method=method, data=data), missing)


def test_a_moderator_reads_the_reported_copy_and_nothing_else_of_the_conversation(client, reported):
    cid, users, report_id = reported
    login(client, users["moderator"])
    for path in ("/moderation", f"/moderation/reports/{report_id}"):
        body = client.get(path).get_data(as_text=True)
        assert REPORTED in body, path  # the reported message's copy
        assert CANARY not in body, path  # never its subject nor the other messages
        assert f"/messages/{cid}" not in body, path  # nor a link to the conversation
    assert normalized(client.get(f"/messages/{cid}"), f"/messages/{cid}") == normalized(
        client.get(f"/messages/{MISSING}"), f"/messages/{MISSING}"
    )

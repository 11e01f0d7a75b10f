"""Conversations: starting, writing, the consent rule, requests, adding people, leaving,
blocking and the new-account limit, through the pages a member uses."""

from __future__ import annotations

import io

from sqlalchemy import select

from forum.extensions import db
from forum.models import Block, Conversation, ConversationParticipant, MessageAttachment, Notification
from forum.services import access, conversations, vouches
from tests.factories import image_bytes, login, logout, make_comment, make_group, make_post, make_user, send_queued_mail
from tests.privacy.oracle import MISSING_POST as MISSING
from tests.privacy.oracle import normalized


def _open_to_contact(user):
    user.open_to_contact = True
    db.session.commit()


def _start(client, to: str, subject: str = "About your paper", body: str = "Hello $x^2$ there."):
    return client.post("/messages/new", data={"to": to, "subject": subject, "body": body})


def _conversation_id(subject: str) -> int:
    return db.session.scalar(select(Conversation.id).where(Conversation.subject == subject))


def test_members_who_share_a_group_talk_directly(client):
    ada, bob = make_user("ada"), make_user("bob")
    make_group(ada, members=(bob,))
    login(client, ada)
    response = _start(client, "bob")
    assert response.status_code == 302
    cid = _conversation_id("About your paper")
    page = client.get(f"/messages/{cid}").get_data(as_text=True)
    assert "Hello" in page and "<math" in page  # Markdown with math
    logout(client)
    login(client, bob)
    assert "About your paper" in client.get("/messages").get_data(as_text=True)
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == bob.id)).all()
    assert kinds == ["message"]
    assert "ada wrote in “About your paper”".lower() in client.get("/notifications").get_data(as_text=True).lower()
    assert client.post(f"/messages/{cid}", data={"body": "Thanks!"}).status_code == 302
    logout(client)
    login(client, ada)
    assert "Thanks!" in client.get(f"/messages/{cid}").get_data(as_text=True)


def test_a_member_closed_to_contact_refuses_strangers_and_the_text_is_kept(client):
    make_user("ada")
    stranger = make_user("stranger")
    login(client, stranger)
    response = _start(client, "ada", body="My carefully typed words.")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "does not accept messages from you" in page
    assert "My carefully typed words." in page
    assert db.session.scalar(select(Conversation.id)) is None


def test_a_vouch_either_way_is_a_tie(client):
    ada, bob, carol = make_user("ada"), make_user("bob"), make_user("carol")
    vouches.vouch(ada, bob, "I know their work on evals.")  # ada vouches for bob
    login(client, bob)
    assert _start(client, "ada", subject="One").status_code == 302  # the recipient vouches for the sender
    logout(client)
    login(client, ada)
    assert _start(client, "bob", subject="Two").status_code == 302  # the sender vouches for the recipient
    assert _start(client, "carol", subject="Three").status_code == 403
    assert carol is not None


def test_a_stranger_open_to_contact_gets_a_request_and_declining_says_only_not_accepted(client):
    ada, stranger = make_user("ada"), make_user("stranger")
    _open_to_contact(ada)
    login(client, stranger)
    assert _start(client, "ada", subject="Hello from afar").status_code == 302
    cid = _conversation_id("Hello from afar")
    logout(client)
    login(client, ada)
    assert "request" in client.get("/messages").get_data(as_text=True)
    page = client.get(f"/messages/{cid}").get_data(as_text=True)
    assert "Accept" in page and "Decline" in page
    assert client.post(f"/messages/{cid}/decline", data={}).status_code == 302
    assert client.get(f"/messages/{cid}").status_code == 404  # declined: gone for her
    logout(client)
    login(client, stranger)
    page = client.get(f"/messages/{cid}").get_data(as_text=True)
    assert "(not accepted)" in page
    assert "declined" not in page.lower()


def test_someone_added_reads_the_history_from_the_start(client):
    ada, bob, carol = make_user("ada"), make_user("bob"), make_user("carol")
    make_group(ada, members=(bob, carol))
    login(client, ada)
    _start(client, "bob", body="The first message, before carol.")
    cid = _conversation_id("About your paper")
    assert client.post(f"/messages/{cid}/add", data={"username": "carol"}).status_code == 302
    logout(client)
    login(client, carol)
    assert "The first message, before carol." in client.get(f"/messages/{cid}").get_data(as_text=True)


def test_leaving_closes_the_conversation_and_adding_after_is_refused(client):
    ada, bob, carol = make_user("ada"), make_user("bob"), make_user("carol")
    make_group(ada, members=(bob, carol))
    login(client, ada)
    _start(client, "bob")
    cid = _conversation_id("About your paper")
    assert client.post(f"/messages/{cid}/leave", data={}).status_code == 302
    assert "You left the conversation." in client.get("/messages").get_data(as_text=True)
    gone = normalized(client.get(f"/messages/{cid}"), f"/messages/{cid}")
    assert gone[0] == 404
    assert gone == normalized(client.get(f"/messages/{MISSING}"), f"/messages/{MISSING}")
    assert client.post(f"/messages/{cid}/add", data={"username": "carol"}).status_code == 404
    logout(client)
    login(client, bob)
    assert "(left)" in client.get(f"/messages/{cid}").get_data(as_text=True)


def test_an_empty_message_is_refused(client):
    ada, bob = make_user("ada"), make_user("bob")
    make_group(ada, members=(bob,))
    login(client, ada)
    response = _start(client, "bob", body="   ")
    assert response.status_code == 400
    assert "Write a message." in response.get_data(as_text=True)
    assert "About your paper" in response.get_data(as_text=True)  # the subject is kept


def test_blocking_refuses_conversations_both_ways_in_the_same_words(client):
    ada, bob = make_user("ada"), make_user("bob")
    make_group(ada, members=(bob,))
    db.session.add(Block(blocker_id=ada.id, blocked_id=bob.id))
    db.session.commit()
    login(client, bob)
    refused = _start(client, "ada")
    assert refused.status_code == 403
    assert f"{ada.display_name} does not accept messages from you" in refused.get_data(as_text=True)
    assert "block" not in refused.get_data(as_text=True).lower()
    logout(client)
    login(client, ada)
    assert _start(client, "bob").status_code == 403


def test_a_block_silences_mentions_and_replies(app):
    ada, bob = make_user("ada"), make_user("bob")
    post = make_post(ada, "Ada's post")
    db.session.add(Block(blocker_id=ada.id, blocked_id=bob.id))
    db.session.commit()
    make_comment(bob, post, "A reply mentioning @ada.")
    assert db.session.scalars(select(Notification).where(Notification.user_id == ada.id)).all() == []


def test_new_accounts_start_few_conversations_a_day(app, client):
    app.config["NEW_ACCOUNT_LIMITS_ENABLED"] = True
    app.config["NEW_ACCOUNT_CONVERSATIONS_PER_DAY"] = 2
    ada, bob = make_user("ada"), make_user("bob")
    make_group(ada, members=(bob,))
    login(client, bob)
    assert _start(client, "ada", subject="One").status_code == 302
    assert _start(client, "ada", subject="Two").status_code == 302
    third = _start(client, "ada", subject="Three", body="Kept words.")
    assert third.status_code == 429
    assert "at most 2 conversations a day" in third.get_data(as_text=True)
    assert "Kept words." in third.get_data(as_text=True)


def test_a_message_is_mailed_to_participants_only_while_they_are_in_it(app):
    ada, bob, carol = make_user("ada"), make_user("bob"), make_user("carol")
    make_group(ada, members=(bob, carol))
    send_queued_mail()  # whatever signing up queued
    conversation = conversations.start(ada, [bob, carol], "Mailed subject", "Body.")
    me = db.session.get(ConversationParticipant, (conversation.id, carol.id))
    conversations.leave(me)  # carol leaves before the worker runs: her email says nothing
    sent = send_queued_mail()
    assert [m["To"] for m in sent] == [bob.email]
    assert "Mailed subject" in sent[0]["Subject"]
    assert f"/messages/{conversation.id}" in sent[0].get_content()


def test_the_api_starts_writes_reads_and_blocks(client):
    ada, bob = make_user("ada"), make_user("bob")
    make_group(ada, members=(bob,))
    login(client, ada)
    made = client.post("/api/v1/conversations", json={"to": ["bob"], "subject": "By API", "body": "First."})
    assert made.status_code == 201, made.get_json()
    cid = made.get_json()["id"]
    assert client.post(f"/api/v1/conversations/{cid}/messages", json={"body": "Second."}).status_code == 201
    bodies = [m["body_md"] for m in client.get(f"/api/v1/conversations/{cid}/messages").get_json()["items"]]
    assert bodies == ["First.", "Second."]
    assert (
        client.post(f"/api/v1/conversations/{cid}/messages", json={"body": " "}).get_json()["error"]["field"] == "body"
    )
    assert client.post("/api/v1/blocks", json={"username": "bob"}).status_code == 204
    assert [u["username"] for u in client.get("/api/v1/blocks").get_json()["items"]] == ["bob"]
    refused = client.post("/api/v1/conversations", json={"to": ["bob"], "subject": "Again", "body": "Hi."})
    assert refused.status_code == 403
    assert client.delete("/api/v1/blocks/bob").status_code == 204
    assert (
        client.post("/api/v1/conversations", json={"to": ["bob"], "subject": "Again", "body": "Hi."}).status_code == 201
    )


def test_blocking_from_a_profile_collapses_their_comments_for_the_blocker_only(client):
    ada, bob, carol = make_user("ada"), make_user("bob"), make_user("carol")
    post = make_post(carol, "Open post")
    make_comment(bob, post, "Bob's remark.")
    login(client, ada)
    assert "Message" in client.get("/users/bob").get_data(as_text=True)
    assert client.post("/users/bob/block", data={}).status_code == 302
    assert "bob" in client.get("/settings/blocked").get_data(as_text=True)
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "(someone you blocked, collapsed)" in page and "Bob's remark." in page
    logout(client)
    for viewer in (bob, carol):  # neither the blocked person nor anyone else sees a trace
        login(client, viewer)
        assert "blocked" not in client.get(f"/posts/{post.id}").get_data(as_text=True)
        assert "blocked" not in client.get("/users/ada").get_data(as_text=True).lower()
        logout(client)
    login(client, ada)
    assert client.post("/users/bob/unblock", data={}).status_code == 302
    assert "(someone you blocked, collapsed)" not in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_starting_points_offer_only_people_the_viewer_may_write_to(client):
    owner = make_user("owner", interests="evals")
    member = make_user("member", interests="evals")
    closed = make_user("closed", interests="evals")  # shares an interest but is not open to contact
    newcomer = make_user("newcomer", interests="evals")
    for person in (owner, member):
        _open_to_contact(person)
    group = make_group(owner, "Vouched Lab", members=(member, closed), join_policy="request", requires_vouch=True)
    login(client, newcomer)
    page = client.get(f"/groups/{group.slug}").get_data(as_text=True)
    assert "Ask the owners" in page and "to=owner" in page
    ask = client.get(f"/groups/{group.slug}/request").get_data(as_text=True)
    assert "Ask a member you know for a vouch" in ask
    assert "to=member" in ask and "to=owner" in ask and "to=closed" not in ask
    listed = make_post(owner, "Listed study", "Hidden body.", audience="restricted", groups=(group,))
    access.set_listing(owner, listed, True, "An abstract long enough to list the study.")
    assert "Ask the author" in client.get(f"/posts/{listed.id}/access").get_data(as_text=True)


def test_a_file_in_a_message_opens_for_participants_only(app, client):
    ada, bob, carol = make_user("ada"), make_user("bob"), make_user("carol")
    make_group(ada, members=(bob, carol))
    login(client, ada)
    _start(client, "bob,carol")
    cid = _conversation_id("About your paper")
    sent = client.post(
        f"/messages/{cid}",
        data={"body": "The figure.", "file": (io.BytesIO(image_bytes()), "figure.png")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    key = db.session.scalar(select(MessageAttachment.key))
    path = f"/messages/{cid}/files/{key}"
    assert f'href="{path}"' in client.get(f"/messages/{cid}").get_data(as_text=True)
    opened = client.get(path)
    assert opened.status_code == 200 and opened.mimetype == "image/png"
    assert opened.headers["Cache-Control"] == "private, no-store"
    app.config["ATTACHMENT_MAX_BYTES"] = 10
    big = client.post(
        f"/messages/{cid}",
        data={"body": "Too big, kept.", "file": (io.BytesIO(image_bytes()), "big.png")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 400 and "Too big, kept." in big.get_data(as_text=True)
    assert "attachments are at most" in big.get_data(as_text=True)
    logout(client)
    conversations.leave(db.session.get(ConversationParticipant, (cid, carol.id)))
    for viewer in (carol, make_user("outsider")):  # a former participant, an outsider
        login(client, viewer)
        other = f"/messages/{cid}/files/not-a-key"
        assert normalized(client.get(path), path)[0] == 404
        assert normalized(client.get(path), path) == normalized(client.get(other), other)
        logout(client)

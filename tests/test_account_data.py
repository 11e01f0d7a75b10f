"""Your data (issue 22): the export holds what is yours and nobody else's restricted text; deleting
the account follows docs/accounts.md and opens nothing to anyone."""

from __future__ import annotations

import json
import re
from datetime import date
from unittest.mock import ANY

import pytest
from flask import url_for
from flask_login import login_user
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import (
    ApiToken,
    Comment,
    Group,
    Membership,
    Message,
    MessageAttachment,
    Notification,
    Post,
    PostAudience,
    User,
    Vote,
    Vouch,
)
from forum.search import service as search_service
from forum.services import account_data as accounts_data
from forum.services import accounts, comments, conversations, drafts, feed_tokens, moderation, posts, votes, vouches
from forum.services.audience import audience_of
from tests.api.helpers import bearer
from tests.factories import (
    PASSWORD,
    image_bytes,
    login,
    make_comment,
    make_group,
    make_post,
    make_user,
    sibling_app,
)
from tests.moderation_helpers import make_moderator
from tests.privacy.oracle import MISSING_POST, db_snapshot, normalized

# --- export -------------------------------------------------------------------------------


@pytest.fixture
def writing():
    """mia's writing, beside two canaries: a restricted post she may not read, and one she
    may read (and answered) but did not write."""
    mia, ola, pia = make_user("mia"), make_user("ola"), make_user("pia")
    hidden = make_post(ola, "Canary one", "hiddencanary text", audience="restricted", users=(pia,))
    make_comment(pia, hidden, "hiddencanary comment")
    shown = make_post(ola, "Readable canary title", "readablecanary text", audience="restricted", users=(mia,))
    theirs = make_comment(ola, shown, "readablecanary remark")
    reply = make_comment(mia, shown, "miareply words", parent=theirs)
    own = make_post(mia, "Mia's first title", "miapost first words", tags="circuits")
    posts.update_post(own, mia, "Mia's second title", "miapost second words", "circuits", audience_of(own))
    # A co-authored post: mia's version and ola's edit; only hers is hers.
    joint = make_post(mia, "Joint title", "miajoint words", coauthors=(ola,))
    posts.update_post(joint, ola, "Joint title", "olaedit canary words", "", audience_of(joint))
    votes.cast_vote(mia, shown, "up")
    vouches.vouch(mia, ola, "miavouch statement")
    return {"mia": mia, "ola": ola, "shown": shown, "theirs": theirs, "reply": reply, "own": own, "joint": joint}


CANARIES = ("hiddencanary", "readablecanary", "Readable canary title", "olaedit", "Canary one")


def _check_export(body: str, w) -> dict:
    for canary in CANARIES:
        assert canary not in body
    data = json.loads(body)
    assert data["profile"]["username"] == "mia"
    own = next(p for p in data["posts"] if p["id"] == w["own"].id)
    assert [v["body_markdown"] for v in own["versions"]] == ["miapost first words", "miapost second words"]
    assert own["versions"][-1]["current"] is True and own["tags"] == ["circuits"]
    joint = next(p for p in data["posts"] if p["id"] == w["joint"].id)
    assert [v["body_markdown"] for v in joint["versions"]] == ["miajoint words"]
    assert joint["co_authors"] == ["ola"]
    assert {p["id"] for p in data["posts"]} == {w["own"].id, w["joint"].id}
    (reply,) = data["comments"]
    assert reply["body_markdown"] == "miareply words"
    assert (reply["post_id"], reply["reply_to_comment_id"]) == (w["shown"].id, w["theirs"].id)
    assert data["votes"] == [
        {
            "post_id": w["shown"].id,
            "comment_id": None,
            "axis": "karma",
            "vote": "up",
            "weight": 1,
            "cast_at": data["votes"][0]["cast_at"],
        }
    ]
    assert data["vouches"]["given"][0]["statement"] == "miavouch statement"
    return data


def test_the_export_holds_her_writing_and_none_of_anyone_elses(client, writing):
    login(client, writing["mia"])
    response = client.get("/settings/data/export")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == f'attachment; filename="mia-data-{date.today():%Y-%m-%d}.json"'
    _check_export(response.get_data(as_text=True), writing)


def test_the_api_export_is_the_same_file(client, writing):
    response = client.get("/api/v1/me/export", headers=bearer(writing["mia"], "read"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    data = _check_export(response.get_data(as_text=True), writing)
    assert [t["name"] for t in data["api_tokens"]] == ["test"]  # named, never the secret
    assert "fpat_" not in response.get_data(as_text=True)


def test_of_what_the_site_no_longer_shows_her_the_export_names_her_writing_and_withholds_it(client):
    """The read rule holds for her own text too: a draft she was unshared from, a post a
    moderator removed. Nothing tells her what happened to them since."""
    mia, ola, mod = make_user("mia"), make_user("ola"), make_user("mod")
    mod.role = "moderator"
    draft = make_post(ola, "Draft title", "ola first words", draft=True)
    drafts.share_draft(draft, ola, "mia", "edit")
    posts.update_post(draft, mia, "Draft title", "mia edit words", "", audience_of(draft))
    note = make_comment(mia, draft, "mia review note")
    drafts.unshare_draft(draft, ola, mia.id)
    comments.delete_comment(db.session.get(Comment, note.id))
    posts.update_post(draft, ola, "Draft title", "ola later words", "", audience_of(draft))
    public = make_post(ola, "Public title", "public words")
    objection = make_comment(mia, public, "mia objection words")
    moderation.remove_post(mod, public, "misleading")
    login(client, mia)
    body = client.get("/settings/data/export").get_data(as_text=True)
    for text in ("ola first words", "ola later words", "mia edit words", "mia review note", "mia objection words"):
        assert text not in body
    data = json.loads(body)
    assert data["posts"] == [{"id": draft.id, "role": "editor", "created_at": ANY, "text_withheld": True}]
    assert data["comments"] == [
        {"id": note.id, "post_id": draft.id, "reply_to_comment_id": None, "created_at": ANY, "text_withheld": True},
        {
            "id": objection.id,
            "post_id": public.id,
            "reply_to_comment_id": None,
            "created_at": ANY,
            "text_withheld": True,
        },
    ]


def test_the_data_page_is_in_the_settings_menu_and_states_the_policy(client):
    login(client, make_user("mia"))
    assert 'href="/settings/data"' in client.get("/settings").get_data(as_text=True)
    page = client.get("/settings/data").get_data(as_text=True)
    assert "[deleted account]" in page and "stays reserved" in page and 'href="/settings/data/export"' in page


# --- deletion -----------------------------------------------------------------------------


def delete_me(client, password=PASSWORD, confirmation="ann"):
    return client.post("/settings/data/delete", data={"password": password, "confirmation": confirmation})


def search_hits(viewer, text: str) -> int:
    """Hits for the words as typed: a search that found nothing may answer for a correction
    instead (after the deletion "anncomment" is two edits from cat's readable "anncat"),
    and those hits are another word's."""
    found = search_service.search(viewer, text)
    return 0 if found.corrected_from else found.total


@pytest.fixture
def ann_world(client):
    """ann is about to delete her account; bob, cat and dan stay. dan is an outsider."""
    ann, bob, cat, dan = (make_user(n) for n in ("ann", "bob", "cat", "dan"))
    w = {"ann": ann, "bob": bob, "cat": cat, "dan": dan}
    # Restricted posts that named ann: alone (with their author), and beside cat.
    w["only_ann"] = make_post(bob, "Onlyann title", "onlyannsecret body", audience="restricted", users=(ann,))
    w["ann_cat"] = make_post(bob, "Anncat title", "anncatsecret body", audience="restricted", users=(ann, cat))
    # ann's comment on a public post, with cat's reply under it.
    w["public"] = make_post(bob, "Public title", "public body")
    w["ann_comment"] = make_comment(ann, w["public"], "anncomment words @bob")
    w["cat_reply"] = make_comment(cat, w["public"], "catreply words", parent=w["ann_comment"])
    # Her own post, and one she co-authored with cat.
    w["solo"] = make_post(ann, "Annsolo title", "annsolo words")
    w["joint"] = make_post(ann, "Annjoint title", "annjoint words", coauthors=(cat,))
    posts.update_post(w["joint"], cat, "Annjoint title", "catjoint words", "", audience_of(w["joint"]))
    posts.update_post(w["joint"], ann, "Annjoint title", "annjoint later words", "", audience_of(w["joint"]))
    # A group she owns alone (with a post cat shared to it), and one with cat as member.
    w["alone"] = make_group(ann, "Annalone lab", listed=True)
    w["alone_post"] = make_post(
        cat, "Grouponly title", "grouponlysecret body", audience="restricted", groups=(w["alone"],)
    )
    w["shared"] = make_group(ann, "Shared lab", members=(cat,))
    votes.cast_vote(ann, w["public"], "up")
    vouches.vouch(ann, cat, "I know cat's work")
    vouches.vouch(bob, ann, "I know ann's work")
    make_comment(bob, w["solo"], "bob answers @ann")
    return w


def url_for_feed(client, secret: str) -> str:
    with client.application.test_request_context():
        return url_for("feeds.private", token=secret)


def test_deleting_needs_the_password_and_the_typed_username_and_keeps_what_was_typed(client, ann_world):
    login(client, ann_world["ann"])
    before = db_snapshot()
    wrong = delete_me(client, password="not my password", confirmation="ann")
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and "That is not your password; nothing was deleted." in page
    assert 'value="ann"' in page
    missing = delete_me(client, confirmation="")
    assert missing.status_code == 400 and "Type your username, ann, to confirm" in missing.get_data(as_text=True)
    typo = delete_me(client, confirmation="anne")
    assert typo.status_code == 400 and 'value="anne"' in typo.get_data(as_text=True)
    db.session.expire_all()
    assert db_snapshot() == before
    assert client.get("/notifications").status_code == 200  # still signed in


def test_deleting_the_account(client, ann_world):
    w = ann_world
    ann_id, alone_id, token = w["ann"].id, w["alone"].id, bearer(w["ann"], "read")
    _feed, feed_secret = feed_tokens.rotate(w["ann"])
    feed = url_for_feed(client, feed_secret)
    assert client.get(feed).status_code == 200
    login(client, w["ann"])
    other_browser = client.application.test_client()
    other_browser.set_cookie("session", client.get_cookie("session").value)
    assert other_browser.get("/notifications").status_code == 200
    assert search_hits(w["dan"], "grouponlysecret") == 0 and search_hits(w["cat"], "annsolo") == 1

    response = delete_me(client)
    assert response.status_code == 302

    # Sessions and tokens are dead; the password opens nothing.
    assert client.get("/notifications").status_code == 302
    assert other_browser.get("/notifications").status_code == 302
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.get(feed).status_code == 404
    assert client.post("/login", data={"username": "ann", "password": PASSWORD}).status_code != 302
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == ann_id)) == 0

    # The username is reserved and shown nowhere.
    with pytest.raises(accounts.ServiceError, match="taken"):
        accounts.register("ann", "", PASSWORD, "someone.else@example.org")
    login(client, w["dan"])
    assert normalized(client.get("/users/ann"), "/users/ann") == normalized(
        client.get("/users/nobody"), "/users/nobody"
    )

    # Comments: a placeholder keeps the thread's shape; the reply stays.
    thread = client.get(f"/posts/{w['public'].id}").get_data(as_text=True)
    assert "anncomment" not in thread and "[deleted account]" in thread and "catreply words" in thread
    comment = db.session.get(Comment, w["ann_comment"].id)
    assert comment.is_deleted and comment.body_md == "" and comment.body_html == ""

    # Her solo post is gone with its text; the co-authored one stays with cat.
    solo = db.session.get(Post, w["solo"].id)
    assert solo.is_deleted and "annsolo" not in solo.title + solo.body_md
    assert "annsolo" not in client.get(f"/posts/{w['solo'].id}").get_data(as_text=True)
    joint = db.session.get(Post, w["joint"].id)
    assert joint.author_id == w["cat"].id and joint.coauthors == [] and not joint.is_deleted
    assert "annjoint later words" in client.get(f"/posts/{w['joint'].id}").get_data(as_text=True)
    # Where her id still shows (a version she saved, the author of a deleted post), her name does not.
    history = client.get(f"/posts/{w['joint'].id}/revisions").get_data(as_text=True)
    assert "by [deleted account]" in history and "by ann" not in history
    api_post = client.get(f"/api/v1/posts/{w['solo'].id}", headers=bearer(w["dan"], "read")).get_json()
    assert api_post["author"]["username"] == "[deleted account]" and api_post["title"] == "[deleted]"

    # Her votes are gone and karma follows; her vouches, memberships and notifications too.
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.user_id == ann_id)) == 0
    assert db.session.get(Post, w["public"].id).score == 0
    assert db.session.get(User, w["bob"].id).karma == votes.expected_karma({w["bob"].id}).get(w["bob"].id, 0) == 0
    for model, column in ((Vouch, Vouch.voucher_id), (Vouch, Vouch.vouchee_id), (Notification, Notification.user_id)):
        assert db.session.scalar(select(func.count()).select_from(model).where(column == ann_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == ann_id)) == 0
    assert db.session.scalar(select(func.count()).where(PostAudience.principal == f"user:{ann_id}")) == 0

    # Groups: the shared one passes to cat; the one she was alone in is closed, not opened.
    assert db.session.get(Membership, (w["shared"].id, w["cat"].id)).role == "owner"
    assert db.session.get(Group, alone_id) is None
    assert {a.principal for a in db.session.get(Post, w["alone_post"].id).audience} == {f"user:{w['cat'].id}"}

    # The restricted posts that named her stay unreadable to outsiders, byte for byte.
    for name in ("only_ann", "ann_cat", "alone_post"):
        url = f"/posts/{w[name].id}"
        missing = f"/posts/{MISSING_POST}"
        assert normalized(client.get(url), url) == normalized(client.get(missing), missing)
    assert client.get(f"/posts/{w['ann_cat'].id}").status_code == 404
    login(client, w["cat"])
    assert "anncatsecret" in client.get(f"/posts/{w['ann_cat'].id}").get_data(as_text=True)
    assert client.get(f"/posts/{w['only_ann'].id}").status_code == 404
    for secret in ("onlyannsecret", "anncatsecret", "grouponlysecret", "annsolo", "anncomment"):
        assert search_hits(w["dan"], secret) == 0
    assert search_hits(w["cat"], "annsolo") == 0 and search_hits(w["cat"], "anncomment") == 0
    assert search_hits(w["cat"], "anncatsecret") == 1


def test_what_an_outsider_crawls_after_the_deletion_holds_no_secret(client, ann_world):
    from tests.privacy.test_crawl import crawl

    login(client, ann_world["ann"])
    delete_me(client)
    login(client, ann_world["dan"])
    pages = crawl(client, ["/", "/groups", "/people", "/search?q=secret", "/notifications", "/settings"])
    assert len(pages) > 10
    for url, page in pages.items():
        for secret in ("onlyannsecret", "anncatsecret", "grouponlysecret", "Onlyann", "Anncat", "Grouponly"):
            assert secret not in page, url
        assert not re.search(r"annsolo|anncomment", page), url


def test_a_post_whose_co_author_left_first_goes_with_its_last_author(client, ann_world):
    w = ann_world
    login(client, w["cat"])
    client.post("/settings/data/delete", data={"password": PASSWORD, "confirmation": "cat"})
    login(client, w["ann"])
    delete_me(client)
    joint = db.session.get(Post, w["joint"].id)
    assert joint.is_deleted and joint.body_md == "" and joint.coauthors == []


def test_a_session_cannot_guess_the_password_through_the_delete_form(app):
    """The limit is per account, so a stolen session cannot try passwords from many addresses."""
    limited = sibling_app(
        app,
        RATELIMIT_ENABLED=True,
    )
    with limited.app_context():
        make_user("ann")
        client = limited.test_client()
        login(client, db.session.scalar(select(User).where(User.username == "ann")))
        for n in range(10):
            response = client.post(
                "/settings/data/delete",
                data={"password": f"guess {n}", "confirmation": "ann"},
                environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
            )
            assert response.status_code == 400
        refused = delete_me(client)
        assert refused.status_code == 429 and "Too many attempts to delete this account" in refused.get_data(
            as_text=True
        )
        assert not db.session.scalar(select(User).where(User.username == "ann")).is_deleted
        db.session.remove()
        db.engine.dispose()


def test_no_sign_in_path_can_sign_a_deleted_account_in(client):
    ann = make_user("ann")
    accounts_data.delete_account(ann, PASSWORD, "ann")
    with client.application.test_request_context():
        assert login_user(db.session.get(User, ann.id)) is False
    assert accounts.authenticate("ann", PASSWORD) is None


def test_deleting_the_account_leaves_her_conversations_and_erases_what_she_wrote_there(client):
    from forum.models import Block, ConversationParticipant, Message
    from forum.services import conversations

    ann, bob = make_user("ann"), make_user("bob")
    make_group(ann, "Lab", members=(bob,))  # a shared group: they may write to each other
    talk = conversations.start(ann, [bob], "Our draft", "ANNSECRETWORDING in a message")
    conversations_url = f"/messages/{talk.id}"
    login(client, bob)
    assert "ANNSECRETWORDING" in client.get(conversations_url).get_data(as_text=True)
    login(client, ann)
    assert delete_me(client).status_code == 302

    login(client, bob)
    page = client.get(conversations_url).get_data(as_text=True)
    assert "ANNSECRETWORDING" not in page and "[deleted with its account]" in page
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count()).select_from(ConversationParticipant).where(ConversationParticipant.user_id == ann.id)
        )
        == 0
    )
    assert db.session.scalar(select(Message.body_md).where(Message.conversation_id == talk.id)) == ""
    assert db.session.scalar(select(func.count()).select_from(Block).where(Block.blocker_id == ann.id)) == 0


def test_the_export_holds_the_conversations_she_reads_and_withholds_those_she_left(client):
    """Of a conversation she is in: every message she reads there, files by name; a removed
    one blank. Of one she left: its id and dates only, her own words there included."""
    mia, ola, pia = make_user("mia"), make_user("ola"), make_user("pia")
    make_group(mia, members=(ola, pia))
    talk = conversations.start(ola, [mia], "Open subject", "ola's opening words")
    mine = conversations.place_of(talk, mia)
    conversations.write(mia, talk, mine, "mia's answer", ("plot.png", image_bytes()))
    conversations.mute(mine)
    removed = conversations.write(ola, talk, conversations.place_of(talk, ola), "removedcanary words")
    report = moderation.report_message(mia, removed, "harassment")
    moderation.resolve_report(make_moderator("mod"), report, "remove", "Abusive.")
    left = conversations.start(pia, [mia], "Leftcanary subject", "leftcanary from pia")
    conversations.write(mia, left, conversations.place_of(left, mia), "leftcanary of mia's")
    conversations.leave(conversations.place_of(left, mia))
    elsewhere = conversations.start(ola, [pia], "Strangercanary subject", "strangercanary words")
    login(client, mia)
    body = client.get("/settings/data/export").get_data(as_text=True)
    for canary in ("removedcanary", "leftcanary", "Leftcanary", "strangercanary", "Strangercanary"):
        assert canary not in body, canary
    data = json.loads(body)["conversations"]
    assert [c["id"] for c in data] == [talk.id, left.id]  # never one she was not in
    current, gone = data
    assert (current["subject"], current["state"], current["muted"]) == ("Open subject", "active", True)
    assert {p["username"] for p in current["participants"]} == {"mia", "ola"}
    texts = [(m["author"], m["body_markdown"], m["removed_by_moderator"]) for m in current["messages"]]
    assert texts == [("ola", "ola's opening words", False), ("mia", "mia's answer", False), ("ola", "", True)]
    key = db.session.scalar(select(MessageAttachment.key))
    assert current["messages"][1]["files"] == [{"filename": "plot.png", "content_type": "image/png", "size": ANY}]
    assert key not in body  # named, never its address
    assert gone == {"id": left.id, "joined_at": ANY, "left_at": ANY, "text_withheld": True}
    assert db.session.get(Message, removed.id).is_removed and elsewhere.id not in {c["id"] for c in data}

"""The reading list: saved posts and comments, shown only while readable (through
visibility), on a private page and as one entry of the private feed."""

from __future__ import annotations

from forum.extensions import db
from forum.services import feed_tokens
from forum.services import groups as group_service
from tests.factories import login, make_comment, make_group, make_post, make_user


def test_a_saved_item_leaves_the_list_when_unreadable_and_comes_back(client):
    author, reader = make_user("author"), make_user("reader")
    lab = make_group(author, "Lab", members=(reader,))
    post = make_post(author, "Lab notes", "Body.", audience="restricted", groups=(lab,))
    comment = make_comment(author, make_post(author, "Open post"), "A comment worth keeping.")
    login(client, reader)
    assert client.post(f"/posts/{post.id}/save", data={"state": "save"}).status_code == 302
    assert client.post(f"/posts/{post.id}/save", data={"state": "save"}).status_code == 302  # twice: no error
    assert client.post(f"/comments/{comment.id}/save", data={"state": "save"}).status_code == 302
    page = client.get("/saved").get_data(as_text=True)
    assert "Lab notes" in page and "author on “Open post”" in page
    feed = client.get(f"/feeds/private/{feed_tokens.rotate(reader)[1]}.atom").get_data(as_text=True)
    assert "Your reading list (2 saved)" in feed and "Lab notes" in feed

    group_service.remove_member(author, lab, "reader")
    assert "Lab notes" not in client.get("/saved").get_data(as_text=True)
    token = feed_tokens.rotate(reader)[1]
    feed = client.get(f"/feeds/private/{token}.atom").get_data(as_text=True)
    assert "Lab notes" not in feed and "Your reading list (1 saved)" in feed
    assert client.post(f"/posts/{post.id}/save", data={"state": "unsave"}).status_code == 404

    group_service.add_member(lab, reader)
    db.session.commit()
    assert "Lab notes" in client.get("/saved").get_data(as_text=True)
    client.post(f"/posts/{post.id}/save", data={"state": "unsave"})
    assert "Lab notes" not in client.get("/saved").get_data(as_text=True)


def test_an_outsider_cannot_save_a_hidden_post(client):
    author, outsider = make_user("author"), make_user("outsider")
    lab = make_group(author, "Lab")
    post = make_post(author, "Hidden notes", "Body.", audience="restricted", groups=(lab,))
    login(client, outsider)
    assert client.post(f"/posts/{post.id}/save", data={"state": "save"}).status_code == 404
    assert "Hidden notes" not in client.get("/saved").get_data(as_text=True)


def test_the_api_saves_lists_and_refuses_hidden_posts_like_missing_ones(client):
    author, reader = make_user("author"), make_user("reader")
    lab = make_group(author, "Lab")
    hidden = make_post(author, "Hidden notes", "Body.", audience="restricted", groups=(lab,))
    open_post = make_post(author, "Open notes")
    comment = make_comment(author, open_post, "Keep this.")
    login(client, reader)
    assert client.post("/api/v1/saved", json={"post_id": open_post.id}).status_code == 204
    assert client.post("/api/v1/saved", json={"post_id": open_post.id, "comment_id": comment.id}).status_code == 204
    items = client.get("/api/v1/saved").get_json()["items"]
    assert {(i["post_id"], i["comment_id"]) for i in items} == {(open_post.id, None), (open_post.id, comment.id)}
    refused = client.post("/api/v1/saved", json={"post_id": hidden.id})
    missing = client.post("/api/v1/saved", json={"post_id": 987_654})
    assert refused.status_code == 404 and refused.get_data() == missing.get_data()
    assert client.open("/api/v1/saved", method="DELETE", json={"post_id": open_post.id}).status_code == 204
    assert [i["comment_id"] for i in client.get("/api/v1/saved").get_json()["items"]] == [comment.id]

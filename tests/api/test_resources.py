"""What the API does for people allowed to do it: posts, comments, groups, reports, paging, errors."""

from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, Report
from forum.services.audience import PUBLIC_MEANS, audience_of
from tests.api.helpers import bearer
from tests.factories import make_comment, make_group, make_post, make_user


def test_post_lifecycle(client):
    ada, bob = make_user("ada"), make_user("bob")
    lab = make_group(ada, "Lab", members=(bob,))
    headers = bearer(ada)
    created = client.post(
        "/api/v1/posts",
        headers=headers,
        json={
            "title": "  Probing   results ",
            "body": "**Bold** claim.",
            "tags": ["interp", "Probing"],
            "audience": {"kind": "restricted", "groups": [lab.slug], "users": ["bob"]},
            "terms": {"choice": "cite-first"},
        },
    )
    assert created.status_code == 201, created.get_json()
    post = created.get_json()
    assert post["title"] == "Probing results" and post["body_html"] == "<p><strong>Bold</strong> claim.</p>\n"
    assert post["tags"] == ["interp", "probing"] and post["audience"] == {
        "kind": "restricted",
        "users": ["bob"],
        "groups": [lab.slug],
        "others": False,
    }
    assert post["terms"]["version"] == 1 and post["terms"]["accepted"] is True  # the author never waits
    url = post["url"]
    assert client.get(url, headers=bearer(bob)).get_json()["gated"] is True

    edited = client.patch(url, headers=headers, json={"body": "Revised claim."})
    assert edited.status_code == 200
    data = edited.get_json()
    assert data["body_md"] == "Revised claim." and data["title"] == "Probing results"  # kept
    assert data["tags"] == ["interp", "probing"] and data["audience"]["groups"] == [lab.slug]
    assert data["terms"]["version"] == 1 and data["edited_at"] is not None

    widened = client.patch(url, headers=headers, json={"audience": {"kind": "members"}, "terms": {"choice": "none"}})
    assert widened.get_json()["audience"]["kind"] == "members" and widened.get_json()["terms"] is None

    assert client.patch(url, headers=bearer(bob), json={"title": "mine now"}).status_code == 403
    assert client.delete(url, headers=bearer(bob)).status_code == 403
    assert client.delete(url, headers=headers).status_code == 204
    gone = client.get(url, headers=headers).get_json()
    assert gone["state"] == "deleted" and gone["body_md"] is None and gone["title"] == "[deleted]"
    assert client.get("/api/v1/posts", headers=headers).get_json()["total"] == 0


def test_validation_errors_name_the_field_and_change_nothing(client):
    ada = make_user("ada")
    headers = bearer(ada)
    cases = [
        ({"body": "b", "audience": {"kind": "public"}, "confirm_public": True}, "title"),
        ({"title": "t", "body": " ", "audience": {"kind": "public"}, "confirm_public": True}, "body"),
        ({"title": "t", "body": "b"}, "audience.kind"),
        ({"title": "t", "body": "b", "audience": {"kind": "everyone"}}, "audience.kind"),
        ({"title": "t", "body": "b", "audience": {"kind": "restricted"}}, "audience.users"),
        ({"title": "t", "body": "b", "audience": {"kind": "restricted", "users": ["nobody-here"]}}, "audience.users"),
        ({"title": "t", "body": "b", "audience": {"kind": "restricted", "groups": ["no-group"]}}, "audience.groups"),
        (
            {
                "title": "t",
                "body": "b",
                "audience": {"kind": "public"},
                "confirm_public": True,
                "terms": {"choice": "custom"},
            },
            "terms.custom",
        ),
        (
            {
                "title": "t",
                "body": "b",
                "audience": {"kind": "public"},
                "confirm_public": True,
                "terms": {"choice": "made-up"},
            },
            "terms.choice",
        ),
        ({"title": 5, "body": "b", "audience": {"kind": "public"}, "confirm_public": True}, "title"),
        ({"title": "t", "body": "b", "tags": "a,b", "audience": {"kind": "public"}, "confirm_public": True}, "tags"),
        ({"title": "t", "body": "b", "audience": "public"}, "audience"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/posts", headers=headers, json=body)
        assert response.status_code == 400, (body, response.get_json())
        error = response.get_json()["error"]
        assert error["field"] == field and error["code"] == "invalid" and error["message"], (body, error)
    assert client.post("/api/v1/posts", headers=headers, data="not json", content_type="text/plain").status_code == 415
    assert client.post("/api/v1/posts", headers=headers, json=[1, 2]).status_code == 400
    assert db.session.scalar(select(Post)) is None


def test_a_rejected_edit_keeps_the_old_text(client):
    ada = make_user("ada")
    post = make_post(ada, "Title", "Original body")
    response = client.patch(f"/api/v1/posts/{post.id}", headers=bearer(ada), json={"title": "", "body": "New body"})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "title"
    db.session.refresh(post)
    assert (post.title, post.body_md) == ("Title", "Original body")


def test_comment_tree_replies_edits_and_deletes(client):
    ada, bob = make_user("ada"), make_user("bob")
    post = make_post(ada, "Thread", "x")
    headers = bearer(bob)
    top = client.post(f"/api/v1/posts/{post.id}/comments", headers=headers, json={"body": "First!"})
    assert top.status_code == 201
    top = top.get_json()
    reply = client.post(
        f"/api/v1/comments/{top['id']}/replies", headers=bearer(ada), json={"body": "A reply"}
    ).get_json()
    nested = client.post(
        f"/api/v1/posts/{post.id}/comments", headers=headers, json={"body": "Nested", "parent_id": reply["id"]}
    ).get_json()
    assert nested["parent_id"] == reply["id"]
    make_comment(ada, post, "Second top-level")

    tree = client.get(f"/api/v1/posts/{post.id}/comments").get_json()
    assert tree["total"] == 2
    first = tree["items"][0]
    assert first["comment"]["body_md"] == "First!" and first["reply_count"] == 2
    assert first["replies"][0]["replies"][0]["comment"]["body_md"] == "Nested"

    assert (
        client.patch(f"/api/v1/comments/{top['id']}", headers=bearer(ada), json={"body": "hijack"}).status_code == 403
    )
    assert (
        client.patch(f"/api/v1/comments/{top['id']}", headers=headers, json={"body": ""}).get_json()["error"]["field"]
        == "body"
    )
    assert (
        client.patch(f"/api/v1/comments/{top['id']}", headers=headers, json={"body": "First, edited"}).status_code
        == 200
    )
    assert client.delete(f"/api/v1/comments/{top['id']}", headers=headers).status_code == 204
    tree = client.get(f"/api/v1/posts/{post.id}/comments").get_json()
    placeholder = tree["items"][0]["comment"]
    assert placeholder["state"] == "deleted" and placeholder["body_md"] is None and placeholder["author"] is None
    assert tree["items"][0]["replies"][0]["comment"]["body_md"] == "A reply"
    assert client.get(f"/api/v1/comments/{top['id']}").get_json()["body_md"] is None

    other = make_post(ada, "Other", "y")
    wrong = client.post(
        f"/api/v1/posts/{other.id}/comments", headers=headers, json={"body": "x", "parent_id": reply["id"]}
    )
    assert wrong.status_code == 400 and wrong.get_json()["error"]["field"] == "parent_id"
    missing = client.post(
        f"/api/v1/posts/{other.id}/comments", headers=headers, json={"body": "x", "parent_id": 424242}
    )
    assert missing.status_code == 400 and missing.get_json()["error"]["field"] == "parent_id"


def test_comment_pages_are_of_top_level_threads(client):
    ada = make_user("ada")
    post = make_post(ada, "Busy", "x")
    for n in range(5):
        make_comment(ada, post, f"c{n}")
    page = client.get(f"/api/v1/posts/{post.id}/comments?per_page=2&page=3").get_json()
    assert page["total"] == 5 and page["pages"] == 3 and [n["comment"]["body_md"] for n in page["items"]] == ["c4"]


def test_paging_rules(client):
    ada = make_user("ada")
    for n in range(3):
        make_post(ada, f"P{n}", "x")
    assert client.get("/api/v1/posts?per_page=100000").get_json()["per_page"] == 100
    beyond = client.get("/api/v1/posts?page=99999999999999999999").get_json()
    assert beyond["items"] == [] and beyond["total"] == 3
    for query, field in (("page=0", "page"), ("page=x", "page"), ("per_page=-1", "per_page"), ("sort=best", "sort")):
        response = client.get(f"/api/v1/posts?{query}")
        assert response.status_code == 400 and response.get_json()["error"]["field"] == field


def test_groups(client):
    ada, bob = make_user("ada"), make_user("bob")
    created = client.post(
        "/api/v1/groups",
        headers=bearer(ada),
        json={"name": "Eval Science", "description": "We *measure*.", "join_policy": "invite", "interests": ["evals"]},
    )
    assert created.status_code == 201
    group = created.get_json()
    assert group["slug"] == "eval-science" and group["state"] == "owner" and group["member_count"] == 1
    assert group["description_html"] == "<p>We <em>measure</em>.</p>\n"
    taken = client.post("/api/v1/groups", headers=bearer(bob), json={"name": "Eval Science"})
    assert taken.status_code == 400 and taken.get_json()["error"]["field"] == "slug"
    directory = client.get("/api/v1/groups?q=evals").get_json()
    assert [g["slug"] for g in directory["items"]] == ["eval-science"]
    assert client.get("/api/v1/groups?q=%25").get_json()["total"] == 0  # the page's query: % is text
    assert client.get("/api/v1/groups/eval-science").get_json()["state"] is None
    assert client.get("/api/v1/groups/eval-science/members").status_code == 401
    members = client.get("/api/v1/groups/eval-science/members", headers=bearer(bob)).get_json()
    assert [(m["user"]["username"], m["role"]) for m in members["items"]] == [("ada", "owner")]


def test_reports(client):
    ada, bob = make_user("ada"), make_user("bob")
    post = make_post(ada, "Spammy", "x")
    comment = make_comment(ada, post, "Buy now")
    response = client.post(f"/api/v1/posts/{post.id}/reports", headers=bearer(bob), json={"reason": "spam"})
    assert response.status_code == 201 and response.get_json()["status"] == "open"
    response = client.post(f"/api/v1/comments/{comment.id}/reports", headers=bearer(bob), json={"reason": "other"})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "details"
    response = client.post(
        f"/api/v1/comments/{comment.id}/reports", headers=bearer(bob), json={"reason": "other", "details": "An advert."}
    )
    assert response.status_code == 201 and response.get_json()["comment_id"] == comment.id
    assert db.session.scalar(select(Report).where(Report.comment_id == comment.id)).copy_html == comment.body_html


def test_unknown_api_addresses_and_methods_answer_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert missing.data == client.get("/api/v1/posts/123456").data
    wrong = client.put("/api/v1/posts")
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"


def test_publishing_or_widening_to_public_needs_confirm_public(client):
    """The editor's second step, as a field: without it nothing is opened to Public (or saved)."""
    ada = make_user("ada")
    headers = bearer(ada)
    refused = client.post(
        "/api/v1/posts", json={"title": "t", "body": "b", "audience": {"kind": "public"}}, headers=headers
    )
    assert refused.status_code == 400
    assert (
        refused.get_json()["error"]["field"] == "confirm_public"
        and PUBLIC_MEANS in refused.get_json()["error"]["message"]
    )
    assert db.session.scalar(select(func.count(Post.id))) == 0

    narrow = make_post(ada, "Narrow", audience="members")
    widen = {"audience": {"kind": "public"}}
    assert client.patch(f"/api/v1/posts/{narrow.id}", json=widen, headers=headers).status_code == 400
    db.session.expire_all()
    assert audience_of(narrow).kind == "members"
    assert (
        client.patch(f"/api/v1/posts/{narrow.id}", json={**widen, "confirm_public": True}, headers=headers).status_code
        == 200
    )
    # Already public: editing it asks nothing more.
    assert client.patch(f"/api/v1/posts/{narrow.id}", json={"title": "Renamed"}, headers=headers).status_code == 200

"""The promise, through the API: an outsider learns nothing about a post outside its audience.

Every read goes through the same `visibility` module as the pages, so these tests
check the API's wiring of it: 404s that look like missing objects, listings that
neither show nor count, and access that follows group membership request by request.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forum.extensions import db
from forum.models import ApiToken, Membership
from forum.models._time import utcnow
from forum.services import terms as terms_service
from tests.api.helpers import bearer
from tests.factories import make_comment, make_group, make_post, make_user

MISSING_POST = 999_999
MISSING_COMMENT = 999_998


@pytest.fixture
def world(app):
    ada, bob, eve = make_user("ada"), make_user("bob"), make_user("eve")
    lab = make_group(ada, "Secret lab", members=(bob,), listed=True)
    hidden_lab = make_group(ada, "Hidden lab", members=(bob,), listed=False)
    public = make_post(ada, "Public finding", "Anyone may read this.", tags="open")
    members = make_post(ada, "Members finding", "Signed-in members only.", audience="members")
    restricted = make_post(
        ada, "Lab-only hazard", "Dangerous details.", tags="hazard-tag", audience="restricted", groups=(lab,)
    )
    to_bob = make_post(ada, "For bob only", "Just for bob.", audience="restricted", users=(bob,))
    gated = make_post(ada, "Gated result", "Body behind terms.", audience="restricted", groups=(lab,))
    from forum.services import posts as post_service
    from forum.services.audience import audience_of

    post_service.update_post(
        gated, ada, gated.title, gated.body_md, "", audience_of(gated), terms=terms_service.resolve_terms("no-sharing")
    )
    secret_comment = make_comment(ada, restricted, "A secret comment.")
    gated_comment = make_comment(ada, gated, "Comment behind terms.")
    public_comment = make_comment(ada, public, "A public comment.")
    return SimpleNamespace(
        ada=ada,
        bob=bob,
        eve=eve,
        lab=lab,
        hidden_lab=hidden_lab,
        public=public,
        members=members,
        restricted=restricted,
        to_bob=to_bob,
        gated=gated,
        secret_comment=secret_comment,
        gated_comment=gated_comment,
        public_comment=public_comment,
    )


def _restricted_addresses(w):
    """(method, hidden address, missing address, body) for every object route."""
    r, c = w.restricted.id, w.secret_comment.id
    return [
        ("get", f"/api/v1/posts/{r}", f"/api/v1/posts/{MISSING_POST}", None),
        ("get", f"/api/v1/posts/{r}/comments", f"/api/v1/posts/{MISSING_POST}/comments", None),
        ("get", f"/api/v1/comments/{c}", f"/api/v1/comments/{MISSING_COMMENT}", None),
        ("post", f"/api/v1/posts/{r}/comments", f"/api/v1/posts/{MISSING_POST}/comments", {"body": "hi"}),
        ("post", f"/api/v1/comments/{c}/replies", f"/api/v1/comments/{MISSING_COMMENT}/replies", {"body": "hi"}),
        ("patch", f"/api/v1/posts/{r}", f"/api/v1/posts/{MISSING_POST}", {"title": "x"}),
        ("delete", f"/api/v1/posts/{r}", f"/api/v1/posts/{MISSING_POST}", None),
        ("patch", f"/api/v1/comments/{c}", f"/api/v1/comments/{MISSING_COMMENT}", {"body": "x"}),
        ("delete", f"/api/v1/comments/{c}", f"/api/v1/comments/{MISSING_COMMENT}", None),
        ("post", f"/api/v1/posts/{r}/reports", f"/api/v1/posts/{MISSING_POST}/reports", {"reason": "spam"}),
        ("post", f"/api/v1/comments/{c}/reports", f"/api/v1/comments/{MISSING_COMMENT}/reports", {"reason": "spam"}),
        ("post", f"/api/v1/posts/{r}/terms/accept", f"/api/v1/posts/{MISSING_POST}/terms/accept", {"version": 1}),
        ("post", f"/api/v1/posts/{r}/votes", f"/api/v1/posts/{MISSING_POST}/votes", {"value": "up"}),
        ("post", f"/api/v1/comments/{c}/votes", f"/api/v1/comments/{MISSING_COMMENT}/votes", {"value": "up"}),
        (
            "post",
            f"/api/v1/comments/{c}/agreement",
            f"/api/v1/comments/{MISSING_COMMENT}/agreement",
            {"value": "agree"},
        ),
        ("get", f"/api/v1/groups/{w.hidden_lab.slug}", "/api/v1/groups/no-such-group", None),
        ("get", f"/api/v1/groups/{w.hidden_lab.slug}/posts", "/api/v1/groups/no-such-group/posts", None),
        ("get", f"/api/v1/groups/{w.hidden_lab.slug}/members", "/api/v1/groups/no-such-group/members", None),
    ]


def _call(client, method, url, headers, body):
    kwargs = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    return getattr(client, method)(url, **kwargs)


def test_outsider_token_gets_the_missing_404_for_every_restricted_object(client, world):
    headers = bearer(world.eve)
    for method, hidden, missing, body in _restricted_addresses(world):
        got = _call(client, method, hidden, headers, body)
        absent = _call(client, method, missing, headers, body)
        assert got.status_code == 404, (method, hidden, got.status_code, got.get_data(as_text=True))
        assert got.data == absent.data, (method, hidden)
        assert got.headers["Content-Type"] == absent.headers["Content-Type"] == "application/json"
        assert got.get_json() == {"error": {"code": "not_found", "message": "Not found.", "field": None}}
    # and nothing changed for the author
    assert (
        client.get(f"/api/v1/posts/{world.restricted.id}", headers=bearer(world.ada)).get_json()["title"]
        == "Lab-only hazard"
    )
    assert world.restricted.comment_count == 1


def test_members_read_what_outsiders_cannot(client, world):
    headers = bearer(world.bob)
    for method, hidden, _missing, _body in _restricted_addresses(world):
        if method == "get":
            assert client.get(hidden, headers=headers).status_code == 200, hidden


def _listing(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.get_data(as_text=True))
    return response.get_json()


def test_listings_neither_show_nor_count_restricted_posts(client, world):
    eve, bob = bearer(world.eve), bearer(world.bob)
    secret_titles = {"Lab-only hazard", "For bob only", "Gated result"}

    for url in ("/api/v1/posts", "/api/v1/users/ada/posts", f"/api/v1/groups/{world.lab.slug}/posts"):
        page = _listing(client, url, eve)
        titles = {p["title"] for p in page["items"]}
        assert not titles & secret_titles, url
        assert page["total"] == len(page["items"]), url
        member_page = _listing(client, url, bob)
        assert member_page["total"] > page["total"], url

    assert _listing(client, "/api/v1/posts", eve)["total"] == 2  # public + members
    assert _listing(client, "/api/v1/posts", bob)["total"] == 5
    comments = _listing(client, "/api/v1/users/ada/comments", eve)
    assert [c["body_md"] for c in comments["items"]] == ["A public comment."] and comments["total"] == 1
    profile = _listing(client, "/api/v1/users/ada", eve)
    assert (profile["post_count"], profile["comment_count"]) == (2, 1)
    tags = {t["name"]: t["posts"] for t in _listing(client, "/api/v1/tags", eve)["items"]}
    assert tags == {"open": 1}
    assert "hazard-tag" in {t["name"] for t in _listing(client, "/api/v1/tags", bob)["items"]}
    groups = {g["slug"] for g in _listing(client, "/api/v1/groups", eve)["items"]}
    assert world.hidden_lab.slug not in groups and world.lab.slug in groups
    # A tag used only on restricted posts does not exist for an outsider.
    assert client.get("/api/v1/posts?tag=hazard-tag", headers=eve).status_code == 404


def test_pages_count_only_readable_posts(client, world):
    for n in range(5):
        make_post(world.ada, f"Hidden {n}", "x", audience="restricted", users=(world.bob,))
    page = _listing(client, "/api/v1/posts?per_page=1&page=2", bearer(world.eve))
    assert page["total"] == 2 and page["pages"] == 2 and len(page["items"]) == 1


def test_anonymous_callers_see_only_public_content(client, world):
    page = _listing(client, "/api/v1/posts", {})
    assert [p["title"] for p in page["items"]] == ["Public finding"] and page["total"] == 1
    assert client.get(f"/api/v1/posts/{world.members.id}").status_code == 404
    assert client.get(f"/api/v1/posts/{world.restricted.id}").data == client.get(f"/api/v1/posts/{MISSING_POST}").data
    assert client.get(f"/api/v1/posts/{world.public.id}").get_json()["body_md"] == "Anyone may read this."
    assert client.get("/api/v1/users/ada").get_json()["post_count"] == 1
    assert client.get("/api/v1/me").status_code == 401
    assert (
        client.post("/api/v1/posts", json={"title": "t", "body": "b", "audience": {"kind": "public"}}).status_code
        == 401
    )


def test_a_member_removed_from_a_group_loses_access_on_the_next_request(client, world):
    headers = bearer(world.bob)
    url = f"/api/v1/posts/{world.restricted.id}"
    assert client.get(url, headers=headers).status_code == 200
    before = _listing(client, "/api/v1/posts", headers)["total"]
    db.session.delete(db.session.get(Membership, (world.lab.id, world.bob.id)))
    db.session.commit()
    assert client.get(url, headers=headers).status_code == 404
    assert client.get(f"/api/v1/comments/{world.secret_comment.id}", headers=headers).status_code == 404
    assert _listing(client, "/api/v1/posts", headers)["total"] == before - 2  # the lab post and the gated one


def test_gated_post_shows_title_author_audience_terms_but_no_body(client, world):
    headers = bearer(world.bob)
    data = client.get(f"/api/v1/posts/{world.gated.id}", headers=headers).get_json()
    assert data["gated"] is True and data["title"] == "Gated result" and data["author"]["username"] == "ada"
    assert data["body_md"] is None and data["body_html"] is None
    assert data["audience"]["groups"] == [world.lab.slug]
    assert data["terms"]["version"] == 1 and data["terms"]["accepted"] is False and "share" in data["terms"]["body_md"]
    assert data["can_comment"] is False
    assert "Body behind terms" not in client.get(f"/api/v1/posts/{world.gated.id}", headers=headers).get_data(
        as_text=True
    )
    listed = {p["id"]: p for p in _listing(client, "/api/v1/posts", headers)["items"]}
    assert listed[world.gated.id]["gated"] is True
    # Comments, comment permalinks and commenting answer 404 until the terms are accepted.
    assert client.get(f"/api/v1/posts/{world.gated.id}/comments", headers=headers).status_code == 404
    assert client.get(f"/api/v1/comments/{world.gated_comment.id}", headers=headers).status_code == 404
    assert (
        client.post(f"/api/v1/posts/{world.gated.id}/comments", headers=headers, json={"body": "x"}).status_code == 404
    )
    assert "Comment behind terms" not in client.get("/api/v1/users/ada/comments", headers=headers).get_data(
        as_text=True
    )

    stale = client.post(f"/api/v1/posts/{world.gated.id}/terms/accept", headers=headers, json={"version": 7})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    accepted = client.post(f"/api/v1/posts/{world.gated.id}/terms/accept", headers=headers, json={"version": 1})
    assert accepted.status_code == 200
    data = accepted.get_json()
    assert data["gated"] is False and data["body_md"] == "Body behind terms." and data["terms"]["accepted"] is True
    thread = client.get(f"/api/v1/posts/{world.gated.id}/comments", headers=headers).get_json()
    assert [n["comment"]["body_md"] for n in thread["items"]] == ["Comment behind terms."]


def test_outsider_cannot_accept_terms_of_a_post_they_cannot_see(client, world):
    response = client.post(
        f"/api/v1/posts/{world.gated.id}/terms/accept", headers=bearer(world.eve), json={"version": 1}
    )
    assert response.status_code == 404
    assert terms_service.accepted_at(world.eve, world.gated) is None


def test_an_unlisted_group_is_never_named_to_outsiders(client, world):
    post = make_post(world.ada, "Two groups", "x", audience="restricted", groups=(world.lab, world.hidden_lab))
    db.session.add(Membership(group_id=world.lab.id, user_id=world.eve.id, role="member"))
    db.session.commit()
    data = client.get(f"/api/v1/posts/{post.id}", headers=bearer(world.eve)).get_json()
    assert data["audience"]["groups"] == [world.lab.slug] and data["audience"]["others"] is True
    assert world.hidden_lab.slug not in client.get(f"/api/v1/posts/{post.id}", headers=bearer(world.eve)).get_data(
        as_text=True
    )


def test_read_only_token_cannot_write(client, world):
    headers = bearer(world.ada, scope="read")
    assert client.get(f"/api/v1/posts/{world.restricted.id}", headers=headers).status_code == 200
    attempts = [
        ("post", "/api/v1/posts", {"title": "t", "body": "b", "audience": {"kind": "public"}}),
        ("patch", f"/api/v1/posts/{world.public.id}", {"title": "changed"}),
        ("delete", f"/api/v1/posts/{world.public.id}", None),
        ("post", f"/api/v1/posts/{world.public.id}/comments", {"body": "hi"}),
        ("delete", f"/api/v1/comments/{world.public_comment.id}", None),
        ("post", "/api/v1/groups", {"name": "New group"}),
    ]
    for method, url, body in attempts:
        response = _call(client, method, url, headers, body)
        assert response.status_code == 403, (method, url)
        assert response.get_json()["error"]["code"] == "forbidden"
    db.session.refresh(world.public)
    assert world.public.title == "Public finding" and not world.public.is_deleted


def test_revoked_and_expired_tokens_get_401(client, world):
    from forum.services import tokens

    token, raw = tokens.create_token(world.bob, "script", "read-write")
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    tokens.revoke_token(world.bob, token.id)
    for url in ("/api/v1/me", "/api/v1/posts", f"/api/v1/posts/{world.public.id}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 401, url
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    expired, raw = tokens.create_token(world.bob, "old", "read", expires_in_days=1)
    db.session.get(ApiToken, expired.id).expires_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/posts", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    # A made-up token and a malformed header are refused the same way, never read as anonymous.
    for value in ("Bearer fpat_madeup", "Bearer ", "Basic Ym9iOnB3", "fpat_no_scheme"):
        assert client.get("/api/v1/posts", headers={"Authorization": value}).status_code == 401, value

"""Group membership through the API: the same services and the same visibility as the pages."""

from __future__ import annotations

from tests.api.helpers import bearer
from tests.factories import make_group, make_post, make_user


def test_invitation_to_an_unlisted_group_then_access(client):
    ada, bob = make_user("ada"), make_user("bob")
    lab = make_group(ada, "Quiet lab", listed=False, join_policy="invite")
    secret = make_post(ada, "Quiet result", "details", audience="restricted", groups=(lab,))
    a, b = bearer(ada), bearer(bob)
    assert client.get(f"/api/v1/groups/{lab.slug}", headers=b).status_code == 404
    invited = client.post(f"/api/v1/groups/{lab.slug}/invitations", headers=a, json={"username": "bob"})
    assert invited.status_code == 201
    invitation = invited.get_json()
    again = client.post(f"/api/v1/groups/{lab.slug}/invitations", headers=a, json={"username": "bob"})
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "username"

    # The invitee learns the name and description, nothing more.
    seen = client.get(f"/api/v1/groups/{lab.slug}", headers=b).get_json()
    assert seen["name"] == "Quiet lab" and seen["state"] == "invited"
    assert seen["member_count"] is None and seen["post_count"] is None
    assert client.get(f"/api/v1/groups/{lab.slug}/posts", headers=b).status_code == 403
    assert client.get(f"/api/v1/groups/{lab.slug}/members", headers=b).status_code == 403
    assert client.get(f"/api/v1/posts/{secret.id}", headers=b).status_code == 404
    assert lab.slug not in {g["slug"] for g in client.get("/api/v1/groups", headers=b).get_json()["items"]}
    assert [i["id"] for i in client.get("/api/v1/me/invitations", headers=b).get_json()["items"]] == [invitation["id"]]

    # Nobody else can answer it; the same 404 as a missing invitation.
    eve = bearer(make_user("eve"))
    assert (
        client.post(f"/api/v1/invitations/{invitation['id']}/accept", headers=eve).data
        == client.post("/api/v1/invitations/4242/accept", headers=eve).data
    )
    accepted = client.post(f"/api/v1/invitations/{invitation['id']}/accept", headers=b)
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "member"
    assert client.get(f"/api/v1/posts/{secret.id}", headers=b).get_json()["body_md"] == "details"
    assert [m["group"]["slug"] for m in client.get("/api/v1/me/groups", headers=b).get_json()["items"]] == [lab.slug]


def test_removed_and_leaving_members_lose_access_on_the_next_request(client):
    ada, bob, cy = make_user("ada"), make_user("bob"), make_user("cyd")
    lab = make_group(ada, "Lab", members=(bob, cy))
    secret = make_post(ada, "Lab result", "x", audience="restricted", groups=(lab,))
    a, b, c = bearer(ada), bearer(bob), bearer(cy)
    url = f"/api/v1/posts/{secret.id}"
    assert client.get(url, headers=b).status_code == 200 and client.get(url, headers=c).status_code == 200

    assert client.delete(f"/api/v1/groups/{lab.slug}/members/bob", headers=c).status_code == 403
    assert client.delete(f"/api/v1/groups/{lab.slug}/members/bob", headers=a).status_code == 204
    assert client.get(url, headers=b).status_code == 404
    assert client.get("/api/v1/posts", headers=b).get_json()["total"] == 0

    assert client.post(f"/api/v1/groups/{lab.slug}/leave", headers=c).status_code == 204
    assert client.get(url, headers=c).status_code == 404
    last_owner = client.post(f"/api/v1/groups/{lab.slug}/leave", headers=a)
    assert last_owner.status_code == 409 and last_owner.get_json()["error"]["code"] == "conflict"


def test_requests_roles_and_open_groups(client):
    ada, bob, cy = make_user("ada"), make_user("bob"), make_user("cyd")
    lab = make_group(ada, "Request lab", join_policy="request")
    club = make_group(ada, "Open club", join_policy="open")
    a, b, c = bearer(ada), bearer(bob), bearer(cy)

    assert client.post(f"/api/v1/groups/{lab.slug}/join", headers=b).status_code == 409
    made = client.post(f"/api/v1/groups/{lab.slug}/requests", headers=b, json={"statement": "I study probes."})
    assert made.status_code == 201 and made.get_json()["statement"] == "I study probes."
    assert client.get(f"/api/v1/groups/{lab.slug}/requests", headers=c).status_code == 403
    pending = client.get(f"/api/v1/groups/{lab.slug}/requests", headers=a).get_json()
    assert [r["user"]["username"] for r in pending["items"]] == ["bob"]
    approved = client.post(f"/api/v1/groups/{lab.slug}/requests/{pending['items'][0]['id']}/approve", headers=a)
    assert approved.status_code == 200
    assert client.get(f"/api/v1/groups/{lab.slug}", headers=b).get_json()["state"] == "member"

    promoted = client.patch(f"/api/v1/groups/{lab.slug}/members/bob", headers=a, json={"role": "admin"})
    assert promoted.status_code == 200 and promoted.get_json()["role"] == "admin"
    bad = client.patch(f"/api/v1/groups/{lab.slug}/members/bob", headers=a, json={"role": "king"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "role"
    assert client.patch(f"/api/v1/groups/{lab.slug}/members/ada", headers=b, json={"role": "member"}).status_code == 403

    assert client.post(f"/api/v1/groups/{club.slug}/join", headers=c).get_json()["state"] == "member"
    edited = client.patch(
        f"/api/v1/groups/{club.slug}", headers=a, json={"description": "Now *closed*.", "join_policy": "invite"}
    )
    assert (
        edited.status_code == 200
        and edited.get_json()["join_policy"] == "invite"
        and edited.get_json()["name"] == "Open club"
    )
    assert client.patch(f"/api/v1/groups/{club.slug}", headers=c, json={"name": "Mine"}).status_code == 403
    assert client.delete(f"/api/v1/groups/{club.slug}", headers=c).status_code == 403
    slug = club.slug
    assert client.delete(f"/api/v1/groups/{slug}", headers=a).status_code == 204
    assert client.get(f"/api/v1/groups/{slug}", headers=a).status_code == 404

"""Voting through the API: the same service and the same refusals as the vote buttons,
the same 404 for what the caller may not open, and scores shown where the pages show them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forum.extensions import db
from forum.models import Comment, Post, User
from forum.services import comments as comment_service
from forum.services import moderation
from forum.services import posts as post_service
from forum.services import terms as terms_service
from forum.services.audience import audience_of
from tests.api.helpers import bearer
from tests.factories import make_comment, make_group, make_post, make_user
from tests.moderation_helpers import make_moderator
from tests.votes.helpers import fresh, set_karma, vote_rows

MISSING = 999_999
NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "field": None}}


@pytest.fixture
def world(app):
    ada, bob, eve = make_user("ada"), make_user("bob"), make_user("eve")
    lab = make_group(ada, "Lab", members=(bob,))
    public = make_post(ada, "Public finding", "Anyone may read this.")
    restricted = make_post(ada, "Lab-only hazard", "Dangerous details.", audience="restricted", groups=(lab,))
    gated = make_post(ada, "Gated result", "Behind terms.", audience="restricted", groups=(lab,))
    post_service.update_post(
        gated, ada, gated.title, gated.body_md, "", audience_of(gated), terms=terms_service.resolve_terms("no-sharing")
    )
    return SimpleNamespace(
        ada=ada,
        bob=bob,
        eve=eve,
        lab=lab,
        public=public,
        restricted=restricted,
        gated=gated,
        public_comment=make_comment(ada, public, "A public comment."),
        secret_comment=make_comment(ada, restricted, "A secret comment."),
        gated_comment=make_comment(ada, gated, "Behind terms too."),
    )


def _vote(api, url, who, value, **extra):
    return api.post(url, who, json={"value": value, **extra})


# --- casting -------------------------------------------------------------------------------


def test_up_vote_a_post_then_press_again_to_take_it_back(api, world):
    url = f"/api/v1/posts/{world.public.id}/votes"
    bob = bearer(world.bob)
    response = _vote(api, url, bob, "up")
    assert response.status_code == 200
    assert response.get_json() == {
        "kind": "post",
        "id": world.public.id,
        "axis": "karma",
        "vote": "up",
        "score": 1,
        "vote_count": 1,
    }
    assert fresh(world.ada).karma == 1

    shown = api.get(f"/api/v1/posts/{world.public.id}", bob).get_json()
    assert (shown["score"], shown["vote_count"], shown["my_vote"]) == (1, 1, "up")
    listed = {p["id"]: p for p in api.get("/api/v1/posts", bob).get_json()["items"]}
    assert listed[world.public.id]["my_vote"] == "up"
    # Someone else sees the score, not bob's vote.
    other = api.get(f"/api/v1/posts/{world.public.id}", world.eve).get_json()
    assert (other["score"], other["my_vote"]) == (1, None)
    assert api.get(f"/api/v1/posts/{world.public.id}").get_json()["my_vote"] is None

    again = _vote(api, url, bob, "up")
    assert again.get_json()["vote"] is None and again.get_json()["score"] == 0
    assert vote_rows(post_id=world.public.id) == 0 and fresh(world.ada).karma == 0


def test_current_none_makes_a_repeated_request_set_not_toggle(api, world):
    url = f"/api/v1/posts/{world.public.id}/votes"
    bob = bearer(world.bob)
    for _ in range(2):
        response = _vote(api, url, bob, "up", current="none")
        assert response.get_json()["vote"] == "up" and response.get_json()["score"] == 1
    taken_back = _vote(api, url, bob, "up", current="up")
    assert taken_back.get_json()["vote"] is None


def test_comment_karma_and_agreement_are_separate_axes(api, world):
    cid = world.public_comment.id
    bob = bearer(world.bob)
    karma = _vote(api, f"/api/v1/comments/{cid}/votes", bob, "up").get_json()
    assert karma == {
        "kind": "comment",
        "id": cid,
        "axis": "karma",
        "vote": "up",
        "score": 1,
        "vote_count": 1,
        "agreement": 0,
        "agreement_count": 0,
    }
    agreement = _vote(api, f"/api/v1/comments/{cid}/agreement", bob, "disagree").get_json()
    assert agreement == {
        "kind": "comment",
        "id": cid,
        "axis": "agreement",
        "vote": "disagree",
        "score": 1,
        "vote_count": 1,
        "agreement": -1,
        "agreement_count": 1,
    }
    assert fresh(world.ada).karma == 1  # agreement never moves karma

    shown = api.get(f"/api/v1/comments/{cid}", bob).get_json()
    assert {
        k: shown[k] for k in ("score", "vote_count", "my_vote", "agreement", "agreement_count", "my_agreement")
    } == {
        "score": 1,
        "vote_count": 1,
        "my_vote": "up",
        "agreement": -1,
        "agreement_count": 1,
        "my_agreement": "disagree",
    }
    node = api.get(f"/api/v1/posts/{world.public.id}/comments", bob).get_json()["items"][0]["comment"]
    assert (node["my_vote"], node["my_agreement"]) == ("up", "disagree")
    by_ada = api.get("/api/v1/users/ada/comments", bob).get_json()["items"]
    assert [(c["id"], c["my_vote"]) for c in by_ada if c["id"] == cid] == [(cid, "up")]


def test_the_axes_take_only_their_own_values(api, client, world):
    cid = world.public_comment.id
    bob = bearer(world.bob)
    for url, body, field in [
        (f"/api/v1/comments/{cid}/agreement", {"value": "up"}, "value"),
        (f"/api/v1/comments/{cid}/votes", {"value": "agree"}, "value"),
        (f"/api/v1/posts/{world.public.id}/votes", {"value": "agree"}, "value"),
        (f"/api/v1/posts/{world.public.id}/votes", {}, "value"),
        (f"/api/v1/posts/{world.public.id}/votes", {"value": 1}, "value"),
        (f"/api/v1/posts/{world.public.id}/votes", {"value": "up", "current": "sideways"}, "current"),
    ]:
        response = api.post(url, bob, json=body)
        assert response.status_code == 400, (url, body)
        assert response.get_json()["error"]["field"] == field, (url, body)
    assert client.post(f"/api/v1/posts/{world.public.id}/votes", headers=bob, data="value=up").status_code == 415
    assert vote_rows() == 0


# --- refusals ------------------------------------------------------------------------------


def test_thresholds_are_refused_naming_the_field_and_change_nothing(api, world):
    bob = bearer(world.bob)
    url = f"/api/v1/posts/{world.public.id}/votes"
    for value, message in [
        ("down", "Down-votes need 10 karma."),
        ("strong-up", "Strong votes need 25 karma."),
        ("strong-down", "Down-votes need 10 karma."),
    ]:
        response = _vote(api, url, bob, value)
        assert response.status_code == 403
        assert response.get_json() == {"error": {"code": "forbidden", "message": message, "field": "value"}}
    assert vote_rows() == 0 and fresh(world.public).score == 0

    set_karma(world.bob, 25)
    strong = _vote(api, url, bob, "strong-down").get_json()
    assert strong["vote"] == "strong-down" and strong["score"] == -2


def test_own_writing_is_refused_naming_the_field(api, world):
    ada = bearer(world.ada)
    for url in (f"/api/v1/posts/{world.public.id}/votes", f"/api/v1/comments/{world.public_comment.id}/votes"):
        response = _vote(api, url, ada, "up")
        assert response.status_code == 403
        assert response.get_json()["error"] == {
            "code": "forbidden",
            "message": "You cannot vote on your own writing.",
            "field": "value",
        }
    assert _vote(api, f"/api/v1/comments/{world.public_comment.id}/agreement", ada, "agree").status_code == 403
    assert vote_rows() == 0


def test_read_only_tokens_banned_users_and_signed_out_callers_are_refused(api, world):
    url = f"/api/v1/posts/{world.public.id}/votes"
    read_only = _vote(api, url, bearer(world.bob, "read"), "up")
    assert read_only.status_code == 403 and "read-only" in read_only.get_json()["error"]["message"]

    anonymous = _vote(api, url, None, "up")
    assert anonymous.status_code == 401
    # Signed out: refused before any lookup, so a hidden or missing id answers the same.
    assert _vote(api, f"/api/v1/posts/{world.restricted.id}/votes", None, "up").data == anonymous.data
    assert _vote(api, f"/api/v1/posts/{MISSING}/votes", None, "up").data == anonymous.data

    token = bearer(world.eve)
    moderation.ban_user(make_moderator("mod"), world.eve, "Vote manipulation.")
    banned = _vote(api, url, token, "up")
    assert banned.status_code == 403, banned.get_data(as_text=True)
    assert banned.get_json()["error"]["code"] == "forbidden"
    assert vote_rows() == 0 and fresh(world.public).score == 0


def test_deleted_and_removed_items_take_no_votes(api, world):
    bob = bearer(world.bob)
    comment_service.delete_comment(world.public_comment)
    response = _vote(api, f"/api/v1/comments/{world.public_comment.id}/votes", bob, "up")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    mod = make_moderator("mod")
    moderation.remove_post(mod, world.public, "Off topic.")
    # Hidden from bob now (the one 404); its moderator still opens it and is told why not.
    assert _vote(api, f"/api/v1/posts/{world.public.id}/votes", bob, "up").get_json() == NOT_FOUND
    removed = _vote(api, f"/api/v1/posts/{world.public.id}/votes", mod, "up")
    assert removed.status_code == 409 and "removed" in removed.get_json()["error"]["message"]
    assert vote_rows() == 0


# --- the promise ---------------------------------------------------------------------------


def _snapshot(world):
    db.session.expire_all()
    return (
        vote_rows(),
        [(p.score, p.vote_count, p.hot) for p in db.session.query(Post).order_by(Post.id)],
        [(c.score, c.agreement) for c in db.session.query(Comment).order_by(Comment.id)],
        [u.karma for u in db.session.query(User).order_by(User.id)],
    )


@pytest.mark.parametrize("value", ["up", "down", "agree", "", None])
def test_an_outsider_gets_the_missing_404_and_changes_nothing(api, world, value):
    set_karma(world.eve, 100)  # no threshold may answer before the 404
    before = _snapshot(world)
    eve = bearer(world.eve)
    body = {} if value is None else {"value": value}
    for hidden, missing in [
        (f"/api/v1/posts/{world.restricted.id}/votes", f"/api/v1/posts/{MISSING}/votes"),
        (f"/api/v1/comments/{world.secret_comment.id}/votes", f"/api/v1/comments/{MISSING}/votes"),
        (f"/api/v1/comments/{world.secret_comment.id}/agreement", f"/api/v1/comments/{MISSING}/agreement"),
        (f"/api/v1/posts/{world.gated.id}/votes", f"/api/v1/posts/{MISSING}/votes"),
        (f"/api/v1/comments/{world.gated_comment.id}/votes", f"/api/v1/comments/{MISSING}/votes"),
    ]:
        got, absent = api.post(hidden, eve, json=body), api.post(missing, eve, json=body)
        assert got.status_code == absent.status_code == 404, (hidden, got.get_data(as_text=True))
        assert got.data == absent.data and got.get_json() == NOT_FOUND, hidden
        assert got.headers["Content-Type"] == absent.headers["Content-Type"]
    assert _snapshot(world) == before


def test_a_member_who_has_not_accepted_terms_may_vote_on_the_post_not_its_comments(api, world):
    bob = bearer(world.bob)
    assert _vote(api, f"/api/v1/posts/{world.gated.id}/votes", bob, "up").get_json()["score"] == 1
    hidden = _vote(api, f"/api/v1/comments/{world.gated_comment.id}/votes", bob, "up")
    assert hidden.status_code == 404 and hidden.get_json() == NOT_FOUND
    assert vote_rows(comment_id=world.gated_comment.id) == 0


def test_votes_inside_a_restricted_post_move_its_scores_not_karma(api, world):
    bob = bearer(world.bob)
    assert _vote(api, f"/api/v1/posts/{world.restricted.id}/votes", bob, "up").get_json()["score"] == 1
    assert _vote(api, f"/api/v1/comments/{world.secret_comment.id}/votes", bob, "up").get_json()["score"] == 1
    assert api.get("/api/v1/users/ada", world.eve).get_json()["karma"] == 0
    assert api.get(f"/api/v1/posts/{world.restricted.id}", bob).get_json()["score"] == 1


# --- where the numbers show ------------------------------------------------------------------


def test_placeholders_show_no_scores_like_the_pages(api, world):
    bob = bearer(world.bob)
    reply = make_comment(world.eve, world.public, "A reply.", parent=world.public_comment)
    _vote(api, f"/api/v1/comments/{world.public_comment.id}/votes", bob, "up")
    _vote(api, f"/api/v1/comments/{world.public_comment.id}/agreement", bob, "agree")
    comment_service.delete_comment(fresh(world.public_comment))

    node = api.get(f"/api/v1/posts/{world.public.id}/comments", bob).get_json()["items"][0]
    placeholder = node["comment"]
    assert placeholder["state"] == "deleted" and placeholder["body_md"] is None
    for key in ("score", "vote_count", "my_vote", "agreement", "agreement_count", "my_agreement"):
        assert placeholder[key] is None, key
    assert node["replies"][0]["comment"]["id"] == reply.id and node["replies"][0]["comment"]["score"] == 0
    assert api.get(f"/api/v1/comments/{world.public_comment.id}", bob).get_json()["score"] is None

    _vote(api, f"/api/v1/posts/{world.public.id}/votes", bob, "up")
    post_service.delete_post(fresh(world.public))
    deleted = api.get(f"/api/v1/posts/{world.public.id}", world.ada).get_json()
    assert deleted["state"] == "deleted"
    assert (deleted["score"], deleted["vote_count"], deleted["my_vote"]) == (None, None, None)

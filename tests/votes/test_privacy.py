"""Scores and votes of a restricted post belong to its audience only."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.services import posts as post_service
from forum.services.audience import Audience
from forum.services.votes import cast_vote
from tests.factories import login, make_comment, make_group, make_post, make_user
from tests.privacy.oracle import normalized
from tests.votes.helpers import JSON, fresh, vote_rows

SECRET_SCORE = 4817


@pytest.fixture
def scene(app):
    author, reader, outsider = make_user("author"), make_user("reader"), make_user("outsider")
    group = make_group(author, "Red team", members=(reader,))
    secret = make_post(author, "Hidden result", tags="evals", audience="restricted", groups=(group,))
    comment = make_comment(reader, secret, "Hidden reply")
    public = make_post(author, "Open result", tags="evals")
    return {
        "author": author,
        "reader": reader,
        "outsider": outsider,
        "secret": secret,
        "comment": comment,
        "public": public,
        "group": group,
    }


def _vote_urls(scene):
    return [
        (f"/posts/{scene['secret'].id}/vote", "up"),
        (f"/comments/{scene['comment'].id}/vote", "up"),
        (f"/comments/{scene['comment'].id}/agreement", "agree"),
    ]


@pytest.mark.parametrize("as_json", [False, True])
def test_outsiders_get_404_and_change_nothing(client, scene, as_json):
    login(client, scene["outsider"])
    headers = JSON if as_json else {}
    for url, value in _vote_urls(scene):
        response = client.post(url, data={"value": value, "current": "none"}, headers=headers)
        assert response.status_code == 404, url
    # The same answer as for an item that never existed.
    hidden = client.post(f"/posts/{scene['secret'].id}/vote", data={"value": "up"}, headers=headers)
    missing = client.post("/posts/99999/vote", data={"value": "up"}, headers=headers)
    # Byte for byte but for the per-request CSRF token (it carries a timestamp).
    assert normalized(missing) == normalized(hidden)
    assert vote_rows() == 0
    assert fresh(scene["secret"]).score == 0 and fresh(scene["comment"]).agreement == 0
    assert fresh(scene["author"]).karma == 0 and fresh(scene["reader"]).karma == 0


def test_the_audience_may_vote(client, scene):
    login(client, scene["reader"])
    response = client.post(f"/posts/{scene['secret'].id}/vote", data={"value": "up"}, headers=JSON)
    assert response.status_code == 200 and response.get_json()["score"] == 1


def test_scores_absent_from_every_page_an_outsider_sees(client, scene):
    scene["secret"].score = SECRET_SCORE
    scene["comment"].score = SECRET_SCORE + 1
    scene["comment"].agreement_count = SECRET_SCORE + 2
    db.session.commit()
    author = scene["author"].username
    pages = [
        "/",
        "/?sort=top-all",
        "/?sort=hot",
        "/?sort=top-day",
        "/tags/evals",
        f"/users/{author}",
        f"/users/{author}?tab=comments",
        "/users/reader?tab=comments",
        "/people",
    ]
    login(client, scene["outsider"])
    for url in pages:
        body = client.get(url).get_data(as_text=True)
        assert client.get(url).status_code == 200, url
        for number in (SECRET_SCORE, SECRET_SCORE + 1, SECRET_SCORE + 2):
            assert str(number) not in body, url
        assert "Hidden" not in body, url
    for url in (f"/posts/{scene['secret'].id}", f"/comments/{scene['comment'].id}"):
        assert client.get(url).status_code == 404
    # ...and the audience sees them.
    login(client, scene["reader"])
    body = client.get(f"/posts/{scene['secret'].id}").get_data(as_text=True)
    assert str(SECRET_SCORE) in body and str(SECRET_SCORE + 1) in body and str(SECRET_SCORE + 2) in body


def test_votes_inside_restricted_posts_do_not_move_public_karma(scene):
    voter = scene["reader"]
    cast_vote(voter, scene["secret"], "up")
    commenter_vote_target = make_comment(scene["author"], scene["secret"], "Author reply")
    cast_vote(voter, commenter_vote_target, "up")
    assert fresh(scene["secret"]).score == 1
    assert fresh(scene["author"]).karma == 0
    cast_vote(voter, scene["public"], "up")
    assert fresh(scene["author"]).karma == 1


def test_karma_follows_a_change_of_audience(scene):
    author, reader = scene["author"], scene["reader"]
    secret, comment = scene["secret"], scene["comment"]
    cast_vote(reader, secret, "up")
    cast_vote(author, comment, "up")
    assert (fresh(author).karma, fresh(reader).karma) == (0, 0)

    post_service.update_post(fresh(secret), author, secret.title, secret.body_md, "", Audience("members"))
    assert (fresh(author).karma, fresh(reader).karma) == (1, 1)

    group_only = Audience("restricted", frozenset(), frozenset({scene["group"].id}))
    post_service.update_post(fresh(secret), author, secret.title, secret.body_md, "", group_only)
    assert (fresh(author).karma, fresh(reader).karma) == (0, 0)


def test_members_only_scores_are_hidden_from_signed_out_visitors(client, app):
    author = make_user()
    post = make_post(author, "Members result", audience="members")
    post.score = SECRET_SCORE
    db.session.commit()
    assert str(SECRET_SCORE) not in client.get("/?sort=top-all").get_data(as_text=True)
    assert client.post(f"/posts/{post.id}/vote", data={"value": "up"}, headers=JSON).status_code == 401

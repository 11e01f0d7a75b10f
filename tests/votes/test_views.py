"""The vote URLs: form posts that redirect back, JSON for votes.js, refusals with a status."""

from __future__ import annotations

import re

import pytest

from forum import permissions
from forum.services import comments, posts
from tests.factories import login, make_comment, make_user
from tests.votes.helpers import JSON, fresh, set_karma, vote_rows


def test_form_vote_redirects_back_to_the_item(client, post):
    login(client, make_user())
    response = client.post(f"/posts/{post.id}/vote", data={"value": "up", "current": "none", "next": "/?sort=new"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/?sort=new#p{post.id}")
    assert fresh(post).score == 1


def test_form_vote_on_a_comment_goes_back_to_the_comment(client, post, author):
    comment = make_comment(author, post)
    login(client, make_user())
    response = client.post(f"/comments/{comment.id}/vote", data={"value": "up", "next": f"/posts/{post.id}?sort=new"})
    assert response.headers["Location"].endswith(f"/posts/{post.id}?sort=new#c{comment.id}")


@pytest.mark.parametrize("next_url", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_redirect_stays_on_this_site(client, post, next_url):
    login(client, make_user())
    response = client.post(f"/posts/{post.id}/vote", data={"value": "up", "next": next_url})
    assert response.headers["Location"] == f"/posts/{post.id}#p{post.id}"


def test_json_vote_returns_the_new_score_and_the_viewers_vote(client, post, author):
    comment = make_comment(author, post)
    login(client, make_user())
    body = client.post(f"/posts/{post.id}/vote", data={"value": "up", "current": "none"}, headers=JSON).get_json()
    assert body == {"kind": "post", "id": post.id, "axis": "karma", "vote": "up", "score": 1, "vote_count": 1}
    body = client.post(f"/posts/{post.id}/vote", data={"value": "up", "current": "up"}, headers=JSON).get_json()
    assert (body["vote"], body["score"]) == (None, 0)
    body = client.post(f"/comments/{comment.id}/agreement", data={"value": "agree"}, headers=JSON).get_json()
    assert (body["axis"], body["vote"], body["agreement"], body["agreement_count"], body["score"]) == (
        "agreement",
        "agree",
        1,
        1,
        0,
    )


def test_page_highlights_the_viewers_vote(client, post):
    login(client, make_user())
    client.post(f"/posts/{post.id}/vote", data={"value": "up"})
    for url in ("/", f"/posts/{post.id}"):
        page = client.get(url).get_data(as_text=True)
        assert f'value="post:{post.id}:karma:up:up" aria-pressed="true"' in page, url
        assert page.count('aria-pressed="true"') == 1 and 'aria-label="Down-vote"' in page
        assert 'data-current="up"' in page


def test_one_vote_form_per_page_and_a_vote_without_javascript(client, post, author):
    """Every button submits the page's one form to the one vote endpoint, naming its item
    and the vote the page shows in its value: what a browser without JavaScript sends
    works, and a double click (the same press sent twice) never takes the vote back."""
    comments_ = [make_comment(author, post, f"Comment {i}") for i in range(3)]
    login(client, make_user())
    page = client.get(f"/posts/{post.id}?sort=new").get_data(as_text=True)
    assert page.count('<form id="vote-form"') == 1 and 'class="vote vote-karma"' in page
    assert 'form class="vote' not in page  # no form per widget
    form = re.search(r'<form id="vote-form" method="post" action="([^"]+)" hidden>(.*?)</form>', page)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
    target = comments_[1]
    button = re.search(rf'form="vote-form" name="vote" value="(comment:{target.id}:karma:up)"', page)
    assert button is not None and fields["next"] == f"/posts/{post.id}?sort=new"
    for _ in range(2):  # the second press is the same request again
        response = client.post(form.group(1), data={**fields, "vote": button.group(1)})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/posts/{post.id}?sort=new#c{target.id}")
    assert fresh(target).score == 1
    again = client.get(f"/posts/{post.id}?sort=new").get_data(as_text=True)
    assert f'value="comment:{target.id}:karma:up:up"' in again


def test_buttons_below_threshold_are_disabled_with_the_reason(client, post):
    login(client, make_user())
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    # A disabled button is never submitted: it carries no value, only the reason.
    assert '<button aria-pressed="false" aria-label="Down-vote" title="Down-votes need 10 karma" disabled>' in page
    assert 'aria-label="Strong up-vote" title="Strong votes need 25 karma" disabled>' in page
    assert f'value="post:{post.id}:karma:up"' in page and f'value="post:{post.id}:karma:down"' not in page


def test_no_buttons_on_own_post_or_for_signed_out_viewers(client, post, author):
    assert "data-vote" not in client.get(f"/posts/{post.id}").get_data(as_text=True)
    login(client, author)
    assert "data-vote" not in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_signed_out_votes_are_refused(client, post):
    response = client.post(f"/posts/{post.id}/vote", data={"value": "up"}, headers=JSON)
    assert response.status_code == 401
    response = client.post(f"/posts/{post.id}/vote", data={"value": "up", "next": "/"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert vote_rows() == 0


def test_signed_out_answer_is_the_same_for_missing_items(client):
    assert client.post("/posts/999/vote", data={"value": "up"}, headers=JSON).status_code == 401


@pytest.mark.parametrize("value", ["sideways", "", "agree", "UP", "1"])
def test_bad_values_get_400_and_change_nothing(client, post, value):
    login(client, make_user())
    response = client.post(f"/posts/{post.id}/vote", data={"value": value}, headers=JSON)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    response = client.post(f"/posts/{post.id}/vote", data={"value": value})
    assert response.status_code == 400
    assert "That is not a vote." in response.get_data(as_text=True)
    assert vote_rows() == 0 and fresh(post).score == 0


def test_threshold_refusal_is_403_with_the_reason(client, post):
    login(client, make_user())
    response = client.post(f"/posts/{post.id}/vote", data={"value": "down"})
    assert response.status_code == 403
    assert "Down-votes need 10 karma" in response.get_data(as_text=True)
    assert vote_rows() == 0


def test_self_vote_is_403(client, post, author):
    login(client, author)
    assert client.post(f"/posts/{post.id}/vote", data={"value": "up"}, headers=JSON).status_code == 403
    assert vote_rows() == 0


def test_missing_and_deleted_items(client, post, author):
    comment = make_comment(author, post)
    login(client, make_user())
    assert client.post("/posts/999/vote", data={"value": "up"}).status_code == 404
    assert client.post("/comments/999/vote", data={"value": "up"}).status_code == 404
    comments.delete_comment(comment)
    assert client.post(f"/comments/{comment.id}/vote", data={"value": "up"}).status_code == 409
    posts.delete_post(post)
    assert client.post(f"/posts/{post.id}/vote", data={"value": "up"}).status_code == 409
    assert vote_rows() == 0


def test_votes_are_post_only(client, post):
    login(client, make_user())
    assert client.get(f"/posts/{post.id}/vote").status_code == 405


def test_accounts_that_may_not_vote_get_403(client, post, monkeypatch):
    """The hook moderation extends (bans)."""
    login(client, make_user())
    monkeypatch.setattr(permissions, "can_vote", lambda user: False)
    assert client.post(f"/posts/{post.id}/vote", data={"value": "up"}, headers=JSON).status_code == 403
    assert vote_rows() == 0


def test_strong_vote_through_the_form(client, post, author):
    voter = set_karma(make_user(), 100)
    login(client, voter)
    client.post(f"/posts/{post.id}/vote", data={"value": "strong-up"})
    assert fresh(post).score == 3 and fresh(author).karma == 3


def test_vote_buttons_are_decided_per_viewer_within_one_app_context(app):
    """A cached answer must not pass from one user to the next (a shell, a worker loop)."""
    from flask_login import login_user

    from forum.permissions import vote_rules

    veteran = set_karma(make_user("veteran"), 1_000)
    newcomer = make_user("newcomer")
    answers = []
    for user in (veteran, newcomer):
        with app.test_request_context():
            user.session_key = "no-record"  # login_user stores it; no request reads it back here
            login_user(user)
            answers.append(vote_rules(user)["down"])
    assert answers == [True, False]

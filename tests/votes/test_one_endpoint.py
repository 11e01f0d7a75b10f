"""The page's vote buttons post to one endpoint, `/votes`, each saying only what differs:
`kind:id:axis:choice`, and `:shown` when the page showed a vote (vote_html.py)."""

from __future__ import annotations

import re

import pytest

from tests.factories import login, make_comment, make_group, make_post, make_user
from tests.privacy.oracle import normalized
from tests.votes.helpers import JSON, fresh, vote_rows


def _page_form(page: str) -> tuple[str, dict[str, str]]:
    """The page form's action and fields, as a browser without JavaScript sends them."""
    form = re.search(r'<form id="vote-form" method="post" action="([^"]+)" hidden>(.*?)</form>', page)
    assert form is not None
    return form.group(1), dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))


def test_a_button_press_without_javascript_lands(client, post, author):
    comment = make_comment(author, post)
    login(client, make_user())
    page = client.get(f"/posts/{post.id}?sort=new").get_data(as_text=True)
    action, fields = _page_form(page)
    button = f'value="comment:{comment.id}:karma:up"'
    assert button in page and "formaction" not in page
    for _ in range(2):  # a double click sends the same press twice: the vote stays
        response = client.post(action, data={**fields, "vote": f"comment:{comment.id}:karma:up"})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/posts/{post.id}?sort=new#c{comment.id}")
    assert fresh(comment).score == 1
    again = client.get(f"/posts/{post.id}?sort=new").get_data(as_text=True)
    # The page now shows the vote; pressing the same button takes it back.
    assert f'value="comment:{comment.id}:karma:up:up" aria-pressed="true"' in again
    client.post(action, data={**fields, "vote": f"comment:{comment.id}:karma:up:up"})
    assert fresh(comment).score == 0


def test_agreement_and_post_votes_answer_json(client, post, author):
    comment = make_comment(author, post)
    login(client, make_user())
    body = client.post("/votes", data={"vote": f"post:{post.id}:karma:up:none"}, headers=JSON).get_json()
    assert body == {"kind": "post", "id": post.id, "axis": "karma", "vote": "up", "score": 1, "vote_count": 1}
    body = client.post("/votes", data={"vote": f"comment:{comment.id}:agreement:agree"}, headers=JSON).get_json()
    assert (body["kind"], body["axis"], body["vote"], body["agreement"]) == ("comment", "agreement", "agree", 1)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "post:{post}:karma",  # no choice
        "post:{post}:karma:sideways",
        "post:{post}:karma:UP",
        "post:{post}:agreement:agree",  # agreement is for comments
        "comment:{comment}:karma:agree",
        "comment:{comment}:agreement:up",
        "reply:{comment}:karma:up",
        "post:0:karma:up",
        "post:-1:karma:up",
        "post:1e3:karma:up",
        "post:{post}:karma:up:sideways",  # the shown vote is a vote or none
        "post:{post}:karma:up:none:more",
        "post: {post}:karma:up",
        "post:99999999999999999999999:karma:up",
    ],
)
def test_a_bad_value_is_refused_with_a_clear_message(client, post, author, value):
    comment = make_comment(author, post)
    login(client, make_user())
    vote = value.format(post=post.id, comment=comment.id)
    response = client.post("/votes", data={"vote": vote}, headers=JSON)
    assert response.status_code == 400 and response.get_json()["error"]["message"] == "That is not a vote."
    response = client.post("/votes", data={"vote": vote, "next": f"/posts/{post.id}"})
    assert response.status_code == 400 and "That is not a vote." in response.get_data(as_text=True)
    assert vote_rows() == 0


def test_refusals_are_those_of_the_item_endpoints(client, post):
    login(client, make_user())
    response = client.post("/votes", data={"vote": f"post:{post.id}:karma:down"})
    assert response.status_code == 403 and "Down-votes need 10 karma" in response.get_data(as_text=True)
    assert client.get("/votes").status_code == 405
    assert vote_rows() == 0


def test_signed_out_presses_get_the_same_answer_for_every_value(client, post):
    for vote in (f"post:{post.id}:karma:up", "post:999:karma:up", "nonsense"):
        assert client.post("/votes", data={"vote": vote}, headers=JSON).status_code == 401
        response = client.post("/votes", data={"vote": vote, "next": "/"})
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert vote_rows() == 0


@pytest.mark.parametrize("as_json", [False, True])
def test_an_outsiders_vote_on_a_hidden_comment_is_a_missing_comment(client, as_json):
    author, reader, outsider = make_user("author"), make_user("reader"), make_user("outsider")
    group = make_group(author, "Red team", members=(reader,))
    secret = make_post(author, "Hidden result", audience="restricted", groups=(group,))
    comment = make_comment(reader, secret, "Hidden reply")
    login(client, outsider)
    headers = JSON if as_json else {}
    for kind, hidden_id, missing_id, axis, choice in (
        ("comment", comment.id, 876_543, "karma", "up"),
        ("comment", comment.id, 876_543, "agreement", "agree"),
        ("post", secret.id, 987_654, "karma", "up"),
    ):
        hidden = client.post(
            "/votes", data={"vote": f"{kind}:{hidden_id}:{axis}:{choice}", "next": "/"}, headers=headers
        )
        missing = client.post(
            "/votes", data={"vote": f"{kind}:{missing_id}:{axis}:{choice}", "next": "/"}, headers=headers
        )
        assert hidden.status_code == 404
        assert normalized(hidden) == normalized(missing)  # byte for byte but the CSRF token
    assert vote_rows() == 0 and fresh(comment).score == 0 and fresh(secret).score == 0

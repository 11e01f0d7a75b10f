"""Input every engine must answer alike: numbers beyond an id column and NUL characters.
SQLite would quietly find nothing; PostgreSQL raises an error (a 500) unless the forum
refuses the input first. `make test-postgres` runs these on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post
from forum.web.routing import ID_MAX
from tests.api.helpers import bearer
from tests.factories import login, make_comment, make_group, make_post, make_user, page_text

TOO_BIG = ID_MAX + 1  # 2**31: beyond PostgreSQL's integer columns


@pytest.mark.parametrize(
    "url",
    [
        f"/posts/{TOO_BIG}",
        f"/comments/{TOO_BIG}",
        f"/api/v1/posts/{TOO_BIG}",
        f"/api/v1/comments/{TOO_BIG}",
        f"/invitations/{TOO_BIG}/accept",
    ],
)
def test_an_id_beyond_the_column_is_a_plain_404(client, url):
    login(client, make_user("ada"))
    method = client.post if url.endswith("/accept") else client.get
    missing = method(url.replace(str(TOO_BIG), "4242"))
    response = method(url)
    assert response.status_code == 404
    # page_text: a signed-in page's CSRF token is stamped per second, so two requests can differ there
    assert page_text(response) == page_text(missing).replace("4242", str(TOO_BIG))


def test_a_json_integer_beyond_the_column_is_refused_by_name(client):
    ada = make_user("ada")
    post = make_post(ada)
    response = client.post(
        f"/api/v1/posts/{post.id}/comments", headers=bearer(ada), json={"body": "A reply", "parent_id": TOO_BIG}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "parent_id"


@pytest.mark.parametrize("path", ["/users/a%00b", "/groups/a%00b", "/tags/a%00b", "/api/v1/users/a%00b"])
def test_a_nul_in_the_address_names_nothing(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["q=a%00b", "q=x&group=a%00b", "q=x&author=a%00b", "q=x&tag=a%00b"])
def test_a_nul_in_a_query_answers_as_for_any_unknown_value(client, query):
    make_group(make_user("ada"), "Lab")
    unknown = query.replace("a%00b", "nosuch")
    for prefix in ("/search", "/api/v1/search"):
        response, expected = client.get(f"{prefix}?{query}"), client.get(f"{prefix}?{unknown}")
        assert response.status_code == expected.status_code < 500


def test_a_nul_in_a_form_or_json_body_stores_nothing(client):
    ada = make_user("ada")
    login(client, ada)
    post = make_post(ada, "Kept")
    form = client.post("/posts/new", data={"title": "Nul\x00title", "body": "Body", "audience": "public"})
    assert form.status_code == 400
    comment = client.post(f"/posts/{post.id}/comments", data={"body": "a\x00b"})
    assert comment.status_code == 400
    api = client.post("/api/v1/posts", headers=bearer(ada), json={"title": "T", "body": "x\x00", "tags": ["ok"]})
    assert api.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1
    assert make_comment(ada, post, "Still fine").id


def test_a_deleted_groups_id_is_never_handed_out_again(app):
    """Audiences name "group:<id>": a recreated namesake must not inherit them. SQLite
    needs AUTOINCREMENT for that; PostgreSQL's sequences never go back."""
    from forum.services import groups

    owner = make_user("ada")
    first = make_group(owner, "Lab")
    first_id = first.id
    groups.delete_group(first)
    assert make_group(owner, "Lab").id > first_id

"""Profiles: what a profile shows, paging, and editing your own."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import User
from tests.factories import login, make_comment, make_post, make_user


def test_profile_shows_name_bio_interests_and_karma(client):
    make_user("ada", display_name="Ada Okafor", bio="I study **features**.", interests="SAEs, circuits")
    page = client.get("/users/ada").get_data(as_text=True)
    assert "Ada Okafor" in page and "@ada" in page
    assert "<strong>features</strong>" in page
    assert "saes" in page and "circuits" in page
    assert "0 karma" in page


def test_profile_lookup_ignores_case_and_unknown_is_404(client):
    make_user("ada")
    assert client.get("/users/ADA").status_code == 200
    assert client.get("/users/nobody").status_code == 404


def test_profile_lists_posts_and_comments_newest_first(client):
    ada = make_user("ada")
    older = make_post(ada, "Older post")
    make_post(ada, "Newer post")
    make_comment(ada, older, "older comment")
    make_comment(ada, older, "newer comment")
    posts = client.get("/users/ada").get_data(as_text=True)
    assert posts.index("Newer post") < posts.index("Older post")
    assert "Posts (2)" in posts and "Comments (2)" in posts
    comments = client.get("/users/ada?tab=comments").get_data(as_text=True)
    assert comments.index("newer comment") < comments.index("older comment")


def test_profile_pages(client, app):
    app.config["POSTS_PER_PAGE"] = 2
    ada = make_user("ada")
    for n in range(5):
        make_post(ada, f"Profile post {n}")
    first = client.get("/users/ada").get_data(as_text=True)
    assert "Profile post 4" in first and "Profile post 2" not in first and "Page 1 of 3" in first
    last = client.get("/users/ada?page=3").get_data(as_text=True)
    assert "Profile post 0" in last and "Profile post 1" not in last


def test_profile_counts_only_what_the_viewer_may_read(client):
    ada = make_user("ada")
    ben = make_user("ben")
    make_post(ada, "Public post")
    secret = make_post(ada, "Secret post", audience="restricted", users=(ben,))
    make_comment(ada, secret, "secret comment")
    make_post(ada, "Deleted soon")
    page = client.get("/users/ada").get_data(as_text=True)
    assert "Secret post" not in page and "Posts (2)" in page and "Comments (0)" in page
    login(client, ben)
    page = client.get("/users/ada").get_data(as_text=True)
    assert "Secret post" in page and "Posts (3)" in page and "Comments (1)" in page


def test_deleted_comments_are_not_on_the_profile(client):
    ada = make_user("ada")
    comment = make_comment(ada, make_post(ada), "regretted words")
    login(client, ada)
    client.post(f"/comments/{comment.id}/delete")
    page = client.get("/users/ada?tab=comments").get_data(as_text=True)
    assert "regretted words" not in page and "Comments (0)" in page


def test_edit_own_profile(client):
    ada = make_user("ada", display_name="Ada")
    login(client, ada)
    form = client.get("/settings/profile").get_data(as_text=True)
    assert 'value="Ada"' in form
    response = client.post(
        "/settings/profile",
        data={
            "display_name": "  Ada   Okafor ",
            "bio": "Bio with [link](https://example.org)",
            "interests": "Circuits, circuits, SAEs",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/users/ada")
    db.session.expire_all()
    user = db.session.get(User, ada.id)
    assert user.display_name == "Ada Okafor"
    assert [i.name for i in user.interests] == ["circuits", "saes"]
    assert 'href="https://example.org"' in user.bio_html


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"display_name": ""}, "This field is required."),
        ({"display_name": "n" * 65}, "64"),
        ({"bio": "b" * 5001}, "5000"),
        ({"interests": ", ".join(f"i{n}" for n in range(13))}, "At most 12 interests"),
        ({"interests": "<bad>"}, "is not a valid name"),
    ],
)
def test_bad_profile_input_is_refused_and_kept(client, fields, message):
    ada = make_user("ada", display_name="Ada", bio="old bio")
    login(client, ada)
    data = {"display_name": "Typed name", "bio": "typed bio", "interests": ""}
    data.update(fields)
    response = client.post("/settings/profile", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page.replace(",", "")
    if "bio" not in fields:
        assert "typed bio" in page
    db.session.expire_all()
    user = db.session.get(User, ada.id)
    assert (user.display_name, user.bio) == ("Ada", "old bio")


def test_profile_form_without_its_optional_fields_saves(client):
    # A client may leave out fields a browser always sends; omitted text counts as empty, as for the bio.
    ada = make_user("ada", display_name="Ada", bio="old bio", interests="circuits")
    login(client, ada)
    response = client.post("/settings/profile", data={"display_name": "Ada O"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/users/ada")
    db.session.expire_all()
    user = db.session.get(User, ada.id)
    assert (user.display_name, user.bio, user.interests) == ("Ada O", "", [])


def test_profile_settings_need_sign_in(client):
    response = client.get("/settings/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_people_directory_searches_names_and_interests(client):
    make_user("ada", display_name="Ada Okafor", interests="circuits")
    make_user("ben", display_name="Ben L", interests="governance")
    page = client.get("/people?q=circ").get_data(as_text=True)
    assert "Ada Okafor" in page and "Ben L" not in page
    assert "Ben L" in client.get("/people?q=ben").get_data(as_text=True)
    assert client.get("/people?q=%25").status_code == 200


def test_people_search_treats_wildcards_as_text(client):
    from tests.factories import make_user

    make_user("alice")
    make_user("bob_smith")
    assert "alice" not in client.get("/people?q=%").get_data(as_text=True)
    page = client.get("/people?q=_").get_data(as_text=True)
    assert "bob_smith" in page and "@alice" not in page


def test_people_directory_searches_bios(client):
    make_user("ada", display_name="Ada Okafor", bio="I train SAEs on small models.")
    make_user("ben", display_name="Ben L", bio="Forecasting.")
    page = client.get("/people?q=SAE").get_data(as_text=True)
    assert "Ada Okafor" in page and "Ben L" not in page

"""Posts: create, edit with revisions, delete, preview, tags, front page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, PostRevision, Tag
from tests.factories import login, make_post, make_user


def post_form(**fields) -> dict:
    data = {
        "title": "A title",
        "body": "A body",
        "tags": "",
        "audience": "public",
        "confirm_public": "y",
        "audience_users": "",
        "audience_groups": "",
    }
    data.update(fields)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def author(client):
    user = make_user("ada", display_name="Ada Okafor")
    login(client, user)
    return user


# --- create ------------------------------------------------------------------------------


def test_create_post_renders_markdown_and_tags(client, author):
    response = client.post(
        "/posts/new",
        data=post_form(
            title="Feature splitting", body="Some **bold** claim", tags="Interpretability, SAEs, interpretability"
        ),
    )
    assert response.status_code == 302
    post = db.session.scalar(select(Post))
    assert response.headers["Location"].endswith(f"/posts/{post.id}")
    assert [t.name for t in post.tags] == ["interpretability", "saes"]
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Feature splitting" in page and "<strong>bold</strong>" in page and "Ada Okafor" in page
    assert "edited" not in page


def test_markdown_is_rendered_once_at_save(client, author):
    client.post("/posts/new", data=post_form(body="[x](javascript:alert(1)) <script>x</script>"))
    post = db.session.scalar(select(Post))
    assert "<script>" not in post.body_html and "javascript:" not in post.body_html.split("[x]")[0]
    assert post.body_md.startswith("[x](javascript")


LONG = "x" * 201


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": ""}, "A post needs a title."),
        ({"title": "   "}, "A post needs a title."),
        ({"title": LONG}, "200"),
        ({"body": ""}, "A post needs a body."),
        ({"body": "   \n  "}, "A post needs a body."),
        ({"body": "b" * 100_001}, "100"),
        ({"tags": ", ".join(f"t{i}" for i in range(9))}, "At most 8 tags"),
        ({"tags": "a" * 49}, "is not a valid name"),
        ({"tags": "<script>"}, "is not a valid name"),
        ({"audience": "everyone"}, "Choose who can read it"),
        ({"audience": ""}, "Choose who can read it"),
        ({"audience": "restricted"}, "at least one other person or group"),
        ({"audience": "restricted", "audience_users": "ghost"}, "No user named ghost"),
    ],
)
def test_bad_post_input_is_refused_with_text_kept(client, author, fields, message):
    data = post_form(title="My typed title", body="My typed body text", tags="kept-tag", **{})
    data.update(fields)
    response = client.post("/posts/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    # What the user typed comes back in the form.
    if fields.get("title", "x").strip() and len(fields.get("title", "")) <= 200:
        assert data["title"] in page
    if "body" not in fields:
        assert "My typed body text" in page
    assert count(Post) == 0 and count(Tag) == 0


def test_create_needs_sign_in(client):
    response = client.post("/posts/new", data=post_form())
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(Post) == 0


def test_preview_renders_without_saving(client, author):
    response = client.post(
        "/posts/new",
        data=post_form(title="Draft", body="| a | b |\n|--|--|\n| 1 | 2 |\n\n<script>x</script>", preview="Preview"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'aria-labelledby="preview-label"' in page and "<table>" in page
    assert "<script>x" not in page
    assert "&lt;script&gt;x&lt;/script&gt;</textarea>" in page  # the typed text is back in the box
    assert count(Post) == 0


# --- edit and revisions ------------------------------------------------------------------


def test_edit_keeps_the_old_text_as_a_revision(client, author):
    post = make_post(author, "First title", "First body", tags="one")
    response = client.post(
        f"/posts/{post.id}/edit", data=post_form(title="Second title", body="Second body", tags="two")
    )
    assert response.status_code == 302
    db.session.refresh(post)
    assert (post.title, post.body_md) == ("Second title", "Second body")
    assert [t.name for t in post.tags] == ["two"]
    assert post.edited_at is not None
    revision = db.session.scalar(select(PostRevision))
    assert (revision.title, revision.body_md) == ("First title", "First body")

    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "edited" in page and f"/posts/{post.id}/revisions" in page
    history = client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)
    assert "First title" in history and "First body" in history


def test_each_edit_adds_a_revision_newest_first(client, author):
    post = make_post(author, "v1", "body 1")
    for n in (2, 3):
        client.post(f"/posts/{post.id}/edit", data=post_form(title=f"v{n}", body=f"body {n}"))
    history = client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)
    assert count(PostRevision) == 2
    assert history.index("body 2") < history.index("body 1")


def test_saving_unchanged_text_adds_no_revision(client, author):
    post = make_post(author, "Same", "Same body")
    client.post(f"/posts/{post.id}/edit", data=post_form(title="Same", body="Same body", tags="new-tag"))
    assert count(PostRevision) == 0
    assert "edited" not in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_edit_form_is_filled_with_the_current_post(client, author):
    post = make_post(author, "Current title", "Current body", tags="alpha, beta")
    page = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert 'value="Current title"' in page and "Current body</textarea>" in page
    assert 'value="alpha, beta"' in page


def test_rejected_edit_keeps_old_post_and_typed_text(client, author):
    post = make_post(author, "Old title", "Old body")
    response = client.post(f"/posts/{post.id}/edit", data=post_form(title="", body="New typed body"))
    assert response.status_code == 400
    assert "New typed body" in response.get_data(as_text=True)
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert (post.title, post.body_md, post.edited_at) == ("Old title", "Old body", None)
    assert count(PostRevision) == 0


def test_only_the_author_edits(client):
    post = make_post(make_user("ada"), "Title", "Body")
    login(client, make_user("ben"))
    assert client.get(f"/posts/{post.id}/edit").status_code == 403
    assert client.post(f"/posts/{post.id}/edit", data=post_form(title="Hijack")).status_code == 403
    assert (
        client.get(f"/posts/{post.id}/revisions").status_code == 200
    )  # versions: open to every reader (tests/test_versions.py)
    assert client.post(f"/posts/{post.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, post.id).title == "Title"
    assert db.session.get(Post, post.id).deleted_at is None
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f"/posts/{post.id}/edit" not in page


# --- delete ------------------------------------------------------------------------------


def test_delete_is_soft_and_shows_a_deleted_page(client, author):
    post = make_post(author, "Secret-ish title", "Body words", tags="gone-tag")
    response = client.post(f"/posts/{post.id}/delete")
    assert response.status_code == 302
    page = client.get(f"/posts/{post.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "[deleted]" in text and "Secret-ish title" not in text and "Body words" not in text
    assert "Secret-ish title" not in client.get("/").get_data(as_text=True)
    assert client.get("/tags/gone-tag").status_code == 404
    assert db.session.get(Post, post.id) is not None
    assert client.get(f"/posts/{post.id}/edit").status_code == 403


def test_unknown_post_is_404(client):
    assert client.get("/posts/999").status_code == 404
    assert client.get("/posts/999/revisions").status_code in (302, 404)


# --- tags --------------------------------------------------------------------------------


def test_tag_page_and_front_page_filter(client):
    author = make_user("ada")
    make_post(author, "Tagged post", tags="circuits")
    make_post(author, "Other post", tags="governance")
    page = client.get("/tags/circuits").get_data(as_text=True)
    assert "Tagged post" in page and "Other post" not in page
    front = client.get("/?tag=circuits").get_data(as_text=True)
    assert "Tagged post" in front and "Other post" not in front
    assert client.get("/tags/CIRCUITS").status_code == 200
    assert client.get("/tags/nothing-here").status_code == 404
    assert client.get("/?tag=nothing-here").status_code == 404
    tags = client.get("/tags").get_data(as_text=True)
    assert "circuits" in tags and "governance" in tags


def test_tag_autocomplete(client):
    author = make_user("ada")
    make_post(author, tags="interpretability, interviews")
    make_post(author, tags="interpretability")
    make_post(author, tags="governance")
    rows = client.get("/autocomplete/tags?q=INT").get_json()
    assert rows == [{"name": "interpretability", "posts": 2}, {"name": "interviews", "posts": 1}]
    assert client.get("/autocomplete/tags?q=%25").get_json() == []
    assert client.get("/autocomplete/tags?q=_").get_json() == []


def test_tag_autocomplete_ignores_restricted_posts(client):
    author = make_user("ada")
    make_post(author, tags="secret-topic", audience="restricted", users=(make_user("ben"),))
    assert client.get("/autocomplete/tags?q=sec").get_json() == []


# --- front page --------------------------------------------------------------------------


def test_front_page_shows_title_author_age_and_comment_count(client):
    author = make_user("ada", display_name="Ada Okafor")
    make_post(author, "Listed title")
    page = client.get("/").get_data(as_text=True)
    assert "Listed title" in page and "Ada Okafor" in page and "just now" in page and "0 comments" in page


def test_front_page_pages_newest_first(client, app):
    app.config["POSTS_PER_PAGE"] = 3
    author = make_user("ada")
    for n in range(7):
        make_post(author, f"Numbered post {n}")
    first = client.get("/").get_data(as_text=True)
    assert "Numbered post 6" in first and "Numbered post 4" in first and "Numbered post 3" not in first
    assert "Page 1 of 3" in first and 'rel="next" href="/?page=2"' in first
    third = client.get("/?page=3").get_data(as_text=True)
    assert "Numbered post 0" in third and "Numbered post 1" not in third
    assert client.get("/?page=99").status_code == 200
    for bad in ("0", "-1", "abc", "1e9"):
        assert client.get(f"/?page={bad}").status_code == 200
    assert "Numbered post 6" in client.get("/?sort=nonsense").get_data(as_text=True)


def test_the_vote_rules_are_written_on_the_page_not_only_in_tooltips(client, author):
    post = make_post(make_user("ben"), "Rules in words")
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "You have 0 karma:" in page and "down-votes open at 10 karma and strong votes (⇈ ⇊) at 25" in page
    author.karma = 30
    db.session.commit()
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "every vote is open to you, strong ones (⇈ ⇊) included" in page


def test_my_groups_view_lists_only_posts_shared_with_my_groups(client, author):
    from tests.factories import make_group

    owner, stranger = make_user("owner"), make_user("stranger")
    lab = make_group(owner, "Lab notes", members=(author,))
    other = make_group(stranger, "Other lab", members=(owner,))
    make_post(owner, "For the lab", audience="restricted", groups=(lab,))
    make_post(owner, "For the other lab", audience="restricted", groups=(other,))
    make_post(stranger, "For everyone")
    page = client.get("/?view=groups").get_data(as_text=True)
    assert "For the lab" in page and "In your groups" in page
    assert "For everyone" not in page and "For the other lab" not in page
    front = client.get("/").get_data(as_text=True)
    assert "For everyone" in front and "For the lab" in front

"""Safe defaults: the author names a post's readers every time, and opening a post to Public takes
a second step that says what public means (a plain form step: no JavaScript needed)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post
from forum.services.audience import PUBLIC_MEANS, audience_of
from tests.factories import login, make_post, make_user

FORM = {"title": "Typed title", "body": "Typed body, hours of work.", "tags": "", "audience_users": ""}


def posts() -> int:
    return db.session.scalar(select(func.count(Post.id)))


@pytest.fixture
def author(client):
    user = make_user("ada")
    login(client, user)
    return user


def test_the_new_post_form_chooses_no_audience_for_you(client, author):
    page = client.get("/posts/new").get_data(as_text=True)
    radios = re.findall(r'<input[^>]*name="audience"[^>]*>', page)
    assert len(radios) == 3 and not any("checked" in r for r in radios)


def test_publishing_without_choosing_is_refused_and_keeps_the_text(client, author):
    response = client.post("/posts/new", data={**FORM, "submit": "Publish"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choose who can read it" in page
    assert 'value="Typed title"' in page and "Typed body, hours of work." in page
    assert posts() == 0


def test_publishing_to_public_asks_first_and_saves_nothing_until_confirmed(client, author):
    first = client.post("/posts/new", data={**FORM, "audience": "public", "submit": "Publish"})
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and posts() == 0
    assert "Publish to everyone?" in page and "anyone on the internet, signed in or not" in page
    assert 'name="confirm_public"' in page
    # Everything typed rides along to the second step, public still chosen.
    assert 'value="Typed title"' in page and "Typed body, hours of work." in page
    assert re.search(r'<input[^>]*checked[^>]*value="public"|<input[^>]*value="public"[^>]*checked', page)

    second = client.post("/posts/new", data={**FORM, "audience": "public", "confirm_public": "Yes"})
    assert second.status_code == 302
    (post,) = db.session.scalars(select(Post))
    assert audience_of(post).kind == "public" and not post.is_draft


def test_members_and_drafts_need_no_second_step(client, author):
    members = client.post("/posts/new", data={**FORM, "audience": "members", "submit": "Publish"})
    assert members.status_code == 302
    draft = client.post("/posts/new", data={**FORM, "audience": "public", "save_draft": "Save draft"})
    assert draft.status_code == 302
    assert posts() == 2 and "Publish to everyone?" not in client.get(draft.location).get_data(as_text=True)


def test_widening_a_published_post_to_public_asks_but_editing_a_public_one_does_not(client, author):
    narrow = make_post(author, "Narrow", audience="members")
    edit = {**FORM, "title": "Narrow", "audience": "public", "submit": "Save changes"}
    asked = client.post(f"/posts/{narrow.id}/edit", data=edit)
    assert asked.status_code == 200 and PUBLIC_MEANS.split(":")[0] in asked.get_data(as_text=True)
    db.session.expire_all()
    assert audience_of(narrow).kind == "members"

    already = make_post(author, "Open already")
    again = client.post(f"/posts/{already.id}/edit", data={**edit, "title": "Open already"})
    assert again.status_code == 302


def test_a_draft_planned_for_public_publishes_from_its_page_only_when_ticked(client, author):
    draft = make_post(author, "Planned public", draft=True)
    page = client.get(f"/posts/{draft.id}").get_data(as_text=True)
    assert 'name="confirm_public"' in page
    refused = client.post(f"/posts/{draft.id}/publish", data={})
    assert refused.status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, draft.id).is_draft
    assert "Not published yet" in client.get(refused.location).get_data(as_text=True)
    assert client.post(f"/posts/{draft.id}/publish", data={"confirm_public": "y"}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(Post, draft.id).is_draft


def test_a_draft_saved_before_choosing_plans_members_never_public(client, author):
    response = client.post("/posts/new", data={**FORM, "save_draft": "Save draft"})
    assert response.status_code == 302
    (draft,) = db.session.scalars(select(Post))
    assert draft.is_draft and draft.audience_kind == "members"
    editor = client.get(f"/posts/{draft.id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="members"|<input[^>]*value="members"[^>]*checked', editor)


# The second step is enforced on the server: any POST that would open a post to Public needs
# `confirm_public`, whichever button (or none) it carries.


def test_a_scripted_post_without_the_confirmation_saves_nothing_and_keeps_the_text(client, author):
    response = client.post("/posts/new", data={**FORM, "audience": "public"})  # no button at all
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and posts() == 0
    assert "Publish to everyone?" in page and PUBLIC_MEANS in page
    assert 'value="Typed title"' in page and "Typed body, hours of work." in page
    assert client.post("/posts/new", data={**FORM, "audience": "public", "confirm_public": "y"}).status_code == 302
    assert posts() == 1


def test_widening_without_the_save_button_asks_too(client, author):
    narrow = make_post(author, "Narrow", audience="members")
    response = client.post(f"/posts/{narrow.id}/edit", data={**FORM, "title": "Narrow", "audience": "public"})
    assert response.status_code == 200 and "Publish to everyone?" in response.get_data(as_text=True)
    db.session.expire_all()
    assert audience_of(narrow).kind == "members" and narrow.title == "Narrow"
    confirmed = client.post(
        f"/posts/{narrow.id}/edit", data={**FORM, "title": "Narrow", "audience": "public", "confirm_public": "y"}
    )
    assert confirmed.status_code == 302
    db.session.expire_all()
    assert audience_of(narrow).kind == "public"


def test_publishing_a_draft_to_public_needs_the_confirmation_but_saving_it_does_not(client, author):
    draft = make_post(author, "Draft", draft=True, audience="members")
    edit = {**FORM, "title": "Draft", "audience": "public"}
    assert client.post(f"/posts/{draft.id}/edit", data=edit).status_code == 302  # saved, still a draft
    db.session.expire_all()
    assert draft.is_draft and draft.body_md == FORM["body"]
    asked = client.post(f"/posts/{draft.id}/edit", data={**edit, "body": "Changed.", "submit": "Publish"})
    assert asked.status_code == 200 and "Publish to everyone?" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert draft.is_draft and draft.body_md == FORM["body"]
    assert client.post(f"/posts/{draft.id}/edit", data={**edit, "confirm_public": "y"}).status_code == 302
    db.session.expire_all()
    assert not draft.is_draft and audience_of(draft).kind == "public"


def test_every_editor_state_says_where_it_will_publish(client, author):
    def target(page: str) -> str:
        match = re.search(r'<p class="notice draft-target">(.*?)</p>', page, re.S)
        assert match, "no 'will publish to' line"
        return " ".join(match.group(1).split())

    assert target(client.get("/posts/new").get_data(as_text=True)) == (
        "New post, will publish to: the readers you choose below (none chosen yet)."
    )
    asked = client.post("/posts/new", data={**FORM, "audience": "public", "submit": "Publish"})
    assert target(asked.get_data(as_text=True)) == "New post, will publish to: everyone."
    draft = make_post(author, "Planned", draft=True, audience="members")
    assert target(client.get(f"/posts/{draft.id}/edit").get_data(as_text=True)) == (
        "Draft, will publish to: signed-in members."
    )
    preview = client.post(f"/posts/{draft.id}/edit", data={**FORM, "audience": "restricted", "preview": "Preview"})
    assert target(preview.get_data(as_text=True)) == (
        "Draft, will publish to: the people and groups chosen in the editor."
    )

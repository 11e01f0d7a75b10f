"""A per-user default audience, chosen in settings: none at first (the editor asks every time);
once chosen, the new-post editor starts with it; Public as a default still takes the second step."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post
from forum.services import groups
from tests.factories import login, make_group, make_user


def checked(page: str, name: str) -> list[str]:
    radios = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return [re.search(r'value="([^"]*)"', r).group(1) for r in radios if "checked" in r]


def posts() -> int:
    return db.session.scalar(select(func.count(Post.id)))


@pytest.fixture
def ada(client):
    user = make_user("ada")
    login(client, user)
    return user


def test_settings_offer_the_editors_audiences_and_start_with_none(client, ada):
    lab = make_group(ada, "Alignment lab")
    page = client.get("/settings/writing").get_data(as_text=True)
    values = re.findall(r'<input[^>]*name="default_audience"[^>]*value="([^"]*)"', page)
    assert values == ["", "members", f"group:{lab.id}", "public"]
    assert checked(page, "default_audience") == [""]
    assert checked(client.get("/posts/new").get_data(as_text=True), "audience") == []
    assert 'href="/settings/writing"' in client.get("/settings").get_data(as_text=True)


def test_a_chosen_default_is_preselected_in_a_new_post(client, ada):
    assert client.post("/settings/writing", data={"default_audience": "members"}).status_code == 302
    assert checked(client.get("/settings/writing").get_data(as_text=True), "default_audience") == ["members"]
    assert checked(client.get("/posts/new").get_data(as_text=True), "audience") == ["members"]


def test_a_group_default_preselects_restricted_to_that_group(client, ada):
    lab = make_group(ada, "Alignment lab")
    assert client.post("/settings/writing", data={"default_audience": f"group:{lab.id}"}).status_code == 302
    page = client.get("/posts/new").get_data(as_text=True)
    assert checked(page, "audience") == ["restricted"]
    assert re.search(rf'name="audience_groups"[^>]*value="{lab.slug}"', page)


def test_a_group_one_is_not_in_cannot_be_the_default_and_leaving_drops_it(client, ada):
    ben = make_user("ben")
    theirs = make_group(ben, "Not ada's")
    refused = client.post("/settings/writing", data={"default_audience": f"group:{theirs.id}"})
    assert refused.status_code == 400 and "Choose one of the listed audiences" in refused.get_data(as_text=True)
    db.session.refresh(ada)
    assert ada.default_audience is None

    shared = make_group(ben, "Shared", members=(ada,))
    assert client.post("/settings/writing", data={"default_audience": f"group:{shared.id}"}).status_code == 302
    groups.leave(ada, shared)
    assert checked(client.get("/posts/new").get_data(as_text=True), "audience") == []


def test_public_as_a_default_still_asks_at_publishing(client, ada):
    client.post("/settings/writing", data={"default_audience": "public"})
    page = client.get("/posts/new").get_data(as_text=True)
    assert checked(page, "audience") == ["public"]
    asked = client.post(
        "/posts/new", data={"title": "T", "body": "Typed body.", "audience": "public", "submit": "Publish"}
    )
    assert asked.status_code == 200 and "Publish to everyone?" in asked.get_data(as_text=True)
    assert posts() == 0


def test_back_to_no_default(client, ada):
    client.post("/settings/writing", data={"default_audience": "members"})
    assert client.post("/settings/writing", data={"default_audience": ""}).status_code == 302
    db.session.refresh(ada)
    assert ada.default_audience is None
    assert checked(client.get("/posts/new").get_data(as_text=True), "audience") == []

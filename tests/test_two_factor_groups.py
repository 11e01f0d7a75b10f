"""A group that requires two-factor sign-in: its members read its posts only once their
account has it. Until then the posts answer them as to an outsider, through every page,
listing, count, search and feed; the group page tells them why and where to turn it on."""

from __future__ import annotations

import re

import pyotp
import pytest

from forum.extensions import db
from forum.models import TotpSecret
from forum.models._time import utcnow
from forum.services import ServiceError, two_factor
from forum.services import groups as group_service
from tests.factories import PASSWORD, login, make_group, make_post, make_user
from tests.privacy.oracle import MISSING_POST, normalized

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def turn_on_two_factor(user) -> None:
    """A confirmed authenticator, as enrolment leaves it (tests/test_two_factor.py enrols through the pages)."""
    db.session.add(TotpSecret(user_id=user.id, secret=SECRET, confirmed_at=utcnow()))
    db.session.commit()


@pytest.fixture
def world(app):
    owner = make_user("owner")
    turn_on_two_factor(owner)
    member = make_user("member")
    group = make_group(owner, "Careful Lab", members=(member,), requires_two_factor=True)
    post = make_post(
        owner,
        "Sunflower canary result",
        "Sunflower canary body.",
        tags="sunflowertag",
        audience="restricted",
        groups=(group,),
    )
    return {"owner": owner, "member": member, "group": group, "post": post}


def _pages(w) -> list[str]:
    slug = w["group"].slug
    return [
        "/",
        "/?sort=new",
        "/tags",
        "/tags/sunflowertag",
        "/users/owner",
        f"/groups/{slug}",
        "/groups/mine",
        "/search?q=sunflower",
        "/api/v1/posts",
        f"/api/v1/groups/{slug}/posts",
        "/api/v1/search?q=sunflower",
    ]


def _shows(client, w) -> dict[str, bool]:
    seen = {}
    for url in _pages(w):
        body = client.get(url).get_data(as_text=True).lower()
        seen[url] = "sunflower canary" in body or f"/posts/{w['post'].id}" in body
    return seen


def test_a_member_without_two_factor_reads_nothing_of_the_group_until_they_enrol(client, world):
    post = world["post"]
    login(client, world["member"])
    assert not any(_shows(client, world).values()), _shows(client, world)
    hidden = client.get(f"/posts/{post.id}")
    missing = client.get(f"/posts/{MISSING_POST}")
    assert hidden.status_code == 404
    assert normalized(hidden, f"/posts/{post.id}") == normalized(missing, f"/posts/{MISSING_POST}")
    # The group page says why, and where to turn it on.
    page = client.get(f"/groups/{world['group'].slug}").get_data(as_text=True)
    assert "asks its members to sign in with two factors" in page and 'href="/settings/two-factor"' in page
    assert "Careful Lab" in client.get("/settings/two-factor").get_data(as_text=True)

    turn_on_two_factor(world["member"])
    shown = _shows(client, world)
    assert all(shown[url] for url in _pages(world) if url not in ("/tags", "/groups/mine")), shown
    assert client.get(f"/posts/{post.id}").status_code == 200
    assert "asks its members to sign in with two factors" not in client.get(f"/groups/{world['group'].slug}").get_data(
        as_text=True
    )


def test_turning_two_factor_off_hides_the_group_again(client, world):
    login(client, world["member"])  # the password step alone: two-factor is not on yet
    turn_on_two_factor(world["member"])
    assert client.get(f"/posts/{world['post'].id}").status_code == 200
    two_factor.turn_off(world["member"], password=PASSWORD)
    assert client.get(f"/posts/{world['post'].id}").status_code == 404
    assert not any(_shows(client, world).values())


def test_other_members_and_groups_are_untouched(client, world):
    """The requirement takes only this group's token: the member's other groups still read."""
    other = make_group(world["owner"], "Open Lab", members=(world["member"],))
    post = make_post(world["owner"], "Open lab note", audience="restricted", groups=(other,))
    login(client, world["member"])
    assert client.get(f"/posts/{post.id}").status_code == 200


def test_only_an_owner_with_two_factor_may_require_it(app, world):
    alone = make_user("alone")
    with pytest.raises(ServiceError, match="Turn on two-factor sign-in for your own account first"):
        make_group(alone, "Hasty Lab", requires_two_factor=True)
    group = make_group(alone, "Slow Lab")
    with pytest.raises(ServiceError):
        group_service.update_group(
            alone, group, name=group.name, description="", listed=True, join_policy="request", interests="",
            requires_two_factor=True,
        )  # fmt: skip
    db.session.rollback()
    assert not db.session.get(type(group), group.id).requires_two_factor


def test_the_edit_form_sets_the_requirement(client, world):
    owner, group = world["owner"], world["group"]
    client.post("/login", data={"username": owner.username, "password": PASSWORD})
    assert client.post("/login/two-factor", data={"code": pyotp.TOTP(SECRET).now()}).status_code == 302
    form = client.get(f"/groups/{group.slug}/edit").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="requires_two_factor"', form)
    response = client.post(
        f"/groups/{group.slug}/edit",
        data={"name": group.name, "description": "", "listed": "listed", "join_policy": "request", "interests": ""},
    )
    assert response.status_code == 302
    db.session.refresh(group)
    assert not group.requires_two_factor
    other = client.application.test_client()
    login(other, world["member"])
    assert other.get(f"/posts/{world['post'].id}").status_code == 200

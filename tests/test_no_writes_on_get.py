"""GET never writes: no INSERT, UPDATE or DELETE while serving a page."""

from __future__ import annotations

import pytest
from flask import url_for

from tests.factories import (
    READ_RECEIPTS,
    login,
    make_attachment,
    make_comment,
    make_group,
    make_post,
    make_user,
    statements,
    writes,
)


@pytest.fixture
def world(app):
    ada, ben = make_user("ada", interests="circuits"), make_user("ben")
    group = make_group(ada, "Circuits Group", members=(ben,))
    post = make_post(ada, "A post", tags="circuits", audience="restricted", groups=(group,))
    parent = make_comment(ben, post, "parent")
    make_comment(ada, post, "child", parent=parent)
    deleted = make_post(ada, "Gone")
    from forum.services import posts as post_service

    post_service.delete_post(deleted)
    figure = make_attachment(ada, post)
    return {
        "post_id": post.id,
        "comment_id": parent.id,
        "username": "ada",
        "name": "circuits",
        "slug": group.slug,
        "user": ada,
        "deleted_post_id": deleted.id,
        "key": figure.key,
    }


def get_urls(app, world) -> list[str]:
    """Every GET route whose arguments this test knows how to fill, plus a few variants."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            if not set(rule.arguments) <= world.keys():
                continue
            urls.append(url_for(rule.endpoint, **{a: world[a] for a in rule.arguments}))
    urls += [
        "/?page=2",
        "/?tag=circuits",
        "/users/ada?tab=comments",
        "/autocomplete/tags?q=c",
        "/autocomplete/users?q=a",
        "/autocomplete/groups?q=c",
        f"/posts/{world['deleted_post_id']}",
        "/posts/9999",
        "/no/such/page",
        "/people?q=circ",
        "/groups?q=circ",
    ]
    return urls


@pytest.mark.parametrize("signed_in", [False, True])
def test_get_pages_do_not_write(app, client, world, signed_in):
    if signed_in:
        login(client, world["user"])
    urls = get_urls(app, world)
    assert len(urls) > 20
    with statements() as seen:
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, url
            # Opening a readable post records the visit (READ_RECEIPTS): that table only.
            assert not writes(seen, allow=READ_RECEIPTS), f"GET {url} wrote: {writes(seen, allow=READ_RECEIPTS)}"


def test_a_members_session_records_its_use_at_most_every_few_minutes(app, client, world):
    """The one other write a GET may make (forum/services/sessions.py `touch`): a session's
    "last seen", one conditional UPDATE when the last one is over TOUCH_INTERVAL old. It is
    what ends a session nobody uses and tells a member which sign-in is theirs on
    /settings/sessions; writing it at most every few minutes keeps reading a read."""
    from datetime import timedelta

    from sqlalchemy import update

    from forum.extensions import db
    from forum.models import UserSession
    from forum.models._time import utcnow
    from forum.services.sessions import TOUCH_INTERVAL

    login(client, world["user"])
    urls = get_urls(app, world)[:10]
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - TOUCH_INTERVAL - timedelta(seconds=1)))
    db.session.commit()
    with statements() as seen:
        for url in urls:
            client.get(url)
    made = [" ".join(s.split()) for s in writes(seen, allow=READ_RECEIPTS)]
    assert len(made) == 1 and made[0].startswith("UPDATE user_sessions SET last_seen_at=")

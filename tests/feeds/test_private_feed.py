"""The private feed: a secret address per user, showing what that user may read at the
moment it is fetched; made, replaced and turned off on the settings page."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace

import pytest

from forum.queries import feeds
from forum.services import drafts, feed_tokens
from forum.services import groups as group_service
from forum.services import terms as terms_service
from forum.services import tokens as token_service
from tests.factories import login, logout, make_group, make_post, make_user, statements, writes
from tests.privacy.oracle import normalized

from .helpers import add_terms, parse, set_audience, titles

ADDRESS = re.compile(r'value="http://localhost(/feeds/private/ffeed_[A-Za-z0-9_-]+\.atom)"')


@pytest.fixture
def world(app):
    ada, ben, eve = make_user("ada"), make_user("ben"), make_user("eve")
    lab = make_group(ada, "Lab", members=(ben,), listed=False)
    public = make_post(ada, "Open result", "Plain public body.")
    lab_post = make_post(ada, "Lab result", "zanzibar lab body", audience="restricted", groups=(lab,))
    to_ben = make_post(ada, "Note for ben", "zanzibar note body", audience="restricted", users=(ben,))
    gated = make_post(ada, "Gated lab result", "quetzal gated body", audience="restricted", groups=(lab,))
    add_terms(gated)
    draft = make_post(
        ada, "Draft for the lab", "xylophone draft body", audience="restricted", groups=(lab,), draft=True
    )
    drafts.share_draft(draft, ada, "ben", "read")
    return SimpleNamespace(
        ada=ada, ben=ben, eve=eve, lab=lab, public=public, lab_post=lab_post, to_ben=to_ben, gated=gated
    )


def make_address(client, user) -> str:
    """Sign in, make a feed address on the settings page, sign out; the address's path."""
    login(client, user)
    response = client.post("/settings/feed/new")
    assert response.status_code == 200
    path = ADDRESS.search(response.get_data(as_text=True)).group(1)
    logout(client)
    return path


def test_the_feed_shows_what_its_owner_may_read(client, world):
    ben = make_address(client, world.ben)
    response = client.get(ben)  # no session: the address alone is the key
    assert response.headers["Cache-Control"] == "private, no-store"
    _root, entries = parse(response)
    assert [e.title for e in entries] == ["Gated lab result", "Note for ben", "Lab result", "Open result"]
    by_title = {e.title: e for e in entries}
    assert "zanzibar lab body" in by_title["Lab result"].content
    # Terms not accepted: title, author and link only.
    assert by_title["Gated lab result"].content is None
    assert "quetzal" not in response.get_data(as_text=True)

    # A draft is in no feed, not even for someone it is shared with, nor its author.
    assert "xylophone" not in client.get(ben).get_data(as_text=True)
    assert "xylophone" not in client.get(make_address(client, world.ada)).get_data(as_text=True)

    eve = make_address(client, world.eve)
    assert titles(client.get(eve)) == ["Open result"]
    assert "zanzibar" not in client.get(eve).get_data(as_text=True)


def test_accepting_terms_brings_the_body_in(client, world):
    ben = make_address(client, world.ben)
    terms_service.accept_post_terms(world.ben, world.gated, world.gated.terms_version)
    entry = next(e for e in parse(client.get(ben))[1] if e.title == "Gated lab result")
    assert "quetzal gated body" in entry.content


def test_leaving_a_group_or_a_narrowed_audience_removes_entries_at_once(client, world):
    ben = make_address(client, world.ben)
    assert "Lab result" in titles(client.get(ben))
    group_service.leave(world.ben, world.lab)
    after = client.get(ben).get_data(as_text=True)
    assert "Lab result" not in after and "zanzibar lab body" not in after
    assert "Note for ben" in titles(client.get(ben))
    set_audience(world.to_ben, "restricted", users=(world.eve,))
    after = client.get(ben).get_data(as_text=True)
    assert "Note for ben" not in after and "zanzibar note body" not in after


def test_a_new_address_replaces_the_old_one(client, world):
    first = make_address(client, world.ben)
    second = make_address(client, world.ben)
    assert first != second
    assert client.get(first).status_code == 404
    parse(client.get(second))


def test_revoked_and_unknown_addresses_answer_the_same_404(client, app, world):
    address = make_address(client, world.ben)
    login(client, world.ben)
    assert client.post("/settings/feed/revoke").status_code == 302
    assert "turned off" in client.get("/settings/feed").get_data(as_text=True)
    reader = app.test_client()  # a feed reader: no session, no flashed messages
    revoked = reader.get(address)
    unknown_path = "/feeds/private/ffeed_" + "A" * 43 + ".atom"
    for other in (unknown_path, "/feeds/private/nonsense.atom"):
        unknown = reader.get(other)
        assert revoked.status_code == unknown.status_code == 404
        assert normalized(revoked, address) == normalized(unknown, other)
        assert dict(revoked.headers) == dict(unknown.headers) | {"Content-Length": revoked.headers["Content-Length"]}


def test_the_settings_page_shows_the_address_once(client, world):
    login(client, world.ben)
    assert "You have no private feed" in client.get("/settings/feed").get_data(as_text=True)
    made_response = client.post("/settings/feed/new")
    assert made_response.headers["Cache-Control"] == "private, no-store"
    made = made_response.get_data(as_text=True)
    address = ADDRESS.search(made).group(1)
    later = client.get("/settings/feed").get_data(as_text=True)
    assert address not in later and "ffeed_" in later  # the hint, never the whole token
    assert client.get("/users/ben").get_data(as_text=True).count('href="/settings/feed"') == 1


def test_settings_need_a_session_and_a_post(client, world):
    assert client.get("/settings/feed").status_code == 302
    assert client.post("/settings/feed/new").status_code == 302
    login(client, world.ben)
    assert client.get("/settings/feed/new").status_code == 405


def test_feed_addresses_and_api_tokens_do_not_open_each_other(client, world):
    address = make_address(client, world.ben)
    raw = address.removeprefix("/feeds/private/").removesuffix(".atom")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert token_service.find_active(raw) is None
    _token, api_raw = token_service.create_token(world.ben, "script", "read")
    assert client.get(f"/feeds/private/{api_raw}.atom").status_code == 404
    # The API tokens page lists API tokens only, and cannot revoke the feed's.
    assert [t.name for t in token_service.tokens_of(world.ben)] == ["script"]
    feed_token = feed_tokens.live_token(world.ben)
    login(client, world.ben)
    assert client.post(f"/settings/tokens/{feed_token.id}/revoke").status_code == 404
    parse(client.get(address))


def test_fetching_the_feed_writes_nothing(client, world):
    address = make_address(client, world.ben)
    client.get(address)
    with statements() as seen:
        for _ in range(3):
            parse(client.get(address))
        client.get("/feeds/private/ffeed_unknown.atom")
    assert writes(seen) == []


def test_the_address_never_reaches_the_log(client, app, world, monkeypatch, caplog):
    address = make_address(client, world.ben)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(feeds, "post_entries", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.DEBUG):
        assert client.get(address).status_code == 500
    assert "the database went away" in caplog.text  # the error itself is logged
    token = address.removeprefix("/feeds/private/").removesuffix(".atom")
    assert token not in caplog.text and "/feeds/private/<token>.atom" in caplog.text


@pytest.mark.parametrize("logger", ["werkzeug", "gunicorn.access"])
def test_access_logs_get_the_token_masked(client, world, logger, caplog):
    address = make_address(client, world.ben)
    token = address.removeprefix("/feeds/private/").removesuffix(".atom")
    with caplog.at_level(logging.INFO, logger=logger):
        logging.getLogger(logger).info('%s - - "%s %s HTTP/1.1" %s -', "127.0.0.1", "GET", address, 200)
    assert token not in caplog.text
    assert '"GET /feeds/private/ffeed_….atom HTTP/1.1" 200' in caplog.text

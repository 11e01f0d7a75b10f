"""Public Atom feeds: what an anonymous reader may see, and nothing else, whoever asks."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forum.services import moderation
from forum.services import posts as post_service
from tests.factories import login, make_comment, make_group, make_post, make_user
from tests.privacy.oracle import normalized

from .helpers import add_terms, parse, set_audience, titles

# Words that exist only inside things an anonymous reader may not read.
MARKERS = ("zanzibar", "quetzal", "obsidian", "lanthanum", "marmalade", "periwinkle", "withdrawn")


@pytest.fixture
def world(app):
    ada, ben, eve = make_user("ada", display_name="Ada"), make_user("ben"), make_user("eve")
    lab = make_group(ada, "Open Lab", members=(ben,))
    cabal = make_group(ada, "Periwinkle Cabal", members=(ben,), listed=False)
    public = make_post(ada, "Open result", "A public **finding**.", tags="circuits")
    make_comment(ben, public, "A public comment.")
    restricted = make_post(
        ada, "Zanzibar findings", "quetzal details", tags="obsidian, circuits", audience="restricted", groups=(lab,)
    )
    make_comment(ben, restricted, "marmalade question")
    to_ben = make_post(ada, "Zanzibar note for ben", "quetzal private", audience="restricted", users=(ben,))
    secret = make_post(ada, "Zanzibar cabal", "quetzal cabal", tags="obsidian", audience="restricted", groups=(cabal,))
    members = make_post(ada, "Lanthanum notes", "lanthanum body", tags="circuits", audience="members")
    gated = make_post(ada, "Open but gated", "quetzal behind terms", tags="circuits")
    add_terms(gated)
    make_post(ada, "Zanzibar draft", "quetzal draft", tags="circuits", draft=True)  # public once published
    gone = make_post(ada, "Withdrawn zanzibar", "quetzal withdrawn", tags="circuits")
    post_service.delete_post(gone)
    removed = make_post(ada, "Removed zanzibar", "quetzal removed", tags="circuits")
    mod = make_user("mod")
    moderation.set_role(None, mod, "moderator")
    moderation.remove_post(mod, removed, "Off topic.")
    return SimpleNamespace(
        ada=ada,
        ben=ben,
        eve=eve,
        lab=lab,
        cabal=cabal,
        public=public,
        restricted=restricted,
        to_ben=to_ben,
        secret=secret,
        members=members,
        gated=gated,
    )


PUBLIC_FEEDS = [
    "/feeds/hot.atom",
    "/feeds/new.atom",
    "/feeds/tags/circuits.atom",
    "/feeds/users/ada.atom",
    "/feeds/groups/open-lab.atom",
]


def _assert_clean(body: str) -> None:
    lowered = body.lower()
    assert [m for m in MARKERS if m in lowered] == []


@pytest.mark.parametrize("viewer", [None, "ben", "ada"])
def test_public_feeds_show_only_what_anyone_may_read_even_to_a_signed_in_reader(client, world, viewer):
    """A feed URL is shared: the session cookie of whoever fetches it changes nothing."""
    anonymous = {url: client.get(url).get_data() for url in PUBLIC_FEEDS}
    if viewer:
        login(client, getattr(world, viewer))
    for url in PUBLIC_FEEDS:
        response = client.get(url)
        parse(response)
        _assert_clean(response.get_data(as_text=True))
        assert response.get_data() == anonymous[url], url
        assert "Set-Cookie" not in response.headers


def test_front_page_feeds_list_the_public_posts(client, world):
    assert titles(client.get("/feeds/new.atom")) == ["Open but gated", "Open result"]
    assert set(titles(client.get("/feeds/hot.atom"))) == {"Open but gated", "Open result"}
    assert titles(client.get("/feeds/tags/circuits.atom")) == ["Open but gated", "Open result"]
    assert titles(client.get("/feeds/users/ada.atom")) == ["Open but gated", "Open result"]


def test_an_entry_carries_the_rendered_body_author_link_and_tags(client, world):
    _root, entries = parse(client.get("/feeds/new.atom"))
    entry = next(e for e in entries if e.title == "Open result")
    assert entry.content == world.public.body_html and "<strong>finding</strong>" in entry.content
    assert entry.link == f"http://localhost/posts/{world.public.id}"
    assert entry.author == "Ada"
    assert entry.categories == ("circuits",)


def test_a_post_with_usage_terms_carries_no_body(client, world):
    _root, entries = parse(client.get("/feeds/new.atom"))
    entry = next(e for e in entries if e.title == "Open but gated")
    assert entry.content is None
    assert "terms" in entry.summary
    assert entry.link == f"http://localhost/posts/{world.gated.id}"


def test_a_group_feed_exists_only_for_a_group_anyone_may_see(client, world):
    parse(client.get("/feeds/groups/open-lab.atom"))
    hidden_url, missing_url = f"/feeds/groups/{world.cabal.slug}.atom", "/feeds/groups/no-such-group.atom"
    hidden, missing = client.get(hidden_url), client.get(missing_url)
    assert hidden.status_code == 404
    assert normalized(hidden, hidden_url) == normalized(missing, missing_url)
    login(client, world.ben)  # a member asking changes nothing: the feed is the anonymous view
    assert normalized(client.get(hidden_url), hidden_url) == normalized(client.get(missing_url), missing_url)


def test_a_tag_only_on_restricted_posts_has_no_feed(client, world):
    login(client, world.ben)  # ben sees the tag on the site
    assert client.get("/tags/obsidian").status_code == 200
    hidden_url, missing_url = "/feeds/tags/obsidian.atom", "/feeds/tags/no-such-tag.atom"
    hidden, missing = client.get(hidden_url), client.get(missing_url)
    assert hidden.status_code == 404
    assert normalized(hidden, hidden_url) == normalized(missing, missing_url)
    assert client.get("/feeds/users/nobody.atom").status_code == 404


def test_narrowing_an_audience_removes_the_entry_at_once(client, world):
    first = client.get("/feeds/new.atom")
    assert "Open result" in titles(first)
    set_audience(world.public, "restricted", groups=(world.lab,))
    for url in PUBLIC_FEEDS:
        assert "Open result" not in client.get(url).get_data(as_text=True), url
    # A cached copy revalidated by its ETag is refused, not kept.
    again = client.get("/feeds/new.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "Open result" not in titles(again)


def test_members_only_and_adding_terms_later_leave_no_text(client, world):
    set_audience(world.public, "members")
    assert "Open result" not in titles(client.get("/feeds/new.atom"))
    set_audience(world.public, "public")
    add_terms(world.public)
    _root, entries = parse(client.get("/feeds/new.atom"))
    entry = next(e for e in entries if e.title == "Open result")
    assert entry.content is None and "finding" not in client.get("/feeds/new.atom").get_data(as_text=True)


def test_unchanged_feeds_answer_304_to_their_etag(client, world):
    first = client.get("/feeds/tags/circuits.atom")
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/feeds/tags/circuits.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_text_is_escaped_and_forbidden_characters_dropped(client, world):
    title = "Less <than> & \"quotes\" 'apos' ]]> \x01\x0b end"
    post = make_post(world.ada, title, "Body with <script>alert(1)</script> & an ampersand.\x02", tags="escaping")
    _root, entries = parse(client.get("/feeds/tags/escaping.atom"))
    assert entries[0].title == post.title.replace("\x01", "").replace("\x0b", "")
    assert "<script>" not in entries[0].content  # the sanitizer's output, not the Markdown
    assert "\x02" not in entries[0].content


def test_an_empty_feed_is_still_a_valid_document(client, world):
    root, entries = parse(client.get("/feeds/users/eve.atom"))
    assert entries == [] and root.findtext("{http://www.w3.org/2005/Atom}updated") == "1970-01-01T00:00:00Z"


def test_the_feed_size_is_capped(client, app, world):
    app.config["FEED_ENTRIES"] = 1
    assert titles(client.get("/feeds/new.atom")) == ["Open but gated"]


DISCOVERY = 'rel="alternate" type="application/atom+xml"'


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("/", "/feeds/hot.atom"),
        ("/", "/feeds/new.atom"),
        ("/?tag=circuits", "/feeds/tags/circuits.atom"),
        ("/tags/circuits", "/feeds/tags/circuits.atom"),
        ("/users/ada", "/feeds/users/ada.atom"),
        ("/groups/open-lab", "/feeds/groups/open-lab.atom"),
    ],
)
def test_pages_announce_their_feed_in_the_head_and_link_to_it(client, world, page, feed):
    body = client.get(page).get_data(as_text=True)
    head = body.split("</head>")[0]
    assert DISCOVERY in head and f'href="{feed}"' in head
    assert 'class="feed-link"' in body.split("</head>")[1]
    parse(client.get(feed))


def test_pages_whose_feed_would_be_missing_do_not_link_to_one(client, world):
    login(client, world.ben)
    for page in ("/tags/obsidian", "/?tag=obsidian", f"/groups/{world.cabal.slug}"):
        body = client.get(page).get_data(as_text=True)
        assert "application/atom+xml" not in body, page

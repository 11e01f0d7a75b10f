"""Crawl the site as an outsider and as an anonymous visitor: no word of a hidden post,
comment, tag or unlisted group appears anywhere, no link points at a hidden post, and
no GET writes to the database."""
from __future__ import annotations

import html
import re
from collections import deque
from urllib.parse import urlsplit

import pytest

from forum.services import feed_tokens
from forum.services import posts as post_service
from forum.services.audience import audience_of
from tests.conftest import login, make_comment, make_group, make_post, make_user

from .conftest import statements, writes

LINK = re.compile(r'href="([^"]+)"')
SKIP = ("/logout", "/static/")
MAX_PAGES = 400

# Words that exist only inside hidden things: any of them in a response is a leak.
RESTRICTED_MARKERS = ("zanzibar", "quetzal", "obsidian", "marmalade", "vermilion", "periwinkle", "tamarind")
MEMBERS_MARKERS = ("lanthanum", "gadolinium")  # hidden from anonymous visitors only


def crawl(client, starts) -> dict[str, str]:
    """Breadth-first over same-site GET links; url -> body."""
    seen: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        body = response.get_data(as_text=True)
        seen[url] = f"{response.status_code} {response.headers.get('Location', '')}\n{body}"
        for href in LINK.findall(body):
            href = html.unescape(href).split("#")[0]
            parts = urlsplit(href)
            if not href.startswith("/") or href.startswith("//") or parts.netloc or href.startswith(SKIP):
                continue
            if href not in seen:
                queue.append(href)
        if response.status_code in (301, 302, 303) and response.headers["Location"].startswith("/"):
            queue.append(response.headers["Location"])
    return seen


@pytest.fixture
def site(app):
    app.config["POSTS_PER_PAGE"] = 3
    author = make_user("author", bio="Open researcher.", interests="circuits")
    member = make_user("member", interests="evals")
    outsider = make_user("outsider")
    secret = make_group(author, "Vermilion Cabal", description="periwinkle charter", listed=False, members=(member,),
                        interests="tamarind studies")
    lab = make_group(author, "Open Lab", description="An open lab.", members=(member,))
    hidden = [
        make_post(author, "Zanzibar findings", "quetzal details", tags="obsidian, circuits", audience="restricted", groups=(secret,)),
        make_post(author, "Zanzibar replication", "quetzal again", tags="obsidian", audience="restricted", groups=(lab,)),
        make_post(author, "Zanzibar private note", "quetzal private", audience="restricted", users=(member,)),
    ]
    for post in hidden:
        first = make_comment(member, post, "marmalade question")
        make_comment(author, post, "marmalade answer", parent=first)
    members_only = make_post(author, "Lanthanum notes", "gadolinium body", tags="circuits", audience="members")
    make_comment(member, members_only, "gadolinium comment")
    visible = [make_post(author, f"Open result {i}", "Plain body.", tags="circuits, evals") for i in range(7)]
    for post in visible[:3]:
        c = make_comment(member, post, "A public question.")
        make_comment(author, post, "A public answer.", parent=c)
    # Edited posts link to their versions and the changes between them.
    for post in (visible[0], hidden[0]):
        tags = ", ".join(t.name for t in post.tags)
        post_service.update_post(post, author, post.title, post.body_md + " Revised.", tags, audience_of(post))
    gone = make_post(author, "Zanzibar withdrawn", "quetzal withdrawn", audience="restricted", groups=(secret,))
    post_service.delete_post(gone)
    hidden.append(gone)
    return {"author": author, "member": member, "outsider": outsider, "hidden": hidden,
            "members_only": members_only, "secret": secret}


def _starts(user=None):
    """Where the crawl begins. Pages link to their public feeds; the feeds are listed too,
    and a signed-in crawler also reads its own private feed (made here, before the crawl)."""
    starts = ["/", "/tags", "/people", "/groups", "/users/author", "/users/member", "/groups/open-lab",
              "/feeds/hot.atom", "/feeds/new.atom", "/feeds/tags/circuits.atom", "/feeds/users/author.atom",
              "/feeds/groups/open-lab.atom"]
    if user is not None:
        starts.append(f"/users/{user.username}")
        starts.append(f"/feeds/private/{feed_tokens.rotate(user)[1]}.atom")
    return starts


def _assert_nothing_leaks(pages: dict[str, str], site, markers) -> None:
    assert len(pages) > 30, "the crawl should reach the whole visible site"
    hidden_ids = {str(p.id) for p in site["hidden"]}
    leaks = []
    for url, body in pages.items():
        lowered = body.lower()
        leaks += [f"{marker!r} on {url}" for marker in markers if marker in lowered]
        leaks += [f"link to hidden post {pid} on {url}" for pid in re.findall(r"/posts/(\d+)", body) if pid in hidden_ids]
        leaks += [f"group slug on {url}" for _ in [1] if site["secret"].slug in body]
    assert leaks == []


@pytest.mark.parametrize("viewer", ["outsider", "anonymous"])
def test_a_crawl_finds_no_trace_of_hidden_things(client, site, viewer):
    markers = RESTRICTED_MARKERS
    if viewer == "outsider":
        login(client, site["outsider"])
    else:
        markers += MEMBERS_MARKERS
    starts = _starts(site.get(viewer))
    with statements() as seen:
        pages = crawl(client, starts)
    assert writes(seen) == [], "a GET wrote to the database"
    feeds = [url for url, body in pages.items() if url.startswith("/feeds/") and body.startswith("200 ")]
    assert len(feeds) >= (6 if viewer == "outsider" else 5), "the crawl should read every public feed"
    _assert_nothing_leaks(pages, site, markers)
    assert any("/revisions/compare" in url for url in pages), "the crawl should reach a visible post's versions"
    if viewer == "anonymous":
        assert not any(f"/posts/{site['members_only'].id}\"" in body for body in pages.values())


def test_no_get_writes_even_for_insiders(client, site):
    """The author reaches every page, edit forms and revisions included: still no writes."""
    login(client, site["author"])
    starts = _starts(site["author"]) + [f"/groups/{site['secret'].slug}"]
    with statements() as seen:
        pages = crawl(client, starts)
    assert any("zanzibar" in body.lower() for body in pages.values()), "the insider crawl should see hidden posts"
    assert any(url.endswith("/edit") for url in pages)
    private_feed = next(body for url, body in pages.items() if url.startswith("/feeds/private/"))
    assert "zanzibar" in private_feed.lower(), "the author's private feed should list their hidden posts"
    assert any(url.endswith("/revisions") for url in pages) and any("/revisions/compare" in url for url in pages)
    assert writes(seen) == []

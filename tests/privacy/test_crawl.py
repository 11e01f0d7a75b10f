"""Crawl the site as an outsider and as an anonymous visitor: no word of a hidden post,
comment, tag or unlisted group appears anywhere, no link points at a hidden post, and
no GET writes to the database."""

from __future__ import annotations

import html
import re
from collections import deque
from urllib.parse import urlsplit

import pytest

from forum.extensions import db
from forum.models import ConversationParticipant
from forum.services import access, conversations, feed_tokens, vouches
from forum.services import drafts as draft_service
from forum.services import notifications as notification_service
from forum.services import posts as post_service
from forum.services.audience import audience_of
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

LINK = re.compile(r'(?:href|src)="([^"]+)"')
SKIP = ("/logout", "/static/")
MAX_PAGES = 400

# Words that exist only inside hidden things: any of them in a response is a leak.
RESTRICTED_MARKERS = (
    "zanzibar",
    "quetzal",
    "obsidian",
    "marmalade",
    "vermilion",
    "periwinkle",
    "tamarind",
    "xanthic",
    "ultramarine",  # a conversation's subject
    "chrysoprase",  # its messages
)
MEMBERS_MARKERS = ("lanthanum", "gadolinium")  # hidden from anonymous visitors only


def crawl(client, starts, max_pages: int = MAX_PAGES) -> dict[str, str]:
    """Breadth-first over same-site GET links; url -> status, location and body."""
    seen: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(seen) < max_pages:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        # Files (figures) are fetched too, so the crawl proves which of them answer; their bytes are not text.
        textual = not response.mimetype.startswith(("image/", "application/pdf"))
        body = response.get_data(as_text=True) if textual else f"[{response.mimetype} file]"
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
    secret = make_group(
        author,
        "Vermilion Cabal",
        description="periwinkle charter",
        listed=False,
        members=(member,),
        interests="tamarind studies",
    )
    lab = make_group(author, "Open Lab", description="An open lab.", members=(member,))
    # The outsider follows the author and is mentioned in hidden threads: notifications are made, never shown.
    notification_service.set_following(outsider, "user", author.id, "follow")
    hidden = [
        make_post(
            author,
            "Zanzibar findings",
            "quetzal details",
            tags="obsidian, circuits",
            audience="restricted",
            groups=(secret,),
        ),
        make_post(
            author, "Zanzibar replication", "quetzal again", tags="obsidian", audience="restricted", groups=(lab,)
        ),
        make_post(author, "Zanzibar private note", "quetzal private", audience="restricted", users=(member,)),
    ]
    for post in hidden:
        first = make_comment(member, post, "marmalade question for @outsider")
        make_comment(author, post, "marmalade answer", parent=first)
    members_only = make_post(author, "Lanthanum notes", "gadolinium body", tags="circuits", audience="members")
    make_comment(member, members_only, "gadolinium comment")
    visible = [make_post(author, f"Open result {i}", "Plain body.", tags="circuits, evals") for i in range(7)]
    for post in visible[:3]:
        c = make_comment(member, post, "A public question.")
        make_comment(author, post, "A public answer.", parent=c)
    # Issue 15: vouches between insiders, and a listed restricted post whose card (title,
    # author, abstract) anyone signed in may see; its body and comments stay hidden.
    vouches.vouch(author, member, "Knows the open results well.")
    vouches.vouch(member, author, "Careful author.")
    listed = make_post(author, "Listed study", "quetzal listed body", audience="restricted", groups=(secret,))
    make_comment(member, listed, "marmalade on the listed study")
    access.set_listing(author, listed, True, "An abstract that members may read before asking.")
    # Edited posts link to their versions and the changes between them.
    for post in (visible[0], hidden[0]):
        tags = ", ".join(t.name for t in post.tags)
        post_service.update_post(post, author, post.title, post.body_md + " Revised.", tags, audience_of(post))
    gone = make_post(author, "Zanzibar withdrawn", "quetzal withdrawn", audience="restricted", groups=(secret,))
    post_service.delete_post(gone)
    hidden.append(gone)
    # A draft that will be public and one shared with the member: nobody else may find either.
    hidden.append(make_post(author, "Zanzibar draft", "quetzal draft", tags="xanthic", draft=True))
    shared = make_post(author, "Zanzibar shared draft", "quetzal", audience="restricted", groups=(lab,), draft=True)
    draft_service.share_draft(shared, author, member.username, "comment")
    make_comment(member, shared, "marmalade on a draft")
    hidden.append(shared)
    # Files of hidden posts, linked from the posts themselves: the crawl must not reach them.
    for post in hidden[:2] + hidden[-2:]:
        key = make_attachment(author, post).key
        post_service.update_post(
            post,
            author,
            post.title,
            f"{post.body_md}\n\n![zanzibar figure](/posts/{post.id}/files/{key})",
            [t.name for t in post.tags],
            audience_of(post),
        )
    open_key = make_attachment(author, visible[0]).key
    post_service.update_post(
        visible[0],
        author,
        visible[0].title,
        f"![open figure](/posts/{visible[0].id}/files/{open_key})",
        [t.name for t in visible[0].tags],
        audience_of(visible[0]),
    )
    # Issue 26: a conversation between insiders, and one the outsider was in and left; their
    # notifications and emails were made for the outsider and must no longer say anything.
    plans = conversations.start(author, [member], "Ultramarine plans", "chrysoprase details, $x^2$")
    # The member answers, so the author's insider crawl opens one conversation with news.
    conversations.write(member, plans, conversations.place_of(plans, member), "chrysoprase answer")
    outsider.open_to_contact = True
    left = conversations.start(author, [outsider, member], "Ultramarine for three", "chrysoprase for a while")
    mine = db.session.get(ConversationParticipant, (left.id, outsider.id))
    conversations.accept(mine)
    conversations.write(author, left, db.session.get(ConversationParticipant, (left.id, author.id)), "chrysoprase more")
    conversations.leave(mine)
    conversations.write(
        author, left, db.session.get(ConversationParticipant, (left.id, author.id)), "chrysoprase after"
    )
    return {
        "author": author,
        "member": member,
        "outsider": outsider,
        "hidden": hidden,
        "members_only": members_only,
        "secret": secret,
        "listed": listed,
    }


def _starts(user=None):
    """Where the crawl begins. Pages link to their public feeds; the feeds are listed too,
    and a signed-in crawler also reads its own private feed (made here, before the crawl)."""
    starts = [
        "/",
        "/tags",
        "/people",
        "/groups",
        "/users/author",
        "/users/member",
        "/groups/open-lab",
        "/feeds/hot.atom",
        "/feeds/new.atom",
        "/feeds/tags/circuits.atom",
        "/feeds/users/author.atom",
        "/feeds/groups/open-lab.atom",
        "/listed",
        "/people/suggestions",
        "/access-requests",
    ]
    if user is not None:
        starts.append(f"/users/{user.username}")
        starts.append(f"/feeds/private/{feed_tokens.rotate(user)[1]}.atom")
        starts += [f"/users/{user.username}", "/notifications", "/settings/notifications", "/messages"]
    return starts


def _assert_nothing_leaks(pages: dict[str, str], site, markers) -> None:
    assert len(pages) > 30, "the crawl should reach the whole visible site"
    hidden_ids = {str(p.id) for p in site["hidden"]}
    leaks = []
    for url, body in pages.items():
        lowered = body.lower()
        leaks += [f"{marker!r} on {url}" for marker in markers if marker in lowered]
        leaks += [
            f"link to hidden post {pid} on {url}" for pid in re.findall(r"/posts/(\d+)", body) if pid in hidden_ids
        ]
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
    # Opening readable posts records visits (READ_RECEIPTS); nothing else is written.
    assert writes(seen, allow=READ_RECEIPTS) == [], "a GET wrote to the database"
    feeds = [url for url, body in pages.items() if url.startswith("/feeds/") and body.startswith("200 ")]
    assert len(feeds) >= (6 if viewer == "outsider" else 5), "the crawl should read every public feed"
    _assert_nothing_leaks(pages, site, markers)
    assert any("/revisions/compare" in url for url in pages), "the crawl should reach a visible post's versions"
    files = [url for url in pages if "/files/" in url]
    assert files and all(pages[url].startswith("200") for url in files), "the open figure is reached and served"
    if viewer == "anonymous":
        assert not any(f'/posts/{site["members_only"].id}"' in body for body in pages.values())
    else:  # the listed post's card and request page were reached, and only they
        assert any("An abstract that members may read" in body for body in pages.values())
        assert f"/posts/{site['listed'].id}/access" in pages


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
    opened = [url for url in pages if re.fullmatch(r"/messages/\d+", url)]
    assert len(opened) == 2 and any(re.fullmatch(r"/messages/\d+/\d+/edit", url) for url in pages)
    # Issue 23: a GET writes only read receipts. A conversation's read time is one, written
    # only when it changes: the one conversation with news, once; the other, already read, not.
    conversation_reads = [
        s for s in writes(seen) if s.lstrip().startswith("UPDATE conversation_participants SET last_read_at")
    ]
    assert len(conversation_reads) == 1
    assert [s for s in writes(seen, allow=READ_RECEIPTS) if s not in conversation_reads] == []

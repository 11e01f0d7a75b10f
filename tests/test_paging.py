"""Pages of listings and of long threads, and bad `?page=` / `?sort=` input on each."""

from __future__ import annotations

import re

import pytest

from forum.extensions import db
from tests.factories import login, make_comment, make_group, make_post, make_user


@pytest.fixture
def site(app):
    author = make_user("author", interests="probes")
    reader = make_user("reader")
    group = make_group(author, "Probe readers", members=(reader,))
    post = make_post(author, "Listed post", tags="probes")
    make_comment(reader, post, "A first comment about probes.")
    return {"author": author, "reader": reader, "group": group, "post": post}


def listings(site) -> list[str]:
    post = site["post"]
    return [
        "/",
        "/?sort=new",
        "/tags/probes",
        "/users/author",
        "/users/author?tab=comments",
        "/people",
        "/groups",
        f"/groups/{site['group'].slug}",
        "/search?q=probes",
        f"/posts/{post.id}",
    ]


def _join(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


NOT_A_NUMBER, PAST_THE_END = "is not a page number", "There is no page"


@pytest.mark.parametrize(
    ("page", "notice"),
    [
        *((bad, NOT_A_NUMBER) for bad in ("abc", "-1", "0", "1.5", "٣", "1e3", "<i>2</i>")),
        *((far, PAST_THE_END) for far in ("7", "99999999999999999999999999")),
    ],
)
def test_every_listing_answers_a_bad_page_with_a_clear_one(client, site, page, notice):
    """Not a number: page 1, saying why. Past the end: the frame, a notice and a link to
    the last page (page 1 here). Never a 500, and the input is escaped."""
    for path in listings(site):
        response = client.get(_join(path, f"page={page}"))
        text = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert notice in text, path
        assert "<i>2</i>" not in text and ("page=1" in text or notice == NOT_A_NUMBER), path


def test_signed_in_listings_handle_bad_pages_too(client, site):
    login(client, site["reader"])
    for path in listings(site):
        assert NOT_A_NUMBER in client.get(_join(path, "page=x")).get_data(as_text=True), path
        assert PAST_THE_END in client.get(_join(path, "page=1000")).get_data(as_text=True), path
        assert client.get(_join(path, "page=1")).status_code == 200, path


def test_an_unknown_sort_shows_the_default_order_and_says_so(client, site):
    front = client.get("/?sort=sideways")
    assert front.status_code == 200
    assert "There is no sort “sideways”; showing hot." in front.get_data(as_text=True)
    thread = client.get(f"/posts/{site['post'].id}?sort=<b>sideways</b>")
    assert thread.status_code == 200
    text = thread.get_data(as_text=True)
    assert "There is no sort “&lt;b&gt;sideways&lt;/b&gt;”; the comments are in top order." in text
    assert client.get("/search?q=probes&sort=sideways").status_code == 200


@pytest.fixture
def long_thread(app, site):
    """Seven top-level comments, each with a reply, paged three at a time."""
    app.config["COMMENTS_PER_PAGE"] = 3
    post = make_post(site["author"], "A long thread")
    roots = []
    for i in range(7):
        root = make_comment(site["reader"], post, f"Top-level number {i}.")
        make_comment(site["author"], post, f"Reply to number {i}.", parent=root)
        roots.append(root)
    return post, roots


def shown_bodies(client, url: str) -> list[str]:
    return re.findall(r"(Top-level|Reply to) number (\d)", client.get(url).get_data(as_text=True))


def test_a_long_thread_is_paged_by_top_level_comments_with_their_replies(client, long_thread):
    post, _ = long_thread
    first = shown_bodies(client, f"/posts/{post.id}?sort=old")
    assert first == [
        ("Top-level", "0"),
        ("Reply to", "0"),
        ("Top-level", "1"),
        ("Reply to", "1"),
        ("Top-level", "2"),
        ("Reply to", "2"),
    ]
    assert shown_bodies(client, f"/posts/{post.id}?sort=old&page=3") == [("Top-level", "6"), ("Reply to", "6")]
    newest = shown_bodies(client, f"/posts/{post.id}?sort=new")
    assert newest[0] == ("Top-level", "6") and len(newest) == 6


def test_thread_pages_link_to_each_other_keeping_the_sort(client, long_thread):
    post, _ = long_thread
    text = client.get(f"/posts/{post.id}?sort=old&page=2").get_data(as_text=True)
    assert "Comments page 2 of 3" in text
    assert re.search(rf'href="/posts/{post.id}\?[^"]*page=1[^"]*#comments"', text)
    assert re.search(rf'href="/posts/{post.id}\?[^"]*page=3[^"]*#comments"', text)
    assert "sort=old" in re.search(r'rel="next" href="([^"]+)"', text).group(1)
    past = client.get(f"/posts/{post.id}?page=4")
    assert past.status_code == 200
    assert "There is no page 4 of comments: this thread has 3 pages." in past.get_data(as_text=True)


def test_a_permalink_shows_the_whole_subtree_whatever_the_page(client, long_thread):
    post, roots = long_thread
    text = client.get(f"/comments/{roots[6].id}").get_data(as_text=True)
    assert "Top-level number 6." in text and "Reply to number 6." in text
    assert "Top-level number 0." not in text


def test_the_front_page_counts_only_a_few_pages_ahead(client, app, site):
    """Its total is a lower bound past LOOKAHEAD_PAGES pages ("11+"), exact near the end."""
    from forum.infra.pages import LOOKAHEAD_PAGES

    app.config["POSTS_PER_PAGE"] = 1
    for i in range(LOOKAHEAD_PAGES + 2):  # with the site's post: 13 posts, 13 pages
        make_post(site["author"], f"Numbered {i}")
    first = client.get("/?sort=new").get_data(as_text=True)
    assert f"Page 1 of {LOOKAHEAD_PAGES + 1}+" in first and 'rel="next"' in first
    fifth = client.get("/?sort=new&page=5").get_data(as_text=True)
    assert "Page 5 of 13</span>" in fifth
    last = client.get("/?sort=new&page=13").get_data(as_text=True)
    assert "Page 13 of 13</span>" in last and 'rel="next"' not in last
    assert "There is no page 14 here: the last page is 13." in client.get("/?sort=new&page=14").get_data(as_text=True)


def test_after_commenting_you_land_on_the_page_that_shows_your_comment(client, long_thread, site):
    post, roots = long_thread
    login(client, site["reader"])
    reply = client.post(f"/posts/{post.id}/comments", data={"body": "A late reply.", "parent_id": str(roots[6].id)})
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert f"/posts/{post.id}?page=3#c" in location
    assert "A late reply." in client.get(location.split("#")[0]).get_data(as_text=True)
    early = client.post(
        f"/posts/{post.id}/comments", data={"body": "On the first page.", "parent_id": str(roots[0].id)}
    )
    assert f"/posts/{post.id}#c" in early.headers["Location"] and "page=" not in early.headers["Location"]


def test_a_permalink_links_to_the_thread_page_that_shows_it(client, long_thread):
    post, roots = long_thread
    text = client.get(f"/comments/{roots[4].id}").get_data(as_text=True)
    assert f'href="/posts/{post.id}?page=2#c{roots[4].id}">See it in the whole thread' in text


def test_one_page_shape_counts_then_reads_only_what_exists(app, site):
    """paging.paginate: the total counts the viewer's query; past the end no rows are asked for."""
    from forum.infra.pages import paginate
    from forum.models import User
    from forum.queries import listings as listing_queries
    from tests.factories import statements

    query = listing_queries.posts_by(None, db.session.get(User, site["author"].id))
    with app.test_request_context("/"):
        first = paginate(query, 1, 10)
        assert [p.title for p in first.items] == ["Listed post"]
        assert (first.total, first.pages, first.has_next, first.more) == (1, 1, False, False)
        with statements() as seen:
            past = paginate(query, 3, 10)
        assert past.items == [] and past.total == 1 and len(seen) == 1

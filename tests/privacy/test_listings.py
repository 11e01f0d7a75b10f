"""Listings, counts, tags, profiles, groups and pickers show each viewer only what they
may read, and a revoked reader loses everything on the very next request."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import delete

from forum.extensions import db
from forum.models import Membership
from forum.services import posts as post_service
from forum.services.audience import Audience
from tests.factories import login, logout, make_comment, make_group, make_post, make_user
from tests.privacy.oracle import db_snapshot, normalized

POST_LINK = re.compile(r'href="/posts/(\d+)"')
NEXT_PAGE = re.compile(r'<a rel="next" href="([^"]+)"')


def post_ids_on(client, url: str, after: str = "") -> list[int]:
    """Post ids linked from every page of a paginated listing, following "next" links;
    with `after`, only those linked below that text (one section of the page)."""
    ids: list[int] = []
    pages = 0
    while url:
        response = client.get(url.replace("&amp;", "&"))
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        ids.extend(int(i) for i in dict.fromkeys(POST_LINK.findall(html.split(after, 1)[-1] if after else html)))
        match = NEXT_PAGE.search(html)
        url = match.group(1) if match else None
        pages += 1
        assert pages < 100
    return ids


def text(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


@dataclass
class Scene:
    author: object
    member: object
    listed: object
    outsider: object
    secret_group: object
    open_group: object
    public: object
    members_only: object
    to_secret_group: object
    to_listed_user: object
    to_open_group: object
    deleted: object


@pytest.fixture
def scene(app):
    app.config["POSTS_PER_PAGE"] = 2  # listings span several pages
    author, member, listed, outsider = (make_user(n) for n in ("author", "member", "listed", "outsider"))
    secret = make_group(author, "Zephyr Cabal", description="xylophone charter", listed=False, members=(member,))
    open_group = make_group(author, "Open Circle", members=(member,))
    public = make_post(author, "Public findings", tags="shared-tag, open-tag")
    members_only = make_post(author, "Members findings", tags="members-tag", audience="members")
    to_secret = make_post(
        author, "Quokka result", "quokka body", tags="shared-tag, quokka-tag", audience="restricted", groups=(secret,)
    )
    to_listed = make_post(
        author, "Wombat result", "wombat body", tags="wombat-tag", audience="restricted", users=(listed,)
    )
    to_open = make_post(
        author, "Ocelot result", "ocelot body", tags="ocelot-tag", audience="restricted", groups=(open_group,)
    )
    deleted = make_post(author, "Deleted public", tags="gone-tag")
    post_service.delete_post(deleted)
    for post in (public, members_only, to_secret, to_listed, to_open):
        first = make_comment(author, post, f"author on {post.title}")
        if post is not to_listed:
            make_comment(member, post, f"member on {post.title}", parent=first)
    make_comment(listed, to_listed, "listed on Wombat")
    gone = make_comment(member, public, "member comment later deleted")
    from forum.services import comments as comment_service

    comment_service.delete_comment(gone)
    return Scene(
        author,
        member,
        listed,
        outsider,
        secret,
        open_group,
        public,
        members_only,
        to_secret,
        to_listed,
        to_open,
        deleted,
    )


def readable_ids(s: Scene, viewer: str) -> set[int]:
    ids = {"anonymous": {s.public.id}}
    ids["outsider"] = ids["anonymous"] | {s.members_only.id}
    ids["listed"] = ids["outsider"] | {s.to_listed_user.id}
    ids["member"] = ids["outsider"] | {s.to_secret_group.id, s.to_open_group.id}
    ids["author"] = ids["outsider"] | {s.to_secret_group.id, s.to_listed_user.id, s.to_open_group.id}
    return ids[viewer]


def as_viewer(client, s: Scene, viewer: str):
    if viewer != "anonymous":
        login(client, getattr(s, viewer))


VIEWERS = ("anonymous", "outsider", "listed", "member", "author")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_front_page_lists_exactly_the_readable_posts_across_pages(client, scene, viewer):
    as_viewer(client, scene, viewer)
    ids = post_ids_on(client, "/")
    assert len(ids) == len(set(ids))
    assert set(ids) == readable_ids(scene, viewer)
    # Past the last page: nothing, not an error that could count hidden posts.
    assert POST_LINK.findall(text(client, "/?page=50")) == []


@pytest.mark.parametrize("viewer", VIEWERS)
def test_tags_exist_only_through_readable_posts(client, scene, viewer):
    as_viewer(client, scene, viewer)
    tag_of = {
        scene.public.id: {"shared-tag", "open-tag"},
        scene.members_only.id: {"members-tag"},
        scene.to_secret_group.id: {"shared-tag", "quokka-tag"},
        scene.to_listed_user.id: {"wombat-tag"},
        scene.to_open_group.id: {"ocelot-tag"},
    }
    counts: dict[str, int] = {}
    for post_id in readable_ids(scene, viewer):
        for tag in tag_of[post_id]:
            counts[tag] = counts.get(tag, 0) + 1

    page = text(client, "/tags")
    shown = dict(
        (name, int(n))
        for name, n in re.findall(r'href="/tags/([^"]+)">[^<]+</a> <span class="count">(\d+)</span>', page)
    )
    assert shown == counts
    assert "gone-tag" not in page

    for tag in {"shared-tag", "open-tag", "members-tag", "quokka-tag", "wombat-tag", "ocelot-tag", "gone-tag"}:
        suggestions = client.get(f"/autocomplete/tags?q={tag[:4]}").get_json()
        assert (tag in {s["name"] for s in suggestions}) == (tag in counts)
        for suggestion in suggestions:
            assert suggestion["posts"] == counts[suggestion["name"]]
        if tag in counts:
            assert set(post_ids_on(client, f"/tags/{tag}")) == {
                p for p in readable_ids(scene, viewer) if tag in tag_of[p]
            }
            assert set(post_ids_on(client, f"/?tag={tag}")) == {
                p for p in readable_ids(scene, viewer) if tag in tag_of[p]
            }
        else:
            for url in (f"/tags/{tag}", f"/?tag={tag}"):
                hidden = client.get(url)
                missing = client.get(url.replace(tag, "never-a-tag"))
                assert hidden.status_code == 404
                assert normalized(hidden, tag) == normalized(missing, "never-a-tag")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_profiles_count_and_list_only_readable_posts_and_comments(client, scene, viewer):
    as_viewer(client, scene, viewer)
    readable = readable_ids(scene, viewer)
    from forum.models import Comment

    for person in (scene.author, scene.member, scene.listed):
        posts = post_ids_on(client, f"/users/{person.username}")
        expected_posts = {p for p in readable if db.session.get(type(scene.public), p).author_id == person.id}
        assert set(posts) == expected_posts
        expected_comments = {
            c.id
            for c in db.session.scalars(db.select(Comment).where(Comment.author_id == person.id))
            if c.post_id in readable and c.deleted_at is None
        }
        html = text(client, f"/users/{person.username}?tab=comments")
        assert f"Posts ({len(expected_posts)})" in html
        assert f"Comments ({len(expected_comments)})" in html
        shown = set()
        url = f"/users/{person.username}?tab=comments"
        while url:
            page = text(client, url.replace("&amp;", "&"))
            shown |= {int(i) for i in re.findall(r'href="/comments/(\d+)"', page)}
            assert not (set(int(i) for i in POST_LINK.findall(page)) - readable)
            nxt = NEXT_PAGE.search(page)
            url = nxt.group(1) if nxt else None
        assert shown == expected_comments


@pytest.mark.parametrize("viewer", VIEWERS)
def test_comment_counts_are_of_live_comments_on_readable_posts(client, scene, viewer):
    as_viewer(client, scene, viewer)
    from forum.models import Comment

    html = "".join(text(client, f"/?page={n}") for n in range(1, 5))
    cards = re.findall(r'href="/posts/(\d+)#comments">(\d+) comments?</a>', html)
    assert {int(p) for p, _ in cards} == readable_ids(scene, viewer)
    for post_id, n in cards:
        live = db.session.scalar(
            db.select(db.func.count())
            .select_from(Comment)
            .where(Comment.post_id == int(post_id), Comment.deleted_at.is_(None))
        )
        assert int(n) == live


SHARED = "Posts shared with this group"  # the group page's own listing (the introduction links members' open posts)


def test_groups_show_only_posts_the_viewer_may_read(client, scene):
    slug_secret, slug_open = scene.secret_group.slug, scene.open_group.slug
    # Anonymous and outsiders: the unlisted group does not exist; the listed one shows nothing restricted.
    for viewer in ("anonymous", "outsider", "listed"):
        as_viewer(client, scene, viewer)
        hidden = client.get(f"/groups/{slug_secret}")
        missing = client.get("/groups/never-a-group")
        assert hidden.status_code == 404
        assert normalized(hidden, slug_secret) == normalized(missing, "never-a-group")
        assert post_ids_on(client, f"/groups/{slug_open}", after=SHARED) == []
        assert set(post_ids_on(client, f"/groups/{slug_open}")) <= readable_ids(scene, viewer)
        logout(client)
    as_viewer(client, scene, "member")
    assert set(post_ids_on(client, f"/groups/{slug_secret}", after=SHARED)) == {scene.to_secret_group.id}
    assert set(post_ids_on(client, f"/groups/{slug_open}", after=SHARED)) == {scene.to_open_group.id}
    for slug in (slug_secret, slug_open):
        assert set(post_ids_on(client, f"/groups/{slug}")) <= readable_ids(scene, "member")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_directories_and_pickers_never_reveal_an_unlisted_group(client, scene, viewer):
    as_viewer(client, scene, viewer)
    insider = viewer in ("member", "author")
    for url in ("/groups", "/groups?q=zephyr", "/groups?q=xylophone", "/people", "/people?q=zephyr", "/tags"):
        html = text(client, url)
        if not insider:  # members may find their own unlisted group
            assert "Zephyr" not in html and scene.secret_group.slug not in html
    if viewer == "anonymous":
        assert client.get("/autocomplete/groups?q=zep").status_code == 302
        return
    suggestions = client.get("/autocomplete/groups?q=zep").get_json()
    assert bool(suggestions) == insider


def test_an_outsider_cannot_probe_an_unlisted_group_through_the_audience_picker(client, scene):
    login(client, scene.outsider)
    before = db_snapshot()
    form = {"title": "Probe", "body": "b", "audience": "restricted", "audience_users": "", "audience_groups": ""}
    hidden = client.post("/posts/new", data={**form, "audience_groups": scene.secret_group.slug})
    missing = client.post("/posts/new", data={**form, "audience_groups": "never-a-group"})
    assert hidden.status_code == missing.status_code == 400
    assert normalized(hidden, scene.secret_group.slug) == normalized(missing, "never-a-group")
    assert db_snapshot() == before


def test_the_post_page_says_others_instead_of_naming_an_unlisted_group(client, scene):
    post = make_post(
        scene.author,
        "Mixed audience",
        audience="restricted",
        users=(scene.listed,),
        groups=(scene.secret_group, scene.open_group),
    )
    login(client, scene.listed)
    html = text(client, f"/posts/{post.id}")
    audience = re.search(r'<p class="audience[^"]*">(.*?)</p>', html, re.S).group(1)
    assert "Zephyr" not in html and scene.secret_group.slug not in html
    assert "Open Circle" in audience and "others" in audience
    logout(client)
    for insider in (scene.member, scene.author):
        login(client, insider)
        audience = re.search(r'<p class="audience[^"]*">(.*?)</p>', text(client, f"/posts/{post.id}"), re.S).group(1)
        assert "Zephyr Cabal" in audience and "others" not in audience
        logout(client)


# --- revocation: the very next request --------------------------------------------------


def visible_everywhere(client, s: Scene, post, tag: str) -> dict[str, bool]:
    """Where a reader would find the post; all False once they lose it."""
    from forum.models import Comment

    comment_ids = db.session.scalars(db.select(Comment.id).where(Comment.post_id == post.id)).all()
    return {
        "post page": client.get(f"/posts/{post.id}").status_code == 200,
        "front page": post.id in post_ids_on(client, "/"),
        "author's profile": post.id in post_ids_on(client, f"/users/{s.author.username}"),
        "tag page": client.get(f"/tags/{tag}").status_code == 200 and post.id in post_ids_on(client, f"/tags/{tag}"),
        "tag list": f'/tags/{tag}"' in text(client, "/tags"),
        "comment permalinks": any(client.get(f"/comments/{c}").status_code == 200 for c in comment_ids),
        "member's comments": any(
            f'/comments/{c}"' in text(client, f"/users/{s.member.username}?tab=comments") for c in comment_ids
        ),
        "title anywhere": post.title in text(client, "/") + text(client, f"/users/{s.author.username}"),
    }


def test_leaving_a_group_hides_its_posts_on_the_next_request(client, scene):
    login(client, scene.member)
    assert all(visible_everywhere(client, scene, scene.to_secret_group, "quokka-tag").values())
    db.session.execute(
        delete(Membership).where(Membership.user_id == scene.member.id, Membership.group_id == scene.secret_group.id)
    )
    db.session.commit()
    assert not any(visible_everywhere(client, scene, scene.to_secret_group, "quokka-tag").values())
    assert client.get(f"/groups/{scene.secret_group.slug}").status_code == 404


def test_narrowing_an_audience_hides_the_post_on_the_next_request(client, scene):
    login(client, scene.member)
    post = scene.to_open_group
    assert all(visible_everywhere(client, scene, post, "ocelot-tag").values())
    post_service.update_post(
        post,
        scene.author,
        post.title,
        post.body_md,
        [t.name for t in post.tags],
        Audience("restricted", frozenset({scene.listed.id})),
    )
    assert not any(visible_everywhere(client, scene, post, "ocelot-tag").values())
    # The group page no longer lists it either.
    assert post.id not in post_ids_on(client, f"/groups/{scene.open_group.slug}")


def test_members_posts_disappear_on_sign_out(client, scene):
    login(client, scene.outsider)
    assert scene.members_only.id in post_ids_on(client, "/")
    logout(client)
    assert scene.members_only.id not in post_ids_on(client, "/")
    assert client.get(f"/posts/{scene.members_only.id}").status_code == 404

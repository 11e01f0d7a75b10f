"""Issue 15's surfaces keep the promise: vouches, trust paths, matching, group
introductions, listing cards, audits and new-comment counts tell an outsider nothing
about unlisted groups or restricted posts."""

from __future__ import annotations

from datetime import timedelta

from forum.extensions import db
from forum.models import PostRead
from forum.queries import unread
from forum.services import accounts, moderation
from forum.services import groups as group_service
from forum.services import posts as post_service
from forum.services.audience import audience_of
from forum.services.terms import TermsChoice
from tests.factories import login, make_comment, make_group, make_post, make_user
from tests.moderation_helpers import make_moderator
from tests.trust.helpers import ABSTRACT, listed_post, restricted_post, vouch

SECRET_WORDS = ("quetzal", "marmalade", "vermilion", "periwinkle")


def _clean(page: str) -> bool:
    lowered = page.lower()
    return not any(word in lowered for word in SECRET_WORDS)


def _insiders():
    own = make_user("own", interests="tamarind, circuits")
    ben = make_user("ben", interests="tamarind, circuits")
    out = make_user("out", interests="tamarind, circuits")
    secret = make_group(
        own, "Vermilion Cabal", description="periwinkle charter", members=(ben,), listed=False, interests="tamarind"
    )
    post = restricted_post(own, "Quetzal results", "quetzal body", groups=(secret,))
    make_comment(ben, post, "marmalade comment")
    vouch(own, ben, "Ben knows the circuits work.")
    vouch(ben, own, "Own runs a careful lab.")
    vouch(ben, out, "Met out at a workshop.")
    for user in (own, ben):
        accounts.update_profile(user, user.display_name, "", "tamarind, circuits", open_to_contact=True)
    return own, ben, out, secret, post


def test_profiles_paths_and_matching_never_name_an_unlisted_group(client):
    own, ben, out, secret, post = _insiders()
    login(client, out)
    for url in ("/users/own", "/users/ben", "/people/suggestions", "/people", "/listed", "/"):
        page = client.get(url).get_data(as_text=True)
        assert _clean(page) and secret.slug not in page, url
    # The public facts do show: vouches, and a path through ben, and the shared interests.
    page = client.get("/users/own").get_data(as_text=True)
    assert "Ben knows the circuits work." not in page and "Own runs a careful lab." in page
    assert "people linked by vouches to both of you" in page and "Shared interests: circuits, tamarind." in page
    assert "You are both members of" not in page


def test_an_invitee_sees_the_group_but_not_its_members(client):
    own, ben, out, secret, _ = _insiders()
    group_service.invite(own, secret, "out")
    login(client, out)
    page = client.get(f"/groups/{secret.slug}").get_data(as_text=True)
    assert "Vermilion Cabal" in page  # an invitee may read the name and description
    assert "What its members work on" not in page and "Who vouches for its members" not in page
    assert 'href="/users/ben"' not in page and "People you know here" not in page


def test_new_comment_counts_follow_the_audience_at_the_moment_shown(client):
    own, ben, out, secret, post = _insiders()
    login(client, ben)
    client.get(f"/posts/{post.id}")
    row = db.session.get(PostRead, (ben.id, post.id))
    row.last_read_at -= timedelta(minutes=5)
    db.session.commit()
    make_comment(own, post, "marmalade news")
    assert unread.new_comment_counts(ben, [post.id]) == {post.id: 1}
    # Terms added since: the comments are behind the gate, so they are not counted.
    post_service.update_post(
        post, own, post.title, post.body_md, "", audience_of(post), terms=TermsChoice(None, "Ask.")
    )
    assert unread.new_comment_counts(ben, [post.id]) == {}
    # Ben leaves the group: nothing of the post, its count included, remains.
    group_service.leave(ben, secret)
    assert unread.new_comment_counts(ben, [post.id]) == {}
    front = client.get("/").get_data(as_text=True)
    assert _clean(front) and "new-badge" not in front


def test_listing_cards_show_only_title_author_and_abstract(client):
    own, ben = make_user("own"), make_user("ben")
    listed = listed_post(own, "Listed card", "quetzal body", users=(ben,))
    make_comment(ben, listed, "marmalade comment")
    unlisted = restricted_post(own, "Vermilion unlisted", "quetzal unlisted", users=(ben,))
    out = make_user("out")
    login(client, out)
    for url in ("/listed", f"/posts/{listed.id}/access", "/search?q=listed"):
        page = client.get(url).get_data(as_text=True)
        assert _clean(page) and f"/posts/{unlisted.id}" not in page, url
    for word in ("quetzal", "marmalade", "vermilion"):  # the body, a comment, the unlisted title
        assert "Nothing you can read matches." in client.get(f"/search?q={word}").get_data(as_text=True), word
    page = client.get("/listed").get_data(as_text=True)
    assert "Listed card" in page and ABSTRACT in page
    assert "comment" not in page.split("<main")[-1].split("</main>")[0].lower()
    # Deleted or removed listed posts leave the listing, their request page and search.
    moderation.remove_post(make_moderator("mod"), listed, "spam")
    login(client, out)
    assert "Listed card" not in client.get("/listed").get_data(as_text=True)
    assert client.get(f"/posts/{listed.id}/access").status_code == 404
    assert "Listed card" not in client.get("/search?q=listed").get_data(as_text=True)


def test_anonymous_visitors_see_no_listing(client):
    own, ben = make_user("own"), make_user("ben")
    listed = listed_post(own, "Listed card", users=(ben,))
    assert client.get("/listed").status_code == 302
    assert client.get(f"/posts/{listed.id}/access").status_code == 302
    assert "Listed card" not in client.get("/search?q=listed").get_data(as_text=True)
    assert "Listed card" not in client.get("/").get_data(as_text=True)


def test_read_receipts_reach_only_the_author(client):
    own, ben, cyd = make_user("own"), make_user("ben"), make_user("cyd")
    post = restricted_post(own, users=(ben, cyd))
    login(client, ben)
    client.get(f"/posts/{post.id}")
    login(client, cyd)
    assert client.get(f"/posts/{post.id}/audit").status_code == 403
    for url in ("/users/ben", "/users/own", f"/posts/{post.id}", "/"):
        page = client.get(url).get_data(as_text=True)
        assert "First read" not in page and "Opened by" not in page, url
    public = make_post(own, "Public one")
    assert "The author can see who opened" not in client.get(f"/posts/{public.id}").get_data(as_text=True)

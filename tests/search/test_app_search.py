"""Search through the app: documents from the database, each viewer's own audience, and
an index kept true, in the same request, by every service that changes what it holds."""

from __future__ import annotations

import logging

import pytest

from forum.extensions import db
from forum.search import indexing, service
from forum.services import comments as comment_service
from forum.services import groups as group_service
from forum.services import moderation
from forum.services import posts as post_service
from forum.services import terms as terms_service
from forum.services.audience import Audience, apply_audience
from forum.services.terms import TermsChoice
from tests.factories import login, logout, make_comment, make_group, make_post, make_user
from tests.moderation_helpers import make_moderator

# Every test here runs on each backend (tests/search/conftest.py).
pytestmark = pytest.mark.usefixtures("search_backend")


def hits(viewer, text, **filters):
    found = service.search(viewer, text, per_page=100, **filters)
    return {(r.kind, r.comment.id if r.comment else r.post.id) for r in found.items}, found.total


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_post_and_its_comment_are_found_by_readers_only(app):
    author, reader, outsider = make_user(), make_user(), make_user()
    post = make_post(
        author, "Quokka circuits", "The zyzzyva feature fires here.", audience="restricted", users=(reader,)
    )
    comment = make_comment(reader, post, "A zyzzyva reply.")
    assert hits(reader, "zyzzyva") == ({("post", post.id), ("comment", comment.id)}, 2)
    assert hits(author, "quokka") == ({("post", post.id)}, 1)
    assert hits(outsider, "zyzzyva") == (set(), 0)
    assert hits(None, "zyzzyva") == (set(), 0)


def test_totals_pages_and_facets_are_as_if_the_hidden_post_did_not_exist(app):
    author, outsider = make_user(), make_user()
    group = make_group(author)
    for n in range(5):
        make_comment(author, make_post(author, f"Open {n}", "common words in the open"), "common reply")
    secret = make_post(author, "Common secret", "common words plus quillwort", audience="restricted", groups=(group,))
    make_comment(author, secret, "common quillwort reply")

    def observed(viewer):
        out = []
        for filters in ({}, {"kinds": ["post"]}, {"kinds": ["comment"]}, {"author": author.username}, {"sort": "new"}):
            found = service.search(viewer, "common", per_page=3, **filters)
            out.append((found.total, found.pages, len(found.items)))
        return out

    before = observed(outsider)
    assert before[0] == (10, 4, 3)
    assert hits(outsider, "quillwort") == (set(), 0)
    # The same numbers once the hidden post is gone from the database and the index.
    post_service.delete_post(secret)
    assert observed(outsider) == before


def test_snippets_and_titles_come_only_from_readable_documents(client):
    author, outsider = make_user(), make_user()
    make_post(author, "Public note", "harmless sentence about tokens")
    make_post(author, "Hidden bluefin title", "tokens and bluefin secrets", audience="restricted", users=(make_user(),))
    login(client, outsider)
    text = page_text(client, "/search?q=tokens")
    assert "harmless sentence" in text and "1 result" in text
    assert "bluefin" not in text and "Hidden" not in text


def test_the_page_marks_matches_and_sorts(client):
    author = make_user()
    older = make_post(author, "Older heron note", "a heron walks")
    newer = make_post(author, "Newer note", "heron heron heron")
    text = page_text(client, "/search?q=heron&sort=new")
    assert text.index(f'id="post-{newer.id}"') < text.index(f'id="post-{older.id}"')
    assert "<mark>heron</mark>" in text


def test_snippets_show_words_not_markdown(client):
    author = make_user()
    make_post(author, "Findings", "**Preliminary.** The kestrel circuit fires on `x < y` & more.")
    text = page_text(client, "/search?q=kestrel")
    assert "<mark>kestrel</mark>" in text
    assert "**" not in text and "`" not in text.split("<main", 1)[1]
    assert "Preliminary." in text and "x &lt; y &amp; more" in text


# --- the very next search reflects every change -----------------------------------------


def test_narrowing_an_audience_through_the_editor_hides_post_and_comments_at_once(client):
    author, outsider = make_user(), make_user()
    post = make_post(author, "Wide then narrow", "the marmoset result")
    make_comment(author, post, "marmoset follow-up")
    assert hits(outsider, "marmoset")[1] == 2
    login(client, author)
    response = client.post(
        f"/posts/{post.id}/edit",
        data={
            "title": post.title,
            "body": post.body_md,
            "tags": "",
            "audience": "restricted",
            "audience_users": make_user().username,
            "audience_groups": "",
        },
    )
    assert response.status_code == 302
    logout(client)
    login(client, outsider)
    text = page_text(client, "/search?q=marmoset")
    assert "0 results" in text and "Wide then narrow" not in text and "follow-up" not in text
    assert hits(outsider, "marmoset") == (set(), 0)


def test_leaving_a_group_takes_effect_without_reindexing(app):
    owner, member = make_user(), make_user()
    group = make_group(owner, members=(member,))
    post = make_post(owner, "Group only", "the narwhal plan", audience="restricted", groups=(group,))
    assert hits(member, "narwhal") == ({("post", post.id)}, 1)
    group_service.remove_member(owner, group, member.username)
    assert hits(member, "narwhal") == (set(), 0)


def test_deleting_a_group_reindexes_its_posts(app):
    owner, member = make_user(), make_user()
    group = make_group(owner, members=(member,))
    make_post(owner, "Group only", "the okapi plan", audience="restricted", groups=(group,))
    group_service.delete_group(group, owner)
    assert hits(member, "okapi") == (set(), 0)
    assert hits(owner, "okapi")[1] == 1
    assert indexing.check().differences == 0


def test_deleted_posts_and_comments_leave_search(client):
    author = make_user()
    post = make_post(author, "To be deleted", "axolotl body")
    other = make_post(author, "Stays", "plain")
    comment = make_comment(author, other, "axolotl comment")
    doomed = make_comment(author, post, "axolotl on the doomed post")
    assert hits(None, "axolotl")[1] == 3
    login(client, author)
    assert client.post(f"/comments/{comment.id}/delete").status_code == 302
    assert client.post(f"/posts/{post.id}/delete").status_code == 302
    assert hits(None, "axolotl") == (set(), 0)
    assert doomed.id  # its post took it along


def test_removal_hides_a_post_with_its_comments_and_restoring_brings_them_back(app):
    author, moderator = make_user(), make_moderator()
    post = make_post(author, "Removable", "pangolin text")
    comment = make_comment(author, post, "pangolin reply")
    moderation.remove_post(moderator, post, "Off topic.")
    assert hits(author, "pangolin") == (set(), 0)
    assert hits(moderator, "pangolin") == (set(), 0)
    # Site moderators may ask for removed content, within their own audience only.
    assert hits(moderator, "pangolin", include_removed=True)[1] == 2
    assert hits(author, "pangolin", include_removed=True) == (set(), 0)
    moderation.restore_post(moderator, post)
    assert hits(None, "pangolin")[1] == 2
    moderation.remove_comment(moderator, comment, "Rude.")
    assert hits(None, "pangolin") == ({("post", post.id)}, 1)


def test_moderators_removed_view_stays_inside_their_audience(app):
    author, insider_moderator, outsider_moderator = make_user(), make_moderator(), make_moderator()
    post = make_post(author, "Private", "tapir text", audience="restricted", users=(insider_moderator,))
    moderation.remove_post(insider_moderator, post, "Off topic.")
    assert hits(insider_moderator, "tapir", include_removed=True)[1] == 1
    assert hits(outsider_moderator, "tapir", include_removed=True) == (set(), 0)


def test_banned_authors_are_left_out_without_reindexing(app):
    author, moderator = make_user(), make_moderator()
    make_post(author, "By someone banned later", "capybara text")
    moderation.ban_user(moderator, author, "Spam.", 7)
    assert hits(None, "capybara") == (set(), 0)
    moderation.unban_user(moderator, author, "Appeal granted.")
    assert hits(None, "capybara")[1] == 1


def test_gated_posts_show_by_title_only_and_hide_their_comments(app):
    author, reader = make_user(), make_user()
    post = post_service.create_post(
        author, "Gated wombat study", "the ocelot body", "", Audience("public"), terms=TermsChoice(None, "Ask first.")
    )
    make_comment(author, post, "ocelot comment")
    found = service.search(reader, "wombat")
    assert [(r.kind, r.snippet) for r in found.items] == [("post", None)] and found.total == 1
    # Words only in the body or the comments do not match until the terms are accepted.
    assert hits(reader, "ocelot") == (set(), 0)
    terms_service.accept_post_terms(reader, post, post.terms_version)
    assert hits(reader, "ocelot")[1] == 2
    assert hits(author, "ocelot")[1] == 2


# --- what a reader may type --------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "x" * 10_000,
        '"unbalanced',
        "(open",
        "close)",
        '"a" "b',
        "*",
        "?",
        "alp*",
        "alph?",
        "alpha~2",
        "title:alpha",
        "acl:public",
        "state:removed",
        "author_id:1",
        "AND OR NOT",
        "[a TO z]",
        "猫 が 好き",
        "مرحبا",
        "🙂🐍",
        "\x00",
        "%00",
        "<script>alert(1)</script>",
    ],
)
def test_any_input_gets_a_normal_page(client, q):
    make_post(make_user(), "Alpha", "alpha text")
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    api = client.get("/api/v1/search", query_string={"q": q})
    assert api.status_code == 200 and "total" in api.get_json()


def test_field_syntax_cannot_widen_results(app):
    author, outsider = make_user(), make_user()
    group = make_group(author)
    make_post(author, "Hidden", "gecko text", audience="restricted", groups=(group,))
    for q in ("acl:public gecko", f"acl:group:{group.id}", "state:ok", "kind:post gecko", "gecko OR public"):
        assert hits(outsider, q) == (set(), 0), q


def test_ignored_input_is_explained(client):
    assert "Nothing to search for" in page_text(client, "/search?q=%2A%3F%7E")
    assert "only its first words were used" in page_text(client, "/search?q=" + "%20".join(f"w{n}" for n in range(100)))
    assert "Ignored the since filter" in page_text(client, "/search?q=a&since=yesterday")


def test_group_filter_offers_only_groups_the_viewer_may_see(client):
    owner, outsider = make_user(), make_user()
    hidden = make_group(owner, "Hidden club", listed=False)
    make_post(owner, "Shared", "dingo text", audience="restricted", groups=(hidden,))
    login(client, outsider)
    text = page_text(client, f"/search?q=dingo&group={hidden.slug}")
    assert "Hidden club" not in text and "No group by that name" in text
    login(client, owner)
    text = page_text(client, f"/search?q=dingo&group={hidden.slug}")
    assert "Hidden club" in text and "1 result" in text


def test_api_uses_the_same_search(client):
    author, outsider = make_user(), make_user()
    post = make_post(author, "Api visible", "lemur body", audience="restricted", users=(make_user(),))
    comment = make_comment(author, post, "lemur comment")
    login(client, author)
    data = client.get("/api/v1/search?q=lemur&sort=new").get_json()
    assert data["total"] == 2 and [i["kind"] for i in data["items"]] == ["comment", "post"]
    assert data["items"][0]["comment_id"] == comment.id and "<mark>lemur</mark>" in data["items"][0]["snippet_html"]
    logout(client)
    login(client, outsider)
    assert client.get("/api/v1/search?q=lemur").get_json()["total"] == 0
    assert client.get("/api/v1/search?q=lemur&kind=bogus").status_code == 400


# --- a stale or failing index ------------------------------------------------------------


def test_a_stale_index_never_shows_a_hidden_post(app, caplog):
    author, outsider = make_user(), make_user()
    post = make_post(author, "Narrowed", "mongoose text")
    # The database narrows the audience, but the index never hears of it.
    apply_audience(post, Audience("restricted", frozenset({make_user().id})))
    db.session.commit()
    before = service.stale_hits["count"]
    with caplog.at_level(logging.WARNING, logger="forum.search.service"):
        found = service.search(outsider, "mongoose")
    assert found.items == [] and found.total == 0
    assert service.stale_hits["count"] == before + 1 and "stale" in caplog.text


def test_a_failed_index_write_does_not_fail_the_request_and_the_check_repairs_it(client, monkeypatch, caplog):
    author = make_user()
    login(client, author)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(type(indexing.backend()), "apply", broken)
    with caplog.at_level(logging.ERROR, logger="forum.search.indexing"):
        response = client.post(
            "/posts/new",
            data={"title": "Written while broken", "body": "manatee", "audience": "public", "confirm_public": "y"},
        )
    assert response.status_code == 302
    assert "search-check --repair" in caplog.text
    monkeypatch.undo()
    assert hits(author, "manatee") == (set(), 0)
    runner = client.application.test_cli_runner()
    result = runner.invoke(args=["forum", "search-check"])
    assert result.exit_code == 1 and "1 missing: post:" in result.output
    result = runner.invoke(args=["forum", "search-check", "--repair"])
    assert result.exit_code == 0 and "Repaired 1" in result.output
    assert hits(author, "manatee")[1] == 1


def test_a_crash_between_commit_and_index_write_is_repaired_by_the_check(app, monkeypatch):
    author, reader, outsider = make_user(), make_user(), make_user()
    post = make_post(author, "Before the crash", "walrus text")
    comment = make_comment(author, post, "walrus reply")
    extra = make_post(author, "Deleted during the crash", "walrus too")
    # The process dies after each commit, before the index hears of it.
    monkeypatch.setattr(indexing, "apply", lambda changes: None)
    post_service.update_post(
        post, author, "Before the crash", "walrus text, edited", "", Audience("restricted", frozenset({reader.id}))
    )
    comment_service.edit_comment(comment, "walrus reply, edited")
    post_service.delete_post(extra)
    new = make_post(author, "Never indexed", "walrus new")
    monkeypatch.undo()
    report = indexing.check()
    assert (len(report.missing), len(report.extra), len(report.stale)) == (1, 1, 2)
    # Meanwhile the re-check keeps the stale index from showing the outsider anything.
    assert hits(outsider, "walrus") == (set(), 0)
    indexing.check(repair=True)
    assert indexing.check().differences == 0
    assert hits(outsider, "walrus") == ({("post", new.id)}, 1)
    assert hits(reader, "edited")[1] == 2


def test_reindex_rebuilds_from_the_database(app):
    author = make_user()
    make_comment(author, make_post(author, "One", "sloth"), "sloth reply")
    indexing.backend().apply([], ["post:1", "comment:1"])
    result = app.test_cli_runner().invoke(args=["forum", "reindex"])
    assert result.exit_code == 0 and "Indexed 2 documents." in result.output
    assert hits(None, "sloth")[1] == 2
    assert indexing.check().differences == 0

"""Numbered versions of a post and the difference between any two."""

from __future__ import annotations

import pytest

from forum.services import posts as post_service
from forum.services.audience import audience_of
from forum.services.terms import TermsChoice
from tests.factories import login, make_group, make_post, make_user


def edit(post, body: str, title: str | None = None, editor=None):
    return post_service.update_post(
        post,
        editor or post.author,
        title or post.title,
        body,
        [t.name for t in post.tags],
        audience_of(post),
    )


@pytest.fixture
def edited(app):
    author = make_user("vera")
    post = make_post(author, "Probe results", "Line one.\nLine two.\nLine three.")
    edit(post, "Line one.\nLine 2, fixed.\nLine three.")
    edit(post, "Line one.\nLine 2, fixed.\nLine three.\nA new line <b>four</b>.", title="Probe results, revised")
    return post


def test_history_numbers_the_versions_newest_first(client, edited):
    page = client.get(f"/posts/{edited.id}/revisions").get_data(as_text=True)
    assert page.index("v3, edited") < page.index("v2, edited") < page.index("v1, posted")
    assert "(current)" in page and "by vera" in page
    assert f"/posts/{edited.id}/revisions/compare?from=2&amp;to=3" in page


def test_compare_shows_added_and_removed_lines_escaped(client, edited):
    page = client.get(f"/posts/{edited.id}/revisions/compare?from=1&to=3").get_data(as_text=True)
    assert '<del class="diff-line">Line two.</del>' in page
    assert '<ins class="diff-line">Line 2, fixed.</ins>' in page
    assert '<ins class="diff-line">A new line &lt;b&gt;four&lt;/b&gt;.</ins>' in page
    assert '<span class="diff-line">Line one.</span>' in page
    assert '<del class="diff-line">Probe results</del><ins class="diff-line">Probe results, revised</ins>' in page


def test_compare_defaults_to_the_latest_edit_and_works_backwards(client, edited):
    latest = client.get(f"/posts/{edited.id}/revisions/compare").get_data(as_text=True)
    assert "From v2" in latest and '<ins class="diff-line">A new line' in latest and "Line two." not in latest
    backwards = client.get(f"/posts/{edited.id}/revisions/compare?from=3&to=1").get_data(as_text=True)
    assert '<ins class="diff-line">Line two.</ins>' in backwards


@pytest.mark.parametrize("query", ["from=0&to=1", "from=1&to=4", "from=x&to=1"])
def test_versions_that_do_not_exist_are_404(client, edited, query):
    status = client.get(f"/posts/{edited.id}/revisions/compare?{query}").status_code
    assert status == (200 if query.startswith("from=x") else 404)  # a non-number falls back to the default


def test_an_unedited_post_has_one_version(client, app):
    post = make_post(make_user("once"), "Once", "Only text.")
    page = client.get(f"/posts/{post.id}/revisions").get_data(as_text=True)
    assert "v1, posted" in page and "v1 is the only version" in page
    same = client.get(f"/posts/{post.id}/revisions/compare").get_data(as_text=True)
    assert "The text is the same in both versions." in same


def test_versions_follow_the_body_rule(client, app):
    author, member, outsider = make_user("auth"), make_user("memb"), make_user("outs")
    group = make_group(author, "Readers", members=(member,))
    post = make_post(author, "Restricted", "First.", audience="restricted", groups=(group,))
    edit(post, "Second.")
    for path in (f"/posts/{post.id}/revisions", f"/posts/{post.id}/revisions/compare"):
        assert client.get(path).status_code == 404
        login(client, outsider)
        assert client.get(path).status_code == 404
        login(client, member)
        assert client.get(path).status_code == 200
        client.post("/logout")
    # A gated post (terms not yet accepted) hides its versions like its body.
    post_service.update_post(
        post, author, post.title, post.body_md, [], audience_of(post), terms=TermsChoice(None, "Ask first.")
    )
    login(client, member)
    assert client.get(f"/posts/{post.id}/revisions").status_code == 404
    # A deleted post's text is gone, versions included.
    post_service.delete_post(post)
    login(client, author)
    assert client.get(f"/posts/{post.id}/revisions").status_code == 404


def test_post_page_links_to_versions_for_any_reader(client, edited):
    login(client, make_user("reader"))
    assert f"/posts/{edited.id}/revisions" in client.get(f"/posts/{edited.id}").get_data(as_text=True)

"""Hover previews of links to posts: the title for readers, a missing post for everyone else."""

from __future__ import annotations

import re

from forum.services import posts as post_service
from tests.factories import login, make_group, make_post, make_user, page_text


def test_a_reader_gets_the_title_uncached(client, app):
    post = make_post(make_user("writer"), "Grokking revisited", "Body.")
    response = client.get(f"/posts/{post.id}/preview", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.get_json() == {"title": "Grokking revisited"}
    assert "no-store" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]


def test_hidden_deleted_and_missing_posts_answer_the_same_404(client, app):
    author, outsider = make_user("owner"), make_user("stranger")
    group = make_group(author, "Inner circle")
    hidden = make_post(author, "Secret title", "Body.", audience="restricted", groups=(group,))
    gone = make_post(author, "Gone title", "Body.")
    post_service.delete_post(gone)
    login(client, outsider)
    missing = client.get("/posts/999999/preview")
    assert missing.status_code == 404
    for post in (hidden, gone):
        response = client.get(f"/posts/{post.id}/preview")
        assert response.status_code == 404
        assert page_text(response) == page_text(missing)
    login(client, author)
    assert client.get(f"/posts/{hidden.id}/preview").get_json() == {"title": "Secret title"}


def test_stored_html_of_a_link_is_the_same_for_every_viewer(client, app):
    author = make_user("linker")
    group = make_group(author, "Private lab")
    target = make_post(author, "Hidden target", "Body.", audience="restricted", groups=(group,))
    linking = make_post(author, "Public pointer", f"See [this](/posts/{target.id}) and /posts/{target.id}.")
    assert "Hidden target" not in linking.body_html
    page = client.get(f"/posts/{linking.id}").get_data(as_text=True)
    assert "Hidden target" not in page
    assert re.search(r'<script src="/assets/link-previews\.[0-9a-f]{12}\.js"', page)  # the script asks instead

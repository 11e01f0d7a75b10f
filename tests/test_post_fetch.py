"""The single-post fetch (`visibility.get_post_or_404` and `get_post_body_or_404`) loads the post
with everything its pages show of it in two statements: the post with its author, tags and
co-authors joined, then its audience. The same tags, co-authors and audience, in the same order,
as the relationships' own loads give."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from forum import visibility
from forum.extensions import db
from forum.models import Post, User
from tests.factories import make_post, make_user, statements


@pytest.fixture
def shared_post(app):
    author, zed, amy, reader = make_user("author"), make_user("zed"), make_user("amy"), make_user("reader")
    outsider = make_user("outsider")
    post = make_post(
        author,
        "Tagged and co-written",
        tags="zeta, alpha, mid",
        audience="restricted",
        users=(reader,),
        coauthors=(zed, amy),
    )
    db.session.commit()
    return {"post_id": post.id, "reader": reader.id, "outsider": outsider.id}


def _as_loaded_by_default(post_id: int) -> tuple:
    """What the relationships' own `selectin` loads give, in a fresh session."""
    db.session.expunge_all()
    post = db.session.get(Post, post_id)
    found = _shown(post)
    db.session.expunge_all()
    return found


def _shown(post: Post) -> tuple:
    return (
        post.author.username,
        [t.name for t in post.tags],
        [u.username for u in post.coauthors],
        sorted(a.principal for a in post.audience),
    )


@pytest.mark.parametrize("fetch", [visibility.get_post_or_404, visibility.get_post_body_or_404])
def test_the_post_and_what_its_page_shows_cost_two_statements(app, shared_post, fetch):
    expected = _as_loaded_by_default(shared_post["post_id"])
    assert expected[1] == ["alpha", "mid", "zeta"] and expected[2] == ["amy", "zed"]
    with app.test_request_context():
        reader = db.session.get(User, shared_post["reader"])
        fetch(shared_post["post_id"], reader)  # the reader's own principals, asked once a request
        db.session.expunge_all()
        with statements() as seen:
            post = fetch(shared_post["post_id"], reader)
            shown = _shown(post)
    assert shown == expected
    assert len(seen) == 2, "\n".join(seen)


def test_a_post_without_tags_or_coauthors_still_loads(app):
    author = make_user("loner")
    post_id = make_post(author, "Alone").id
    db.session.expunge_all()
    with app.test_request_context():
        post = visibility.get_post_or_404(post_id, None)
        assert (post.title, post.tags, post.coauthors, post.author.username) == ("Alone", [], [], "loner")


def test_the_audience_still_decides(app, shared_post):
    """Loading differently checks the same: an outsider gets the 404 of a missing post."""
    with app.test_request_context():
        outsider = db.session.get(User, shared_post["outsider"])
        for fetch in (visibility.get_post_or_404, visibility.get_post_body_or_404):
            with pytest.raises(NotFound):
                fetch(shared_post["post_id"], outsider)
            with pytest.raises(NotFound):
                fetch(shared_post["post_id"] + 1000, outsider)

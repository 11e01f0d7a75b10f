"""The single-post fetch (`visibility.get_post_or_404` and `get_post_body_or_404`) loads the post
with everything its pages show of it in two statements: the post with its author, tags and
co-authors joined, then its audience. The same tags, co-authors and audience, in the same order,
as the relationships' own loads give."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select
from werkzeug.exceptions import NotFound

from forum import visibility
from forum.extensions import db
from forum.models import Post, PostAudience, TermsAcceptance, User
from tests.factories import make_group, make_post, make_user, statements


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


def _checked_here(post_id: int, viewer, body: bool) -> bool:
    """The rule's answer from a statement built now, for this viewer alone."""
    where = [Post.id == post_id, visibility.readable(viewer)] + ([visibility.body_readable(viewer)] if body else [])
    return db.session.scalar(select(Post.id).where(*where)) is not None


def test_the_statement_built_once_answers_each_viewer_their_own(app):
    """The fetch's statement is built once per process (infra/prebuilt.py) and run with each
    viewer's id and tokens: asked for viewers in turn, each gets the answer of the rule built
    for them alone, past the terms or not, and a narrowing counts from the next request."""
    author, coauthor, reader, member, agreed, outsider = (
        make_user(name) for name in ("author", "coauthor", "reader", "member", "agreed", "outsider")
    )
    lab = make_group(author, "Lab", members=(member, agreed))
    posts = [
        make_post(author, "Open").id,
        make_post(author, "For the reader", audience="restricted", users=(reader,), coauthors=(coauthor,)).id,
        make_post(author, "For the lab", audience="restricted", groups=(lab,)).id,
        make_post(author, "Draft", draft=True, audience="restricted", users=(reader,)).id,
    ]
    gated = make_post(author, "Gated", audience="restricted", groups=(lab,), coauthors=(coauthor,))
    gated.terms_version = 1
    db.session.add(TermsAcceptance(user_id=agreed.id, post_id=gated.id, version=1))
    posts.append(gated.id)
    db.session.commit()
    viewers = [reader, None, member, outsider, author, coauthor, agreed, reader, outsider, None]
    seen = {True: set(), False: set()}
    for viewer in viewers:
        with app.test_request_context():
            for post_id in posts:
                for body, fetch in ((False, visibility.get_post_or_404), (True, visibility.get_post_body_or_404)):
                    expected = _checked_here(post_id, viewer, body)
                    try:
                        found = fetch(post_id, viewer).id == post_id
                    except NotFound:
                        found = False
                    assert found is expected, (viewer and viewer.username, post_id, body)
                    seen[expected].add((post_id, body))
    assert (gated.id, False) in seen[True] and (gated.id, True) in seen[False] and (gated.id, True) in seen[True]
    db.session.execute(
        delete(PostAudience).where(PostAudience.post_id == posts[1], PostAudience.principal.like("user:%"))
    )
    db.session.execute(insert(PostAudience).values(post_id=posts[1], principal=f"user:{author.id}"))
    db.session.commit()
    with app.test_request_context(), pytest.raises(NotFound):
        visibility.get_post_or_404(posts[1], reader)

"""The single-post fetch (`visibility.get_post_or_404` and `get_post_body_or_404`) loads the post
with everything its pages show of it in two statements: the post with its author, tags and
co-authors joined, then its audience. The same tags, co-authors and audience, in the same order,
as the relationships' own loads give."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, inspect, select, update
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from forum import visibility
from forum.extensions import db
from forum.models import Post, PostAudience, PostTerms, TermsAcceptance, User
from tests.factories import login, logout, make_group, make_post, make_user, statements
from tests.privacy.oracle import MISSING_POST, normalized


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


# --- the objects made from the fetch's plain rows (forum/infra/loaded.py) -----------------


def _state(obj) -> tuple:
    """An object as the session holds it: its columns, and what the ORM knows of it."""
    state = inspect(obj)
    return (
        type(obj).__name__,
        {prop.key: state.dict.get(prop.key, "<unloaded>") for prop in state.mapper.column_attrs},
        (state.persistent, state.modified, state.session is db.session(), dict(state.committed_state)),
        (sorted(state.unloaded), sorted(state.expired_attributes)),
    )


def _whole(post: Post) -> tuple:
    audience = sorted(post.audience, key=lambda a: a.principal)
    return (
        _state(post),
        [_state(obj) for obj in (post.author, *post.tags, *post.coauthors, *audience)],
        [u.username for u in post.coauthors],
    )


def _orm_loaded(post_id: int) -> tuple:
    """The post as the ORM's own joined loads made it before (selectin for its audience)."""
    db.session.expunge_all()
    statement = select(Post).where(Post.id == post_id).options(joinedload(Post.tags), joinedload(Post.coauthors))
    post = db.session.execute(statement).unique().scalar_one()
    found = _whole(post)
    db.session.expunge_all()
    return found


@pytest.mark.parametrize("fetch", [visibility.get_post_or_404, visibility.get_post_body_or_404])
def test_the_objects_are_those_a_load_makes(app, shared_post, fetch):
    """Every column, the state the session keeps (nothing changed, nothing pending, the same
    attributes left to load) and the order of tags and co-authors, as the ORM made them."""
    expected = _orm_loaded(shared_post["post_id"])
    with app.test_request_context():
        reader = db.session.get(User, shared_post["reader"])
        db.session.expunge(reader)  # not held: the fetch makes every object itself
        post = fetch(shared_post["post_id"], reader)
        assert not db.session.new and not db.session.dirty
        assert _whole(post) == expected


def test_an_object_the_session_holds_keeps_what_the_request_changed(app, shared_post):
    """The post and an author the request already holds are the ones returned: a change
    not yet flushed (a column, a relationship) stays and is saved, as a load that finds them
    leaves them."""
    with app.test_request_context(), db.session.no_autoflush:
        held = db.session.get(Post, shared_post["post_id"])
        author = held.author
        held.title = "Retitled in this request"
        author.display_name = "Renamed in this request"
        held.tags = [tag for tag in held.tags if tag.name != "mid"]
        post = visibility.get_post_or_404(shared_post["post_id"], db.session.get(User, shared_post["reader"]))
        assert post is held and post.author is author
        assert (post.title, post.author.display_name) == ("Retitled in this request", "Renamed in this request")
        assert [t.name for t in post.tags] == ["alpha", "zeta"]
        db.session.commit()
    db.session.expunge_all()
    saved = db.session.get(Post, shared_post["post_id"])
    assert (saved.title, [t.name for t in saved.tags]) == ("Retitled in this request", ["alpha", "zeta"])


def test_a_held_post_expired_by_a_commit_is_filled_from_the_fetch(app, shared_post):
    """After a commit the session's post has nothing loaded: the fetch's row fills it, with
    what the database holds now, and reading it asks nothing more."""
    with app.test_request_context():
        reader = db.session.get(User, shared_post["reader"])
        held = db.session.get(Post, shared_post["post_id"])
        db.session.execute(update(Post).where(Post.id == held.id).values(title="Changed underneath"))
        db.session.commit()
        visibility.principals(reader)  # the reader's tokens, asked once a request
        with statements() as seen:
            post = visibility.get_post_or_404(shared_post["post_id"], reader)
            shown = (post.title, post.author.username, post.is_removed, _shown(post))
        assert post is held
        assert shown[0] == "Changed underneath" and shown[3][1] == ["alpha", "mid", "zeta"]
        assert len(seen) == 2, "\n".join(seen)


def test_a_coauthor_past_the_terms_sees_every_coauthor(app):
    """The rule asks whether the viewer co-wrote the post (`is_author`) in a subquery on
    post_coauthors; the fetch joins post_coauthors too, under an alias, so the two never
    correlate: a co-author reading a gated post gets all its co-authors, not just themself."""
    author, amy, zed = make_user("author"), make_user("amy"), make_user("zed")
    post = make_post(author, "Gated, co-written", coauthors=(zed, amy))
    post.terms_version = 1
    db.session.add(PostTerms(post_id=post.id, version=1, body_md="Cite us.", body_html="<p>Cite us.</p>"))
    db.session.commit()
    post_id = post.id
    db.session.expunge_all()
    with app.test_request_context():
        zed = db.session.scalar(select(User).where(User.username == "zed"))
        fetched = visibility.get_post_body_or_404(post_id, zed)
        assert [u.username for u in fetched.coauthors] == ["amy", "zed"]


def test_a_hidden_post_with_tags_and_coauthors_answers_as_a_missing_one(app, client):
    """However its rows become a post, one the viewer may not read answers the 404 of a
    post that never existed, byte for byte, signed out and signed in."""
    author, coauthor, reader, outsider = (make_user(name) for name in ("author", "coauthor", "reader", "outsider"))
    post = make_post(
        author, "Canary title", tags="canary", audience="restricted", users=(reader,), coauthors=(coauthor,)
    )
    db.session.commit()
    path, missing = f"/posts/{post.id}", f"/posts/{MISSING_POST}"
    for who in (None, outsider):
        if who is not None:
            login(client, who)
        hidden = client.get(path)
        assert normalized(hidden, path) == normalized(client.get(missing), missing)
        assert hidden.status_code == 404 and "Canary" not in hidden.get_data(as_text=True)
    logout(client)
    login(client, reader)
    assert "Canary title" in client.get(path).get_data(as_text=True)

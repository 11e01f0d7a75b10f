"""Statements built once (forum/queries/prebuilt.py) run with each viewer's own values,
and refuse to be built when they depend on the viewer in a way that cannot be substituted."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select

from forum import visibility
from forum.extensions import db
from forum.models import Post
from forum.models._time import utcnow
from forum.queries import prebuilt
from tests.factories import make_group, make_post, make_user, statements


def readable_titles(viewer):
    return select(Post.title).where(visibility.listed(viewer), Post.author_id != viewer.id).order_by(Post.title)


def test_each_viewer_gets_their_own_answer(app):
    ada, ben, eli = make_user("ada"), make_user("ben"), make_user("eli")
    lab = make_group(ada, "Lab", members=(ben,))
    make_post(ada, "Lab secret", audience="restricted", groups=(lab,))
    make_post(ada, "For eli", audience="restricted", users=(eli,))
    make_post(eli, "Eli's open note")
    with app.test_request_context():
        for viewer in (ben, eli, ada, ben):
            expected = list(db.session.scalars(readable_titles(viewer)))
            assert prebuilt.scalars("test-titles", readable_titles, viewer) == expected
        assert prebuilt.scalars("test-titles", readable_titles, ben) == ["Eli's open note", "Lab secret"]
        assert prebuilt.scalars("test-titles", readable_titles, eli) == ["For eli"]


@pytest.mark.parametrize(
    ("build", "refusal"),
    [
        (lambda viewer: select(Post.id).where(Post.title == viewer.username), "unknown way"),
        (lambda viewer: select(Post.id).where(Post.created_at < utcnow()), "is a time"),
        (lambda viewer: select(Post.id).where(*[Post.id > 0 for _ in range(viewer.id % 2 + 1)]), "shape"),
    ],
    ids=["a value of the viewer's it does not know", "the clock", "a shape that depends on the viewer"],
)
def test_a_statement_it_cannot_make_safe_is_refused(app, build, refusal):
    with app.test_request_context(), pytest.raises(prebuilt.PrebuiltError, match=refusal):
        prebuilt.params_for(f"test-refused-{refusal}", build, make_user())


def test_a_build_that_closes_over_anything_but_the_viewer_is_refused(app):
    post_id = 7

    def one_post(viewer):
        return select(Post.id).where(Post.id == post_id, visibility.readable(viewer))

    with app.test_request_context(), pytest.raises(prebuilt.PrebuiltError, match="closure"):
        prebuilt.params_for("test-closure", one_post, make_user())


def test_one_name_means_one_statement(app):
    viewer = make_user()
    with app.test_request_context():
        prebuilt.params_for("test-name", readable_titles, viewer)
        with pytest.raises(prebuilt.PrebuiltError, match="another statement"):
            prebuilt.params_for("test-name", lambda viewer: select(Post.id), viewer)


def readable_count(viewer):
    # A rule constant ("post" kind strings) and the viewer's tokens as IN lists.
    return (
        select(db.func.count())
        .select_from(Post)
        .where(visibility.listed(viewer), Post.author_id != viewer.id, Post.title != "never-a-title")
    )


def test_the_fast_path_gives_each_viewer_their_own_count(app):
    """`fast_scalar` renders the SQL once per shape (how many tokens each list holds) and
    puts each viewer's values in by position: two viewers with as many tokens but other
    groups, and viewers with more or fewer, each get what `scalar` (SQLAlchemy's own
    rendering) gives them."""
    ada, ben, cyd, eli, dan = (make_user(name) for name in ("ada", "ben", "cyd", "eli", "dan"))
    lab, club = make_group(ada, "Lab", members=(ben, dan)), make_group(ada, "Club", members=(cyd, eli, dan))
    make_post(ada, "Lab secret", audience="restricted", groups=(lab,))
    make_post(ada, "Club secret 1", audience="restricted", groups=(club,))
    make_post(ada, "Club secret 2", audience="restricted", groups=(club,))
    make_post(ada, "For eli", audience="restricted", users=(eli,))
    make_post(ada, "For dan", audience="restricted", users=(dan,))
    make_post(ada, "Open note")
    with app.test_request_context():
        counts = {
            u.username: prebuilt.fast_scalar("test-count", readable_count, u) for u in (ben, cyd, eli, dan, ada, ben)
        }
        expected = {u.username: db.session.scalar(readable_count(u)) for u in (ben, cyd, eli, dan, ada)}
    assert counts == expected == {"ben": 2, "cyd": 3, "eli": 4, "dan": 5, "ada": 0}


def some_of_the_readable(viewer):
    # A rule constant (written into the SQL) and the caller's own values (bound, no value here).
    return (
        select(Post.title)
        .where(
            visibility.listed(viewer), Post.title != "never-a-title", Post.id.in_(bindparam("wanted", expanding=True))
        )
        .order_by(Post.title)
    )


def test_constants_are_written_in_and_the_callers_own_values_stay_bound(app):
    ben = make_user("ben")
    first, second = make_post(make_user("ada"), "First"), make_post(make_user("eli"), "Second")
    with app.test_request_context():
        statement, params = prebuilt.params_for("test-wanted", some_of_the_readable, ben)
        sql = str(statement.compile(db.engine))
        # Written in once, when it compiles: not a bind, nor one written in again at each execution.
        assert "'never-a-title'" in sql and "POSTCOMPILE_title" not in sql
        assert db.session.scalars(statement, {**params, "wanted": [second.id]}).all() == ["Second"]
        assert db.session.scalars(statement, {**params, "wanted": [first.id, second.id]}).all() == ["First", "Second"]


def test_building_a_statement_asks_the_database_nothing(app):
    """The stand-ins' state is known (they hold nothing), so the request that first builds a
    statement runs exactly the statements of any later one: a page's statement count must
    not depend on which page happened to build it first in this worker (it did: the first
    front page of a worker ran the member-state statement twice more, once per stand-in)."""
    viewer = make_user()
    assert viewer.username  # loaded now, not inside the first block
    with app.test_request_context():
        with statements() as first:
            prebuilt.scalars("test-first-build", readable_titles, viewer)
    with app.test_request_context():
        with statements() as later:
            prebuilt.scalars("test-first-build", readable_titles, viewer)
    assert len(first) == len(later)


def titles_by(viewer, sort):
    """A family: the variant picks the order; the author is the request's own value."""
    order = Post.title.desc() if sort == "desc" else Post.title
    return select(Post.title).where(visibility.listed(viewer), Post.author_id == bindparam("by")).order_by(order)


def test_a_family_runs_with_each_viewers_values_and_the_requests_own(app):
    ada, ben, eli = make_user("ada"), make_user("ben"), make_user("eli")
    lab = make_group(ada, "Lab", members=(ben,))
    make_post(ada, "Lab secret", audience="restricted", groups=(lab,))
    make_post(ada, "Open note")
    make_post(eli, "Eli's note")
    with app.test_request_context():
        for viewer, expected in ((ben, ["Open note", "Lab secret"]), (eli, ["Open note"]), (None, ["Open note"])):
            statement, params = prebuilt.variant_for("test-family", titles_by, viewer, ("desc",))
            assert list(db.session.scalars(statement, {**params, "by": ada.id})) == expected
        statement, params = prebuilt.variant_for("test-family", titles_by, ben, ("asc",))
        assert list(db.session.scalars(statement, {**params, "by": ada.id})) == ["Lab secret", "Open note"]
        # A value of the request's that the family cannot be kept with, or a closure, is refused.
        with pytest.raises(prebuilt.PrebuiltError, match="constants"):
            prebuilt.variant_for("test-family", titles_by, ben, (utcnow(),))
        with pytest.raises(prebuilt.PrebuiltError, match="closure"):
            prebuilt.variant_for("test-family-closure", lambda viewer, sort: titles_by(viewer, ada.id), ben, ("a",))


def test_each_request_places_the_viewers_tokens_as_they_are_then(app):
    """The sorted tokens a statement built once takes are made once per token set, not per
    viewer (`prebuilt._sorted_values`): a member removed from a group counts without it on
    the very next request, by either path, and a member who holds as many tokens but other
    groups never gets the first one's."""
    from forum.services import groups as group_service

    ada, ben, cyd = make_user("ada"), make_user("ben"), make_user("cyd")
    lab = make_group(ada, "Lab", members=(ben,))
    make_group(ada, "Club", members=(cyd,))  # as many tokens as ben, another group
    make_post(ada, "Lab secret", audience="restricted", groups=(lab,))
    make_post(ada, "Open note")
    for viewer, seen in ((ben, 2), (cyd, 1), (ben, 2)):
        with app.test_request_context():
            assert prebuilt.fast_scalar("test-count-tokens", readable_count, viewer) == seen
            assert len(prebuilt.scalars("test-titles-tokens", readable_titles, viewer)) == seen
    group_service.remove_member(ada, lab, "ben")
    with app.test_request_context():
        assert prebuilt.fast_scalar("test-count-tokens", readable_count, ben) == 1
        assert prebuilt.scalars("test-titles-tokens", readable_titles, ben) == ["Open note"]

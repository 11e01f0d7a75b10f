"""`flask forum seed`: demo content through the real services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from forum.demo.seed import DEMO_PASSWORD
from forum.extensions import db
from forum.models import Attachment, Comment, Group, Post, User
from forum.models._time import utcnow
from forum.services import posts, votes
from tests.factories import login


def counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in (User, Group, Post, Comment)}


def test_seed_loads_demo_content(app):
    # As deployed: votes of new or unverified accounts would not count (docs/karma.md).
    app.config["VOTE_WEIGHT_AFTER_DAYS"] = 3
    result = app.test_cli_runner().invoke(args=["forum", "seed"])
    assert result.exit_code == 0, result.output
    assert "Seeded 7 users, 2 groups, 12 posts, 7 comments, 38 votes." in result.output
    assert counts() == {"User": 7, "Group": 2, "Post": 12, "Comment": 7}
    # The demo's votes went through the real service: karma and scores agree with them.
    audit = app.test_cli_runner().invoke(args=["forum", "recompute-karma"])
    assert audit.exit_code == 0, audit.output
    assert db.session.scalar(select(func.max(User.karma))) > 0


def test_seed_if_empty_does_nothing_the_second_time(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["forum", "seed", "--if-empty"]).exit_code == 0
    before = counts()
    result = runner.invoke(args=["forum", "seed", "--if-empty"])
    assert result.exit_code == 0
    assert "not seeding" in result.output
    assert counts() == before


def test_seeded_forum_is_browsable_and_keeps_its_promise(app, client):
    app.test_cli_runner().invoke(args=["forum", "seed"])
    front = client.get("/").get_data(as_text=True)
    assert "Feature splitting is mostly a dictionary-size artifact" in front
    # The members-only and the red-team posts are not shown to a visitor.
    assert "induction head phase change" not in front
    assert "Elicitation gap" not in front
    chen = db.session.scalar(select(User).where(User.username == "chen"))
    login(client, chen, DEMO_PASSWORD)
    front = client.get("/").get_data(as_text=True)
    assert "induction head phase change" in front and "Elicitation gap" in front
    research = db.session.scalar(select(Post).where(Post.title == "A scaling law for feature splitting"))
    draft = db.session.scalar(select(Post).where(Post.is_draft.is_(True)).order_by(Post.id))
    published = select(Post).where(Post.id != research.id, Post.is_draft.is_(False))
    for post in db.session.scalars(published):
        assert client.get(f"/posts/{post.id}").status_code == 200
    # The research post went to the reading group, which Chen is not in: post and figure are missing.
    (attachment,) = db.session.scalars(select(Attachment).where(Attachment.post_id == research.id))
    figure = f"/posts/{research.id}/files/{attachment.key}"
    assert client.get(f"/posts/{research.id}").status_code == 404 and client.get(figure).status_code == 404
    assert client.get(f"/posts/{draft.id}").status_code == 404


def test_the_demo_research_post_has_math_a_footnote_and_a_figure(app, client):
    app.test_cli_runner().invoke(args=["forum", "seed"])
    research = db.session.scalar(select(Post).where(Post.title == "A scaling law for feature splitting"))
    assert not research.is_draft and [u.username for u in research.authors] == ["ada", "ben"]
    assert "$$" in research.body_md and "[^seeds]" in research.body_md
    login(client, db.session.scalar(select(User).where(User.username == "ben")), DEMO_PASSWORD)
    page = client.get(f"/posts/{research.id}").get_data(as_text=True)
    (attachment,) = db.session.scalars(select(Attachment).where(Attachment.post_id == research.id))
    assert f'src="/posts/{research.id}/files/{attachment.key}"' in page
    figure = client.get(f"/posts/{research.id}/files/{attachment.key}")
    assert figure.status_code == 200 and figure.mimetype == "image/png"
    assert "Follow-up: does splitting depend" in client.get("/drafts").get_data(as_text=True)


def test_every_demo_user_can_write_at_once_and_ada_can_strong_vote(app):
    """The first hour after `make run`: the demo's past lies in past days, so no demo account meets the
    hourly limits of new accounts, and its karma opens down-votes (ben) and strong votes (ada)."""
    app.config.update(NEW_ACCOUNT_LIMITS_ENABLED=True, VOTE_WEIGHT_AFTER_DAYS=3)
    assert app.test_cli_runner().invoke(args=["forum", "seed"]).exit_code == 0
    people = {u.username: u for u in db.session.scalars(select(User))}
    assert {people["mira"].role, people["omar"].role} == {"moderator", "admin"}
    assert db.session.scalar(select(func.max(Post.created_at))) < utcnow() - timedelta(hours=12)
    assert db.session.scalar(select(func.max(Comment.created_at))) < utcnow() - timedelta(hours=1)
    for person in people.values():
        for n in range(3):  # as many as the limit lets a new account publish in an hour
            posts.create_post(person, f"First-hour note {n} by {person.username}", "Text.", "demo")
    assert people["ada"].karma >= app.config["VOTE_STRONG_MIN_KARMA"]
    assert people["ben"].karma >= app.config["VOTE_DOWN_MIN_KARMA"]
    target = db.session.scalar(select(Post).where(Post.author_id == people["ben"].id).order_by(Post.id))
    votes.cast_vote(people["ada"], target, "strong-up")
    assert votes.audit() == []

"""The demo's past: a moderator and an admin, earlier posts that earned karma, and times spread over
past days. Without it every demo post is "now" and every demo user is a new account, so the first user
to sign in meets the hourly limits on new accounts and can try neither down-votes nor strong votes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum.extensions import db
from forum.models import Attachment, Comment, Notification, Post, PostRevision, User, Vote
from forum.models._time import utcnow
from forum.services import accounts, comments, moderation, posts, votes

# (username, name, role, bio): named in the README with what to try.
STAFF = [
    ("mira", "Mira Santos", "moderator", "Moderator. I read the reports queue every morning."),
    ("omar", "Omar Reyes", "admin", "Runs this forum. Write to me about accounts and groups."),
]

# Public posts from the weeks before the demo's threads: (author, title, body, tags, days ago).
EARLIER = [
    (
        "ada",
        "Reading notes: dictionary learning on a one-layer transformer",
        "What replicated, what did not, and the three plots worth redrawing.",
        "interpretability, sparse autoencoders",
        40,
    ),
    (
        "ada",
        "Dead features are mostly a learning-rate problem",
        "Resampling helps, but a warm-up of 1k steps removed most dead features in our runs.",
        "sparse autoencoders",
        25,
    ),
    (
        "ada",
        "Which SAE metrics predict downstream usefulness?",
        "Reconstruction loss alone ranked our dictionaries almost backwards; probing accuracy did better.",
        "interpretability, evaluations",
        15,
    ),
    (
        "ben",
        "Tracing an indirect-object circuit by hand in a 4-layer model",
        "Name movers, backup name movers and an S-inhibition head, found with activation patching.",
        "circuits, interpretability",
        30,
    ),
]
# Everyone who may up-votes the earlier posts: Ada ends above VOTE_STRONG_MIN_KARMA (25) and Ben
# above VOTE_DOWN_MIN_KARMA (10), so both kinds of vote can be tried (docs/karma.md).
EARLIER_VOTERS = ["ada", "ben", "chen", "dana", "eli", "mira", "omar"]

# Days before seeding that each demo thread started; a post not named here started a day ago.
STARTED_DAYS_AGO = {
    "Feature splitting is mostly a dictionary-size artifact": 6,
    "Replicating the induction head phase change in a 2-layer model": 5,
    "Elicitation gap on the agentic eval suite (draft)": 4,
    "How should forecasts of capability jumps use interpretability results?": 3,
    "A scaling law for feature splitting": 2,
}


def add_staff(users: dict[str, User]) -> None:
    for username, name, role, bio in STAFF:
        user = accounts.register(username, name, "interpretability", f"{username}@example.org", verified=True)
        user.email_verified_at = user.created_at = utcnow() - timedelta(days=120)
        accounts.update_profile(user, name, bio, "")
        moderation.set_role(None, user, role, "Demo staff.")
        users[username] = user


def add_earlier_work(users: dict[str, User]) -> int:
    """Earlier public posts and their up-votes; returns the number of votes cast."""
    cast = 0
    for author, title, body, tags, _days in EARLIER:
        post = posts.create_post(users[author], title, body, tags)
        for voter in EARLIER_VOTERS:
            if voter != author:
                votes.cast_vote(users[voter], post, "up")
                cast += 1
    first = db.session.scalar(select(Post).where(Post.title == EARLIER[0][1]))
    assert first is not None
    comments.add_comment(users["ben"], first, "The third plot is the one I keep coming back to.")
    return cast


def add_open_report(users: dict[str, User]) -> None:
    """One report waiting in the moderators' queue (Mira's and Omar's Moderation page)."""
    post = db.session.scalar(select(Post).where(Post.title == EARLIER[3][1]))
    assert post is not None
    moderation.report(users["eli"], post, None, "other", "Demo report: is naming the model here fine?")


def spread_over_past_days() -> None:
    """Move every post, its comments, versions, files, votes and notifications into the past."""
    now = utcnow()
    days = {title: days for _a, title, _b, _t, days in EARLIER} | STARTED_DAYS_AGO
    for post in db.session.scalars(select(Post).order_by(Post.id)):
        start = now - timedelta(days=days.get(post.title, 1))
        post.created_at = start
        if post.edited_at is not None:
            post.edited_at = start
        for revision in db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id)):
            revision.created_at = start - timedelta(hours=1)
        for attachment in db.session.scalars(select(Attachment).where(Attachment.post_id == post.id)):
            attachment.created_at = start - timedelta(hours=1)
        thread = db.session.scalars(select(Comment).where(Comment.post_id == post.id).order_by(Comment.id)).all()
        for n, comment in enumerate(thread, start=1):
            comment.created_at = start + timedelta(hours=3 * n)
        for vote in db.session.scalars(select(Vote).where(Vote.post_id == post.id)):
            vote.created_at = start + timedelta(hours=2)
        for vote in db.session.scalars(select(Vote).where(Vote.comment_id.in_([c.id for c in thread]))):
            vote.created_at = start + timedelta(hours=3 * len(thread) + 1)
    db.session.flush()
    for notification in db.session.scalars(select(Notification)):
        if notification.comment_id is not None:
            notification.created_at = db.session.get(Comment, notification.comment_id).created_at  # type: ignore[union-attr]
        elif notification.post_id is not None:
            notification.created_at = db.session.get(Post, notification.post_id).created_at  # type: ignore[union-attr]
    db.session.commit()

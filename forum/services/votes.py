"""Casting votes, and keeping scores, hot values and karma equal to the votes.

A vote, the item's score, its hot value and the author's karma change in one
transaction. Counters move by SQL increments (never read-modify-write), vote rows are
changed only if they still hold what was read, and the unique constraints on `votes`
refuse a second row, so concurrent requests can neither count twice nor lose a count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError

from forum import permissions, visibility
from forum.extensions import db
from forum.infra.rows import rows as plain_rows
from forum.models import Comment, Post, User, Vote, post_coauthors, ranking
from forum.models._time import utcnow
from forum.queries import prebuilt
from forum.services.errors import ServiceError
from forum.services.guards import ensure_verified, write_refusal

# What a button may send, per axis: choice -> (direction, strong).
CHOICES: dict[str, dict[str, tuple[int, bool]]] = {
    "karma": {"up": (1, False), "down": (-1, False), "strong-up": (1, True), "strong-down": (-1, True)},
    "agreement": {"agree": (1, False), "disagree": (-1, False)},
}
NO_VOTE = "none"
PENDING_MESSAGE = (
    "Your vote is kept and shown to you; it counts toward scores and karma once your account's "
    "email is verified and the account is {days} days old."
)
_ATTEMPTS = 3


@dataclass
class VoteResult:
    """The item's counts after the vote, and the voter's vote on that axis (None: no vote)."""

    kind: str
    id: int
    axis: str
    vote: str | None
    score: int
    vote_count: int
    agreement: int | None = None
    agreement_count: int | None = None
    # True when the voter's vote is kept but not counted yet (see `vote_counts`).
    pending: bool | None = None

    def as_json(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if v is not None or k == "vote"}
        return data


# --- casting ---------------------------------------------------------------------------


def cast_vote(
    voter: User, target: Post | Comment, choice: str, axis: str = "karma", expected: str | None = None
) -> VoteResult:
    """Record `voter` pressing the `choice` button on `target`.

    Pressing the button of the vote one already has takes it back; another button of the
    same axis replaces it. `expected` is the vote the voter's page showed ("none" for no
    vote); when the stored vote differs, the page was stale (a double click, a second tab,
    a concurrent request) and the press means "set to `choice`", so repeating a request
    never undoes it. The caller has fetched `target` through visibility.
    """
    _check(voter, target, choice, axis)
    # The voter may have qualified since their last votes: count those first, so the
    # stored vote read below is as it will stay.
    count_pending_votes([voter.id])
    for _ in range(_ATTEMPTS):
        try:
            result = _apply(voter, target, choice, axis, expected)
        except _Conflict:
            db.session.rollback()
            # Whatever raced us has committed; decide again against what is stored now.
            # Having seen no vote, the press means "set", never "take back".
            expected = expected or NO_VOTE
            continue
        db.session.commit()
        return result
    raise ServiceError("Too many votes at once on this item; try again.", status=409)


class _Conflict(Exception):
    """The vote row changed between reading and writing."""


def _check(voter: User, target: Post | Comment, choice: str, axis: str) -> None:
    if not permissions.can_vote(voter):
        raise ServiceError(write_refusal(voter) or "This account may not vote.", status=403)
    ensure_verified(voter, "vote")
    if axis not in CHOICES or choice not in CHOICES[axis]:
        raise ServiceError("That is not a vote.", field="value", status=400)
    if axis == "agreement" and not isinstance(target, Comment):
        raise ServiceError("Agreement is for comments.", field="value", status=400)
    post = target if isinstance(target, Post) else target.post
    if target.is_deleted or post.is_deleted:
        raise ServiceError("This was deleted; it takes no votes.", status=409)
    if target.is_removed or post.is_removed:
        raise ServiceError("A moderator removed this; it takes no votes.", status=409)
    if voter.id in (target.author_ids if isinstance(target, Post) else {target.author_id}):
        raise ServiceError("You cannot vote on your own writing.", field="value", status=403)
    if post.is_draft:
        raise ServiceError("A draft takes no votes until it is published.", status=409)


def _check_thresholds(voter: User, direction: int, strong: bool, axis: str) -> None:
    """Only for a vote being added or replaced: taking a vote back is always allowed."""
    if axis != "karma":
        return
    config = current_app.config
    if direction < 0 and not permissions.can_down_vote(voter):
        raise ServiceError(f"Down-votes need {config['VOTE_DOWN_MIN_KARMA']} karma.", field="value", status=403)
    if strong and not permissions.can_strong_vote(voter):
        raise ServiceError(f"Strong votes need {config['VOTE_STRONG_MIN_KARMA']} karma.", field="value", status=403)


def vote_weight(voter: User, direction: int, strong: bool, axis: str) -> int:
    """The signed weight of a vote (see docs/karma.md). Agreement is a head count."""
    if axis != "karma":
        return direction
    config = current_app.config
    if strong:
        return direction * ranking.strong_weight(voter.karma, config["VOTE_STRONG_WEIGHTS"])
    return direction * ranking.normal_weight(voter.karma, config["VOTE_NORMAL_DOUBLE_KARMA"])


def _target_clause(target: Post | Comment):
    return Vote.post_id == target.id if isinstance(target, Post) else Vote.comment_id == target.id


def _apply(voter: User, target: Post | Comment, choice: str, axis: str, expected: str | None) -> VoteResult:
    direction, strong = CHOICES[axis][choice]
    existing = db.session.execute(
        select(Vote.id, Vote.direction, Vote.strong, Vote.weight, Vote.counted).where(
            Vote.user_id == voter.id, _target_clause(target), Vote.axis == axis
        )
    ).first()
    stored = _choice_name(axis, existing.direction, existing.strong) if existing else NO_VOTE
    stale = expected is not None and expected != stored
    if stored == choice:
        wanted = choice if stale else NO_VOTE
    else:
        wanted = choice

    # A pending vote (Vote.counted false) moves nothing; what it held is what taking it back removes.
    held_weight, held_count = (existing.weight, 1) if existing is not None and existing.counted else (0, 0)
    delta, count_delta = 0, 0
    pending = existing is not None and not existing.counted and wanted == stored
    if wanted == stored:
        pass
    elif wanted == NO_VOTE and existing is not None:  # stored is a vote, so its row exists
        _change_row(delete(Vote), existing)
        delta, count_delta = -held_weight, -held_count
    else:
        _check_thresholds(voter, direction, strong, axis)
        weight = vote_weight(voter, direction, strong, axis)
        counted = axis != "karma" or vote_counts(voter)
        pending = not counted
        if existing is None:
            row = {
                "user_id": voter.id,
                "axis": axis,
                "direction": direction,
                "strong": strong,
                "weight": weight,
                "counted": counted,
            }
            row["post_id" if isinstance(target, Post) else "comment_id"] = target.id
            try:
                db.session.execute(insert(Vote).values(**row))
            except IntegrityError as error:  # the same vote, inserted by a concurrent request
                raise _Conflict from error
        else:
            _change_row(
                update(Vote).values(
                    direction=direction, strong=strong, weight=weight, counted=counted, created_at=utcnow()
                ),
                existing,
            )
        delta = (weight if counted else 0) - held_weight
        count_delta = (1 if counted else 0) - held_count
    result = _move_counts(target, axis, delta, count_delta, None if wanted == NO_VOTE else wanted)
    result.pending = pending or None
    return result


def _change_row(statement, existing) -> None:
    """Update or delete the vote row only if it still holds what we read."""
    result = db.session.execute(
        statement.where(
            Vote.id == existing.id,
            Vote.direction == existing.direction,
            Vote.strong == existing.strong,
            Vote.weight == existing.weight,
            Vote.counted == existing.counted,
        ).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # DML returns a CursorResult
        raise _Conflict


def _choice_name(axis: str, direction: int, strong: bool) -> str:
    return next(name for name, value in CHOICES[axis].items() if value == (direction, strong))


def _move_counts(target: Post | Comment, axis: str, delta: int, count_delta: int, vote: str | None) -> VoteResult:
    if isinstance(target, Post):
        row = db.session.execute(
            update(Post)
            .where(Post.id == target.id)
            .values(score=Post.score + delta, vote_count=Post.vote_count + count_delta)
            .returning(Post.score, Post.vote_count, Post.created_at)
            .execution_options(synchronize_session=False)
        ).one()
        if delta:
            db.session.execute(
                update(Post)
                .where(Post.id == target.id)
                .values(hot=ranking.hot(row.score, row.created_at))
                .execution_options(synchronize_session=False)
            )
        result = VoteResult("post", target.id, axis, vote, row.score, row.vote_count)
        post_id = target.id
    else:
        if axis == "karma":
            values = {"score": Comment.score + delta, "vote_count": Comment.vote_count + count_delta}
        else:
            values = {"agreement": Comment.agreement + delta, "agreement_count": Comment.agreement_count + count_delta}
        counts = db.session.execute(
            update(Comment)
            .where(Comment.id == target.id)
            .values(**values)
            .returning(Comment.score, Comment.vote_count, Comment.agreement, Comment.agreement_count)
            .execution_options(synchronize_session=False)
        ).one()
        result = VoteResult("comment", target.id, axis, vote, *counts)
        post_id = target.post_id
    # A draft's kept review comment is not public, so neither are the votes on it (services/history.py).
    kept = isinstance(target, Comment) and target.audience_snapshot_id is not None
    if axis == "karma" and delta and not kept and _counts_toward_karma(post_id):
        # Every author of a post gets the whole weight, as on LessWrong (docs/karma.md).
        earners = target.author_ids if isinstance(target, Post) else {target.author_id}
        db.session.execute(
            update(User)
            .where(User.id.in_(earners))
            .values(karma=User.karma + delta)
            .execution_options(synchronize_session=False)
        )
    # The ORM copies of what changed are stale now; reload them on next access.
    db.session.expire(target)
    return result


def _counts_toward_karma(post_id: int) -> bool:
    return bool(
        db.session.scalar(select(visibility.open_to_every_member(Post.id)).select_from(Post).where(Post.id == post_id))
    )


# --- votes of new and unverified accounts -----------------------------------------------


def _qualified_clause():
    """The SQL form of `vote_counts`, over User."""
    cutoff = utcnow() - timedelta(days=current_app.config["VOTE_WEIGHT_AFTER_DAYS"])
    return and_(User.email_verified_at.is_not(None), User.created_at <= cutoff)


def vote_counts(voter: User) -> bool:
    """Whether a karma vote cast now moves scores and karma (docs/karma.md).

    A verified account at least VOTE_WEIGHT_AFTER_DAYS old: a crowd of fresh accounts
    cannot lift anyone across the thresholds that unlock down-votes and strong votes.
    Younger or unverified accounts' votes are kept and shown to them, and counted by
    `count_pending_votes` once the account qualifies. Asked of the database with the
    clause the job uses, so the two cannot drift."""
    return bool(db.session.scalar(select(_qualified_clause()).select_from(User).where(User.id == voter.id)))


def count_pending_votes(user_ids=None) -> int:
    """Count the kept votes of every account that qualifies now (of `user_ids` only, if
    given): each moves its item's score and count and its authors' karma as if cast now,
    at the weight it was cast with. Run by `flask forum worker` on every tick and by
    `flask forum count-pending-votes`, and for a voter before each of their votes.
    Returns how many were counted; commits."""
    query = (
        select(Vote.id, Vote.post_id, Vote.comment_id, Vote.weight)
        .join(User, User.id == Vote.user_id)
        .where(Vote.counted.is_(False), _qualified_clause())
    )
    if user_ids is not None:
        query = query.where(Vote.user_id.in_(user_ids))
    rows = db.session.execute(query).all()
    counted = 0
    for row in rows:
        # Conditional, so two workers (or a worker and the voter) never count one vote twice.
        flipped = db.session.execute(
            update(Vote)
            .where(Vote.id == row.id, Vote.counted.is_(False))
            .values(counted=True)
            .execution_options(synchronize_session=False)
        )
        if flipped.rowcount != 1:  # type: ignore[attr-defined]  # DML returns a CursorResult
            continue
        target = db.session.get(Post, row.post_id) if row.post_id else db.session.get(Comment, row.comment_id)
        if target is not None:
            _move_counts(target, "karma", row.weight, 1, None)
        counted += 1
    if rows:
        db.session.commit()
    return counted


def withdraw_all(voter: User) -> None:
    """Take back every vote `voter` cast, as if each button were pressed again: scores, hot
    values and the authors' karma move back by each vote's stored weight (no commit; the
    caller's transaction, account deletion). No checks: taking a vote back is always allowed."""
    rows = db.session.execute(
        select(Vote.id, Vote.post_id, Vote.comment_id, Vote.axis, Vote.weight, Vote.counted).where(
            Vote.user_id == voter.id
        )
    ).all()
    for row in rows:
        target: Post | Comment | None = (
            db.session.get(Post, row.post_id) if row.post_id is not None else db.session.get(Comment, row.comment_id)
        )
        db.session.execute(delete(Vote).where(Vote.id == row.id).execution_options(synchronize_session=False))
        if target is not None and row.counted:  # a kept, uncounted vote moved nothing
            _move_counts(target, row.axis, -row.weight, -1, None)


# --- the viewer's own votes --------------------------------------------------------------


@dataclass
class ViewerVotes:
    """The viewer's votes on the items of one page, read in one query."""

    choices: dict[tuple[str, int, str], str] = field(default_factory=dict)

    def choice(self, item: Post | Comment, axis: str = "karma") -> str | None:
        kind = "post" if isinstance(item, Post) else "comment"
        return self.choices.get((kind, item.id, axis))


def viewer_votes(viewer: User | None, post_ids=(), comment_ids=()) -> ViewerVotes:
    """`post_ids` and `comment_ids` are lists of ids or a `select()` of ids."""
    if not permissions.can_vote(viewer):
        return ViewerVotes()
    clauses = []
    if not _empty(post_ids):
        clauses.append(Vote.post_id.in_(post_ids))
    if not _empty(comment_ids):
        clauses.append(Vote.comment_id.in_(comment_ids))
    if not clauses:
        return ViewerVotes()
    rows = db.session.execute(
        select(Vote.post_id, Vote.comment_id, Vote.axis, Vote.direction, Vote.strong).where(
            Vote.user_id == viewer.id, or_(*clauses)
        )
    )
    return votes_from_rows(rows)


def votes_from_rows(rows) -> ViewerVotes:
    """`ViewerVotes` from rows of (post_id, comment_id, axis, direction, strong), the viewer's
    own votes read by the caller (queries/threads.py reads them with the page's other relations)."""
    return ViewerVotes(
        {
            ("post" if r.post_id else "comment", r.post_id or r.comment_id, r.axis): _choice_name(
                r.axis, r.direction, r.strong
            )
            for r in rows
        }
    )


def _post_votes_statement(viewer: User):
    return select(Vote.post_id, Vote.axis, Vote.direction, Vote.strong).where(
        Vote.user_id == viewer.id, Vote.post_id.in_(bindparam("card_ids", expanding=True))
    )


def viewer_post_votes(viewer: User | None, post_ids: list[int]) -> ViewerVotes:
    """`viewer_votes` for a listing's posts, by a statement built once (queries/prebuilt.py)."""
    if not permissions.can_vote(viewer) or not post_ids:
        return ViewerVotes()
    statement, params = prebuilt.variant_for("post-votes", _post_votes_statement, viewer)
    found = plain_rows(statement, {**params, "card_ids": post_ids})  # plain rows: infra/rows.py
    return ViewerVotes({("post", r.post_id, r.axis): _choice_name(r.axis, r.direction, r.strong) for r in found})


def _empty(ids) -> bool:
    return isinstance(ids, (list, tuple, set, frozenset)) and not ids


# --- karma: eligibility and audit --------------------------------------------------------


def expected_karma(user_ids=None) -> dict[int, int]:
    """Karma from the votes: weights of karma votes on the user's posts and comments,
    counting only posts open to every member (docs/karma.md says why)."""
    # Each author of a post, the first and every co-author, earns the post's whole votes.
    authors = union_all(
        select(Post.id.label("post_id"), Post.author_id.label("user_id")),
        select(post_coauthors.c.post_id, post_coauthors.c.user_id),
    ).subquery()
    on_posts = (
        select(authors.c.user_id, func.sum(Vote.weight))
        .join(authors, Vote.post_id == authors.c.post_id)
        .where(Vote.axis == "karma", Vote.counted.is_(True), visibility.open_to_every_member(authors.c.post_id))
        .group_by(authors.c.user_id)
    )
    on_comments = (
        select(Comment.author_id, func.sum(Vote.weight))
        .join(Comment, Vote.comment_id == Comment.id)
        .where(
            Vote.axis == "karma",
            Vote.counted.is_(True),
            visibility.open_to_every_member(Comment.post_id),
            Comment.audience_snapshot_id.is_(None),  # a kept review comment's votes are not public
        )
        .group_by(Comment.author_id)
    )
    if user_ids is not None:
        on_posts = on_posts.where(authors.c.user_id.in_(user_ids))
        on_comments = on_comments.where(Comment.author_id.in_(user_ids))
    totals: dict[int, int] = {}
    for query in (on_posts, on_comments):
        for user_id, total in db.session.execute(query):
            totals[user_id] = totals.get(user_id, 0) + int(total or 0)
    return totals


def refresh_karma_for_post(post: Post) -> None:
    """A post's audience changed: its votes may start or stop counting toward the karma of
    its author and commenters. Recompute theirs (no commit; the caller's transaction)."""
    commenters = db.session.scalars(select(Comment.author_id).where(Comment.post_id == post.id).distinct())
    refresh_karma_for_users({*post.author_ids, *commenters})


def refresh_karma_for_users(user_ids: set[int]) -> None:
    """Recompute these users' karma from the votes (no commit). Only totals that moved are
    written: a karma write replaces the pages showing it (infra/page_cache.py), and a post
    published or narrowed inside a group must not drop an outsider's copy of its author's profile."""
    totals = expected_karma(user_ids)
    stored = dict(db.session.execute(select(User.id, User.karma).where(User.id.in_(user_ids))).tuples().all())
    for user_id in user_ids:
        if stored.get(user_id) == totals.get(user_id, 0):
            continue
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(karma=totals.get(user_id, 0))
            .execution_options(synchronize_session="fetch")
        )


@dataclass(frozen=True)
class Difference:
    table: str
    id: int
    column: str
    stored: int | float
    expected: int | float

    def __str__(self) -> str:
        return f"{self.table} {self.id}: {self.column} is {self.stored}, votes say {self.expected}"


def audit(fix: bool = False) -> list[Difference]:
    """Compare every stored score, count, hot value and karma with the votes.

    With `fix`, store what the votes say (one transaction). Returns the differences found.
    """
    differences: list[Difference] = []

    post_votes = {
        pid: (int(s), n)
        for pid, s, n in db.session.execute(
            select(Vote.post_id, func.sum(Vote.weight), func.count())
            .where(Vote.post_id.is_not(None), Vote.counted.is_(True))
            .group_by(Vote.post_id)
        )
    }
    post_fixes = []
    for pid, score, count, hot, created_at in db.session.execute(
        select(Post.id, Post.score, Post.vote_count, Post.hot, Post.created_at)
    ):
        want_score, want_count = post_votes.get(pid, (0, 0))
        want_hot = ranking.hot(want_score, created_at)
        found = [
            Difference("post", pid, col, have, want)
            for col, have, want in (("score", score, want_score), ("vote_count", count, want_count))
            if have != want
        ]
        if abs(hot - want_hot) > 1e-6:
            found.append(Difference("post", pid, "hot", hot, want_hot))
        if found:
            differences += found
            post_fixes.append({"id": pid, "score": want_score, "vote_count": want_count, "hot": want_hot})

    comment_votes: dict[tuple[int, str], tuple[int, int]] = {
        (cid, axis): (int(s), n)
        for cid, axis, s, n in db.session.execute(
            select(Vote.comment_id, Vote.axis, func.sum(Vote.weight), func.count())
            .where(Vote.comment_id.is_not(None), Vote.counted.is_(True))
            .group_by(Vote.comment_id, Vote.axis)
        )
    }
    comment_fixes = []
    for cid, *stored in db.session.execute(
        select(Comment.id, Comment.score, Comment.vote_count, Comment.agreement, Comment.agreement_count)
    ):
        want = [*comment_votes.get((cid, "karma"), (0, 0)), *comment_votes.get((cid, "agreement"), (0, 0))]
        columns = ("score", "vote_count", "agreement", "agreement_count")
        found = [Difference("comment", cid, c, h, w) for c, h, w in zip(columns, stored, want) if h != w]
        if found:
            differences += found
            comment_fixes.append({"id": cid, **dict(zip(columns, want))})

    karma = expected_karma()
    user_fixes = []
    for uid, stored_karma in db.session.execute(select(User.id, User.karma)):
        want_karma = karma.get(uid, 0)
        if stored_karma != want_karma:
            differences.append(Difference("user", uid, "karma", stored_karma, want_karma))
            user_fixes.append({"id": uid, "karma": want_karma})

    if fix and differences:
        for model, rows in ((Post, post_fixes), (Comment, comment_fixes), (User, user_fixes)):
            if rows:
                db.session.execute(update(model), rows)
        db.session.commit()
    return differences

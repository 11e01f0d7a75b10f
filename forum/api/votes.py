"""Votes: the karma axis on posts and comments, agreement on comments.

The same calls as the vote buttons (`forum/views/votes.py`): fetch through `visibility`
(an item the caller may not open answers the one 404), then `services.votes.cast_vote`,
which refuses bans, thresholds, self-votes and deleted or removed items.
"""

from __future__ import annotations

from typing import Literal, overload

from forum import visibility
from forum.api import bp
from forum.api.auth import require_user
from forum.api.errors import ApiError
from forum.api.inputs import json_body, text
from forum.api.openapi import operation
from forum.api.schemas import AGREEMENT_VOTE, KARMA_VOTE, ref
from forum.services import votes as vote_service

_DESCRIPTION = (
    "Pressing the vote you already have takes it back; another value replaces it. With `current`, "
    "a press that finds a different stored vote (a retry, a second client) sets `value` instead, so "
    '`current: "none"` makes a request safe to repeat. A karma threshold or your own writing '
    'answers 403 with `field: "value"`; a deleted or removed item 409. Weights and thresholds: '
    "docs/karma.md."
)
_ERRORS = (409,)


@overload
def _choice(data: dict, name: str, axis: str, *, required: Literal[True]) -> str: ...
@overload
def _choice(data: dict, name: str, axis: str, *, required: Literal[False]) -> str | None: ...
def _choice(data: dict, name: str, axis: str, *, required: bool) -> str | None:
    value = text(data, name, required=required)
    allowed = (*vote_service.CHOICES[axis], *(() if required else (vote_service.NO_VOTE,)))
    if value is not None and value not in allowed:
        raise ApiError(400, f"'{name}' must be one of: {', '.join(allowed)}.", field=name)
    return value


def _cast(user, target, axis: str):
    data = json_body()
    value = _choice(data, "value", axis, required=True)
    current = _choice(data, "current", axis, required=False)
    return vote_service.cast_vote(user, target, value, axis, current).as_json()


@bp.post("/posts/<int:post_id>/votes")
@operation(
    "Vote on a post (karma: up, down, strong-up, strong-down)",
    tag="votes",
    body=KARMA_VOTE,
    response=ref("VoteResult"),
    errors=_ERRORS,
    description=_DESCRIPTION,
)
def vote_post(post_id: int):
    user = require_user()  # before the fetch: a signed-out 401 is the same for every id
    # Like the buttons: a post's audience may vote before accepting its usage terms.
    return _cast(user, visibility.get_post_or_404(post_id, user), "karma")


@bp.post("/comments/<int:comment_id>/votes")
@operation(
    "Vote on a comment (karma: up, down, strong-up, strong-down)",
    tag="votes",
    body=KARMA_VOTE,
    response=ref("VoteResult"),
    errors=_ERRORS,
    description=_DESCRIPTION,
)
def vote_comment(comment_id: int):
    user = require_user()
    return _cast(user, visibility.get_comment_or_404(comment_id, user), "karma")


@bp.post("/comments/<int:comment_id>/agreement")
@operation(
    "Agree or disagree with a comment (a head count; never moves scores or karma)",
    tag="votes",
    body=AGREEMENT_VOTE,
    response=ref("VoteResult"),
    errors=_ERRORS,
    description=_DESCRIPTION,
)
def agree_comment(comment_id: int):
    user = require_user()
    return _cast(user, visibility.get_comment_or_404(comment_id, user), "agreement")

"""Vote buttons. A plain form POST that redirects back to the item, or, from votes.js,
the same POST answered with JSON so the page updates in place.

The page's buttons post to one endpoint, `vote`, each naming its item in its value
(`parse_button`); the per-item endpoints stay for the API's callers and other clients."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from forum import visibility
from forum.extensions import limiter
from forum.services import ServiceError
from forum.services import votes as vote_service
from forum.services.votes import CHOICES, NO_VOTE
from forum.web.errors import render_error
from forum.web.security import safe_next

bp = Blueprint("votes", __name__)


def _vote_limit() -> str:
    return current_app.config["VOTE_LIMIT"]


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _back(anchor: str, fallback: str):
    """Where the button was, at the item: the form says which page it was on."""
    target = safe_next(request.form.get("next", "").split("#")[0]) or fallback
    return redirect(f"{target}#{anchor}", code=303)


def _shown_vote() -> str | None:
    """The vote the page showed: in the button's address (one form per page, vote_html.py),
    or a field (votes.js, API clients)."""
    return request.form.get("current") or request.args.get("current") or None


def _refuse(error: ServiceError):
    if _wants_json():
        return jsonify(error={"code": error.status, "message": error.message}), error.status
    return render_error(error.status, error.message)


def _cast(target, axis: str, anchor: str, fallback: str, choice: str | None = None, shown: str | None = None):
    if choice is None:  # a per-item endpoint: the choice and the shown vote are fields
        choice, shown = request.form.get("value", ""), _shown_vote()
    try:
        result = vote_service.cast_vote(current_user, target, choice, axis, shown)
    except ServiceError as error:
        return _refuse(error)
    if _wants_json():
        return jsonify(result.as_json())
    if result.pending:
        flash(vote_service.PENDING_MESSAGE.format(days=current_app.config["VOTE_WEIGHT_AFTER_DAYS"]), "info")
    return _back(anchor, fallback)


def _signed_out():
    """Checked before the item is fetched, so the answer is the same for every id."""
    if _wants_json():
        return jsonify(error={"code": 401, "message": "Sign in to vote."}), 401
    return redirect(url_for("auth.login", next=safe_next(request.form.get("next", "")) or None))


@bp.route("/posts/<int:post_id>/vote", methods=["POST"])
@limiter.limit(_vote_limit)
def vote_post(post_id: int):
    if not current_user.is_authenticated:
        return _signed_out()
    # Its audience may vote even before accepting its usage terms: listings already show
    # them the title and score, and a vote reveals nothing more (docs/karma.md).
    post = visibility.get_post_or_404(post_id, current_user)
    return _cast(post, "karma", f"p{post.id}", url_for("posts.view", post_id=post.id))


@bp.route("/comments/<int:comment_id>/vote", methods=["POST"])
@limiter.limit(_vote_limit)
def vote_comment(comment_id: int):
    return _comment(comment_id, "karma")


@bp.route("/comments/<int:comment_id>/agreement", methods=["POST"])
@limiter.limit(_vote_limit)
def agree_comment(comment_id: int):
    return _comment(comment_id, "agreement")


def _comment(comment_id: int, axis: str):
    if not current_user.is_authenticated:
        return _signed_out()
    comment = visibility.get_comment_or_404(comment_id, current_user)
    return _cast(comment, axis, f"c{comment.id}", url_for("posts.view", post_id=comment.post_id))


# kind:id:axis:choice[:shown]. An id is what the int converter of the per-item routes
# takes and the database holds (at most 18 digits); anything else is not a vote.
_BUTTON = re.compile(r"(post|comment):([1-9][0-9]{0,17}):(karma|agreement):([a-z-]+)(?::([a-z-]+))?")
_KINDS_AXES = {("post", "karma"), ("comment", "karma"), ("comment", "agreement")}


def parse_button(value: str) -> tuple[str, int, str, str, str]:
    """A page button's value as (kind, id, axis, choice, shown vote). Checked before the item
    is fetched, so a bad value gets the same 400 whatever item it names. The shown vote is
    "none" when left out: the page prints it only on items the viewer voted on."""
    match = _BUTTON.fullmatch(value)
    if match is None:
        raise ServiceError("That is not a vote.", field="vote", status=400)
    kind, item_id, axis, choice, shown = match.groups()
    shown = shown or NO_VOTE
    if (
        (kind, axis) not in _KINDS_AXES
        or choice not in CHOICES[axis]
        or not (shown == NO_VOTE or shown in CHOICES[axis])
    ):
        raise ServiceError("That is not a vote.", field="vote", status=400)
    return kind, int(item_id), axis, choice, shown


@bp.route("/votes", methods=["POST"])
@limiter.limit(_vote_limit)
def vote():
    """Every vote button of a page: the page's one form, the button's `vote` value."""
    if not current_user.is_authenticated:
        return _signed_out()
    try:
        kind, item_id, axis, choice, shown = parse_button(request.form.get("vote", ""))
    except ServiceError as error:
        return _refuse(error)
    if kind == "post":
        post = visibility.get_post_or_404(item_id, current_user)
        return _cast(post, axis, f"p{post.id}", url_for("posts.view", post_id=post.id), choice, shown)
    comment = visibility.get_comment_or_404(item_id, current_user)
    return _cast(comment, axis, f"c{comment.id}", url_for("posts.view", post_id=comment.post_id), choice, shown)

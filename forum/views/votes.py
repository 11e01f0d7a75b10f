"""Vote buttons. A plain form POST that redirects back to the item, or, from votes.js,
the same POST answered with JSON so the page updates in place."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from forum import visibility
from forum.extensions import limiter
from forum.services import ServiceError
from forum.services import votes as vote_service
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


def _cast(target, axis: str, anchor: str, fallback: str):
    try:
        result = vote_service.cast_vote(current_user, target, request.form.get("value", ""), axis, _shown_vote())
    except ServiceError as error:
        if _wants_json():
            return jsonify(error={"code": error.status, "message": error.message}), error.status
        return render_error(error.status, error.message)
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

"""The reading list: Save buttons on posts and comments, and the private /saved page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import visibility
from forum.forms.posts import ConfirmForm
from forum.queries import reading_list as queries
from forum.services import reading_list as service

bp = Blueprint("reading_list", __name__)


@bp.app_template_global()
def is_saved(post_id: int, comment_id: int | None = None) -> bool:
    return queries.is_saved(current_user, post_id, comment_id)


@bp.route("/saved")
@login_required
def index():
    return render_template("reading_list/index.html", items=queries.saved(current_user), confirm_form=ConfirmForm())


def _change(post, comment, back: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("state") == "unsave":
        service.unsave(current_user, post, comment)
        flash("Removed from your reading list.", "info")
    else:
        service.save(current_user, post, comment)
        flash("Saved to your reading list.", "success")
    return redirect(back)


@bp.route("/posts/<int:post_id>/save", methods=["POST"])
@login_required
def save_post(post_id: int):
    post = visibility.get_post_body_or_404(post_id, current_user)
    return _change(post, None, url_for("posts.view", post_id=post.id))


@bp.route("/comments/<int:comment_id>/save", methods=["POST"])
@login_required
def save_comment(comment_id: int):
    comment = visibility.get_shown_comment_or_404(comment_id, current_user)
    return _change(comment.post, comment, url_for("posts.comment_permalink", comment_id=comment.id))

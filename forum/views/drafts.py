"""The Drafts page, sharing a draft and publishing it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions, visibility
from forum.forms import show_error
from forum.forms.drafts import PublishForm, ShareForm
from forum.forms.posts import ConfirmForm
from forum.services import ServiceError
from forum.services import drafts as draft_service
from forum.services.audience import PUBLIC_MEANS

bp = Blueprint("drafts", __name__)


@bp.route("/drafts")
@login_required
def mine():
    return render_template("drafts/mine.html", drafts=draft_service.drafts_for(current_user))


def _draft_for_authors(post_id: int):
    """404 outside the draft's readers (like any hidden post), 403 for a reader who is not
    an author, 409 once it is published."""
    post = visibility.get_post_or_404(post_id, current_user)
    if not permissions.can_change_authors(current_user, post):
        abort(403)
    if not post.is_draft:
        abort(409, "This post is published; change who reads it in its audience.")
    return post


def _render_share(post, form, status=200):
    return render_template(
        "drafts/share.html",
        post=post,
        form=form,
        shares=draft_service.shares(current_user, post),
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/posts/<int:post_id>/share", methods=["GET", "POST"])
@login_required
def share(post_id: int):
    post = _draft_for_authors(post_id)
    form = ShareForm()
    if request.method != "POST":
        return _render_share(post, form)
    if form.validate_on_submit():
        try:
            shared = draft_service.share_draft(post, current_user, form.username.data, form.role.data)
        except ServiceError as error:
            if error.status == 403:
                abort(403)
            show_error(form, error, "username")
        else:
            flash(f"Shared with {shared.user.username} ({shared.role}).", "success")
            return redirect(url_for("drafts.share", post_id=post.id))
    return _render_share(post, form, 400)


@bp.route("/posts/<int:post_id>/share/remove", methods=["POST"])
@login_required
def unshare(post_id: int):
    post = _draft_for_authors(post_id)
    user_id = request.form.get("user_id", "")
    if ConfirmForm().validate_on_submit() and user_id.isdigit():
        draft_service.unshare_draft(post, current_user, int(user_id))
        flash("No longer shared with them.", "info")
    return redirect(url_for("drafts.share", post_id=post.id))


@bp.route("/posts/<int:post_id>/publish", methods=["POST"])
@login_required
def publish(post_id: int):
    post = _draft_for_authors(post_id)
    form = PublishForm()
    if form.validate_on_submit() and post.audience_kind == "public" and not form.confirm_public.data:
        flash(f"Not published yet. {PUBLIC_MEANS} Tick the box to publish to everyone.", "error")
        return redirect(url_for("posts.view", post_id=post.id))
    if form.validate_on_submit():
        draft_service.publish(post, current_user, open_history=form.open_history.data)
        flash("Your post is published.", "success")
    return redirect(url_for("posts.view", post_id=post.id))

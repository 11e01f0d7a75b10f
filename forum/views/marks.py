"""Marked copies on the author's side: turn marking on or off, review where the text
varies, and trace a leaked text to the reader whose copy it was (docs/marks.md)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum import permissions, visibility
from forum.extensions import db
from forum.forms.marks import MarkingForm, TraceForm
from forum.queries import traces
from forum.rendering import marks as mark_rendering
from forum.services import ServiceError
from forum.services import marks as mark_service

bp = Blueprint("marks", __name__)

MAX_FIGURE = 20 * 1024 * 1024


def _authors_post_or_404(post_id: int):
    post = visibility.get_post_body_or_404(post_id, current_user)
    if not permissions.can_see_acceptances(current_user, post):
        abort(403)
    return post


def render_marks(post, trace_form: TraceForm, trace=None, status: int = 200, of_figure: bool = False):
    return render_template(
        "marks/page.html",
        post=post,
        marking_form=MarkingForm(formdata=None, marked=post.marks_copies),
        trace_form=trace_form,
        trace=trace,
        of_figure=of_figure,
        sites=traces.review(current_user, post),
        summary=mark_rendering.summary(post.body_md),
        accuse=traces.ACCUSE,
    ), status


@bp.route("/posts/<int:post_id>/marks")
@login_required
def page(post_id: int):
    return render_marks(_authors_post_or_404(post_id), TraceForm(formdata=None))


@bp.route("/posts/<int:post_id>/marks/setting", methods=["POST"])
@login_required
def setting(post_id: int):
    post = _authors_post_or_404(post_id)
    form = MarkingForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        mark_service.set_marking(post, current_user, bool(form.marked.data))
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_marks(post, TraceForm(formdata=None), status=error.status)
    flash("Each reader now gets a marked copy." if post.marks_copies else "Copies are no longer marked.", "success")
    return redirect(url_for("marks.page", post_id=post.id))


@bp.route("/posts/<int:post_id>/marks/trace", methods=["POST"])
@login_required
def trace(post_id: int):
    post = _authors_post_or_404(post_id)
    form = TraceForm()
    if not form.validate_on_submit():
        return render_marks(post, form, status=400)
    upload = form.figure.data
    if upload and getattr(upload, "filename", ""):
        found = traces.trace_figure(current_user, post, upload.read(MAX_FIGURE + 1)[:MAX_FIGURE])
        return render_marks(post, form, found, of_figure=True)
    return render_marks(post, form, traces.trace(current_user, post, form.leaked.data or ""))

"""Listed restricted posts, requests for access, and the author's audit of a post."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions, visibility
from forum.extensions import db
from forum.forms import show_error
from forum.forms.posts import ConfirmForm
from forum.forms.trust import AccessRequestForm, ListingForm
from forum.infra.pages import paginate
from forum.queries import audit
from forum.queries import conversations as conversation_queries
from forum.queries import terms as terms_queries
from forum.services import ServiceError
from forum.services import access as access_service
from forum.web.paging import page_arg

bp = Blueprint("access", __name__)


@bp.route("/listed")
@login_required
def listed():
    """Restricted posts their authors chose to list: title, author and abstract only."""
    cards = paginate(
        visibility.discoverable_posts(current_user),
        page_arg(),
        current_app.config["POSTS_PER_PAGE"],
    )
    ids = [row.id for row in cards.items]
    return render_template(
        "access/listed.html",
        cards=cards,
        listings={post_id: listing for post_id, (_, listing) in visibility.listing_cards(current_user, ids).items()},
        readable=visibility.readable_post_ids(current_user, ids),
        pending=audit.pending_request_ids(current_user, ids),
        n_to_decide=len(audit.requests_to_decide(current_user)),
    )


def _render_request(post, listing, form, status=200, error=None):
    return render_template(
        "access/request.html",
        post=post,
        listing=listing,
        form=form,
        error=error,
        can_read=visibility.can_read_post(current_user, post.id),
        pending=access_service.pending_request(current_user, post),
        # "Ask the author": only when the consent rule lets the viewer write to them.
        ask_author=conversation_queries.reachable(current_user, [post.author]),
    ), status


@bp.route("/posts/<int:post_id>/access", methods=["GET", "POST"])
@login_required
def request_access(post_id: int):
    post, listing = visibility.get_listing_or_404(post_id, current_user)
    form = AccessRequestForm()
    if request.method == "GET":
        return _render_request(post, listing, form)
    if not form.validate_on_submit():
        return _render_request(post, listing, form, 400)
    try:
        access_service.request_access(current_user, post, form.note.data)
    except ServiceError as error:
        db.session.rollback()
        if error.field:
            show_error(form, error)
            return _render_request(post, listing, form, error.status)
        return _render_request(post, listing, form, error.status, error=error.message)
    flash("Your request is sent. You will be able to read the post once the author approves it.", "success")
    return redirect(url_for("access.request_access", post_id=post.id))


@bp.route("/posts/<int:post_id>/access/decide", methods=["POST"])
@login_required
def decide(post_id: int):
    """One click: the form carries the request's id and approve or decline."""
    post = visibility.get_post_or_404(post_id, current_user)
    decision, request_id = request.form.get("decision"), request.form.get("request_id", "")
    if not ConfirmForm().validate_on_submit() or decision not in ("approve", "decline") or not request_id.isdigit():
        abort(400)
    try:
        decided = access_service.decide(current_user, post, int(request_id), approve=decision == "approve")
    except ServiceError as error:
        db.session.rollback()
        abort(error.status, error.message)
    verb = (
        "may now read the post (after accepting its terms, if it has any)"
        if decided.status == "approved"
        else "was declined"
    )
    flash(f"{decided.user.username} {verb}.", "success")
    back = url_for("access.to_decide")
    if request.form.get("from") != "to_decide" and permissions.can_see_acceptances(current_user, post):
        back = url_for("access.audit_page", post_id=post.id)
    return redirect(back)


@bp.route("/access-requests")
@login_required
def to_decide():
    return render_template(
        "access/to_decide.html", requests=audit.requests_to_decide(current_user), confirm_form=ConfirmForm()
    )


@bp.route("/posts/<int:post_id>/audit")
@login_required
def audit_page(post_id: int):
    post = visibility.get_post_or_404(post_id, current_user)
    if not permissions.can_see_acceptances(current_user, post):
        abort(403)
    return render_template(
        "access/audit.html",
        post=post,
        reads=audit.reads_of(current_user, post),
        requests=audit.requests_of(current_user, post),
        acceptances=terms_queries.acceptances_of(current_user, post),
        listing=audit.listing_of(current_user, post),
        confirm_form=ConfirmForm(),
    )


@bp.route("/posts/<int:post_id>/listing", methods=["GET", "POST"])
@login_required
def listing(post_id: int):
    post = visibility.get_post_or_404(post_id, current_user)
    if not permissions.can_see_acceptances(current_user, post):
        abort(403)
    current = audit.listing_of(current_user, post)
    form = ListingForm()
    if request.method == "GET":
        form.listed.data, form.abstract.data = current is not None, current.abstract if current else ""
    elif form.validate_on_submit():
        try:
            access_service.set_listing(current_user, post, form.listed.data, form.abstract.data)
        except ServiceError as error:
            db.session.rollback()
            show_error(form, error, "abstract")
        else:
            flash("The post is listed." if form.listed.data else "The post is not listed.", "success")
            return redirect(url_for("access.audit_page", post_id=post.id))
    return render_template("access/listing.html", post=post, form=form), 400 if request.method == "POST" else 200

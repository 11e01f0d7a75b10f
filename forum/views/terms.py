"""Usage terms: readers agreeing to a post's terms, who agreed, and the site's own terms."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions, visibility
from forum.forms import show_error
from forum.forms.terms import AcceptSiteTermsForm, AcceptTermsForm, SiteTermsForm
from forum.models import Post
from forum.queries import terms as terms_queries
from forum.services import ServiceError
from forum.services import terms as terms_service
from forum.web.errors import render_error
from forum.web.security import safe_next

bp = Blueprint("terms", __name__)

# Pages a signed-in member reaches before agreeing to changed site terms.
SITE_TERMS_EXEMPT = {
    "static",
    "auth.logout",
    "terms.accept_site",
    "terms.site_terms",
    "main.about",
    # Stopping email never waits for an agreement.
    "notifications.unsubscribe",
    "notifications.unsubscribe_now",
}


def render_gate(post: Post, terms, *, error: str | None = None, status: int = 200):
    """The page a reader sees instead of a post whose terms they have not accepted."""
    # formdata=None: after a refused POST the form must carry the current version, not the sent one.
    form = AcceptTermsForm(formdata=None, version=str(terms.version))
    return render_template(
        "terms/gate.html",
        post=post,
        terms=terms,
        form=form,
        error=error,
        audience=visibility.describe_audience(current_user, post),
        agreed_before=terms_service.accepted_earlier(current_user, post),
    ), status


@bp.route("/posts/<int:post_id>/terms/accept", methods=["POST"])
@login_required
def accept_post(post_id: int):
    post = visibility.get_post_or_404(post_id, current_user)
    form = AcceptTermsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        terms_service.accept_post_terms(current_user, post, form.version.data)
    except ServiceError as error:
        post, gate = visibility.get_readable_body_or_gate(post.id, current_user)
        if gate is None:
            abort(error.status)
        return render_gate(post, gate, error=error.message, status=error.status)
    if post.terms_version is not None and post.author_id != current_user.id:
        flash("Thank you. You agreed to this post's terms.", "success")
    return redirect(url_for("posts.view", post_id=post.id))


@bp.route("/posts/<int:post_id>/acceptances")
@login_required
def post_acceptances(post_id: int):
    post = visibility.get_post_or_404(post_id, current_user)
    if not permissions.can_see_acceptances(current_user, post):
        abort(403)
    return render_template(
        "terms/acceptances.html",
        post=post,
        versions=terms_service.versions_of_post(post),
        acceptances=terms_queries.acceptances_of(current_user, post),
    )


@bp.route("/settings/terms")
@login_required
def my_acceptances():
    return render_template(
        "terms/mine.html",
        acceptances=terms_queries.accepted_by(current_user),
        site_acceptances=terms_service.site_acceptances_by(current_user),
        site_terms=terms_service.current_site_terms(),
    )


# --- site terms ------------------------------------------------------------------------


@bp.before_app_request
def require_site_terms():
    """Signed-in members who have not agreed to the site terms in force agree first."""
    viewer = current_user._get_current_object()  # the proxy looked up once
    if not viewer.is_authenticated or request.endpoint in SITE_TERMS_EXEMPT or request.endpoint is None:
        return None
    if terms_service.has_accepted_site_terms(viewer):
        return None
    if request.path.startswith("/api/"):
        return render_error(403, "Accept the current site terms first.")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("terms.accept_site", next=safe_next(target)))


@bp.route("/terms")
def site_terms():
    return render_template("terms/site.html", terms=terms_service.current_site_terms())


@bp.route("/terms/accept", methods=["GET", "POST"])
@login_required
def accept_site():
    terms = terms_service.current_site_terms()
    target = safe_next(request.values.get("next")) or url_for("main.index")
    if terms is None or terms_service.has_accepted_site_terms(current_user):
        return redirect(target)
    form = AcceptSiteTermsForm()
    error, status = None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            terms_service.accept_site_terms(current_user, form.version.data)
        except ServiceError as refused:
            error, status = refused.message, refused.status
            terms = terms_service.current_site_terms() or terms  # versions are only ever added
        else:
            flash("Thank you. You agreed to the site terms.", "success")
            return redirect(target)
    form = AcceptSiteTermsForm(formdata=None, version=str(terms.id), next=safe_next(request.values.get("next")) or "")
    return render_template("terms/accept_site.html", terms=terms, form=form, error=error), status


@bp.route("/admin/site-terms", methods=["GET", "POST"])
@login_required
def admin_site_terms():
    if not permissions.can_manage_site_terms(current_user):
        abort(403)
    form = SiteTermsForm()
    current = terms_service.current_site_terms()
    if request.method == "GET":
        form.body.data = current.body_md if current else ""
    elif form.validate_on_submit():
        try:
            terms = terms_service.set_site_terms(current_user, form.body.data)
        except ServiceError as error:
            show_error(form, error, "body")
        else:
            flash(f"Version {terms.version} of the site terms is in force. Everyone will be asked to agree.", "success")
            return redirect(url_for("terms.admin_site_terms"))
    return render_template(
        "terms/admin_site.html",
        form=form,
        current=current,
        history=terms_service.site_terms_history(),
    ), 400 if request.method == "POST" else 200

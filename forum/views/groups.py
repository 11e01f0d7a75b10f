"""Group pages: the directory, "Your groups", a group's page, creating, editing, deleting.
Joining and membership actions are in `group_members`."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_

from forum import permissions, visibility
from forum.extensions import db
from forum.forms import show_error
from forum.forms.groups import DeleteGroupForm, EditGroupForm, GroupForm, InviteForm
from forum.infra.pages import paginate
from forum.models import Group
from forum.queries import conversations as conversation_queries
from forum.queries import feeds, listings, trust
from forum.queries import groups as group_queries
from forum.rendering import listing_html
from forum.services import ServiceError, two_factor
from forum.services import groups as group_service
from forum.web.paging import page_arg

bp = Blueprint("groups", __name__)


@bp.route("/groups")
def directory():
    """Listed groups and the viewer's own; never one they are merely invited to."""
    q = request.args.get("q", "").strip()[:100]
    groups = paginate(listings.group_directory(current_user, q), page_arg(), 30)
    ids = [g.id for g in groups.items]
    return render_template(
        "groups/directory.html",
        groups=groups,
        q=q,
        counts=group_queries.member_counts(ids),
        post_counts=group_queries.post_counts(current_user, ids),
        states=group_queries.viewer_states(current_user, ids),
    )


@bp.route("/groups/mine")
@login_required
def mine():
    memberships = group_queries.memberships_of(current_user)
    ids = [m.group_id for m in memberships]
    return render_template(
        "groups/mine.html",
        memberships=memberships,
        counts=group_queries.member_counts(ids),
        post_counts=group_queries.post_counts(current_user, ids),
        invitations=group_queries.invitations_for(current_user),
        requests=group_queries.requests_of(current_user),
    )


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group():
    if not permissions.can_write(current_user):
        abort(403)
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = group_service.create_group(
                current_user,
                form.name.data,
                form.description.data,
                slug=form.slug.data or None,
                listed=form.listed.data == "listed",
                join_policy=form.join_policy.data,
                interests=form.interests.data or "",
                requires_vouch=form.requires_vouch.data,
                requires_two_factor=form.requires_two_factor.data,
            )
        except ServiceError as error:
            show_error(form, error, "name")
        else:
            flash("Your group is ready. Invite people from its page.", "success")
            return redirect(url_for("groups.view", slug=group.slug))
    return render_template("groups/edit.html", form=form, group=None), 400 if request.method == "POST" else 200


def render_group(group: Group, status: int = 200, *, error: str | None = None, invite_form: InviteForm | None = None):
    """The group page; also re-rendered, with the message and its status, when an action is refused."""
    role = permissions.group_role(current_user, group)
    activity = visibility.can_see_group_activity(current_user, group)
    posts = cards = None
    if activity:
        posts = listings.card_page(current_user, "group", page_arg(), current_app.config["POSTS_PER_PAGE"], group=group)
        cards = listing_html.page_of_cards(posts.items)
    manages = permissions.can_manage_group(current_user, group)
    state = group_queries.viewer_states(current_user, [group.id]).get(group.id)
    invitation = None
    if state == "invited":
        invitation = next(i for i in group_queries.invitations_for(current_user) if i.group_id == group.id)
    # A member the group's requirement keeps out is told why, and where to meet it.
    needs_two_factor = bool(role) and group.requires_two_factor and not two_factor.is_enabled(current_user)
    return render_template(
        "groups/view.html",
        group=group,
        posts=posts,
        cards=cards,
        role=role,
        needs_two_factor=needs_two_factor,
        state=state,
        invitation=invitation,
        error=error,
        group_feed=feeds.group_has_feed(group),
        members=group_queries.members(current_user, group),
        n_members=group_queries.member_counts([group.id]).get(group.id, 0) if activity else None,
        n_posts=group_queries.post_counts(current_user, [group.id]).get(group.id, 0) if activity else None,
        manages=manages,
        changes_roles=permissions.can_change_roles(current_user, group),
        can_remove=lambda m: permissions.can_remove_member(current_user, group, m),
        pending_invitations=group_queries.pending_invitations(current_user, group),
        n_requests=len(group_queries.pending_requests(current_user, group)),
        invite_form=invite_form or InviteForm(),
        intro=trust.introduce_group(current_user, group),
        ask_owners=conversation_queries.owners_to_ask(current_user, group) if current_user.is_authenticated else [],
    ), status


@bp.route("/groups/<slug>")
def view(slug: str):
    return render_group(visibility.get_group_or_404(slug, current_user))


@bp.route("/groups/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    group = visibility.get_group_or_404(slug, current_user)
    if not permissions.can_manage_group(current_user, group):
        abort(403)
    form = EditGroupForm()
    if request.method == "GET":
        form.name.data, form.description.data = group.name, group.description
        form.interests.data = ", ".join(i.name for i in group.interests)
        form.listed.data = "listed" if group.listed else "unlisted"
        form.join_policy.data = group.join_policy
        form.requires_vouch.data = group.requires_vouch
        form.requires_two_factor.data = group.requires_two_factor
    elif form.validate_on_submit():
        try:
            group_service.update_group(
                current_user,
                group,
                name=form.name.data,
                description=form.description.data,
                listed=form.listed.data == "listed",
                join_policy=form.join_policy.data,
                interests=form.interests.data or "",
                requires_vouch=form.requires_vouch.data,
                requires_two_factor=form.requires_two_factor.data,
            )
        except ServiceError as error:
            db.session.rollback()
            show_error(form, error, "name")
        else:
            flash("The group is saved.", "success")
            return redirect(url_for("groups.view", slug=group.slug))
    return render_template("groups/edit.html", form=form, group=group), 400 if request.method == "POST" else 200


@bp.route("/groups/<slug>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str):
    group = visibility.get_group_or_404(slug, current_user)
    if not permissions.can_delete_group(current_user, group):
        abort(403)
    form = DeleteGroupForm()
    if form.validate_on_submit():
        if (form.confirm.data or "").strip().lower() != group.slug:  # DataRequired: never None here
            form.confirm.errors = [*form.confirm.errors, f"Type {group.slug} exactly to confirm."]
        else:
            name = group.name
            group_service.delete_group(group, actor=current_user)
            flash(f"{name} was deleted.", "info")
            return redirect(url_for("groups.mine"))
    n_posts = group_queries.post_counts(current_user, [group.id]).get(group.id, 0)
    n_members = group_queries.member_counts([group.id]).get(group.id, 0)
    return render_template(
        "groups/delete.html",
        group=group,
        form=form,
        n_posts=n_posts,
        n_members=n_members,
    ), 400 if request.method == "POST" else 200


@bp.route("/autocomplete/groups")
@login_required
def suggest_groups():
    """Only groups the asker may pick: listed ones and their own (not mere invitations)."""
    q = request.args.get("q", "").strip().lower()[:64]
    if not q:
        return []
    rows = db.session.scalars(
        visibility.visible_groups(current_user)
        .where(or_(Group.slug.startswith(q, autoescape=True), func.lower(Group.name).startswith(q, autoescape=True)))
        .order_by(Group.slug)
        .limit(10)
    )
    return [{"slug": g.slug, "name": g.name} for g in rows]

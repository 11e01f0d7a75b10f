from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from .. import permissions, queries, visibility
from ..extensions import db
from ..forms.groups import GroupForm
from ..models import Group, Interest, Membership, User
from ..models.interest import group_interests
from ..services import ServiceError, groups as group_service
from .main import page_arg

bp = Blueprint("groups", __name__)


def member_counts(group_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Membership.group_id, func.count()).where(Membership.group_id.in_(group_ids)).group_by(Membership.group_id)
    )
    return dict(rows.all())


@bp.route("/groups")
def directory():
    q = request.args.get("q", "").strip()[:100]
    query = visibility.visible_groups(current_user).where(Group.listed.is_(True)).order_by(Group.name)
    if q:
        like = f"%{q.lower()}%"
        by_interest = select(group_interests.c.group_id).join(Interest).where(Interest.name.like(like))
        query = query.where(or_(func.lower(Group.name).like(like), Group.slug.like(like), Group.id.in_(by_interest)))
    groups = db.paginate(query, page=page_arg(), per_page=30, error_out=False)
    return render_template("groups/directory.html", groups=groups, q=q, counts=member_counts([g.id for g in groups.items]))


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group():
    if not permissions.can_write(current_user):
        abort(403)
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = group_service.create_group(
                current_user, form.name.data, form.description.data, slug=form.slug.data or None,
                listed=form.listed.data == "listed", join_policy=form.join_policy.data, interests=form.interests.data or "",
            )
        except ServiceError as error:
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            flash("Your group is ready. Invite people from its page.", "success")
            return redirect(url_for("groups.view", slug=group.slug))
    return render_template("groups/edit.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/groups/<slug>")
def view(slug: str):
    group = visibility.get_group_or_404(slug, current_user)
    posts = db.paginate(
        queries.posts_shared_with_group(current_user, group), page=page_arg(),
        per_page=current_app.config["POSTS_PER_PAGE"], error_out=False,
    )
    members = None
    if visibility.can_see_members(current_user, group):
        members = db.session.scalars(
            select(Membership).join(User).where(Membership.group_id == group.id).order_by(Membership.role.desc(), User.username)
        ).all()
    return render_template(
        "groups/view.html", group=group, posts=posts, members=members,
        n_members=member_counts([group.id]).get(group.id, 0), role=permissions.group_role(current_user, group),
    )


@bp.route("/autocomplete/groups")
@login_required
def suggest_groups():
    """Only groups the asker may see: listed ones and their own unlisted ones."""
    q = request.args.get("q", "").strip().lower()[:64]
    if not q:
        return []
    rows = db.session.scalars(
        visibility.visible_groups(current_user)
        .where(or_(Group.slug.startswith(q, autoescape=True), func.lower(Group.name).startswith(q, autoescape=True)))
        .order_by(Group.slug).limit(10)
    )
    return [{"slug": g.slug, "name": g.name} for g in rows]

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from forum.extensions import db
from forum.forms import for_members, show_error
from forum.forms.profile import ProfileForm
from forum.forms.trust import VouchForm
from forum.infra.page_cache import cached_page, karma_scope
from forum.infra.pages import paginate
from forum.models import Interest, User
from forum.models.interest import user_interests
from forum.models.user import normalize_username
from forum.queries import listings, trust
from forum.queries.users import user_named_or_404
from forum.rendering import listing_html
from forum.services import ServiceError, accounts
from forum.services.text import is_username
from forum.web.paging import page_arg

bp = Blueprint("users", __name__)


def _count(query) -> int:
    return db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()


def _shown_karma(username: str) -> list[str] | None:
    """The profile shows its owner's karma, which a vote in any post open to every member moves
    (docs/karma.md): kept under that alone, not under every member's pages. A name no account
    could have is not kept (it is a 404, and the scope names a file)."""
    name = normalize_username(username)
    return [karma_scope(name)] if is_username(name) else None


@bp.route("/users/<username>")
@cached_page(scopes=_shown_karma)
def profile(username: str):
    return render_profile(user_named_or_404(username))


def render_profile(user: User, status: int = 200, vouch_form=None):
    """The profile; re-rendered with the vouch form's message when a vouch is refused."""
    viewer = current_user._get_current_object()  # the proxy looked up once, not in every helper
    tab = "comments" if request.args.get("tab") == "comments" else "posts"
    per_page = current_app.config["POSTS_PER_PAGE"]
    # Counts shown on the tabs are of what this viewer may read, never of everything;
    # the open tab's count is its pagination total, not a second query.
    n_posts: int | None
    n_comments: int | None
    cards = None
    if tab == "posts":
        items = listings.card_page(viewer, "author", page_arg(), per_page, author=user)
        cards = listing_html.page_of_cards(items.items)
        n_posts, n_comments = items.total, listings.comment_count_by(viewer, user)
    else:
        items = paginate(listings.comments_by(viewer, user), page_arg(), per_page)
        n_posts, n_comments = _count(listings.posts_by(viewer, user)), items.total
    # How the viewer is linked to the person, their own vouch and block: one statement
    # (None for visitors and one's own profile, who have none of them).
    paths = trust.paths_to_user(viewer, user)
    return render_template(
        "users/profile.html",
        user=user,
        tab=tab,
        items=items,
        cards=cards,
        n_posts=n_posts,
        n_comments=n_comments,
        vouches=trust.vouches_for(user),
        paths=paths,
        my_vouch=paths is not None and paths.you_vouch,
        vouch_form=vouch_form or for_members(VouchForm),
        i_block=paths is not None and paths.you_block,
    ), status


@bp.route("/settings/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    form = ProfileForm()
    if request.method == "GET":
        form.display_name.data = current_user.display_name
        form.bio.data = current_user.bio
        form.interests.data = ", ".join(i.name for i in current_user.interests)
        form.open_to_contact.data = current_user.open_to_contact
    elif form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user,
                form.display_name.data,
                form.bio.data,
                form.interests.data,
                form.open_to_contact.data,
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for("users.profile", username=current_user.username))
    return render_template("users/edit.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/people")
def directory():
    """Researchers and their interests, searchable by name, interest or bio (each public
    on the profile page)."""
    q = request.args.get("q", "").strip()[:100]
    query = (
        select(User)
        .where(User.deleted_at.is_(None))
        .options(selectinload(User.interests))
        .order_by(User.karma.desc(), User.username)
    )
    if q:
        needle = q.lower()  # contains(autoescape=True): % and _ are literal, not wildcards
        by_interest = (
            select(user_interests.c.user_id).join(Interest).where(Interest.name.contains(needle, autoescape=True))
        )
        query = query.where(
            or_(
                func.lower(User.username).contains(needle, autoescape=True),
                func.lower(User.display_name).contains(needle, autoescape=True),
                func.lower(User.bio).contains(needle, autoescape=True),
                User.id.in_(by_interest),
            )
        )
    people = paginate(query, page_arg(), 30)
    return render_template("users/directory.html", people=people, q=q)


@bp.route("/autocomplete/users")
@login_required
def suggest_users():
    q = request.args.get("q", "").strip().lower()[:32]
    if not q:
        return []
    rows = db.session.execute(
        select(User.username, User.display_name)
        .where(User.username.startswith(q, autoescape=True), User.deleted_at.is_(None))
        .order_by(User.username)
        .limit(10)
    ).all()
    return [{"username": r.username, "display_name": r.display_name} for r in rows]

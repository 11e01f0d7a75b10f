"""The bell, the notifications page, following and muting, email settings, unsubscribing."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import visibility
from forum.extensions import csrf, db
from forum.forms import show_error
from forum.forms.notifications import NotificationSettingsForm
from forum.mail.compose import DIGEST, read_unsubscribe_token
from forum.models import EMAIL_CATEGORIES, User
from forum.queries import inbox, listings, threads
from forum.queries.users import user_named
from forum.services import ServiceError
from forum.services import notifications as service
from forum.views.posts import comment_url
from forum.web.paging import page_arg

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def bell() -> dict:
    if not current_user.is_authenticated:
        return {}
    return {
        "unread_notifications": inbox.bell_count(current_user),
        "bell_label": inbox.bell_label,
        "notification_poll_seconds": current_app.config["NOTIFICATIONS_POLL_SECONDS"],
    }


@bp.app_template_global()
def follow_state(target: str, target_id: int):
    """The viewer's subscription to a post, user, tag or group (for the follow buttons)."""
    known = threads.page_follow(current_user, target, target_id)  # the post page read it already
    return service.subscription(current_user, target, target_id) if known is threads.UNKNOWN else known


@bp.route("/notifications")
@login_required
def index():
    per_page = current_app.config["NOTIFICATIONS_PER_PAGE"]
    page = page_arg()
    found = inbox.items(current_user, limit=per_page + 1, offset=(page - 1) * per_page)
    return render_template(
        "notifications/index.html",
        items=found[:per_page],
        threads=inbox.by_thread(found[:per_page]),
        page=page,
        has_next=len(found) > per_page,
        message=inbox.message,
        target_url=inbox.target_url,
    )


@bp.route("/notifications/count")
@login_required
def count():
    response = jsonify({"unread": inbox.bell_count(current_user)})  # at most BELL_CAP: "99+" from there
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int):
    """Mark read and go to what it is about, if the viewer may still see it."""
    item = inbox.one(current_user, notification_id)
    if item is None:
        abort(404)
    service.mark_read(current_user, notification_id)
    if item.comment_id is not None:
        # Into the thread, at the page that holds the comment (one query, on this click
        # only; listings, mail and the API carry the comment's own address instead).
        return redirect(comment_url(visibility.get_comment_or_404(item.comment_id, current_user)))
    return redirect(inbox.target_url(item))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    if inbox.one(current_user, notification_id) is None:
        abort(404)
    service.mark_read(current_user, notification_id)
    return redirect(url_for(".index", page=request.form.get("page", 1, type=int)))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_all_read():
    service.mark_all_read(current_user)
    flash("All notifications are marked read.", "info")
    return redirect(url_for(".index"))


# --- following ---------------------------------------------------------------------------


def _follow(target: str, target_id: int, back: str):
    state = request.form.get("state", "follow")
    try:
        service.set_following(current_user, target, target_id, state)
    except ServiceError as error:
        abort(400, error.message)
    flash(
        {
            "follow": "You follow this now.",
            "unfollow": "You no longer follow this.",
            "mute": "Muted: this thread no longer notifies you.",
        }[state],
        "info",
    )
    return redirect(back)


@bp.route("/posts/<int:post_id>/follow", methods=["POST"])
@login_required
def follow_post(post_id: int):
    post = visibility.get_post_or_404(post_id, current_user)
    return _follow("post", post.id, url_for("posts.view", post_id=post.id))


@bp.route("/users/<username>/follow", methods=["POST"])
@login_required
def follow_user(username: str):
    user = user_named(username)
    if user is None or user.id == current_user.id:
        abort(404)
    return _follow("user", user.id, url_for("users.profile", username=user.username))


@bp.route("/tags/<name>/follow", methods=["POST"])
@login_required
def follow_tag(name: str):
    tag = listings.visible_tag_or_404(current_user, name)
    return _follow("tag", tag.id, url_for("main.tag", name=tag.name))


@bp.route("/groups/<slug>/follow", methods=["POST"])
@login_required
def follow_group(slug: str):
    group = visibility.get_group_or_404(slug, current_user)
    if not visibility.can_see_group_activity(current_user, group):
        abort(404)
    return _follow("group", group.id, url_for("groups.view", slug=group.slug))


# --- email -------------------------------------------------------------------------------


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    form = NotificationSettingsForm()
    status = 200
    if request.method == "GET":
        for category, mode in service.email_modes(current_user.id).items():
            form[category].data = mode
    elif form.validate_on_submit():
        try:
            service.save_email_settings(current_user, {c: form[c].data for c in EMAIL_CATEGORIES})
        except ServiceError as error:
            show_error(form, error)
            status = 400
        else:
            flash("Your email choices are saved.", "success")
            return redirect(url_for(".settings"))
    else:
        status = 400
    return render_template(
        "notifications/settings.html",
        form=form,
        categories=EMAIL_CATEGORIES,
        following=inbox.following(current_user),
    ), status


def _unsubscribe_target(token: str) -> tuple[int, str]:
    found = read_unsubscribe_token(token)
    if found is None or db.session.get(User, found[0]) is None:
        abort(404)
    return found


def _label(category: str) -> str:
    return "daily digests" if category == DIGEST else EMAIL_CATEGORIES[category].lower()


@bp.route("/unsubscribe/<token>", methods=["GET"])
def unsubscribe(token: str):
    """Says which kind of email it stops, and nothing about any post."""
    _user_id, category = _unsubscribe_target(token)
    return render_template("notifications/unsubscribe.html", token=token, label=_label(category), done=False)


@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt  # mail programs post here on their own (RFC 8058); the signed token is the proof
def unsubscribe_now(token: str):
    user_id, category = _unsubscribe_target(token)
    service.unsubscribe(user_id, category)
    return render_template("notifications/unsubscribe.html", token=token, label=_label(category), done=True)

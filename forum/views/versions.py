"""A post's numbered versions and the difference between two of them.

Open to whoever may read the post's body (`visibility.get_post_body_or_404`): a
hidden post and a gated one answer 404 here exactly like a missing one. A deleted
post has no text left to show, so its versions are gone too.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from forum import visibility
from forum.queries import versions

bp = Blueprint("versions", __name__)


def _readable_versions(post_id: int):
    post = visibility.get_post_body_or_404(post_id, current_user)
    if post.is_deleted:
        abort(404)
    return post, versions.versions_of(current_user, post)


@bp.route("/posts/<int:post_id>/revisions")
def history(post_id: int):
    post, all_versions = _readable_versions(post_id)
    return render_template("posts/versions.html", post=post, versions=list(reversed(all_versions)))


@bp.route("/posts/<int:post_id>/revisions/compare")
def compare(post_id: int):
    post, all_versions = _readable_versions(post_id)
    newest = len(all_versions)
    # By default the latest edit: the version before the current one against the current one.
    old_number = request.args.get("from", default=max(newest - 1, 1), type=int)
    new_number = request.args.get("to", default=newest, type=int)
    if not (1 <= old_number <= newest and 1 <= new_number <= newest):
        abort(404)
    old, new = all_versions[old_number - 1], all_versions[new_number - 1]
    return render_template(
        "posts/compare.html",
        post=post,
        old=old,
        new=new,
        versions=all_versions,
        title_changed=old.title != new.title,
        lines=versions.diff(old.body_md, new.body_md),
    )

"""What a link to a post shows on hover: its title, to those who may read it.

Stored HTML holds only the bare link, the same for every viewer; static/link-previews.js
asks this endpoint as the viewer. A post outside the viewer's audience answers the same
404 as one that never existed (`visibility.get_post_or_404`), so the link then looks
exactly like a link to nothing. Deleted and removed posts have no preview for anyone.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from flask_login import current_user

from forum import visibility

bp = Blueprint("link_previews", __name__)


@bp.route("/posts/<int:post_id>/preview")
def preview(post_id: int):
    post = visibility.get_post_or_404(post_id, current_user)
    if post.is_deleted or post.is_removed:
        abort(404)
    response = jsonify(title=post.title)
    # The answer depends on who asks: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response

"""Reporting a post or a comment to the moderators (`services.moderation.report`)."""

from __future__ import annotations

from flask_login import current_user

from forum import visibility
from forum.api import bp, serialize
from forum.api.auth import require_user
from forum.api.inputs import json_body, text
from forum.api.openapi import operation
from forum.api.schemas import NEW_REPORT, ref
from forum.services import moderation


def _report(post, comment):
    user = require_user()
    data = json_body()
    made = moderation.report(
        user, post, comment, text(data, "reason", required=True), text(data, "details", default="")
    )
    return serialize.report(made), 201


@bp.post("/posts/<int:post_id>/reports")
@operation(
    "Report a post to the moderators", tag="reports", body=NEW_REPORT, response=ref("Report"), status=201, errors=(409,)
)
def report_post(post_id: int):
    require_user()
    return _report(visibility.get_post_or_404(post_id, current_user), None)


@bp.post("/comments/<int:comment_id>/reports")
@operation(
    "Report a comment to the moderators",
    tag="reports",
    body=NEW_REPORT,
    response=ref("Report"),
    status=201,
    errors=(409,),
)
def report_comment(comment_id: int):
    require_user()
    comment = visibility.get_shown_comment_or_404(comment_id, current_user)
    return _report(comment.post, comment)

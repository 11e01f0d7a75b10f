"""The caller."""

from __future__ import annotations

from flask import jsonify

from forum.api import bp, serialize
from forum.api.auth import current_token, require_user
from forum.api.openapi import operation
from forum.api.schemas import ref
from forum.models._time import utcnow
from forum.queries import account_data
from forum.services import notifications


@bp.get("/me")
@operation("The signed-in caller and the token in use", tag="users", response=ref("Me"))
def me():
    user = require_user()
    token = current_token()
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "karma": user.karma,
        "created_at": serialize.when(user.created_at),
        "token": None
        if token is None
        else {
            "name": token.name,
            "scope": token.scope,
            "expires_at": serialize.when(token.expires_at),
        },
    }


@bp.get("/me/export")
@operation(
    "Everything of the caller's, as /settings/data downloads it",
    tag="users",
    response=ref("AccountExport"),
    description="Only what is the caller's or what they wrote; others' text is referred to by id. Not cached.",
)
def export():
    user = require_user()
    now = utcnow()
    response = jsonify(account_data.export_for(user, now, notifications.email_modes(user.id)))
    # As the page's download: a file of the caller's own, kept out of every cache.
    response.headers["Content-Disposition"] = f'attachment; filename="{account_data.filename_for(user, now)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""The caller."""

from __future__ import annotations

from forum.api import bp, serialize
from forum.api.auth import current_token, require_user
from forum.api.openapi import operation
from forum.api.schemas import ref


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

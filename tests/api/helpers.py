"""What the API tests share: bearer headers for a user's token."""

from __future__ import annotations

from forum.services import tokens


def bearer(user, scope: str = "read-write", **options) -> dict[str, str]:
    _token, raw = tokens.create_token(user, options.pop("name", "test"), scope, **options)
    return {"Authorization": f"Bearer {raw}"}

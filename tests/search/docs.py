"""Builders for search documents used by the search tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from forum.models.principals import group_ids_in
from forum.search.schema import SearchDocument

BASE_TIME = datetime(2025, 1, 1)


def make_doc(
    n: int,
    body: str = "",
    *,
    kind: str = "post",
    post_id: int | None = None,
    acl: tuple[str, ...] = ("public",),
    **overrides: Any,
) -> SearchDocument:
    """A post (or a comment on ``post_id``) numbered ``n``, created n minutes in."""
    doc: dict[str, Any] = {
        "kind": kind,
        "post_id": n if kind == "post" else (post_id or 1),
        "comment_id": n if kind == "comment" else 0,
        "title": f"title {n}" if kind == "post" else "",
        "body": body,
        "author": f"writer{n % 3}",
        "author_id": n % 3,
        "tags": (),
        "groups": sorted(set(group_ids_in(acl))),
        "acl": acl,
        "created": BASE_TIME + timedelta(minutes=n),
        "state": "ok",
    }
    doc.update(overrides)
    return doc  # type: ignore[return-value]

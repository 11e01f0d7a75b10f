"""The principal-token format, made and read only here.

A reader holds a set of tokens and a post's audience is a set of tokens; reading is their
intersection (see visibility). The same strings are stored in post_audience.principal and
in the search index's acl, so changing the format means a migration and a reindex.
"""

from __future__ import annotations

from collections.abc import Iterable

PUBLIC = "public"  # anyone, signed in or not
MEMBERS = "members"  # anyone signed in

_USER = "user:"
_GROUP = "group:"


def user_token(user_id: int) -> str:
    return f"{_USER}{user_id}"


def group_token(group_id: int) -> str:
    return f"{_GROUP}{group_id}"


def user_ids_in(tokens: Iterable[str]) -> list[int]:
    """The user ids named in `tokens`, in their order."""
    return [int(t.removeprefix(_USER)) for t in tokens if t.startswith(_USER)]


def group_ids_in(tokens: Iterable[str]) -> list[int]:
    """The group ids named in `tokens`, in their order."""
    return [int(t.removeprefix(_GROUP)) for t in tokens if t.startswith(_GROUP)]


def group_id_of(token: str) -> int | None:
    """The group a token names, or None for any other kind of token."""
    return int(token.removeprefix(_GROUP)) if token.startswith(_GROUP) else None


def is_group_token(column):
    """SQL: the token in `column` names a group (the "My groups" filter)."""
    return column.startswith(_GROUP, autoescape=True)

"""Signed-in sessions: each one a row in the database, so ending it ends it everywhere.

(The session records land with issue 22's sessions work; until then ending sessions is
what Flask-Login's cookie allows, which is nothing server-side.)
"""

from __future__ import annotations

from forum.models import User


def end_other_sessions(user: User) -> int:  # noqa: ARG001 (the records land with issue 22)
    """End every session of `user` except the current request's; returns how many ended.

    Called after a password change or reset, and by "sign out everywhere else"."""
    return 0


def end_all_sessions(user: User) -> int:  # noqa: ARG001 (the records land with issue 22)
    """End every session of `user`, this request's included; returns how many ended.

    Called after a password reset by emailed link: whoever held a session held it
    without the new password."""
    return 0

"""A memo that lives exactly as long as one request, for answers a page asks for many times
(the viewer's principals, their ban, the vote widgets) and for what one request notes for
later in itself (a bad `?page=`, the search changes to write after the response).

Kept in the WSGI environ of the request. Not `g`: an application context can outlive many
requests (the test client inside a pushed context, shells, workers), and a memo kept there
lets a removed member go on reading. Outside a request (jobs, the CLI) every call returns a
new empty dict, so nothing is remembered there.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

_PREFIX = "forum.memo."


def request_memo(name: str) -> dict[Any, Any]:
    """This request's memo called `name`, made empty on first use."""
    if not has_request_context():
        return {}
    return request.environ.setdefault(_PREFIX + name, {})


def forget(name: str) -> None:
    """Drop the memo after a change inside the request that makes it stale."""
    if has_request_context():
        request.environ.pop(_PREFIX + name, None)

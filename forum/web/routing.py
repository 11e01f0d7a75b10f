"""URL converters, and the route of the view serving a request."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter

# Id columns are `Integer`: 64-bit on SQLite but 32-bit on PostgreSQL, which raises an
# error (a 500) for a larger number where SQLite just finds nothing. The narrower range is
# the one every engine holds.
ID_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` for ids. A number no database can hold becomes 0, an id nothing has,
    so it answers the plain 404 of any missing object instead of a database error.
    (Werkzeug's own `max=` would skip the rule, and a sibling rule for another method
    on the same path would then answer 405.)"""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= ID_MAX else 0


def current_view() -> tuple[str, dict[str, Any]]:
    """The endpoint and URL arguments of the view serving this request, to link to it again."""
    if request.endpoint is None or request.view_args is None:  # no route matched
        raise RuntimeError("No view is serving this request.")
    return request.endpoint, request.view_args


def init_app(app) -> None:
    app.url_map.converters["int"] = IdConverter

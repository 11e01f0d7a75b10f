"""Reading JSON bodies and query strings; bad input is a 400 that names its field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from sqlalchemy import Select, func, select

from forum.api.errors import ApiError
from forum.extensions import db
from forum.web.routing import ID_MAX

_MISSING = object()


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not request.is_json:
        raise ApiError(415)
    if not isinstance(data, dict):
        raise ApiError(400, "Send a JSON object.")
    return data


def text(data: dict, name: str, *, required: bool = False, default: Any = None) -> Any:
    value = data.get(name, _MISSING)
    if value is _MISSING or (value is None and not required):
        if required:
            raise ApiError(400, f"'{name}' is required.", field=name)
        return default
    if not isinstance(value, str):
        raise ApiError(400, f"'{name}' must be a string.", field=name)
    return value


def boolean(data: dict, name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise ApiError(400, f"'{name}' must be true or false.", field=name)
    return value


def integer(data: dict, name: str, *, required: bool = False) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise ApiError(400, f"'{name}' is required.", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -ID_MAX <= value <= ID_MAX:
        raise ApiError(400, f"'{name}' must be an integer.", field=name)
    return value


def strings(data: dict, name: str, default: Any = None) -> Any:
    """A list of strings (tags, usernames, slugs)."""
    value = data.get(name, _MISSING)
    if value is _MISSING or value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(400, f"'{name}' must be a list of strings.", field=name)
    return value


def obj(data: dict, name: str) -> dict | None:
    value = data.get(name)
    if value is not None and not isinstance(value, dict):
        raise ApiError(400, f"'{name}' must be an object.", field=name)
    return value


def query_int(name: str, default: int, minimum: int = 1) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"'{name}' must be an integer.", field=name) from None
    if value < minimum:
        raise ApiError(400, f"'{name}' must be at least {minimum}.", field=name)
    return value


def query_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    if value not in choices:
        raise ApiError(400, f"'{name}' must be one of: {', '.join(choices)}.", field=name)
    return value


def page(query: Select, render: Callable[[list], list[dict]], *, rows: bool = False) -> dict:
    """One page of a visibility-built query. `total` counts the same query, so it counts
    only what the caller may read. `rows`: the query selects several columns."""
    config = current_app.config
    number = query_int("page", 1)
    per_page = min(query_int("per_page", config["POSTS_PER_PAGE"]), config["API_PER_PAGE_MAX"])
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    offset = (number - 1) * per_page
    items: list = []
    if offset < total:  # also keeps absurd page numbers away from the database
        result = db.session.execute(query.limit(per_page).offset(offset))
        items = list(result.all() if rows else result.unique().scalars())
    return {
        "items": render(items),
        "page": number,
        "per_page": per_page,
        "total": total,
        "pages": (total + per_page - 1) // per_page,
    }


def page_list(items: list, render: Callable[[list], list[dict]], default_per_page: int | None = None) -> dict:
    """One page of a short list already fetched through visibility (a thread, members)."""
    config = current_app.config
    per_page = min(query_int("per_page", default_per_page or config["POSTS_PER_PAGE"]), config["API_PER_PAGE_MAX"])
    number = query_int("page", 1)
    start = (number - 1) * per_page
    return {
        "items": render(items[start : start + per_page]),
        "page": number,
        "per_page": per_page,
        "total": len(items),
        "pages": (len(items) + per_page - 1) // per_page,
    }

"""Reading JSON bodies and query strings; bad input is a 400 that names its field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from sqlalchemy import Select

from forum.api.errors import ApiError
from forum.infra.pages import Page, paginate
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


def page_numbers(default_per_page: int | None = None) -> tuple[int, int]:
    """`?page=` and `?per_page=` (capped at API_PER_PAGE_MAX); 400 for anything but whole numbers from 1."""
    config = current_app.config
    number = query_int("page", 1)
    per_page = min(query_int("per_page", default_per_page or config["POSTS_PER_PAGE"]), config["API_PER_PAGE_MAX"])
    return number, per_page


def page_body(found: Page, render: Callable[[list], list[dict]]) -> dict:
    """The JSON of a page (schemas.page_of)."""
    return {
        "items": render(found.items),
        "page": found.page,
        "per_page": found.per_page,
        "total": found.total,
        "pages": found.pages,
    }


def page(query: Select, render: Callable[[list], list[dict]], *, rows: bool = False) -> dict:
    """One page of a visibility-built query (paging.paginate: `total` counts only what the
    caller may read, and absurd page numbers never reach the database)."""
    return page_body(paginate(query, *page_numbers(), rows=rows), render)


def page_list(items: list, render: Callable[[list], list[dict]], default_per_page: int | None = None) -> dict:
    """One page of a short list already fetched through visibility (a thread, members)."""
    number, per_page = page_numbers(default_per_page)
    start = (number - 1) * per_page
    return page_body(Page(items[start : start + per_page], number, per_page, len(items)), render)

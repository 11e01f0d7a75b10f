"""The OpenAPI 3.1 description, built from the routes themselves.

Every API view carries an `@operation(...)` record: its summary, query parameters,
request body and response schemas. `build_spec` walks the app's URL map, so the paths
and path parameters come from the real routes and a route without a record is missing
from the description (tests/api/test_openapi.py fails on it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask

from forum.api import schemas
from forum.web.routing import ID_MAX

API_PREFIX = "/api/v1"
_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_CONVERTER_SCHEMAS = {
    "int": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
    None: {"type": "string"},
    "string": {"type": "string"},
}

# Every operation may answer these: bad token, unaccepted site terms, rate limit.
_ALWAYS = (400, 401, 403, 429)


def query_param(name: str, schema: dict, description: str = "", required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


PAGE_PARAMS = (
    query_param("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number, from 1."),
    query_param("per_page", {"type": "integer", "minimum": 1}, "Items per page; larger values are capped."),
)


def operation(
    summary: str,
    *,
    tag: str,
    response: dict | None = None,
    status: int = 200,
    body: dict | None = None,
    params: tuple[dict, ...] = (),
    errors: tuple[int, ...] = (),
    description: str = "",
) -> Callable:
    """Record how a view is described. `response` None means an empty 204."""

    def record(view: Callable) -> Callable:
        # Read back with getattr by build_spec; a function declares no such attribute.
        setattr(
            view,
            "openapi",
            {
                "summary": summary,
                "tag": tag,
                "response": response,
                "status": status,
                "body": body,
                "params": params,
                "errors": errors,
                "description": description,
            },
        )
        return view

    return record


def _path_and_params(rule: str) -> tuple[str, list[dict]]:
    params = []
    for converter, name in _ARG.findall(rule):
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": _CONVERTER_SCHEMAS.get(converter or None, {"type": "string"}),
            }
        )
    return _ARG.sub(lambda m: "{" + m.group(2) + "}", rule)[len(API_PREFIX) :] or "/", params


def _operation_object(endpoint: str, method: str, meta: dict, path_params: list[dict]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if meta["response"] is None:
        responses[str(meta["status"])] = {"description": "Done; no content."}
    else:
        responses[str(meta["status"])] = {
            "description": "OK",
            "content": {"application/json": {"schema": meta["response"]}},
        }
    codes = set(_ALWAYS) | set(meta["errors"])
    if path_params:
        codes.add(404)
    if meta["body"] is not None:
        codes.add(415)
    for code in sorted(codes):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    op: dict[str, Any] = {
        "operationId": endpoint.removeprefix("api.") + ("" if method in ("GET", "POST") else f"_{method.lower()}"),
        "summary": meta["summary"],
        "tags": [meta["tag"]],
        "parameters": [*path_params, *meta["params"]],
        "responses": responses,
    }
    if meta["description"]:
        op["description"] = meta["description"]
    if meta["body"] is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta["body"]}}}
    return op


def documented_operations(app: Flask) -> tuple[dict, list[tuple[str, str]]]:
    """(paths object, [(rule, method) of API routes with no record])."""
    paths: dict[str, dict] = {}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if meta is None:
                missing.append((rule.rule, method))
                continue
            path, params = _path_and_params(rule.rule)
            paths.setdefault(path, {})[method.lower()] = _operation_object(rule.endpoint, method, meta, params)
    return dict(sorted(paths.items())), missing


def build_spec(app: Flask) -> dict[str, Any]:
    paths, _missing = documented_operations(app)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Research forum API",
            "version": "1.0.0",
            "description": (
                "Everything the forum's pages show, as JSON, under the same visibility rule: an object "
                "you may not read answers 404 exactly like one that does not exist, and listings "
                "neither show nor count it. Authenticate with `Authorization: Bearer fpat_…` "
                "(tokens are made at /settings/tokens); without a token you see public content only."
            ),
        },
        "servers": [{"url": API_PREFIX}],
        "security": [{"bearerAuth": []}, {}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A personal access token (fpat_…)."},
            },
            "schemas": schemas.COMPONENTS,
            "responses": schemas.ERROR_RESPONSES,
        },
    }

"""The API's own description."""

from __future__ import annotations

from flask import current_app, jsonify

from forum.api import bp
from forum.api.openapi import build_spec, operation


@bp.get("/openapi.json")
@operation("This OpenAPI 3.1 description", tag="meta", response={"type": "object"})
def openapi_json():
    return jsonify(build_spec(current_app))

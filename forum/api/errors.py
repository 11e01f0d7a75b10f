"""The API's one error shape: {"error": {"code", "message", "field"}}.

`code` is a stable machine-readable word per status; `field` names the input the
message is about (from `ServiceError.field`), or is null. A hidden object and a
missing one both answer the same 404 body, byte for byte.
"""

from __future__ import annotations

from flask import jsonify

CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}

MESSAGES = {
    400: "The request could not be understood.",
    401: "Send a valid token: Authorization: Bearer fpat_…",
    403: "You are not allowed to do that.",
    404: "Not found.",
    405: "This address does not accept that method.",
    409: "That could not be done in the current state.",
    413: "What you sent is too large.",
    415: "Send JSON (Content-Type: application/json).",
    429: "Too many requests. Wait and try again.",
    500: "An error on our side. It has been logged.",
    503: "Unavailable right now. Try again in a few minutes.",
}


class ApiError(Exception):
    """Raised by API views for refusals that are not a service's (bad input, scope)."""

    def __init__(self, status: int, message: str | None = None, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def error_response(status: int, message: str | None = None, field: str | None = None):
    status = status if status in CODES else 500
    body = {"error": {"code": CODES[status], "message": message or MESSAGES[status], "field": field}}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response

"""API rate limits: per token (per address without one), a JSON 429 with Retry-After."""

from __future__ import annotations

import pytest

from forum.extensions import db
from tests.api.helpers import bearer
from tests.factories import make_user, sibling_app


@pytest.fixture
def client(app):
    """A client of an app with the limits on, over the same database as `app`."""
    limited_app = sibling_app(
        app,
        RATELIMIT_ENABLED=True,
        API_RATE_LIMIT="3 per minute",
        API_WRITE_LIMIT="1 per minute",
    )
    yield limited_app.test_client()
    with limited_app.app_context():
        db.session.remove()
        db.engine.dispose()
    # The limiter object is shared: the next app created switches it off again.


def test_reads_are_limited_per_token_with_a_json_429(client):
    ada = make_user("ada")
    first, second = bearer(ada), bearer(ada)
    for _ in range(3):
        assert client.get("/api/v1/posts", headers=first).status_code == 200
    refused = client.get("/api/v1/posts", headers=first)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    # Another token has its own allowance, and so do callers without one.
    assert client.get("/api/v1/posts", headers=second).status_code == 200
    assert client.get("/api/v1/posts").status_code == 200


def test_writes_have_their_own_smaller_limit(client):
    ada = make_user("ada")
    headers = bearer(ada)
    body = {"title": "t", "body": "b", "audience": {"kind": "public"}, "confirm_public": True}
    assert client.post("/api/v1/posts", headers=headers, json=body).status_code == 201
    refused = client.post("/api/v1/posts", headers=headers, json=body)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert client.get("/api/v1/posts", headers=headers).get_json()["total"] == 1

"""The OpenAPI description stays true: every route is in it, and a schemathesis run
finds no documented operation answering 500 or a body that does not match its schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config import TestConfig
from forum import create_app
from forum.api.openapi import documented_operations
from forum.extensions import db


def test_every_api_route_is_documented(app):
    paths, missing = documented_operations(app)
    assert missing == [], f"API routes without an @operation record: {missing}"
    api_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]
    n_methods = sum(len(r.methods - {"HEAD", "OPTIONS"}) for r in api_rules)
    assert sum(len(ops) for ops in paths.values()) == n_methods > 20


def test_openapi_json_is_served_and_describes_the_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0" and spec["servers"] == [{"url": "/api/v1"}]
    post = spec["paths"]["/posts/{post_id}"]
    assert set(post) == {"get", "patch", "delete"}
    assert post["get"]["parameters"][0] == {
        "name": "post_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    }
    assert post["get"]["responses"]["404"] == {"$ref": "#/components/responses/E404"}
    assert spec["paths"]["/posts"]["post"]["requestBody"]["required"] is True
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    refs = {v.split("/")[-1] for v in _refs(spec) if v.startswith("#/components/schemas/")}
    assert refs <= set(spec["components"]["schemas"])


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


# --- schemathesis ------------------------------------------------------------------------
# One app and one set of data for the whole module: each operation gets a few generated
# requests against it through schemathesis' WSGI transport. No app context stays pushed,
# so every request runs in its own, as in production.


@pytest.fixture(scope="module")
def fuzz_app(database_copy):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_copy("fuzz"), WTF_CSRF_ENABLED=False)
    with app.app_context():
        from forum.services import posts as post_service
        from forum.services import terms as terms_service
        from forum.services.audience import audience_of
        from forum.services.tokens import create_token
        from tests.factories import make_comment, make_group, make_post, make_user

        ada, bob = make_user("ada"), make_user("bob")
        lab = make_group(ada, "Lab", members=(bob,))
        public = make_post(ada, "Public", "Text", tags="open")
        restricted = make_post(bob, "Lab only", "Secret", audience="restricted", groups=(lab,))
        gated = make_post(bob, "Gated", "Behind terms", audience="members")
        post_service.update_post(
            gated,
            bob,
            gated.title,
            gated.body_md,
            "",
            audience_of(gated),
            terms=terms_service.resolve_terms("cite-first"),
        )
        first = make_comment(bob, public, "First")
        make_comment(ada, public, "Reply", parent=first)
        make_comment(ada, restricted, "Inside")
        _token, raw = create_token(ada, "fuzz", "read-write")
        db.session.remove()
    app.config["FUZZ_TOKEN"] = raw
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)


# Operations are listed at collection time from an app of their own (routes need no database).
_PATHS, _ = documented_operations(create_app(TestConfig))
OPERATIONS = [(path, method.upper()) for path, ops in _PATHS.items() for method in ops]
# Ids and names that exist in `fuzz_app`, so generated requests also reach real objects
# (public, restricted, gated and missing ones), not only 404s.
KNOWN = {"post_id": (1, 2, 3), "comment_id": (1, 2, 3), "username": ("ada", "bob"), "slug": ("lab",)}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _strategies(operation):
    names = [p.name for p in operation.path_parameters]
    yield operation.as_strategy()
    yield operation.as_strategy(GenerationMode.NEGATIVE)
    if names:
        for n in range(max(len(KNOWN.get(name, ())) for name in names)):
            fixed = {name: KNOWN[name][n % len(KNOWN[name])] for name in names if name in KNOWN}
            yield operation.as_strategy(path_parameters=fixed)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_api_answers_as_documented(api_schema, fuzz_app, path, method):
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKEN']}"}

    @given(case=st.one_of(*_strategies(operation)))
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    def answers_as_documented(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    answers_as_documented()

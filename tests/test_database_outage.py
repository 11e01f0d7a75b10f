"""The database going away: a 503 in the site's layout (a JSON error for the API), never
a stack trace, and the next request works as soon as the database is back."""

from __future__ import annotations

import os
import subprocess

import pytest

from forum.extensions import db
from tests.factories import ON_POSTGRES, login, make_post, make_user
from tests.test_errors import TRACE_MARKS, assert_error_page, failing_app  # noqa: F401 (fixture)


def assert_unavailable_page(response) -> str:
    page = assert_error_page(response, 503, "Temporarily unavailable")
    assert int(response.headers["Retry-After"]) > 0
    return page


def test_a_connection_lost_mid_request_is_a_503_and_the_next_request_works(failing_app):  # noqa: F811 (fixture)
    client = failing_app.test_client()
    login(client, make_user("ada"))
    page = assert_unavailable_page(client.get("/_test/connection-lost"))
    assert "pg_terminate_backend" not in page and "SELECT" not in page
    assert client.get("/").status_code == 200


pg_ctl = os.environ.get("PG_TEST_CTL")


def restart_server(*, between=lambda: None) -> None:
    """Stop the PostgreSQL server, call `between`, start it again whatever happens. The
    test's own session lets go of its connection first: it would not survive either."""
    db.session.close()
    subprocess.run(f"{pg_ctl} -m fast stop", shell=True, check=True, capture_output=True)
    try:
        between()
    finally:
        subprocess.run(f"{pg_ctl} start", shell=True, check=True, capture_output=True)


@pytest.mark.serial  # while the server is down, the other workers' tests would fail
@pytest.mark.skipif(
    not (ON_POSTGRES and pg_ctl), reason="stops the server of scripts/pg-test-cluster (make test-postgres)"
)
def test_while_the_server_is_down_every_kind_of_request_gets_a_503(app):
    ada = make_user("ada")
    post_id = make_post(ada, "Before the outage").id
    client = app.test_client()
    login(client, ada)
    restart_server(between=lambda: requests_during_the_outage(app, client, post_id))
    assert client.get(f"/posts/{post_id}").status_code == 200


def requests_during_the_outage(app, client, post_id: int) -> None:
    assert_unavailable_page(client.get("/"))
    assert_unavailable_page(client.get(f"/posts/{post_id}"))
    # A form sent during the outage hands its text back, as a refused form does.
    page = assert_unavailable_page(client.post(f"/posts/{post_id}/comments", data={"body": "Hour-long comment"}))
    assert "Hour-long comment" in page
    response = app.test_client().get("/api/v1/posts")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.get_json()["error"]["code"] == "unavailable"
    assert not any(mark in response.get_data(as_text=True) for mark in TRACE_MARKS)
    # Anonymous visitors too.
    assert_unavailable_page(app.test_client().get("/"))


@pytest.mark.serial
@pytest.mark.skipif(
    not (ON_POSTGRES and pg_ctl), reason="stops the server of scripts/pg-test-cluster (make test-postgres)"
)
def test_after_a_restart_the_next_request_works(app):
    ada = make_user("ada")
    make_post(ada, "Before the restart")
    client = app.test_client()
    login(client, ada)
    assert client.get("/").status_code == 200  # the pool now holds connections to the old server
    restart_server()
    # pool_pre_ping finds the dead connections and opens new ones: no 503, no retry by hand.
    assert client.get("/").status_code == 200
    assert "Before the restart" in client.get("/api/v1/posts").get_data(as_text=True)

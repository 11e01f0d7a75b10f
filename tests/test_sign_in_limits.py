"""Sign-in failures are counted per (account, address), with growing delays.

One person's typos behind a shared address must not refuse another person's correct
password, and nobody can lock a chosen member out by failing from elsewhere.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import LimitEvent
from tests.factories import PASSWORD, make_user, sibling_app
from tests.moderation_helpers import count


@pytest.fixture
def limited_login(app):
    """An app of its own with Flask-Limiter switched on, on the same database: whatever
    limits exist are live, as in production."""
    limited_app = sibling_app(
        app,
        RATELIMIT_ENABLED=True,
    )
    with limited_app.app_context():
        yield limited_app
        db.session.remove()
        db.engine.dispose()
    # The limiter object is shared: the `app` fixture switches it back for the next test.


def _age_failures(seconds: int) -> None:
    """Time passes for the counted failures (they are what the limits read)."""
    for event in db.session.scalars(select(LimitEvent)):
        event.created_at -= timedelta(seconds=seconds)  # in Python: SQLite stores times as text
    db.session.commit()


def _attempt(client, username, password="wrong password!", addr="10.0.0.1"):
    return client.post("/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": addr})


def test_typos_behind_a_shared_address_do_not_refuse_a_colleague(limited_login):
    make_user("ada")
    make_user("ben")
    client = limited_login.test_client()
    for _ in range(12):
        _attempt(client, "ada", addr="10.0.0.1")
    assert _attempt(client, "ben", password=PASSWORD, addr="10.0.0.1").status_code == 302


def test_failures_from_elsewhere_do_not_lock_the_owner_out(limited_login):
    make_user("ben")
    client = limited_login.test_client()
    for i in range(60):
        _attempt(client, "ben", addr=f"10.66.{i // 200}.{i % 200}")
    assert _attempt(client, "ben", password=PASSWORD, addr="10.0.0.7").status_code == 302


def test_a_pair_waits_longer_after_each_failure_and_is_told_how_long(limited_login):
    make_user("ada")
    config = limited_login.config
    client = limited_login.test_client()
    free = config["SIGN_IN_FREE_FAILURES"]
    for _ in range(free):
        assert _attempt(client, "ada").status_code == 401
    refused = _attempt(client, "ada", password=PASSWORD)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert f"Try again in {config['SIGN_IN_DELAY_SECONDS']} seconds" in html
    assert refused.headers["Retry-After"] == str(config["SIGN_IN_DELAY_SECONDS"])
    assert 'value="ada"' in html  # the typed username is kept
    # The refused attempt was not tried, so it neither signed in nor counted.
    assert "Sign out" not in html
    _age_failures(config["SIGN_IN_DELAY_SECONDS"] + 1)
    assert _attempt(client, "ada").status_code == 401
    # One more failure: the wait doubles.
    refused = _attempt(client, "ada", password=PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(2 * config["SIGN_IN_DELAY_SECONDS"])


def test_the_wait_is_capped(app):
    from forum.services.limits import sign_in_delay

    config = app.config
    assert sign_in_delay(config["SIGN_IN_FREE_FAILURES"] - 1).total_seconds() == 0
    assert sign_in_delay(config["SIGN_IN_FREE_FAILURES"] + 1).total_seconds() == 2 * config["SIGN_IN_DELAY_SECONDS"]
    assert sign_in_delay(10_000).total_seconds() == config["SIGN_IN_DELAY_MAX_SECONDS"]


def test_a_correct_password_forgets_the_pairs_typos(limited_login):
    ada = make_user("ada")
    client = limited_login.test_client()
    for _ in range(limited_login.config["SIGN_IN_FREE_FAILURES"] - 1):
        _attempt(client, "ada")
    assert _attempt(client, "ada", password=PASSWORD).status_code == 302
    assert count(LimitEvent, LimitEvent.subject == ada.username) == 0


def test_unknown_and_known_usernames_are_refused_alike(limited_login):
    make_user("ada")
    client = limited_login.test_client()
    for _ in range(limited_login.config["SIGN_IN_FREE_FAILURES"]):
        _attempt(client, "ada")
        _attempt(client, "nobody")
    known, unknown = _attempt(client, "ada"), _attempt(client, "nobody")
    assert known.status_code == unknown.status_code == 429
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]
    # Only the username field differs (a bare "ada" also occurs in asset hashes).
    assert known.get_data(as_text=True).replace('value="ada"', "X") == unknown.get_data(as_text=True).replace(
        'value="nobody"', "X"
    )


def test_one_address_failing_many_accounts_is_stopped(limited_login):
    limited_login.config["SIGN_IN_ADDRESS_ACCOUNTS_PER_HOUR"] = 4
    make_user("ben")
    client = limited_login.test_client()
    for i in range(4):
        assert _attempt(client, f"sprayed{i}", addr="10.9.9.9").status_code == 401
    refused = _attempt(client, "ben", password=PASSWORD, addr="10.9.9.9")
    assert refused.status_code == 429
    assert "Too many accounts failed to sign in from your address this hour" in refused.get_data(as_text=True)
    # Another address signs in, and the hour passing opens the address again.
    assert _attempt(client, "ben", password=PASSWORD, addr="10.8.8.8").status_code == 302
    _age_failures(3601)
    assert _attempt(client, "ben", password=PASSWORD, addr="10.9.9.9").status_code == 302


def test_failures_are_forgotten_after_a_day(limited_login):
    make_user("ada")
    client = limited_login.test_client()
    for _ in range(limited_login.config["SIGN_IN_FREE_FAILURES"] + 3):
        _attempt(client, "ada")
    assert _attempt(client, "ada", password=PASSWORD).status_code == 429
    _age_failures(24 * 3600 + 1)
    assert _attempt(client, "ada", password=PASSWORD).status_code == 302

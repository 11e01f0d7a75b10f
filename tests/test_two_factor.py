"""Two-factor sign-in: enrolling an authenticator app, the second sign-in step with codes
(pyotp computes them as a phone would), replays, recovery codes, turning it off, and the
rate limit of the step. Security keys: tests/test_webauthn.py and the browser test."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from forum.extensions import db
from forum.models import RecoveryCode, TotpSecret
from forum.services import two_factor
from tests.factories import PASSWORD, login, logout, make_user, sibling_app

CODE = re.compile(r"<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>")


def code_at(secret: str, steps_ahead: int = 0) -> str:
    """The app's code `steps_ahead` time steps from now (the server accepts one either side)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrol(client, user) -> tuple[str, list[str]]:
    """Turn on an authenticator through the pages; (its secret, the recovery codes shown)."""
    page = client.post("/settings/two-factor/authenticator").get_data(as_text=True)
    shown = re.search(r"<code data-totp-secret>([A-Z2-7 ]+)</code>", page).group(1)
    secret = shown.replace(" ", "")
    assert "<svg" in page  # the QR code, drawn on the server
    response = client.post("/settings/two-factor/authenticator/confirm", data={"code": code_at(secret)})
    assert response.status_code == 200
    codes = CODE.findall(response.get_data(as_text=True))
    return secret, codes


def password_step(client, user, **extra):
    return client.post("/login", data={"username": user.username, "password": PASSWORD, **extra})


def signed_in(client) -> bool:
    return client.get("/notifications").status_code == 200


def test_enrolling_shows_a_qr_code_and_ten_recovery_codes_once(client):
    ada = make_user("ada")
    login(client, ada)
    assert "It is off." in client.get("/settings/two-factor").get_data(as_text=True)
    secret, codes = enrol(client, ada)
    assert len(codes) == 10 and len(set(codes)) == 10
    page = client.get("/settings/two-factor").get_data(as_text=True)
    assert "It is on." in page
    assert not any(code in page for code in codes) and secret not in page.replace(" ", "")
    # Only fingerprints are stored.
    stored = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)


def test_a_wrong_first_code_turns_nothing_on(client):
    ada = make_user("ada")
    login(client, ada)
    client.post("/settings/two-factor/authenticator")
    response = client.post("/settings/two-factor/authenticator/confirm", data={"code": "000000x"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "not the one your app shows now" in body and 'value="000000x"' in body
    assert not two_factor.is_enabled(ada)
    assert db.session.scalar(db.select(RecoveryCode.id)) is None


def test_sign_in_asks_for_the_code_and_signs_in_nobody_before_it(client):
    ada = make_user("ada")
    login(client, ada)
    secret, _ = enrol(client, ada)
    logout(client)

    response = password_step(client, ada, next="/settings")
    assert response.status_code == 302 and response.headers["Location"] == "/login/two-factor"
    assert not signed_in(client)
    with client.session_transaction() as session:
        assert "_user_id" not in session

    wrong = client.post("/login/two-factor", data={"code": "123456" if code_at(secret, 1) != "123456" else "654321"})
    assert wrong.status_code == 401
    assert "That code is not right" in wrong.get_data(as_text=True)
    assert not signed_in(client)

    response = client.post("/login/two-factor", data={"code": code_at(secret, 1)})
    assert response.status_code == 302 and response.headers["Location"] == "/settings"
    assert signed_in(client)


def test_a_code_is_accepted_once(client, app):
    ada = make_user("ada")
    login(client, ada)
    secret, _ = enrol(client, ada)
    logout(client)
    code = code_at(secret, 1)
    password_step(client, ada)
    assert client.post("/login/two-factor", data={"code": code}).status_code == 302
    logout(client)

    # The same code again, within its window: refused, even from another browser.
    other = app.test_client()
    password_step(other, ada)
    replay = other.post("/login/two-factor", data={"code": code})
    assert replay.status_code == 401 and not signed_in(other)
    # ... and so is the code before it, older than the last one accepted.
    assert other.post("/login/two-factor", data={"code": code_at(secret)}).status_code == 401
    step = db.session.scalar(db.select(TotpSecret.last_step))
    assert step == int(time.time()) // 30 + 1 or step == int(time.time()) // 30


def test_recovery_codes_sign_in_once_each(client, app):
    ada = make_user("ada")
    login(client, ada)
    _, codes = enrol(client, ada)
    logout(client)
    password_step(client, ada)
    # Typed loosely: upper case, spaces for dashes.
    assert client.post("/login/two-factor", data={"code": codes[0].upper().replace("-", " ")}).status_code == 302
    assert signed_in(client)
    logout(client)
    other = app.test_client()
    password_step(other, ada)
    assert other.post("/login/two-factor", data={"code": codes[0]}).status_code == 401
    assert other.post("/login/two-factor", data={"code": codes[1]}).status_code == 302
    login_page = other.get("/settings/two-factor").get_data(as_text=True)
    assert "8 of 10 unused" in login_page


def test_the_pending_sign_in_expires_and_stays_in_its_browser(client, app):
    ada = make_user("ada")
    login(client, ada)
    secret, _ = enrol(client, ada)
    logout(client)
    password_step(client, ada)
    # Another browser with no password step has nothing pending.
    other = app.test_client()
    response = other.post("/login/two-factor", data={"code": code_at(secret, 1)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(other)
    # Past its few minutes, the pending step is gone.
    with client.session_transaction() as session:
        session["two_factor_pending"] = {**session["two_factor_pending"], "until": int(time.time()) - 1}
    response = client.post("/login/two-factor", data={"code": code_at(secret, 1)})
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_turning_it_off_asks_for_a_code_or_the_password(client):
    ada = make_user("ada")
    login(client, ada)
    secret, _ = enrol(client, ada)
    refused = client.post("/settings/two-factor/off", data={"password": "not it"})
    assert refused.status_code == 400 and "That is not your password." in refused.get_data(as_text=True)
    refused = client.post("/settings/two-factor/off", data={"code": ""})
    assert refused.status_code == 400 and two_factor.is_enabled(ada)
    assert client.post("/settings/two-factor/off", data={"code": code_at(secret, 1)}).status_code == 302
    assert not two_factor.is_enabled(ada)
    assert db.session.scalar(db.select(RecoveryCode.id)) is None
    logout(client)
    login(client, ada)  # the password alone again
    assert signed_in(client)


def test_turning_it_off_with_the_password(client):
    ada = make_user("ada")
    login(client, ada)
    enrol(client, ada)
    assert client.post("/settings/two-factor/off", data={"password": PASSWORD}).status_code == 302
    assert not two_factor.is_enabled(ada)


def test_new_recovery_codes_void_the_old_ones(client, app):
    ada = make_user("ada")
    login(client, ada)
    _, old = enrol(client, ada)
    refused = client.post("/settings/two-factor/recovery-codes", data={"password": "wrong"})
    assert refused.status_code == 400
    new = CODE.findall(
        client.post("/settings/two-factor/recovery-codes", data={"password": PASSWORD}).get_data(as_text=True)
    )
    assert len(new) == 10 and not set(new) & set(old)
    logout(client)
    other = app.test_client()
    password_step(other, ada)
    assert other.post("/login/two-factor", data={"code": old[2]}).status_code == 401
    assert other.post("/login/two-factor", data={"code": new[2]}).status_code == 302


def test_the_second_step_is_rate_limited(app):
    limited = sibling_app(
        app,
        RATELIMIT_ENABLED=True,
        TWO_FACTOR_LIMIT="3 per minute",
    )
    with limited.app_context():
        client = limited.test_client()
        ada = make_user("ada")
        login(client, ada)
        secret, _ = enrol(client, ada)
        logout(client)
        password_step(client, ada)
        wrong = "111111" if code_at(secret, 1) != "111111" else "222222"
        for _ in range(3):
            assert client.post("/login/two-factor", data={"code": wrong}).status_code == 401
        blocked = client.post("/login/two-factor", data={"code": code_at(secret, 1)})
        assert blocked.status_code == 429 and "Too many wrong codes" in blocked.get_data(as_text=True)
        assert not signed_in(client)
        db.session.remove()
        db.engine.dispose()
    # The limiter object is shared: the `app` fixture switches it back for the next test.


def test_an_account_without_two_factor_signs_in_with_its_password(client):
    ada = make_user("ada")
    response = password_step(client, ada)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(client)


@pytest.mark.parametrize("path", ["/settings/two-factor", "/login/two-factor"])
def test_the_pages_need_a_signed_in_or_pending_account(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_turning_it_on_ends_the_sessions_signed_in_without_it(app, client):
    ada = make_user("ada")
    laptop = app.test_client()
    login(laptop, ada)
    login(client, ada)
    enrol(client, ada)
    assert signed_in(client)
    assert not signed_in(laptop)  # signed in with the password alone, before two-factor

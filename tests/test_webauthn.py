"""Security keys (WebAuthn): registering and signing in with a software key
(tests/webauthn_authenticator.py) against the real `webauthn` checks, through the service
and through the pages. Chromium's virtual authenticator: tests/browser/test_two_factor_flow.py."""

from __future__ import annotations

import json
import re

import pytest

from forum.extensions import db
from forum.models import RecoveryCode, SecurityKey
from forum.services import ServiceError, two_factor
from tests.factories import PASSWORD, login, logout, make_user
from tests.webauthn_authenticator import SoftwareKey, b64

RP_ID, ORIGIN = "forum.test", "https://forum.test"


def registered(user, key: SoftwareKey, name: str = "blue key") -> SecurityKey:
    options, challenge = two_factor.registration_options(user, RP_ID)
    row, _ = two_factor.register_key(user, name, key.register(options, ORIGIN), challenge, RP_ID, ORIGIN)
    return row


def test_a_registered_key_signs_in_and_its_counter_moves(app):
    ada = make_user("ada")
    key = SoftwareKey()
    options, challenge = two_factor.registration_options(ada, RP_ID)
    row, codes = two_factor.register_key(ada, " blue  key ", key.register(options, ORIGIN), challenge, RP_ID, ORIGIN)
    assert row.name == "blue key" and row.credential_id == key.credential_id
    assert len(codes) == 10 and two_factor.is_enabled(ada)

    options, challenge = two_factor.authentication_options(ada, RP_ID)
    assert [c["id"] for c in json.loads(options)["allowCredentials"]] == [b64(key.credential_id)]
    assert two_factor.check_key(ada, key.sign_in(options, ORIGIN), challenge, RP_ID, ORIGIN)
    assert db.session.get(SecurityKey, row.id).sign_count == 1


def test_a_wrong_challenge_origin_or_owner_is_refused(app):
    ada, ben = make_user("ada"), make_user("ben")
    key = SoftwareKey()
    registered(ada, key)
    options, challenge = two_factor.authentication_options(ada, RP_ID)
    answer = key.sign_in(options, ORIGIN)
    assert not two_factor.check_key(ada, answer, b"another challenge", RP_ID, ORIGIN)
    assert not two_factor.check_key(ada, key.sign_in(options, "https://evil.test"), challenge, RP_ID, ORIGIN)
    # Ada's key proves nothing about Ben.
    assert not two_factor.check_key(ben, key.sign_in(options, ORIGIN), challenge, RP_ID, ORIGIN)
    assert not two_factor.check_key(ada, "not json", challenge, RP_ID, ORIGIN)


def test_a_counter_that_goes_back_marks_a_cloned_key(app):
    ada = make_user("ada")
    key = SoftwareKey()
    registered(ada, key)
    options, challenge = two_factor.authentication_options(ada, RP_ID)
    assert two_factor.check_key(ada, key.sign_in(options, ORIGIN, count=5), challenge, RP_ID, ORIGIN)
    options, challenge = two_factor.authentication_options(ada, RP_ID)
    assert not two_factor.check_key(ada, key.sign_in(options, ORIGIN, count=3), challenge, RP_ID, ORIGIN)


def test_registration_refuses_a_bad_answer_a_duplicate_and_no_name(app):
    ada = make_user("ada")
    key = SoftwareKey()
    options, challenge = two_factor.registration_options(ada, RP_ID)
    with pytest.raises(ServiceError, match="could not be verified"):
        two_factor.register_key(ada, "k", key.register(options, "https://evil.test"), challenge, RP_ID, ORIGIN)
    with pytest.raises(ServiceError, match="Name your key"):
        two_factor.register_key(ada, "  ", key.register(options, ORIGIN), challenge, RP_ID, ORIGIN)
    registered(ada, key)
    options, challenge = two_factor.registration_options(ada, RP_ID)
    assert json.loads(options)["excludeCredentials"]  # the browser is told not to register it twice
    with pytest.raises(ServiceError, match="already registered"):
        two_factor.register_key(ada, "again", key.register(options, ORIGIN), challenge, RP_ID, ORIGIN)


def test_the_last_factor_is_removed_only_by_turning_it_off(app):
    ada = make_user("ada")
    first, second = registered(ada, SoftwareKey(), "one"), registered(ada, SoftwareKey(), "two")
    assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 10  # one set, from the first key
    two_factor.remove_key(ada, first.id)
    with pytest.raises(ServiceError, match="last second factor"):
        two_factor.remove_key(ada, second.id)
    with pytest.raises(ServiceError):
        two_factor.remove_key(make_user("ben"), second.id)


def test_register_and_sign_in_with_a_key_through_the_pages(client):
    """The test client's host is localhost: the relying party of development and tests."""
    ada = make_user("ada")
    login(client, ada)
    key = SoftwareKey()
    options = client.post("/settings/two-factor/keys/options").get_json()
    assert options["rp"]["id"] == "localhost"
    response = client.post(
        "/settings/two-factor/keys", data={"name": "desk key", "credential": key.register(options, "http://localhost")}
    )
    assert response.status_code == 200  # the recovery codes, shown once
    assert len(re.findall(r"<code>[a-z2-7]{4}-", response.get_data(as_text=True))) == 10
    assert "desk key" in client.get("/settings/two-factor").get_data(as_text=True)
    logout(client)

    client.post("/login", data={"username": "ada", "password": PASSWORD})
    page = client.get("/login/two-factor").get_data(as_text=True)
    assert "Use your security key" in page and "Security keys need JavaScript" in page
    options = client.post("/login/two-factor/key-options").get_json()
    answer = key.sign_in(options, "http://localhost")
    response = client.post("/login/two-factor", data={"credential": answer})
    assert response.status_code == 302
    assert client.get("/notifications").status_code == 200
    logout(client)

    # The same answer again: its challenge was used once and is gone.
    client.post("/login", data={"username": "ada", "password": PASSWORD})
    replay = client.post("/login/two-factor", data={"credential": answer})
    assert replay.status_code == 401 and "security key was not accepted" in replay.get_data(as_text=True)
    assert client.get("/notifications").status_code == 302


def test_without_javascript_the_key_form_says_so_and_keeps_the_name(client):
    login(client, make_user("ada"))
    response = client.post("/settings/two-factor/keys", data={"name": "desk key"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "It needs JavaScript on." in body and 'value="desk key"' in body
    assert db.session.scalar(db.select(SecurityKey.id)) is None

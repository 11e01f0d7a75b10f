"""Accounts: register, sign in, sign out, password hashing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from config import Config, TestConfig
from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, login, logout, make_user


def register(
    client, username="newbie", password=PASSWORD, confirm=None, display_name="New Person", email="newbie@example.org"
):
    return client.post(
        "/register",
        data={
            "username": username,
            "display_name": display_name,
            "email": email,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_register_signs_in_and_goes_to_profile_settings(client):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/settings/profile")
    page = client.get("/").get_data(as_text=True)
    assert "New Person" in page and "Sign out" in page


def test_register_normalizes_the_username(client):
    register(client, username="  MixedCase ")
    assert db.session.scalar(select(User.username)) == "mixedcase"


@pytest.mark.parametrize(
    "username, password, confirm, message",
    [
        ("ab", PASSWORD, None, "3 and 32"),
        ("bad name!", PASSWORD, None, "letters, digits"),
        ("newbie", "short", None, "10"),
        ("newbie", PASSWORD, "something else", "The passwords differ."),
    ],
)
def test_register_refuses_bad_input_and_keeps_the_username(client, username, password, confirm, message):
    response = register(client, username=username, password=password, confirm=confirm)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert f'value="{username}"' in page.replace("&#34;", '"')
    assert user_count() == 0


def test_register_refuses_a_taken_username(client):
    make_user("taken")
    response = register(client, username="Taken")
    assert response.status_code == 400
    assert "That username is taken." in response.get_data(as_text=True)
    assert user_count() == 1


def test_register_reports_every_error_in_one_round_and_keeps_the_input(client):
    make_user("taken", email="taken@example.org")
    # A form rule (short password, passwords differ) and the service's (name and address taken) at once.
    response = register(client, username="Taken", password="short", confirm="other", email="taken@example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "10" in page and "The passwords differ." in page
    assert "That username is taken." in page and "That address belongs to another account." in page
    assert 'value="Taken"' in page and 'value="taken@example.org"' in page and 'value="New Person"' in page
    assert user_count() == 1


def test_passwords_are_stored_hashed_fast_in_tests(app):
    user = make_user("ada")
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")
    assert TestConfig.PASSWORD_HASH_METHOD != Config.PASSWORD_HASH_METHOD


def test_production_hash_is_scrypt(app):
    app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD
    user = make_user("slowhash")
    assert Config.PASSWORD_HASH_METHOD == "scrypt"
    assert user.password_hash.startswith("scrypt:")


def test_sign_in_and_out(client):
    user = make_user("ada", display_name="Ada Okafor")
    login(client, user)
    assert "Ada Okafor" in client.get("/").get_data(as_text=True)
    response = logout(client)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Ada Okafor" not in page and "Sign in" in page


def test_sign_in_is_case_insensitive_on_the_username(client):
    make_user("ada")
    response = client.post("/login", data={"username": "ADA", "password": PASSWORD})
    assert response.status_code == 302


def test_unknown_name_and_wrong_password_look_the_same(client):
    make_user("ada")
    wrong = client.post("/login", data={"username": "ada", "password": "not the password"})
    unknown = client.post("/login", data={"username": "nobody", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert "Wrong username or password." in response.get_data(as_text=True)
    # Nothing else on the page differs except the echoed username (its field: a bare "ada" also
    # occurs in asset hashes).
    wrong_page = wrong.get_data(as_text=True).replace('value="ada"', "X")
    assert wrong_page == unknown.get_data(as_text=True).replace('value="nobody"', "X")


def test_sign_out_needs_post(client):
    user = make_user("ada")
    login(client, user)
    assert client.get("/logout").status_code == 405
    assert "Sign out" in client.get("/").get_data(as_text=True)


def test_signed_in_user_is_sent_away_from_register(client):
    login(client, make_user("ada"))
    assert client.get("/register").status_code == 302


def test_pages_that_need_an_account_redirect_to_sign_in_with_next(client):
    response = client.get("/posts/new")
    assert response.status_code == 302
    assert "/login?next=%2Fposts%2Fnew" in response.headers["Location"]

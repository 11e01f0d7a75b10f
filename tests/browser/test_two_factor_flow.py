"""Two-factor sign-in as a person does it: an authenticator app (pyotp plays the phone),
and a security key (Chromium's virtual authenticator, through the DevTools protocol)."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def password_step(page, person, origin: str = "") -> None:
    page.goto(f"{origin}/login")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="One more step")).to_be_visible()
    # Nothing is signed in yet.
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_turn_on_an_authenticator_app_then_sign_in_with_a_code(forum, open_page):
    person = forum.person("totp")
    page = open_page()
    sign_in(page, person)
    page.goto("/settings/two-factor")
    expect(page.get_by_text("It is off.")).to_be_visible()
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.locator("figure.qr svg")).to_be_visible()
    secret = page.locator("[data-totp-secret]").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    codes = page.locator(".recovery-codes code")
    expect(codes).to_have_count(10)
    expect(page.get_by_text("It is on.")).to_be_visible()
    sign_out(page)

    password_step(page, person)
    page.get_by_label("Code").fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    # The next step's code: the one used to turn it on may not be used twice.
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_register_a_security_key_then_sign_in_with_it(forum, open_page, live_server):
    # Browsers take no IP address as a WebAuthn relying party: the same server as localhost.
    origin = live_server.replace("127.0.0.1", "localhost")
    person = forum.person("key")
    page = open_page()
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.goto(f"{origin}/login")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto(f"{origin}/settings/two-factor")
    page.get_by_label("Name of the key").fill("virtual key")
    page.get_by_role("button", name="Register a security key").click()
    expect(page.get_by_text("Your security key “virtual key” is registered.")).to_be_visible()
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    expect(page.get_by_role("cell", name="virtual key")).to_be_visible()
    sign_out(page)

    password_step(page, person, origin)
    page.get_by_role("button", name="Use your security key").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{origin}/settings/two-factor")
    expect(page.get_by_role("row", name=re.compile("virtual key"))).not_to_contain_text("never")

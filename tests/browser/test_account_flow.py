"""An account as a person makes and keeps it: register with an address, verify it by the
emailed link, turn on two-factor sign-in, sign in with a code on a second device and end that
session from the first, forget the password, reset it by the emailed link, sign in with it."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
NEW_PASSWORD = "another long password"


def test_register_verify_two_factor_sessions_reset_and_sign_in(open_page, forum):
    page = open_page()
    username = unique("ada")
    address = f"{username}@example.org"

    page.goto("/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill("Ada Account-Keeper")
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text(f"We sent a link to {address}")

    # Until the address is verified, writing waits, and the text typed stays.
    page.goto("/posts/new")
    page.get_by_label("Title").fill("Typed before verifying")
    page.get_by_label("Body").fill("This text must survive the refusal.")
    page.get_by_label("Members: anyone signed in").check()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert").first).to_contain_text(address)
    expect(page.get_by_label("Body")).to_have_value("This text must survive the refusal.")

    page.goto(forum.link_mailed_to(address, "/verify/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your address")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text(f"{address} is confirmed")
    expect(page.locator(".settings-page")).to_contain_text("verified")
    expect(page.get_by_text("Send the link again")).to_have_count(0)

    # Two-factor sign-in with an authenticator app (pyotp plays the phone).
    page.goto("/settings")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Two-factor sign-in").click()
    page.get_by_role("button", name="Set up an authenticator app").click()
    secret = page.locator("[data-totp-secret]").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    recovery_code = page.locator(".recovery-codes code").first.inner_text()

    def sign_in_with_code(on, password, code):
        on.goto("/login")
        on.get_by_label("Username").fill(username)
        on.get_by_label("Password").fill(password)
        on.get_by_role("button", name="Sign in").click()
        expect(on.get_by_role("heading", name="One more step")).to_be_visible()
        on.get_by_label("Code").fill(code)
        on.get_by_role("button", name="Continue").click()
        expect(on.get_by_role("navigation", name="Site").get_by_role("button", name="Sign out")).to_be_visible()

    # A second device signs in with a code; the first lists both sessions and ends the second.
    other = open_page()
    # The code that turned it on is taken: the app's next one (the server allows one step either side).
    sign_in_with_code(other, PASSWORD, pyotp.TOTP(secret).at(time.time() + 30))
    page.goto("/settings/sessions")
    rows = page.locator("table.sessions tbody tr")
    expect(rows).to_have_count(2)
    rows.filter(has_not_text="(this session)").get_by_role("button", name="End").click()
    expect(page.locator("table.sessions tbody tr")).to_have_count(1)
    other.goto("/notifications")
    expect(other).to_have_url(re.compile(r"/login"))

    page.get_by_role("navigation", name="Site").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out")

    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Your account's email address").fill(address)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    reset = forum.link_mailed_to(address, "/reset/")
    page.goto(reset)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("status")).to_contain_text("Sign in with the new password")

    # The link worked once.
    page.goto(reset)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()

    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    # The new password, and still the second factor: a saved recovery code this time.
    sign_in_with_code(page, NEW_PASSWORD, recovery_code)
    expect(
        page.get_by_role("navigation", name="Site").get_by_text("Ada Account-Keeper")
    ).to_be_visible()  # the header's account menu

"""An account as a person makes and keeps it: register with an address, verify it by the
emailed link, sign out, forget the password, reset it by the emailed link, sign in with it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
NEW_PASSWORD = "another long password"


def test_register_verify_sign_out_reset_and_sign_in(open_page, forum):
    page = open_page()
    username = unique("ada")
    address = f"{username}@example.org"

    page.goto("/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill("Ada Researcher")
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text(f"We sent a link to {address}")

    # Until the address is verified, writing waits, and the text typed stays.
    page.goto("/posts/new")
    page.get_by_label("Title").fill("Typed before verifying")
    page.get_by_label("Body").fill("This text must survive the refusal.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert").first).to_contain_text(address)
    expect(page.get_by_label("Body")).to_have_value("This text must survive the refusal.")

    page.goto(forum.link_mailed_to(address, "/verify/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your address")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text(f"{address} is confirmed")
    expect(page.locator(".settings-page")).to_contain_text("verified")
    expect(page.get_by_text("Send the link again")).to_have_count(0)

    page.get_by_role("button", name="Sign out").click()
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
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Ada Researcher")).to_be_visible()

"""Sessions in the browser: sign in on two devices, see both on the settings page, end the other."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import TIMEOUT_MS, sign_in

pytestmark = pytest.mark.browser

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_a_member_sees_both_sessions_and_ends_the_other(forum, signed_in, new_context):
    person = forum.person("sess")
    laptop = signed_in(person)
    phone_context = new_context(user_agent=IPHONE)
    phone_context.set_default_timeout(TIMEOUT_MS)
    phone = phone_context.new_page()
    sign_in(phone, person)

    laptop.goto("/settings")
    laptop.get_by_role("navigation", name="Settings").get_by_role("link", name="Sessions and tokens").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Sessions and tokens")
    rows = laptop.locator("table.sessions tbody tr")
    expect(rows).to_have_count(2)
    expect(laptop.locator("tr.this-session")).to_contain_text("(this session)")
    phone_row = rows.filter(has_text="Safari on an iPhone")
    expect(phone_row).to_have_count(1)

    phone_row.get_by_role("button", name="End").click()
    expect(laptop.get_by_role("status")).to_contain_text("That session is ended")
    expect(laptop.locator("table.sessions tbody tr")).to_have_count(1)

    # The phone is signed out at its next request; the laptop is not.
    phone.goto("/notifications")
    expect(phone).to_have_url(re.compile(r"/login"))
    expect(phone.get_by_role("button", name="Sign out")).to_have_count(0)
    laptop.goto("/notifications")
    expect(laptop.get_by_role("button", name="Sign out")).to_be_visible()

"""Settings in one place: the hub lists every section the app serves, and each settings page shows the menu."""

from __future__ import annotations

import re

from forum.views.settings import SECTIONS
from tests.factories import login, make_user


def _menu_html(page: str) -> str:
    return page.split('<nav class="settings-menu"', 1)[1].split("</nav>", 1)[0]


def _menu(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', _menu_html(page))


def test_the_hub_links_every_served_section(app, client):
    login(client, make_user("ada"))
    page = client.get("/settings").get_data(as_text=True)
    served = [s for s in SECTIONS if s.endpoint in app.view_functions]
    assert {"users.edit_profile", "notifications.settings", "tokens.tokens"} <= {s.endpoint for s in served}
    for section in served:
        assert section.about in page and f">{section.label}</a>" in _menu_html(page)
    # Sections whose feature is not served are not offered as dead links.
    for section in SECTIONS:
        if section.endpoint not in app.view_functions:
            assert f">{section.label}</a>" not in _menu_html(page)


def test_every_settings_page_shows_the_menu_and_marks_itself(client):
    login(client, make_user("ada"))
    hub = client.get("/settings").get_data(as_text=True)
    links = _menu(hub)
    assert "/settings/profile" in links and "/settings/notifications" in links
    for link in links:
        page = client.get(link).get_data(as_text=True)
        assert _menu(page) == links
        if link != "/settings":
            assert f'<a href="{link}" aria-current="page">' in page


def test_the_header_links_settings_and_signed_out_visitors_sign_in_first(client):
    response = client.get("/settings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, make_user("ada"))
    assert '<a href="/settings">Settings</a>' in client.get("/").get_data(as_text=True)

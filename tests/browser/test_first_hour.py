"""A newcomer's first hour on `make run`'s demo (issue 24): sign in as the first demo user, write a post,
put a figure in it, publish it to her reading group, hear of the reply, and read the main pages on a phone
without scrolling sideways. The demo is seeded as `make run` seeds it, with the new-account limits on."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from config import TestConfig
from forum import create_app
from forum.demo.seed import DEMO_PASSWORD
from forum.extensions import db
from tests.browser.helpers import TIMEOUT_MS, QuietHandler, unique
from tests.factories import image_bytes

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MAIN_PAGES = [
    "/",
    "/search?q=splitting",
    "/groups",
    "/groups/circuits-reading-group",
    "/users/ada",
    "/notifications",
    "/settings",
    "/posts/new",
    "/drafts",
]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory, database_copy):
    root = tmp_path_factory.mktemp("first-hour")
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_copy("first_hour"),
        SEARCH_INDEX_DIR=str(root / "index"),
        UPLOAD_DIR=str(root / "uploads"),
        MAIL_SINK_DIR=str(root / "mail"),
        WTF_CSRF_ENABLED=True,
        NEW_ACCOUNT_LIMITS_ENABLED=True,
        VOTE_WEIGHT_AFTER_DAYS=3,
    )
    with app.app_context():
        for command in (["forum", "seed"], ["forum", "reindex"]):
            result = app.test_cli_runner().invoke(args=command)
            assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="first-hour", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo_page(browser, demo_url):
    contexts = []

    def open_as(username: str, viewport: dict = DESKTOP):
        context = browser.new_context(base_url=demo_url, viewport=viewport)
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_the_first_demo_user_publishes_a_figure_to_her_group_and_hears_the_reply(demo_page):
    ada = demo_page("ada")
    title = unique("Splitting at 64k ")
    ada.get_by_role("link", name="New post").click()
    ada.get_by_label("Title").fill(title)
    ada.get_by_label("Body").fill("The 64k run agrees with the fit.")
    ada.get_by_label("Attach a figure or PDF").set_input_files(
        files=[{"name": "at-64k.png", "mimeType": "image/png", "buffer": image_bytes(size=(120, 80))}]
    )
    ada.get_by_role("button", name="Upload").click()
    # Not refused by the new-account limits; the figure's Markdown is already in the text.
    expect(ada.locator(".flash").first).to_contain_text("Uploaded at-64k.png")
    expect(ada.get_by_label("Body")).to_have_value(
        re.compile(r"The 64k run agrees with the fit\.\n\n!\[at 64k\]\(/posts/\d+/files/")
    )
    expect(ada.locator(".draft-target")).to_contain_text("Draft, will publish to:")
    ada.get_by_label("Restricted: only the people and groups below").check()
    ada.get_by_label("Groups", exact=True).fill("circuits-reading-group")
    ada.get_by_role("button", name="Publish", exact=True).click()
    expect(ada.get_by_role("heading", level=1)).to_contain_text(title)
    expect(ada.locator(".badge-draft")).to_have_count(0)
    figure = ada.locator(".prose img").first
    expect(figure).to_be_visible()
    assert figure.evaluate("img => img.complete && img.naturalWidth > 0")
    post_path = "/posts/" + ada.url.split("/posts/")[1].split("?")[0].split("#")[0]

    # Ben, in the group, replies; Ada's bell rings and her notification is a link to the reply.
    ben = demo_page("ben")
    ben.goto(post_path)
    ben.get_by_label("Comment").fill("Does it hold with the L1 sweep too?")
    ben.get_by_role("button", name="Comment").click()
    expect(ben.locator("li.comment .prose").last).to_contain_text("Does it hold with the L1 sweep too?")
    ada.goto("/notifications")
    ada.get_by_role("link", name=f"Ben Lindqvist commented on your post “{title}”").click()
    expect(ada.locator("li.comment .prose").first).to_contain_text("Does it hold with the L1 sweep too?")

    # Ada has the karma for a strong vote, and uses it on the reply.
    ada.goto(post_path)
    strong = ada.locator("li.comment").last.get_by_role("button", name="Strong up-vote")
    expect(strong).to_be_enabled()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_main_pages_never_scroll_sideways(demo_page, viewport):
    page = demo_page("ada", viewport)
    wide = {}
    for path in MAIN_PAGES:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if width > 0:
            wide[path] = width
    page.goto("/")
    page.get_by_role("link", name="Feature splitting is mostly a dictionary-size artifact").click()
    width = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if width > 0:
        wide["a thread"] = width
    assert wide == {}


def test_a_keyboard_reaches_a_skip_link_first(demo_page):
    page = demo_page("ada")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    skip.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


AXE_PAGES = [
    ("ada", "/"),
    ("ada", "thread"),
    ("ada", "/posts/new"),
    ("ada", "/search?q=splitting"),
    ("ada", "/users/ada"),
    ("ada", "/groups"),
    ("ada", "/groups/circuits-reading-group"),
    ("ada", "/notifications"),
    ("ada", "/settings"),
    ("mira", "/moderation"),
]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_main_pages_have_no_serious_accessibility_violations(demo_page, viewport):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    pages = {}
    found = {}
    for username, path in AXE_PAGES:
        page = pages.get(username) or pages.setdefault(username, demo_page(username, viewport))
        if path == "thread":
            page.goto("/")
            page.get_by_role("link", name="Feature splitting is mostly a dictionary-size artifact").click()
        else:
            page.goto(path)
        violations = axe.run(page).response["violations"]
        serious = [
            f"{v['id']} ({len(v['nodes'])}): {v['nodes'][0]['target']}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[path] = serious
    assert found == {}

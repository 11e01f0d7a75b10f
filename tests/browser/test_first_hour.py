"""A newcomer's first hour on `make run`'s demo (issue 24): sign in as the first demo user, write a post,
put a figure in it, publish it to her reading group, hear of the reply, and read the main pages on a phone
without scrolling sideways. The demo is seeded as `make run` seeds it, with the new-account limits on, plus
a long, deep thread and a reply to the admin (so the busiest header has a count on its bell)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from config import TestConfig
from forum import create_app
from forum.demo.seed import DEMO_PASSWORD
from forum.extensions import db
from tests.browser.helpers import TIMEOUT_MS, QuietHandler, unique
from tests.factories import image_bytes, make_comment, make_post

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


LONG_THREAD_TITLE = "Does the 64k dictionary split the same features at every depth?"
# A reply with what pushes a narrow screen sideways: a long unbroken token, a wide code line, a table.
WIDE_REPLY = (
    "See `sae.features.split_at(dictionary_size=65536, layer=6, threshold=0.01)` and "
    "https://example.org/a/very/long/address/that/does/not/break/anywhere/on/its/own/0123456789\n\n"
    "```python\nresult = run(dictionary_size=65536, layer=6, threshold=0.01, seeds=[0, 1, 2, 3, 4, 5, 6, 7])\n```\n\n"
    "| size | split | merged | dead | recovered | notes |\n|---|---|---|---|---|---|\n"
    "| 16k | 12 | 3 | 0.4% | 91% | baseline run |\n"
)


@dataclass(frozen=True)
class Demo:
    url: str
    paths: dict[str, str]  # named pages whose address depends on the seeded ids


def _add_long_thread_and_news() -> dict[str, str]:
    """A thread twenty replies deep, and a reply on the admin's post; the addresses of the pages
    that depend on seeded ids."""
    from sqlalchemy import select

    from forum.models import Conversation, ConversationParticipant, Post, Report, User

    users = {u.username: u for u in db.session.scalars(select(User))}
    post = make_post(users["ada"], LONG_THREAD_TITLE, "Where the replies go deep.", tags="saes")
    parent = None
    for depth in range(20):
        author = users[("ben", "chen", "ada", "dana")[depth % 4]]
        parent = make_comment(author, post, WIDE_REPLY if depth % 5 == 0 else f"Reply at depth {depth}.", parent)
    announcement = make_post(users["omar"], "Forum hours this week", "The forum moves to a new server on Friday.")
    make_comment(users["ben"], announcement, "Thanks for the warning.")
    conversation = db.session.scalar(
        select(Conversation.id)
        .join(ConversationParticipant)
        .where(ConversationParticipant.user_id == users["ben"].id)
        .limit(1)
    )
    thread = db.session.scalar(select(Post.id).where(Post.title.startswith("Feature splitting is mostly")))
    footnotes = db.session.scalar(select(Post.id).where(Post.title == "A scaling law for feature splitting"))
    report = db.session.scalar(select(Report.id).order_by(Report.id).limit(1))
    assert conversation and thread and footnotes and report, "the demo seeds a conversation, two posts and a report"
    return {
        "thread": f"/posts/{thread}",
        "long thread": f"/posts/{post.id}",
        "footnotes": f"/posts/{footnotes}",  # ada's research post: footnote links (link-in-text-block)
        "conversation": f"/messages/{conversation}",
        "report": f"/moderation/reports/{report}",
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory, database_copy):
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
        result = app.test_cli_runner().invoke(args=["forum", "seed"])
        assert result.exit_code == 0, result.output
        paths = _add_long_thread_and_news()
        with app.test_request_context():
            from flask import url_for

            from forum.views.settings import sections

            paths.update({f"settings: {s.label}": url_for(s.endpoint) for s in sections()})
        result = app.test_cli_runner().invoke(args=["forum", "reindex"])
        assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="first-hour", daemon=True)
    thread.start()
    yield Demo(f"http://127.0.0.1:{server.server_port}", paths)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo_page(browser, demo):
    contexts = []

    def open_as(username: str, viewport: dict = DESKTOP, *, javascript: bool = True):
        context = browser.new_context(base_url=demo.url, viewport=viewport, java_script_enabled=javascript)
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
    # No audience is chosen for her: publishing asks for one and keeps what she wrote.
    ada.get_by_role("button", name="Publish", exact=True).click()
    expect(ada.get_by_text("Choose who can read it: Public, Members or Restricted.")).to_be_visible()
    expect(ada.get_by_label("Body")).to_have_value("The 64k run agrees with the fit.")
    ada.get_by_label("Restricted: only the people and groups below").check()
    ada.get_by_label("Groups", exact=True).fill("circuits-reading-group")
    ada.get_by_label("Body").press("Control+End")  # the figure goes in at the cursor: after her sentence
    ada.get_by_label("Attach a figure or PDF").set_input_files(
        files=[{"name": "at-64k.png", "mimeType": "image/png", "buffer": image_bytes(size=(120, 80))}]
    )
    ada.get_by_role("button", name="Upload").click()
    # Not refused by the new-account limits; the figure's Markdown is already in the text.
    expect(ada.locator(".flash").first).to_contain_text("Uploaded at-64k.png")
    expect(ada.get_by_label("Body")).to_have_value(
        re.compile(r"The 64k run agrees with the fit\.\n\n!\[at 64k\]\(/posts/\d+/files/")
    )
    # The saved draft keeps the audience she chose; she confirms it by publishing to it.
    expect(ada.locator(".draft-target")).to_contain_text("Draft, will publish to:")
    expect(ada.get_by_label("Restricted: only the people and groups below")).to_be_checked()
    expect(ada.get_by_label("Groups", exact=True)).to_have_value(re.compile("circuits-reading-group"))
    ada.get_by_role("button", name="Publish", exact=True).click()
    expect(ada.get_by_role("heading", level=1)).to_contain_text(title)
    expect(ada.locator(".badge-draft")).to_have_count(0)
    expect(ada.locator(".audience")).to_contain_text("Circuits Reading Group")
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
    ada.goto("/")
    expect(ada.locator(".bell-count")).not_to_have_text("0")
    ada.get_by_role("link", name=re.compile("^Notifications")).click()
    ada.get_by_role("link", name=f"Ben Lindqvist commented on your post “{title}”").click()
    expect(ada.locator("li.comment .prose").first).to_contain_text("Does it hold with the L1 sweep too?")

    # She answers inline, under his comment, without leaving the page; Ben hears of it.
    reply = ada.locator("li.comment").first
    reply.locator(".reply-inline > summary").click()
    reply.get_by_label("Your reply").fill("Yes: the same split at every L1 we tried.")
    reply.get_by_role("button", name="Reply").click()
    expect(ada.locator("li.comment li.comment .prose").first).to_contain_text("the same split at every L1")
    ben.goto("/notifications")
    ben.get_by_role("link", name=f"Ada Okafor replied to your comment on “{title}”").click()
    expect(ben.locator("li.comment .prose").first).to_contain_text("the same split at every L1")

    # Ada has the karma for a strong vote on Ben's comment.
    ada.goto(post_path)
    votes = ada.locator("li.comment").first.locator(":scope > details > .comment-votes")
    strong = votes.get_by_role("button", name="Strong up-vote")
    expect(strong).to_be_enabled()


def test_a_keyboard_reaches_a_skip_link_first(demo_page):
    page = demo_page("ada")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    skip.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


# Every main page the issue names, as (who looks, address or a name in `Demo.paths`); the settings
# sections are added from the settings menu's own list, so a new section is checked too.
MAIN_PAGES = [
    ("ada", "/"),
    ("ada", "/?view=groups"),
    ("ada", "thread"),
    ("ada", "long thread"),
    ("ada", "footnotes"),
    ("ada", "/posts/new"),
    ("ada", "/drafts"),
    ("ada", "/search?q=splitting"),  # with results (landmark-unique)
    ("ada", "/users/ada"),
    ("ada", "/groups"),
    ("ada", "/groups/circuits-reading-group"),
    ("ada", "/notifications"),
    ("ada", "/messages"),
    ("ben", "conversation"),  # eli's request to ben
    ("ada", "/settings"),
    ("ada", "settings: *"),
    ("mira", "/moderation"),
    ("mira", "report"),
    ("mira", "/moderation/log"),
    ("mira", "/moderation/users/eli"),
]


def _addresses(demo: Demo) -> list[tuple[str, str, str]]:
    """(who, name, address) for every page of MAIN_PAGES."""
    pages = []
    for username, name in MAIN_PAGES:
        if name == "settings: *":
            pages += [(username, key, path) for key, path in demo.paths.items() if key.startswith("settings: ")]
        else:
            pages.append((username, name, demo.paths.get(name, name)))
    return pages


def _sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_every_main_page_passes_axe_without_scrolling_sideways(demo_page, demo, viewport):
    """Zero serious or critical axe violations and no horizontal scroll, deep threads included."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    pages: dict = {}
    found = {}
    addresses = _addresses(demo)
    assert len([a for a in addresses if a[1].startswith("settings: ")]) >= 10  # each section, not only the hub
    for username, name, path in addresses:
        page = pages.get(username) or pages.setdefault(username, demo_page(username, viewport))
        response = page.goto(path)
        assert response is not None and response.status == 200, (name, path)
        if path.startswith("/search"):
            assert page.locator(".search-hit").count() > 1, "the search page is checked with its results"
        problems = [
            f"{v['id']} ({len(v['nodes'])}): {v['nodes'][0]['target']}"
            for v in axe.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if wide := _sideways(page):
            problems.append(f"{wide} px of horizontal scroll")
        if problems:
            found[name] = problems
    assert found == {}


NAV_ROW = """() => [...document.querySelectorAll('.nav > *')]
  .filter(el => el.getClientRects().length)
  .map(el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom]; })"""
# Header links and buttons whose text takes more than one line (a word broken in half, say).
BROKEN = """() => [...document.querySelectorAll('.site-header a, .site-header summary, .site-header button')]
  .filter(el => el.getClientRects().length)
  .filter(el => { const range = document.createRange(); range.selectNodeContents(el);
    const tops = [...range.getClientRects()].map(r => r.top);
    return tops.length && Math.max(...tops) - Math.min(...tops) >= parseFloat(getComputedStyle(el).fontSize); })
  .map(el => el.textContent.trim())"""


def test_the_busiest_header_is_one_row_at_1280(demo_page):
    omar = demo_page("omar")  # an admin: moderation link with a count, a bell with news
    expect(omar.locator(".bell-count")).not_to_have_text("0")
    expect(omar.get_by_role("link", name=re.compile(r"^Moderation \(\d+\)"))).to_be_visible()
    for name in ("New post", "Messages", "Listed posts"):
        expect(omar.get_by_role("navigation", name="Site").get_by_role("link", name=name)).to_be_visible()
    expect(omar.get_by_role("button", name="Sign out")).to_be_visible()
    rows = omar.evaluate(NAV_ROW)
    assert max(top for top, _ in rows) < min(bottom for _, bottom in rows), rows  # all side by side
    assert omar.evaluate(BROKEN) == []
    # The account menu opens in place and takes the keyboard.
    account = omar.locator("details.nav-drop:visible > summary")
    account.focus()
    omar.keyboard.press("Enter")
    omar.keyboard.press("Tab")
    expect(omar.get_by_role("link", name="Your profile")).to_be_focused()
    omar.keyboard.press("Escape")
    expect(omar.get_by_role("link", name="Your profile")).to_be_hidden()
    expect(account).to_be_focused()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_phone_header_is_a_compact_menu_that_needs_no_javascript(demo_page, javascript):
    omar = demo_page("omar", PHONE, javascript=javascript)
    header = omar.locator(".site-header")
    assert header.bounding_box()["height"] < 70
    rows = omar.evaluate(NAV_ROW)
    assert max(top for top, _ in rows) < min(bottom for _, bottom in rows), rows
    expect(omar.get_by_role("link", name="Messages")).to_be_hidden()
    menu = omar.get_by_role("navigation", name="Site").locator("summary", has_text="Menu")
    menu.focus()
    omar.keyboard.press("Enter")  # a <details>: the keyboard opens it without any script
    for name in ("New post", "Messages", "Your profile", "Drafts", "Settings", "Groups", r"Moderation \(\d+\)"):
        expect(omar.get_by_role("link", name=re.compile(f"^{name}$"))).to_be_visible()
    expect(omar.get_by_role("button", name="Sign out")).to_be_visible()
    omar.keyboard.press("Tab")
    expect(omar.get_by_role("searchbox", name="Search the forum")).to_be_focused()
    assert omar.evaluate(BROKEN) == []
    assert _sideways(omar) == 0
    omar.get_by_role("link", name="Messages").click()
    omar.wait_for_url("**/messages")


# Controls in one family and the three sizes of style.css's --control-size*; Markdown text areas
# are the writing surface (monospace on purpose), radio buttons and checkboxes show no text.
CONTROL_FONTS = """() => {
  const root = getComputedStyle(document.documentElement);
  const family = getComputedStyle(document.querySelector('.brand')).fontFamily;
  const probe = document.createElement('span'); document.body.append(probe);
  const sizes = ['--control-size-small', '--control-size', '--control-size-large'].map(v => {
    probe.style.fontSize = root.getPropertyValue(v); return getComputedStyle(probe).fontSize; });
  probe.remove();
  const controls = 'button, input:not([type=hidden], [type=radio], [type=checkbox]), select, a.button, '
    + '.nav a, .nav summary';
  return [...document.querySelectorAll(controls)].filter(el => el.getClientRects().length).map(el => {
    const style = getComputedStyle(el);
    return [el.outerHTML.slice(0, 80), style.fontFamily === family, sizes.includes(style.fontSize), style.fontSize];
  }).filter(([, sameFamily, onScale]) => !sameFamily || !onScale); }"""


def test_controls_share_one_type_scale_and_radio_buttons_show_focus(demo_page, demo):
    ada = demo_page("ada")
    odd = {}
    for path in (
        "/",
        demo.paths["thread"],
        "/posts/new",
        "/search?q=splitting",
        "/notifications",
        "/settings/notifications",
    ):
        ada.goto(path)
        if found := ada.evaluate(CONTROL_FONTS):
            odd[path] = found
    assert odd == {}
    ada.goto("/posts/new")
    ada.get_by_label("Title").focus()
    for _ in range(40):
        ada.keyboard.press("Tab")
        if ada.evaluate("document.activeElement.type") == "radio":
            break
    outline = ada.evaluate(
        "(s => [s.outlineStyle, s.outlineWidth, s.outlineColor])(getComputedStyle(document.activeElement))"
    )
    assert outline == ["solid", "2px", "rgb(47, 93, 138)"]

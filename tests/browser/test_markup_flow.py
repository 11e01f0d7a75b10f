"""Math, footnotes and link previews as a reader's browser shows them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Group, User
from tests.browser.helpers import publish_to_everyone, unique
from tests.factories import make_post

pytestmark = pytest.mark.browser

MATHML = "http://www.w3.org/1998/Math/MathML"
BODY = (
    "Energy is $E=mc^2$, and summing gives\n\n$$\\sum_{i=1}^{n} x_i^2$$\n\n"
    "A claim that needs a source[^1].\n\n"
    + "Filler paragraph.\n\n" * 40
    + "```python\ndef f(x):\n    return x ** 2\n```\n\n[^1]: The source, at the bottom."
)


def _watch_csp(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    return problems


def test_math_renders_as_mathml_and_a_footnote_link_jumps(forum, signed_in):
    author = forum.person("mathauthor")
    page = signed_in(author, viewport={"width": 1000, "height": 700})
    csp = _watch_csp(page)
    title = unique("Energy notes ")
    page.goto("/posts/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill(BODY)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".preview math").first
    expect(preview).to_be_visible()
    publish_to_everyone(page)
    expect(page.get_by_role("heading", name=title)).to_be_visible()

    math = page.locator(".prose math")
    expect(math).to_have_count(2)
    assert math.first.evaluate("el => el.namespaceURI") == MATHML
    # Laid out as math: the superscript sits above the baseline of its base.
    base, exponent = page.locator(".prose msup").first.locator("mi"), page.locator(".prose msup").first.locator("mn")
    assert exponent.bounding_box()["y"] < base.bounding_box()["y"]
    block = page.locator('.prose math[display="block"]')
    assert block.bounding_box()["width"] > 0 and block.evaluate("el => getComputedStyle(el).display") == "block math"
    expect(page.locator(".prose annotation").first).to_be_hidden()
    expect(page.locator(".prose .tok-k").first).to_have_text("def")

    note = page.locator("#user-content-fn1")
    assert not note.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }"
    )
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url) if "/preview" in request.url else None)
    page.locator(".footnote-ref a").click()
    page.wait_for_url("**#user-content-fn1")
    assert note.evaluate("el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }")
    expect(note).to_contain_text("The source, at the bottom.")
    page.locator(".footnote-backref").click()
    page.wait_for_url("**#user-content-fnref1")
    # Clicking hovered both footnote links; they point into this page, so no preview was asked for.
    assert requested == []
    assert csp == []


def test_a_link_preview_shows_the_title_only_to_readers(forum, signed_in, open_page):
    author, reader, outsider = (forum.person(p) for p in ("linkauth", "linkread", "linkout"))
    group = forum.group(author, reader)
    secret_title = unique("Hidden circuit ")

    def restricted() -> int:
        return make_post(
            db.session.get(User, author.id),
            secret_title,
            "Body.",
            audience="restricted",
            groups=(db.session.get(Group, group.id),),
        ).id

    target = forum.run(restricted)
    pointer = forum.post(author, unique("Pointer "), f"See [the result](/posts/{target}) and [nothing](/posts/987654).")

    page = signed_in(reader)
    page.goto(f"/posts/{pointer}")
    page.get_by_role("link", name="the result").hover()
    expect(page.locator(".link-preview")).to_have_text(secret_title)

    for stranger in (signed_in(outsider), open_page()):
        stranger.goto(f"/posts/{pointer}")
        for name, path in (("the result", f"/posts/{target}/preview"), ("nothing", "/posts/987654/preview")):
            with stranger.expect_response(lambda r, path=path: r.url.endswith(path)) as answer:
                stranger.get_by_role("link", name=name).hover()
            assert answer.value.status == 404
        expect(stranger.locator(".link-preview")).to_have_count(0)
        assert secret_title not in stranger.content()

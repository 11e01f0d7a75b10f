"""The editor's preview beside the text, rendered by the server as typing pauses, under the CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_preview_follows_the_text_beside_it_without_leaving_the_page(forum, signed_in):
    page = signed_in(forum.person("previewer"), viewport={"width": 1280, "height": 900})
    csp: list[str] = []
    page.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto("/posts/new")
    pane = page.locator("#preview-pane")
    expect(pane.locator(".preview-hint")).to_be_visible()  # beside the empty text, waiting
    expect(pane.locator(".preview-body")).to_be_hidden()
    page.evaluate("window.__samePage = true")

    page.get_by_label("Title").fill("Scaling notes")
    body = page.get_by_label("Body")
    body.press_sequentially("The loss falls as $x^2$.", delay=5)
    # Typing paused: the server's rendering appears beside the text, math as MathML.
    expect(pane.locator("math")).to_be_visible()
    expect(pane.locator(".preview-title")).to_have_text("Scaling notes")
    text_box, preview_box = body.bounding_box(), pane.bounding_box()
    assert preview_box["x"] >= text_box["x"] + text_box["width"]
    assert abs(preview_box["y"] - text_box["y"]) < 80

    # On demand, too, and still the same page, with the text unsent and unsaved.
    body.fill("Now **bold** <script>window.__ran = 1</script>")
    page.get_by_role("button", name="Preview").click()
    expect(pane.locator(".preview-body strong")).to_have_text("bold")
    expect(pane.locator(".preview-body")).to_contain_text("<script>")  # shown as text, never run
    assert page.evaluate("window.__samePage === true && window.__ran === undefined")
    assert page.url.endswith("/posts/new")
    assert csp == []


@pytest.mark.parametrize("width", [1280, 390])
def test_the_editor_with_its_preview_and_the_writing_settings_pass_axe_without_sideways_scroll(forum, signed_in, width):
    from axe_playwright_python.sync_playwright import Axe

    page = signed_in(forum.person(f"axewriter{width}"), viewport={"width": width, "height": 844})
    found = {}
    for path in ("/posts/new", "/posts/new#with-preview", "/settings/writing"):
        page.goto(path)
        if path == "/posts/new#with-preview":
            page.get_by_label("Body").fill("A table:\n\n| a | b |\n|--|--|\n| 1 | $x^2$ |\n\n" + "word " * 200)
            page.get_by_role("button", name="Preview").click()
            expect(page.locator("#preview-pane math")).to_be_visible()
        serious = [
            f"{v['id']}: {v['nodes'][0]['target']}"
            for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if serious or sideways > 0:
            found[path] = (serious, sideways)
    assert found == {}

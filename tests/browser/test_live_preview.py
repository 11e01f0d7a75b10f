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
    expect(pane).to_be_hidden()
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

"""A research post, end to end: math, a footnote and an uploaded figure, written as a
draft, edited by a co-author, published to a group, read there and nowhere else."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique
from tests.factories import image_bytes

pytestmark = pytest.mark.browser

NEVER_EXISTED = 2_000_000_000
BODY = "Energy is $E = mc^2$ and the sum is $$\\sum_i x_i$$ as shown[^1].\n\n[^1]: A footnote with the details."


def test_a_draft_with_a_figure_goes_from_coauthors_to_its_group(forum, signed_in):
    author, coauthor, member, outsider = (forum.person(p) for p in ("auth", "coau", "memb", "out"))
    group = forum.group(author, member)
    title = unique("Scaling of splitting ")

    # Write the post and upload the figure: the upload saves a draft and hands back the snippet.
    page = signed_in(author)
    page.goto("/posts/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill(BODY)
    page.get_by_label("Attach a figure or PDF").set_input_files(
        files=[{"name": "splitting.png", "mimeType": "image/png", "buffer": image_bytes(size=(120, 80))}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".flash").first).to_contain_text("Uploaded splitting.png")
    snippet = page.locator(".attachment-list code.snippet").first.inner_text()
    assert snippet.startswith("![splitting](/posts/")
    # The figure's Markdown is already in the text (no cursor was placed: at the end), not to paste by hand.
    expect(page.get_by_label("Body")).to_have_value(f"{BODY}\n\n{snippet}")
    expect(page.locator(".draft-target")).to_contain_text("Draft, will publish to:")
    page.get_by_label("Co-authors").fill(coauthor.username)
    page.get_by_label("Restricted: only the people and groups below").check()
    page.get_by_label("Groups", exact=True).fill(group.slug)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".badge-draft")).to_be_visible()
    post_path = "/posts/" + page.url.split("/posts/")[1].split("?")[0].split("#")[0]
    figure_path = page.locator(".prose img").get_attribute("src")
    assert figure_path.startswith(f"{post_path}/files/")

    # Before publishing, the group it will go to cannot read it, nor its figure.
    reader = signed_in(member)
    assert reader.goto(post_path).status == 404
    assert reader.goto(figure_path).status == 404

    # The co-author finds it on their Drafts page and edits it.
    co = signed_in(coauthor)
    co.goto("/drafts")
    co.get_by_role("link", name=title).click()
    co.get_by_role("link", name="Edit").click()
    co_body = co.get_by_label("Body")
    co_body.fill(co_body.input_value() + "\n\nChecked by the co-author.")
    co.get_by_role("button", name="Save draft").click()
    expect(co.locator(".prose")).to_contain_text("Checked by the co-author.")

    # The author publishes it to the group. The box says what stays with the draft's readers:
    # the versions before the co-author's edit (the upload saved one), which the group never had.
    page.goto(post_path)
    box = page.locator(".draft-box")
    expect(box.locator(".history-choice")).to_contain_text("2 earlier versions and 0 review comments")
    expect(box.get_by_label("Let the published audience read them too")).not_to_be_checked()
    box.get_by_role("button", name="Publish").click()
    expect(page.locator(".badge-draft")).to_have_count(0)

    # A member reads it, with the figure loaded (and the math rendered: checked at the end).
    reader.goto(post_path)
    expect(reader.get_by_role("heading", level=1)).to_contain_text(title)
    expect(reader.locator(".prose")).to_contain_text("Checked by the co-author.")
    # Its history starts at publishing: one version, and no editor named.
    reader.goto(f"{post_path}/revisions")
    expect(reader.locator("li.version")).to_have_count(1)
    expect(reader.locator("main")).to_contain_text("v1 is the only version")
    assert coauthor.username not in reader.locator("main").inner_text()
    reader.goto(post_path)
    image = reader.locator(".prose img")
    expect(image).to_have_attribute("src", figure_path)
    assert image.evaluate("img => img.complete && img.naturalWidth") == 120

    # The outsider gets the site's 404 for the post and for the figure, as for things that never existed.
    stranger = signed_in(outsider)
    hidden = stranger.goto(post_path)
    hidden_text = stranger.locator("main").inner_text()
    missing = stranger.goto(f"/posts/{NEVER_EXISTED}")
    assert (hidden.status, missing.status) == (404, 404) and hidden_text == stranger.locator("main").inner_text()
    assert stranger.goto(figure_path).status == 404
    assert stranger.goto(f"/posts/{NEVER_EXISTED}/files/{figure_path.rsplit('/', 1)[1]}").status == 404

    # Last, so everything above is proven even before the markup branch's math reaches main.
    assert reader.locator(".prose math").count() >= 1, "math is rendered server-side to MathML (the markup branch)"

"""Screenshots of the main pages at desktop and phone widths, for looking at the design.

    .venv/bin/python -m tests.browser.screenshots [OUT_DIR]     (default /tmp/forum-shots)

Serves the demo content from a temporary database, adds reports, a removal and a post with
usage terms (stage_moderation_and_terms), signs in as the demo user each page is meant for and
writes one full-page PNG per page and width. Not a test: nothing is asserted.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from config import TestConfig
from forum import create_app
from forum.demo.seed import DEMO_PASSWORD, load_demo_content
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, QuietHandler

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 390, "height": 844}}


def stage_moderation_and_terms(app) -> dict[str, int]:
    """Reports, a removal and a post with usage terms on top of the demo content.

    Eli moderates from outside the red team; Dana reports two of Chen's comments on the team's
    restricted post and Eli removes one from its copy; Ada's new post asks readers to agree to
    terms, which Ben and Eli did and Chen has not.
    """
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Comment, Post, Report, User
    from forum.services import comments, moderation, posts, terms

    with app.app_context():
        people = {u.username: u for u in db.session.scalars(select(User))}
        restricted = db.session.scalar(select(Post).where(Post.title.like("Elicitation gap%")))
        first = db.session.scalar(select(Comment).where(Comment.post_id == restricted.id))
        second = comments.add_comment(people["chen"], restricted, "Tasks 5 to 7 used the scaffold from the lab's repo.")
        moderation.set_role(None, people["eli"], "moderator", "Volunteered for the queue.")
        removed = moderation.report(
            people["dana"], restricted, first, "hazardous", "Names a partner lab before we agreed to."
        )
        moderation.report(people["dana"], restricted, second, "other", "Not sure this is fine to say even here.")
        moderation.resolve_report(people["eli"], removed, "remove", "Names a partner lab without its consent.")
        ben_post = db.session.scalar(select(Post).where(Post.title.like("Replicating%")))
        moderation.report(people["eli"], ben_post, None, "off-topic", "")
        gated = posts.create_post(
            people["ada"],
            "Steering vectors that transfer across model sizes",
            "Vectors found on the 1B model steer the 7B model too, after a linear map.",
            "interpretability",
            terms=terms.resolve_terms("no-capabilities"),
        )
        for reader in ("ben", "eli"):
            terms.accept_post_terms(people[reader], gated, gated.terms_version)
        return {
            "restricted": restricted.id,
            "gated": gated.id,
            "report_removed": removed.id,
            "open_reports": db.session.query(Report).filter(Report.status == "open").count(),
        }


def pages(app, staged: dict[str, int]) -> dict[str, dict[str, str]]:
    """Per demo user, the pages to photograph while signed in as them."""
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Post

    with app.app_context():
        threaded = db.session.scalar(select(Post.id).where(Post.title.like("Feature splitting%")))
    return {
        # Chen is in the unlisted red-team group, so the restricted demo post is readable.
        "chen": {
            "front": "/",
            "post-thread": f"/posts/{threaded}",
            "post-restricted": f"/posts/{staged['restricted']}",  # with the removal notice
            "post-form": "/posts/new",
            "profile": "/users/ada",
            "groups": "/groups",
            "not-found": "/posts/999999",
            "terms-gate": f"/posts/{staged['gated']}",
        },
        "eli": {
            "moderation-queue": "/moderation",
            "moderation-resolved": "/moderation?show=resolved",
            "moderation-log": "/moderation/log",
        },
        "ada": {"acceptances": f"/posts/{staged['gated']}/acceptances"},
    }


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp())
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{root / 'demo.sqlite3'}", SEARCH_INDEX_DIR=str(root / "index")
    )
    with app.app_context():
        upgrade()
        load_demo_content()
    staged = stage_moderation_and_terms(app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for user, paths in pages(app, staged).items():
            for width_name, viewport in WIDTHS.items():
                context = browser.new_context(base_url=base, viewport=viewport)
                page = context.new_page()
                page.goto("/login")
                page.get_by_label("Username").fill(user)
                page.get_by_label("Password").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url("**/")
                for name, path in paths.items():
                    page.goto(path)
                    target = out / f"{name}-{width_name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
                context.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/forum-shots"))

"""Screenshots of the main pages at desktop and phone widths, for looking at the design.

    .venv/bin/python -m tests.browser.screenshots [OUT_DIR]     (default /tmp/forum-shots)

Serves the demo content from a temporary database, signs in as a demo user and
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
from forum.seed import DEMO_PASSWORD, load_demo_content
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, QuietHandler

USER = "chen"  # in the unlisted red-team group, so the restricted demo post is readable
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 390, "height": 844}}


def pages(app) -> dict[str, str]:
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Post

    with app.app_context():
        threaded = db.session.scalar(select(Post.id).where(Post.title.like("Feature splitting%")))
        restricted = db.session.scalar(select(Post.id).where(Post.title.like("Elicitation gap%")))
    return {
        "front": "/",
        "post-thread": f"/posts/{threaded}",
        "post-restricted": f"/posts/{restricted}",
        "post-form": "/posts/new",
        "profile": "/users/ada",
        "groups": "/groups",
        "not-found": "/posts/999999",
    }


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp())
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{root / 'demo.sqlite3'}",
                     SEARCH_INDEX_DIR=str(root / "index"))
    with app.app_context():
        upgrade()
        load_demo_content()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width_name, viewport in WIDTHS.items():
            context = browser.new_context(base_url=base, viewport=viewport)
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("Username").fill(USER)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/")
            for name, path in pages(app).items():
                page.goto(path)
                target = out / f"{name}-{width_name}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            context.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/forum-shots"))

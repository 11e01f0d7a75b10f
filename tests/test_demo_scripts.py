"""The README's and docs/api.md's scripts, run exactly as printed against a freshly seeded demo.

The demo is served from a thread (as tests/browser does) with the limits `make run` has: new accounts'
hourly limits on, votes of young accounts waiting. The scripts' `.venv/bin/flask` commands run in a
directory whose `.venv` is this interpreter's, against the served database, with the address taken
from SITE_URL, as a reader with `make run` on another port would set it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestConfig
from forum import create_app
from forum.extensions import db
from tests.browser.helpers import QuietHandler

ROOT = Path(__file__).resolve().parent.parent


def fenced_block(document: Path, after: str, language: str) -> str:
    """The first ```language block after the line containing `after`."""
    text = document.read_text()
    start = text.index(after)
    match = re.compile(rf"^```{language}\n(.*?)^```$", re.S | re.M).search(text, start)
    assert match, f"no {language} block after {after!r} in {document.name}"
    return match.group(1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, database_copy):
    root = tmp_path_factory.mktemp("demo")
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_copy("demo_scripts"),
        "SEARCH_INDEX_DIR": str(root / "index"),
        "UPLOAD_DIR": str(root / "uploads"),
        "MAIL_SINK_DIR": str(root / "mail"),
    }
    app = create_app(TestConfig, NEW_ACCOUNT_LIMITS_ENABLED=True, VOTE_WEIGHT_AFTER_DAYS=3, **settings)
    with app.app_context():
        runner = app.test_cli_runner()
        for command in (["forum", "seed"], ["forum", "reindex"]):
            result = runner.invoke(args=command)
            assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="demo-forum", daemon=True)
    thread.start()
    # What the scripts' shell needs: a checkout-like directory and the served database.
    checkout = root / "checkout"
    checkout.mkdir()
    (checkout / ".venv").symlink_to(Path(sys.prefix))
    (checkout / "wsgi.py").symlink_to(ROOT / "wsgi.py")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(root),
        "PYTHONPATH": str(ROOT),
        "SITE_URL": f"http://127.0.0.1:{server.server_port}",
        "SECRET_KEY": "demo-scripts-" + "k" * 32,
        "DATABASE_URL": settings["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_INDEX_DIR": settings["SEARCH_INDEX_DIR"],
        "UPLOAD_DIR": settings["UPLOAD_DIR"],
        "MAIL_SINK_DIR": settings["MAIL_SINK_DIR"],
    }
    yield checkout, env
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def run(demo, *command: str, extra_env: dict[str, str] | None = None) -> str:
    checkout, env = demo
    done = subprocess.run(
        command, cwd=checkout, env=env | (extra_env or {}), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_readme_api_script_runs_as_printed(demo):
    script = fenced_block(ROOT / "README.md", "## The API in one script", "sh")
    out = run(demo, "bash", "-euo", "pipefail", "-c", script).splitlines()
    comment, thread, search, anonymous = out
    assert '"body_md":"Which model?"' in comment
    assert "Which model?" in thread
    assert "Probe accuracy collapses after layer 20" in search
    assert '"code":"not_found"' in anonymous and "Probe accuracy" not in anonymous


def test_api_doc_script_runs_as_printed(demo):
    script = fenced_block(ROOT / "docs" / "api.md", "## A script: post to a group", "sh")
    out = run(demo, "bash", "-euo", "pipefail", "-c", script)
    assert '"username":"ada"' in out
    assert '"gated":true' in out  # ben before agreeing to the terms
    assert '"vote":"up"' in out and '"agreement":1' in out
    assert "Strong votes need 25 karma." in out
    assert "Probe accuracy collapses after layer 20" in out.rstrip().splitlines()[-1]  # the search


def test_api_doc_python_runs_as_printed(demo):
    _checkout, env = demo
    token = run(
        demo,
        ".venv/bin/flask",
        "--app",
        "wsgi",
        "forum",
        "create-token",
        "ada",
        "--scope",
        "read-write",
        extra_env={"FORUM_CONFIG": "development"},
    ).strip()
    program = fenced_block(ROOT / "docs" / "api.md", "The same in Python", "python")
    program += "\nprint(post['id'], len(thread['items']), hits['total'], len(notes))\n"
    out = run(demo, sys.executable, "-c", program, extra_env={"FORUM": env["SITE_URL"] + "/api/v1", "TOKEN": token})
    post_id, comments, hits, notes = (int(n) for n in out.split())
    assert post_id > 0 and comments == 1 and hits >= 1 and notes >= 5

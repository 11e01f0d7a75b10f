"""What the browser tests share besides fixtures: Debian's Chromium and its flags, a quiet
request handler for live servers, and the data makers that hand back plain values."""

from __future__ import annotations

import itertools
import os
import re
import uuid
from dataclasses import dataclass
from email.message import EmailMessage

from werkzeug.serving import WSGIRequestHandler

from forum.extensions import db
from tests.factories import PASSWORD, make_comment, make_group, make_post, make_user

CHROMIUM = "/usr/bin/chromium"
# Headless as root, and quiet: without the networking flags Chromium keeps calling
# outside hosts, which this network refuses (see /work/shared/notes/browser-tests.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Fail in seconds, not Playwright's default 30: every page here is local. A machine busy
# with other work can take longer: BROWSER_TIMEOUT_MS raises the limit for one run.
TIMEOUT_MS = int(os.environ.get("BROWSER_TIMEOUT_MS", "5000"))


class QuietHandler(WSGIRequestHandler):
    """No access log: a failing test's output should show the failure, not every GET."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    display_name: str
    password: str = PASSWORD


@dataclass(frozen=True)
class GroupRef:
    id: int
    slug: str
    name: str


_serial = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other test (nor an earlier run against the same server) has used."""
    return f"{prefix}{next(_serial)}{uuid.uuid4().hex[:6]}"


class Forum:
    """Data made through the live app's real services, handed back as plain values."""

    def __init__(self, app):
        self.app = app

    def person(self, prefix: str = "u") -> Person:
        with self.app.app_context():
            name = unique(prefix)
            user = make_user(name, display_name=name.capitalize())
            return Person(user.id, user.username, user.display_name)

    def group(self, owner: Person, *members: Person) -> GroupRef:
        from forum.models import User

        with self.app.app_context():
            users = [db.session.get(User, p.id) for p in (owner, *members)]
            group = make_group(users[0], unique("Group "), members=tuple(users[1:]))
            return GroupRef(group.id, group.slug, group.name)

    def post(self, author: Person, title: str, body: str = "Body.", **kwargs) -> int:
        from forum.models import User

        with self.app.app_context():
            return make_post(db.session.get(User, author.id), title, body, **kwargs).id

    def comment(self, author: Person, post_id: int, body: str, parent_id: int | None = None) -> int:
        from forum.models import Comment, Post, User

        with self.app.app_context():
            parent = db.session.get(Comment, parent_id) if parent_id else None
            return make_comment(db.session.get(User, author.id), db.session.get(Post, post_id), body, parent).id

    def run(self, fn):
        """Call fn() inside the live app's context (for changes no UI offers yet)."""
        with self.app.app_context():
            return fn()

    def mail_to(self, address: str) -> list[EmailMessage]:
        """Run the mail worker once and return every message `address` has been sent."""
        from forum.mail import outbox

        with self.app.app_context():
            outbox.run_once(_MAILBOX)
        return [m for m in _MAILBOX.sent if m["To"] == address]

    def link_mailed_to(self, address: str, path: str) -> str:
        """The newest link to `path` (e.g. "/verify/") mailed to `address`, as a path."""
        for message in reversed(self.mail_to(address)):
            found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", message.get_content())
            if found:
                return found.group(1)
        raise AssertionError(f"no {path} link mailed to {address}")


class _Mailbox:
    """What the live server's worker sent, kept for the whole session (run_once sends each row once)."""

    def __init__(self):
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


_MAILBOX = _Mailbox()


def sign_in(page, person: Person) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    # Signed in at any width: on a phone "Sign out" sits in the closed menu, so look for the button at all.
    assert page.get_by_role("button", name="Sign out", include_hidden=True).count() >= 1


def publish_to_everyone(page) -> None:
    """In the post editor: choose Public, press Publish, and confirm the second step it asks for."""
    page.get_by_label("Public: anyone, signed in or not").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("button", name="Yes, publish to everyone").click()

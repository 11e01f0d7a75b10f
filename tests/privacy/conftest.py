"""Instruments for proving the promise from outside: database snapshots, statement
counters and the comparison of a hidden object's response with a missing one's; the
small audience worlds, and the marker world's app (markers.py) for the modules that ask."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import make_url, select

from config import TestConfig
from forum import create_app
from forum.extensions import db, limiter
from forum.infra import page_cache
from tests.conftest import _postgres_databases
from tests.factories import (  # noqa: F401  (shared with the privacy tests)
    ON_POSTGRES,
    READ_RECEIPTS,
    RequestIsolatedClient,
    login,
    make_attachment,
    make_comment,
    make_group,
    make_post,
    make_user,
    statements,
    writes,
)

from .markers import MarkerWorld, build_marker_world

# Ids no test world ever reaches: the "never existed" side of every comparison.
MISSING_POST = 987_654
MISSING_COMMENT = 876_543

_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*?value=")[^"]*(")')


def db_snapshot(skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table (but those in `skip`), through the session so unflushed
    or uncommitted changes made by a request show up too."""
    snapshot = {}
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        rows = db.session.execute(select(table)).all()
        snapshot[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


def normalized(response, *object_paths: str) -> tuple:
    """What a requester can observe, with only the requested object's own URL (raw or
    percent-encoded, e.g. in a sign-in `next=`) and per-request CSRF tokens blanked."""
    body = response.get_data(as_text=True)
    location = response.headers.get("Location", "")
    for path in object_paths:
        for form in (path, quote(path, safe=""), quote(path)):
            pattern = re.compile(re.escape(form) + r"(?!\d)")
            body = pattern.sub("<URL>", body)
            location = pattern.sub("<URL>", location)
    body = _CSRF_VALUE.sub(r"\1<CSRF>\2", body)
    return response.status_code, response.mimetype, location, body


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return {k: v for k, v in session.items() if k != "csrf_token"}


def restore_session(client, saved: dict) -> None:
    with client.session_transaction() as session:
        token = session.get("csrf_token")
        session.clear()
        session.update(saved)
        if token:
            session["csrf_token"] = token


# --- a small world: one post per audience, five kinds of viewer -------------------------

# "moderator" is a site moderator outside restricted audiences: a role is never a key to a post.
VIEWERS = ("anonymous", "outsider", "member", "listed", "author", "moderator")


@dataclass(frozen=True)
class AudienceCase:
    name: str
    kind: str
    to_group: bool = False
    to_user: bool = False
    deleted: bool = False
    draft: bool = False  # the chosen audience waits for publishing: only the author reads it

    def readers(self) -> set[str]:
        if self.draft:
            return {"author"}
        if self.kind == "public":
            return set(VIEWERS)
        if self.kind == "members":
            return set(VIEWERS) - {"anonymous"}
        return {"author"} | ({"member"} if self.to_group else set()) | ({"listed"} if self.to_user else set())


AUDIENCES = {
    case.name: case
    for case in (
        AudienceCase("public", "public"),
        AudienceCase("members", "members"),
        AudienceCase("group", "restricted", to_group=True),
        AudienceCase("user", "restricted", to_user=True),
        AudienceCase("group+user", "restricted", to_group=True, to_user=True),
        # Deleted posts: readers get a "deleted" page, outsiders still the missing 404.
        AudienceCase("group-deleted", "restricted", to_group=True, deleted=True),
        AudienceCase("members-deleted", "members", deleted=True),
        # Drafts: whatever audience they will have, nobody but the author reads them yet.
        AudienceCase("draft-public", "public", draft=True),
        AudienceCase("draft-group", "restricted", to_group=True, draft=True),
    )
}


@dataclass
class World:
    users: dict
    group: object
    post: object
    comment: object
    reply: object
    files: dict = field(default_factory=dict)  # {post_file}, {comment_file}, {other_file} keys


_worlds = {"n": 0}


def build_world(case: AudienceCase, *, listed_group: bool = False) -> World:
    """Several worlds may share one database: names carry a serial number."""
    from forum.services import posts as post_service

    _worlds["n"] += 1
    n = _worlds["n"]
    author = make_user(f"author{n}")
    users = {
        "author": author,
        "member": make_user(f"member{n}"),
        "listed": make_user(f"listed{n}"),
        "outsider": make_user(f"outsider{n}"),
        "moderator": make_user(f"moderator{n}"),
    }
    users["moderator"].role = "moderator"
    db.session.commit()
    # Owned by someone else, so neither the author nor the member moderates the group's posts.
    owner = make_user(f"owner{n}")
    group = make_group(owner, f"Quiet Lab {n}", members=(users["member"], author), listed=listed_group)
    post = make_post(
        author,
        "Hidden result",
        "Body of the hidden result.",
        tags="hidden-tag",
        audience=case.kind,
        users=(users["listed"],) if case.to_user else (),
        groups=(group,) if case.to_group else (),
        draft=case.draft,
    )
    comment = make_comment(author, post, "A comment by the author.")
    reply = make_comment(author, post, "A reply by the author.", parent=comment)
    other = make_post(author, "Open figure", "A public post with a figure.")
    files = {
        "post_file": make_attachment(author, post).key,
        "comment_file": make_attachment(author, post, comment=comment).key,
        "other_file": make_attachment(author, other).key,
    }
    if case.deleted:
        post_service.delete_post(post)
    return World(users, group, post, comment, reply, files)


def sign_in(client, world: World, viewer: str) -> None:
    if viewer != "anonymous":
        login(client, world.users[viewer])


@pytest.fixture
def sign_in_as(client):
    return lambda world, viewer: sign_in(client, world, viewer)


# --- the marker world (markers.py): one per test module that asks for it -----------------


@pytest.fixture(scope="module")
def marker_app(database_copy, tmp_path_factory):
    base = tmp_path_factory.mktemp("markers")
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_copy("markers"),
        WTF_CSRF_ENABLED=False,
        SEARCH_INDEX_DIR=str(base / "index"),
        UPLOAD_DIR=str(base / "uploads"),
    )
    app.test_client_class = RequestIsolatedClient
    limiter.enabled = False
    with app.app_context():
        page_cache.forget_all()
        app.config["MARKER_WORLD"] = build_marker_world()
        db.session.remove()
        keep_world(app)
    yield app
    with app.app_context():
        page_cache.forget_all()  # nothing kept here may answer the next module's requests
        db.engine.dispose()


# A form a viewer may really use (a moderator restoring a post, an open reply) changes the
# world: the tests after it start again from the world as built, kept once beside it.
_KEPT = "_world"


def keep_world(app) -> None:
    db.engine.dispose()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if ON_POSTGRES:
        _postgres_databases()(url.database + _KEPT, template=url.database)
    else:
        shutil.copy(url.database, url.database + _KEPT)
    for folder in world_folders(app):
        shutil.copytree(folder, f"{folder}{_KEPT}")


def restore_world(app) -> None:
    db.session.remove()
    db.engine.dispose()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if ON_POSTGRES:
        _postgres_databases()(url.database, template=url.database + _KEPT)
    else:
        for leftover in (Path(url.database + "-wal"), Path(url.database + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copy(url.database + _KEPT, url.database)
    for folder in world_folders(app):
        shutil.rmtree(folder)
        shutil.copytree(f"{folder}{_KEPT}", folder)
    page_cache.forget_all()


def world_folders(app) -> list[Path]:
    """The search index (a symlink to its current build: that build is copied) and the uploads."""
    folders = (Path(app.config["SEARCH_INDEX_DIR"]), Path(app.config["UPLOAD_DIR"]))
    return [folder.resolve() for folder in folders if folder.exists()]


@pytest.fixture
def world_as_built(marker_app, in_marker_app):
    """For tests that may write: the world is put back afterwards if anything was written."""
    with statements() as seen:
        yield
    if writes(seen, allow=READ_RECEIPTS):
        restore_world(marker_app)


@pytest.fixture
def in_marker_app(marker_app):
    """The marker world's app context for the test body (its requests push their own)."""
    with marker_app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def marker_world(marker_app) -> MarkerWorld:
    return marker_app.config["MARKER_WORLD"]

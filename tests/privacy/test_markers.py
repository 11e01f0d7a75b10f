"""Removed, deleted, draft, draft-era, gated and earlier-audience text, each with a canary
word (markers.py), looked for by every kind of viewer the promise is made to:

- a crawl from the site's pages and a table of known addresses, following every link;
- the addresses under a post or comment the viewer may not open (or may open but not
  read) answer exactly what a missing one answers;
- every form (each rule of the app taking POST, PATCH or DELETE) submitted invalid, and
  with ids of things the viewer may not read: the re-render shows no canary word, and
  a hidden target or a hidden id answers exactly like a missing one.

One world for the whole module, built once on a database of its own.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import make_url

from config import TestConfig
from forum import create_app
from forum.extensions import db, limiter
from forum.infra import page_cache
from tests.conftest import _postgres_databases
from tests.factories import ON_POSTGRES, PASSWORD, READ_RECEIPTS, RequestIsolatedClient, statements, writes

from .conftest import MISSING_COMMENT, MISSING_POST, normalized, restore_session, session_of
from .markers import MARKERS, VIEWERS, MarkerWorld, build_marker_world
from .test_crawl import crawl


@pytest.fixture(scope="module")
def world_app(database_copy, tmp_path_factory):
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
        _keep_world(app)
    yield app
    with app.app_context():
        page_cache.forget_all()  # nothing kept here may answer the next module's requests
        db.engine.dispose()


# A form a viewer may really use (a moderator restoring a post, an open reply) changes the
# world: the tests after it start again from the world as built, kept once beside it.
_KEPT = "_world"


def _keep_world(app) -> None:
    db.engine.dispose()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if ON_POSTGRES:
        _postgres_databases()(url.database + _KEPT, template=url.database)
    else:
        shutil.copy(url.database, url.database + _KEPT)
    for folder in _folders(app):
        shutil.copytree(folder, f"{folder}{_KEPT}")


def _restore_world(app) -> None:
    db.session.remove()
    db.engine.dispose()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if ON_POSTGRES:
        _postgres_databases()(url.database, template=url.database + _KEPT)
    else:
        for leftover in (Path(url.database + "-wal"), Path(url.database + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copy(url.database + _KEPT, url.database)
    for folder in _folders(app):
        shutil.rmtree(folder)
        shutil.copytree(f"{folder}{_KEPT}", folder)
    page_cache.forget_all()


def _folders(app) -> list[Path]:
    """The search index (a symlink to its current build: that build is copied) and the uploads."""
    folders = (Path(app.config["SEARCH_INDEX_DIR"]), Path(app.config["UPLOAD_DIR"]))
    return [folder.resolve() for folder in folders if folder.exists()]


@pytest.fixture
def world_as_built(world_app):
    """For tests that may write: the world is put back afterwards if anything was written."""
    with statements() as seen:
        yield
    if writes(seen, allow=READ_RECEIPTS):
        _restore_world(world_app)


@pytest.fixture(autouse=True)
def _context(world_app):
    with world_app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def world(world_app) -> MarkerWorld:
    return world_app.config["MARKER_WORLD"]


def _client(app, world: MarkerWorld, viewer: str):
    client = app.test_client()
    if viewer != "anonymous":
        response = client.post("/login", data={"username": world.users[viewer], "password": PASSWORD})
        assert response.status_code == 302
    return client


def _answer(response) -> str:
    """Status, location and text of a response, as `crawl` keeps them."""
    if response.mimetype.startswith(("image/", "application/pdf")):
        return f"{response.status_code} [{response.mimetype} file]"
    return f"{response.status_code} {response.headers.get('Location', '')}\n{response.get_data(as_text=True)}"


def _leaks(world: MarkerWorld, viewer: str, url: str, text: str, what: str = "") -> list[str]:
    """Canary words, and links to posts the viewer may not open, in what a request for `url` answered."""
    lowered = text.lower()
    where = f"{url} ({what})" if what else url
    # A search page repeats the words asked for: that echo is the asker's own text (whether
    # a search for a canary word answers like one for a word nobody wrote is tested below).
    for word in world.forbidden_words(viewer):
        if word.lower() in url.lower():
            lowered = lowered.replace(word.lower(), "")
    found = [f"{word!r} on {where}" for word in world.forbidden_words(viewer) if word.lower() in lowered]
    # A refusal may name the address asked for (a sign-in link back to it): only other posts count.
    own = set(re.findall(r"posts(?:/|%2F)(\d+)", url))
    hidden = {str(pid) for pid in world.hidden_post_ids(viewer)} - own
    found += [f"link to hidden post {pid} on {where}" for pid in re.findall(r"/posts/(\d+)", text) if pid in hidden]
    return found


# --- the known addresses --------------------------------------------------------------------

JSON = {"Accept": "application/json"}

# (path, needs the body): a path with {post} answers like a missing post's when the viewer
# may not open the post, and when `needs the body` also when they may open it but not read it.
POST_ADDRESSES = (
    ("/posts/{post}", False),
    ("/posts/{post}?sort=new", False),
    ("/posts/{post}/revisions", True),
    ("/posts/{post}/revisions/compare", True),
    ("/posts/{post}/revisions/compare?from=1&to=2", True),
    ("/posts/{post}/revisions/compare?from=1&to=3", True),
    ("/posts/{post}/edit", False),  # an editor of a gated draft gets the gate: the markers tell
    ("/posts/{post}/preview", False),
    ("/posts/{post}/share", False),
    ("/posts/{post}/access", False),
    ("/posts/{post}/audit", False),
    ("/posts/{post}/listing", False),
    ("/posts/{post}/acceptances", False),
    ("/posts/{post}/report", False),
    ("/posts/{post}/files/{file}", True),
    ("/feeds/posts/{post}/comments.atom", True),
    ("/api/v1/posts/{post}", False),
    ("/api/v1/posts/{post}/comments", True),
)
COMMENT_ADDRESSES = (
    "/comments/{comment}",
    "/comments/{comment}/reply",
    "/comments/{comment}/edit",
    "/comments/{comment}/report",
    "/api/v1/comments/{comment}",
)
JSON_TWINS = ("/posts/{post}", "/posts/{post}/preview", "/comments/{comment}")


def _site_pages(world: MarkerWorld, viewer: str) -> list[str]:
    users, groups = world.users, world.groups
    pages = [
        "/",
        "/?sort=new",
        "/tags",
        "/tags/probe-tag",
        "/people",
        "/people/suggestions",
        "/groups",
        "/groups/mine",
        "/listed",
        "/access-requests",
        "/drafts",
        "/notifications",
        "/moderation/log",
        "/settings/terms",
        "/feeds/hot.atom",
        "/feeds/new.atom",
        "/feeds/tags/probe-tag.atom",
        "/api/v1/posts",
        "/api/v1/tags",
        "/api/v1/notifications",
        "/api/v1/me/requests",
        "/autocomplete/tags?q=",
    ]
    for role in ("author", "reviewer", "member", "requester"):
        name = users[role]
        pages += [f"/users/{name}", f"/feeds/users/{name}.atom", f"/api/v1/users/{name}/posts"]
        pages += [f"/api/v1/users/{name}/comments", f"/autocomplete/users?q={name[:3]}"]
    for slug in groups.values():
        pages += [f"/groups/{slug}", f"/feeds/groups/{slug}.atom", f"/api/v1/groups/{slug}/posts"]
    for marker in MARKERS:
        pages += [f"/search?q={marker.word}", f"/api/v1/search?q={marker.word}", f"/autocomplete/tags?q={marker.word}"]
    if viewer in world.feeds:
        pages.append(world.feeds[viewer])
    return pages


def _post_address(path: str, world: MarkerWorld, name: str, post_id: int) -> str:
    return path.format(post=post_id, file=world.files.get(name, "no-such-file"))


def _known_addresses(world: MarkerWorld) -> list[str]:
    urls = [_post_address(path, world, name, pid) for path, _ in POST_ADDRESSES for name, pid in world.posts.items()]
    urls += [path.format(comment=cid) for path in COMMENT_ADDRESSES for cid, _ in world.comments.values()]
    return urls


def _send(client, method: str, url: str, headers: dict | None = None, fields: dict | None = None):
    if fields is None:
        return client.open(url, method=method, headers=headers or {})
    if url.startswith("/api/"):
        return client.open(url, method=method, json=fields)
    return client.open(url, method=method, data={k: str(v) for k, v in fields.items()})


def _fresh(client, method: str, url: str, headers: dict | None = None, fields: dict | None = None):
    """One request from the session as it is now, which is put back afterwards: a refusal
    may leave a flash message that the next page would show."""
    saved = session_of(client)
    response = _send(client, method, url, headers, fields)
    restore_session(client, saved)
    return response


def _twins(client, hidden_url: str, missing_url: str, *, method="GET", headers=None, fields=None, missing_fields=None):
    """The answers for a hidden object and for a missing one, from the same session."""
    hidden = _fresh(client, method, hidden_url, headers, fields)
    missing = _fresh(client, method, missing_url, headers, fields if missing_fields is None else missing_fields)
    return hidden, missing


# --- the crawl ---------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_crawl_meets_no_marker(world_app, world, viewer):
    client = _client(world_app, world, viewer)
    with statements() as seen:
        pages = crawl(client, _site_pages(world, viewer) + _known_addresses(world), max_pages=900)
    assert len(pages) > 200, "the crawl should reach the known addresses and the whole visible site"
    assert writes(seen, allow=READ_RECEIPTS) == [], "a GET wrote to the database"
    assert len(pages) < 900, "the crawl stopped before it had read everything"
    leaks = [leak for url, page in pages.items() for leak in _leaks(world, viewer, url, page)]
    assert leaks == [], "\n".join(leaks)


def test_the_author_meets_the_canary_words(world_app, world):
    """The canaries are where the story put them: their absence elsewhere means something.
    Only a deleted comment's text is gone for everyone, its author included (the deleted
    post's title stays on its author's own audit and listing pages)."""
    client = _client(world_app, world, "author")
    # Not the searches, which repeat the word asked for.
    starts = [url for url in _site_pages(world, "author") + _known_addresses(world) if "q=" not in url]
    pages = crawl(client, starts, max_pages=len(starts))  # the addresses themselves, no further
    seen = "\n".join(pages.values()).lower()
    assert [m.word for m in MARKERS if m.word not in seen] == ["tallow"]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_known_addresses_of_hidden_things_answer_like_missing_ones(world_app, world, viewer):
    client = _client(world_app, world, viewer)
    failures = []
    closed = world.hidden_posts(viewer)
    gated = world.gated_posts(viewer)
    for path, needs_body in POST_ADDRESSES:
        for name, pid in world.posts.items():
            if name not in closed and not (needs_body and name in gated):
                continue
            headers = JSON if path in JSON_TWINS else {}
            for twin in ({}, headers) if headers else ({},):
                hidden, missing = _twins(
                    client,
                    _post_address(path, world, name, pid),
                    _post_address(path, world, name, MISSING_POST),
                    headers=twin,
                )
                if normalized(hidden, f"/posts/{pid}") != normalized(missing, f"/posts/{MISSING_POST}"):
                    failures.append(f"{path} {twin} on {name}: {hidden.status_code}, missing {missing.status_code}")
    for path in COMMENT_ADDRESSES:
        for name in world.hidden_comments(viewer):
            cid = world.comments[name][0]
            for twin in ({}, JSON) if path in JSON_TWINS else ({},):
                hidden, missing = _twins(
                    client, path.format(comment=cid), path.format(comment=MISSING_COMMENT), headers=twin
                )
                if normalized(hidden, f"/comments/{cid}") != normalized(missing, f"/comments/{MISSING_COMMENT}"):
                    failures.append(f"{path} {twin} on {name}: {hidden.status_code}, missing {missing.status_code}")
    assert failures == [], "\n".join(failures)


NOBODY_WROTE = "quoxumbrel"  # a word no text in the world contains


def _asked(response, word: str) -> tuple:
    """What a search answers, with the word asked for (echoed in the box, the title, a
    sign-in link back) blanked."""
    status, mimetype, location, body = normalized(response)
    return status, mimetype, location.replace(word, "<Q>"), body.replace(word, "<Q>")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_search_for_a_canary_word_answers_like_one_for_a_word_nobody_wrote(world_app, world, viewer):
    client = _client(world_app, world, viewer)
    failures = []
    for marker in MARKERS:
        if viewer not in marker.forbidden:
            continue
        for path in ("/search?q={}", "/api/v1/search?q={}", "/search?q={}&sort=new", "/autocomplete/tags?q={}"):
            canary, nothing = _twins(client, path.format(marker.word), path.format(NOBODY_WROTE))
            if _asked(canary, marker.word) != _asked(nothing, NOBODY_WROTE):
                failures.append(
                    f"{path.format(marker.word)}: {canary.status_code}, a word nobody wrote {nothing.status_code}"
                )
    assert failures == [], "\n".join(failures)


# --- every form, submitted invalid and with ids of hidden things ---------------------------

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SKIPPED_FORMS = ("/logout",)  # it would end the viewer's session halfway through
# Forms that write into a post's text: a post the viewer may open but not read answers 404 there.
BODY_FORMS = ("/posts/<int:post_id>/comments", "/api/v1/posts/<int:post_id>/comments")
ARGUMENT = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


def _form_rules() -> list[tuple[str, str]]:
    """Every (rule, method) that takes a submission, read from the app's own url_map."""
    rules = create_app(TestConfig).url_map.iter_rules()
    return sorted(
        (rule.rule, method)
        for rule in rules
        for method in rule.methods & WRITE_METHODS
        if rule.rule not in SKIPPED_FORMS
    )


FORM_RULES = _form_rules()


def _targets(world: MarkerWorld, rule: str) -> list[tuple[str, dict]]:
    """(name, path values) for each object the rule's address may name, the missing one first."""
    fixed = {
        "slug": world.groups["probe"],
        "username": world.users["bystander"],
        "name": "probe-tag",
        "token": "not-a-token",
        "decision": "approve",
    }
    fixed.update({name: 1 for name in ARGUMENT.findall(rule) if name not in fixed})
    if "<int:post_id>" in rule:
        return [("missing", {**fixed, "post_id": MISSING_POST})] + [
            (name, {**fixed, "post_id": pid}) for name, pid in world.posts.items()
        ]
    if "<int:comment_id>" in rule:
        return [("missing", {**fixed, "comment_id": MISSING_COMMENT})] + [
            (name, {**fixed, "comment_id": cid}) for name, (cid, _) in world.comments.items()
        ]
    return [("none", fixed)]


def _references(world: MarkerWorld, viewer: str) -> list[tuple[str, dict, tuple[str, ...]]]:
    """Form fields naming things the viewer may not read or answer: (what, fields, the ids in them)."""
    posts = sorted(world.hidden_posts(viewer))
    chosen = []
    for n, name in enumerate(sorted(world.unrepliable_comments(viewer))):
        cid, pid = world.comments[name][0], world.posts[posts[n % len(posts)]]
        fields = {"parent_id": cid, "comment_id": cid, "post_id": pid, "request_id": world.request_id}
        for body in BODIES:
            chosen.append((f"ids of {name}, body {body!r}", {"body": body, **fields}, (cid, pid, world.request_id)))
    return chosen


# An empty body fails every form; a written one gets as far as the service, whose refusal re-renders too.
BODIES = ("", "A probing reply.")
MISSING_IDS = {
    "parent_id": MISSING_COMMENT,
    "comment_id": MISSING_COMMENT,
    "post_id": MISSING_POST,
    "request_id": 987_650,
}


def _own_paths(values: dict) -> tuple[str, ...]:
    """The object's own address, which an answer may name (a sign-in link back to it)."""
    return tuple(f"/{kind}s/{values[f'{kind}_id']}" for kind in ("post", "comment") if f"{kind}_id" in values)


def _echoes(ids) -> tuple[str, ...]:
    """Ids a re-rendered form may carry back in its fields."""
    return tuple(f'value="{i}"' for i in ids)


def _address(rule: str, values: dict) -> str:
    return ARGUMENT.sub(lambda m: str(values[m.group(1)]), rule)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("rule", "method"), FORM_RULES, ids=[f"{m} {r}" for r, m in FORM_RULES])
def test_a_refused_or_invalid_form_shows_nothing_hidden(world_app, world, world_as_built, viewer, rule, method):
    client = _client(world_app, world, viewer)
    failures = []
    (_, missing_values), *targets = _targets(world, rule)
    missing_url = _address(rule, missing_values)
    closed = world.hidden_posts(viewer) | (world.gated_posts(viewer) if rule in BODY_FORMS else set())
    closed_comments = world.hidden_comments(viewer)
    variants = [("empty", {})] + ([("preview", {"preview": "Preview"})] if rule.endswith("/edit") else [])
    # What the same submission answers for an object that never existed, once per variant.
    missing = {what: _fresh(client, method, missing_url, fields=fields) for what, fields in variants}
    for name, values in targets:
        url = _address(rule, values)
        hidden_target = name in (closed if "<int:post_id>" in rule else closed_comments)
        for what, fields in variants:
            answer = _fresh(client, method, url, fields=fields)
            failures += _leaks(world, viewer, url, _answer(answer), f"{method}, {what}")
            if hidden_target and normalized(answer, *_own_paths(values)) != normalized(
                missing[what], *_own_paths(missing_values)
            ):
                failures.append(
                    f"{method} {url} ({what}) on {name}: {answer.status_code}, missing {missing[what].status_code}"
                )
    # Ids of hidden things in the fields, under an address the viewer may use.
    for name, values in targets:
        if name not in ("open", "none"):
            continue
        url = _address(rule, values)
        for what, fields, ids in _references(world, viewer):
            missing_fields = {**fields, **MISSING_IDS}
            answer, missing = _twins(client, url, url, method=method, fields=fields, missing_fields=missing_fields)
            failures += _leaks(world, viewer, url, _answer(answer), f"{method}, {what}")
            refused = max(answer.status_code, missing.status_code) >= 400  # two successes differ by their new ids
            if refused and normalized(answer, *_echoes(ids)) != normalized(missing, *_echoes(MISSING_IDS.values())):
                failures.append(f"{method} {url} ({what}): {answer.status_code}, missing ids {missing.status_code}")
    assert failures == [], "\n".join(failures)

"""How the marker tests ask and what they look for: a signed-in client per viewer, the
table of known addresses under the marker world's posts and comments, requests that leave
the session as they found it, and the search of an answer for canary words and for links
to posts the viewer may not open."""

from __future__ import annotations

import re

from sqlalchemy import event

from forum.extensions import db
from tests.factories import PASSWORD, writes
from tests.privacy.oracle import restore_session, session_of

from .markers import MARKERS, MarkerWorld


def client_as(app, world: MarkerWorld, viewer: str):
    """Called in the marker app's context: its engine counts the writes `twins` watches for."""
    if not event.contains(db.engine, "before_cursor_execute", _count_write):
        event.listen(db.engine, "before_cursor_execute", _count_write)
    client = app.test_client()
    client.missing_answers = {}  # see `twins`
    if viewer != "anonymous":
        response = client.post("/login", data={"username": world.users[viewer], "password": PASSWORD})
        assert response.status_code == 302
    return client


def answer_text(response) -> str:
    """Status, location and text of a response, as `crawl` keeps them."""
    if response.mimetype.startswith(("image/", "application/pdf")):
        return f"{response.status_code} [{response.mimetype} file]"
    return f"{response.status_code} {response.headers.get('Location', '')}\n{response.get_data(as_text=True)}"


def leaks(world: MarkerWorld, viewer: str, url: str, text: str, what: str = "") -> list[str]:
    """Canary words, and links to posts the viewer may not open, in what a request for `url` answered."""
    lowered = text.lower()
    where = f"{url} ({what})" if what else url
    # A search page repeats the words asked for: that echo is the asker's own text (whether
    # a search for a canary word answers like one for a word nobody wrote: test_marker_crawl.py).
    for word in world.forbidden_words(viewer):
        if word.lower() in url.lower():
            lowered = lowered.replace(word.lower(), "")
    found = [f"{word!r} on {where}" for word in world.forbidden_words(viewer) if word.lower() in lowered]
    # A refusal may name the address asked for (a sign-in link back to it): only other posts count.
    own = set(re.findall(r"posts(?:/|%2F)(\d+)", url))
    hidden = {str(pid) for pid in world.hidden_post_ids(viewer)} - own
    found += [f"link to hidden post {pid} on {where}" for pid in re.findall(r"/posts/(\d+)", text) if pid in hidden]
    return found


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


def site_pages(world: MarkerWorld, viewer: str) -> list[str]:
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


def post_address(path: str, world: MarkerWorld, name: str, post_id: int) -> str:
    return path.format(post=post_id, file=world.files.get(name, "no-such-file"))


def known_addresses(world: MarkerWorld) -> list[str]:
    urls = [post_address(path, world, name, pid) for path, _ in POST_ADDRESSES for name, pid in world.posts.items()]
    urls += [path.format(comment=cid) for path in COMMENT_ADDRESSES for cid, _ in world.comments.values()]
    return urls


def send(client, method: str, url: str, headers: dict | None = None, fields: dict | None = None):
    if fields is None:
        return client.open(url, method=method, headers=headers or {})
    if url.startswith("/api/"):
        return client.open(url, method=method, json=fields)
    return client.open(url, method=method, data={k: str(v) for k, v in fields.items()})


def fresh(client, method: str, url: str, headers: dict | None = None, fields: dict | None = None):
    """One request from the session as it is now, which is put back afterwards: a refusal
    may leave a flash message that the next page would show."""
    saved = session_of(client)
    response = send(client, method, url, headers, fields)
    restore_session(client, saved)
    return response


def twins(client, hidden_url: str, missing_url: str, *, method="GET", headers=None, fields=None, missing_fields=None):
    """The answers for a hidden object and for a missing one, from the same session."""
    hidden = fresh(client, method, hidden_url, headers, fields)
    missing_fields = fields if missing_fields is None else missing_fields
    return hidden, _missing_answer(client, method, missing_url, headers, missing_fields)


# Statements that wrote, on the marker app's engine, since the module began.
_writes = {"n": 0}


def _count_write(conn, cursor, statement, parameters, context, executemany) -> None:
    if writes([statement]):
        _writes["n"] += 1


def _missing_answer(client, method: str, url: str, headers: dict | None, fields: dict | None):
    """What `fresh` answers for the missing object, asked once per test while nothing is written.

    A test compares many hidden objects with the same missing one (every hidden post under
    one address): the same request, from the same session, against a database no request
    has written to since, answers the same, so it is not sent again. Any write by any
    request (a form that really acted, a visit recorded) makes what was kept stale, an
    answer whose own request wrote included."""
    asked = (headers or {}, fields, session_of(client))
    key = (method, url, repr([None if part is None else sorted(part.items()) for part in asked]))
    written = _writes["n"]
    kept = client.missing_answers.get(key)
    if kept is not None and kept[0] == written:
        return kept[1]
    response = fresh(client, method, url, headers, fields)
    response.get_data()  # read now: it may be compared again
    client.missing_answers[key] = (written, response)  # stale at once if this request wrote
    return response

"""Every URL under a post, for every kind of viewer and audience.

Outside the audience, each answers exactly what a never-existing id answers (same
status, headers that matter and body, once the id in the URL is blanked) and changes
nothing. Inside it, each answers the status in `urls.py`.
"""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import Group, User
from tests.factories import READ_RECEIPTS, statements, writes
from tests.privacy.oracle import MISSING_COMMENT, MISSING_POST, db_snapshot, normalized, restore_session, session_of
from tests.privacy.world import AUDIENCES, VIEWERS, build_world, kept_world, sign_in

from .urls import OBJECT_ARGUMENTS, PROBES, Probe

HIDDEN_CASES = [
    (audience, viewer) for audience, case in AUDIENCES.items() for viewer in VIEWERS if viewer not in case.readers()
]
READER_CASES = [
    (audience, viewer) for audience, case in AUDIENCES.items() if not case.deleted for viewer in sorted(case.readers())
]


def _role(viewer: str) -> str:
    return viewer if viewer in ("anonymous", "author", "moderator") else "reader"


def _audience_fields(world) -> dict:
    from forum.services.audience import audience_of

    post = world.post
    chosen = audience_of(post)  # a draft's: the audience it will be published to
    user_ids, group_ids = list(chosen.user_ids), list(chosen.group_ids)
    names = db.session.scalars(db.select(User.username).where(User.id.in_(user_ids))).all()
    slugs = db.session.scalars(db.select(Group.slug).where(Group.id.in_(group_ids))).all()
    return {"kind": post.audience_kind, "users": ", ".join(names), "groups": ", ".join(slugs), **world.files}


def _send(client, probe: Probe, post: int, comment: int, extra: dict):
    path, data = probe.render(post, comment, **extra)
    body = probe.render_json(post, comment)
    if body is not None:
        return path, client.open(path, method=probe.method, json=body, headers=list(probe.headers))
    return path, client.open(path, method=probe.method, data=data, headers=list(probe.headers))


@pytest.mark.parametrize(("audience", "viewer"), HIDDEN_CASES)
def test_outside_the_audience_it_is_a_missing_post(client, kept_worlds, audience, viewer):
    world = kept_world(kept_worlds, AUDIENCES[audience])
    sign_in(client, world, viewer)
    extra = _audience_fields(world)
    # No probe may change the database: one snapshot around them all proves it. When it
    # differs, the probes run again from the world as built, a snapshot around each, to name the culprit.
    before = db_snapshot()
    failures = [
        f"{probe}: {problem}" for probe in PROBES for problem in _probe_hidden(client, world, viewer, probe, extra)
    ]
    if db_snapshot() != before:
        world = kept_world(kept_worlds, AUDIENCES[audience], again=True)
        sign_in(client, world, viewer)
        extra = _audience_fields(world)
        culprits = [
            f"{probe}: {problem}"
            for probe in PROBES
            for problem in _probe_hidden(client, world, viewer, probe, extra, one_by_one=True)
            if problem == CHANGED
        ]
        failures += culprits or ["the probes together changed the database"]
    assert failures == []


CHANGED = "changed the database"


def _probe_hidden(client, world, viewer, probe, extra, *, one_by_one=False):
    """One probe against the hidden post and against a missing one; what went wrong
    (`one_by_one`: with a snapshot of the database before and after the hidden request)."""
    before = db_snapshot() if one_by_one else None
    session_before = session_of(client)
    with statements() as seen:
        _, hidden = _send(client, probe, world.post.id, world.comment.id, extra)
    session_after_hidden = session_of(client)
    if writes(seen):
        yield f"wrote to the database: {writes(seen)}"
    if one_by_one and db_snapshot() != before:
        yield CHANGED

    restore_session(client, session_before)
    _, missing = _send(client, probe, MISSING_POST, MISSING_COMMENT, extra)
    session_after_missing = session_of(client)
    restore_session(client, session_before)

    seen_hidden = normalized(hidden, f"/posts/{world.post.id}", f"/comments/{world.comment.id}")
    seen_missing = normalized(missing, f"/posts/{MISSING_POST}", f"/comments/{MISSING_COMMENT}")
    if seen_hidden != seen_missing:
        yield f"answers {seen_hidden[:3]} where a missing post answers {seen_missing[:3]} (or the bodies differ)"
    if session_after_hidden != session_after_missing:
        yield "leaves a different session than a missing post"
    if viewer != "anonymous" and hidden.status_code != 404:
        yield f"status {hidden.status_code}, not 404"
    if viewer == "anonymous" and not (
        hidden.status_code in (404, 401)
        or (hidden.status_code == 302 and hidden.headers["Location"].startswith("/login"))
    ):
        yield f"status {hidden.status_code} for an anonymous visitor"


@pytest.mark.parametrize(("audience", "viewer"), READER_CASES)
def test_inside_the_audience_the_right_status(app, kept_worlds, audience, viewer):
    failures = []
    world, changed = None, False
    for probe in PROBES:
        if world is None:
            # The world as built again whenever the previous probe changed it (a comment, a delete...).
            world = kept_world(kept_worlds, AUDIENCES[audience], again=changed)
            client = app.test_client()
            sign_in(client, world, viewer)
            extra = _audience_fields(world)
            before = db_snapshot()
        case = AUDIENCES[audience]
        expected = probe.status_for(_role(viewer), case.kind, draft=case.draft)
        # A reader opening the post records the visit: the one write a GET may make.
        skip = READ_RECEIPTS if probe.method in ("GET", "HEAD") else ()
        _, response = _send(client, probe, world.post.id, world.comment.id, extra)
        if response.status_code != expected:
            failures.append(f"{probe}: {response.status_code}, expected {expected}")
        # What this probe left is what the next one starts from: one snapshot between two probes.
        after = db_snapshot()
        if _without(after, skip) != _without(before, skip):
            if expected in (400, 403) or probe.method in ("GET", "HEAD"):
                failures.append(f"{probe}: a refusal or a read changed the database")
            world, changed = None, True
        before = after
    assert failures == []


def _without(snapshot: dict, skip: tuple[str, ...]) -> dict:
    return {table: rows for table, rows in snapshot.items() if table not in skip}


def test_a_reply_to_a_hidden_comment_looks_like_a_reply_to_a_missing_one(client):
    """The parent id of a reply is a second way to name a comment: same rule."""
    world = build_world(AUDIENCES["group"])
    sign_in(client, world, "outsider")
    from tests.factories import make_post

    public = make_post(world.users["author"], "Open thread")
    before = db_snapshot()
    hidden = client.post(f"/posts/{public.id}/comments", data={"body": "x", "parent_id": str(world.comment.id)})
    assert db_snapshot() == before
    missing = client.post(f"/posts/{public.id}/comments", data={"body": "x", "parent_id": str(MISSING_COMMENT)})
    assert hidden.status_code == 404
    assert normalized(hidden) == normalized(missing)


def test_every_post_route_is_probed(app):
    """A new route under a post or comment must join the table in urls.py."""
    probed = {(p.method, _rule_shape(p.path)) for p in PROBES}
    missing = []
    for rule in app.url_map.iter_rules():
        if not set(rule.arguments) & set(OBJECT_ARGUMENTS):
            continue
        shape = _rule_shape(rule.rule)
        for method in sorted(rule.methods - {"OPTIONS"}):
            if (method, shape) not in probed:
                missing.append(f"{method} {rule.rule}")
    assert missing == [], "Add probes to tests/privacy/urls.py for: " + ", ".join(missing)


def _rule_shape(path: str) -> str:
    """'/posts/<int:post_id>/edit' and '/posts/{post}/edit?x' both become '/posts/*/edit'."""
    import re

    path = path.split("?")[0]
    return re.sub(r"<[^>]+>|\{[^}]+\}", "*", path)

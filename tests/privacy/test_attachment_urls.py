"""Attachment URLs after the audience is narrowed, for every kind of viewer: whoever left
the audience gets exactly a missing file's answer on the next request; who stayed, the file."""

from __future__ import annotations

import pytest

from forum.services import posts as post_service
from forum.services.audience import Audience
from tests.privacy.oracle import MISSING_POST, normalized
from tests.privacy.world import AUDIENCES, VIEWERS, build_world, sign_in

NARROWED_READERS = AUDIENCES["group"].readers()  # public, then only the group


@pytest.mark.parametrize("viewer", VIEWERS)
def test_narrowing_takes_every_file_away_from_those_who_left(client, viewer):
    world = build_world(AUDIENCES["public"])
    sign_in(client, world, viewer)
    paths = [f"/posts/{world.post.id}/files/{world.files[k]}" for k in ("post_file", "comment_file")]
    assert [client.get(p).status_code for p in paths] == [200, 200]
    post = world.post
    post_service.update_post(
        post,
        world.users["author"],
        post.title,
        post.body_md,
        "",
        Audience("restricted", group_ids=frozenset({world.group.id})),
    )
    for path in paths:
        response = client.get(path)
        if viewer in NARROWED_READERS:
            assert response.status_code == 200 and response.headers["Cache-Control"].startswith("private")
        else:
            missing = client.get(path.replace(f"/posts/{post.id}/", f"/posts/{MISSING_POST}/"))
            assert normalized(response, f"/posts/{post.id}") == normalized(missing, f"/posts/{MISSING_POST}")
            assert response.status_code == 404

"""`twins` asks for a missing object's answer once per test while nothing is written
(marker_probes.py): a kept answer never outlives a write, nor stands for a request that wrote."""

from __future__ import annotations

from types import SimpleNamespace

from tests.factories import make_post, make_user
from tests.privacy.oracle import MISSING_POST

from .marker_probes import client_as, twins


def test_a_missing_answer_is_asked_again_after_any_write(app):
    author, reader = make_user("keeper"), make_user("asker")
    post = make_post(author, "Open question")
    client = client_as(app, SimpleNamespace(users={"outsider": reader.username}), "outsider")
    missing_url = f"/posts/{MISSING_POST}"
    reads_only = "/tags"  # the first side of each pair: a page that writes nothing (the post itself records a visit)

    _, first = twins(client, reads_only, missing_url)
    _, again = twins(client, reads_only, missing_url)
    assert again is first  # nothing written in between: the same answer stands

    make_user("newcomer")  # a write by anyone, not only by a request of this client
    _, after_write = twins(client, reads_only, missing_url)
    assert after_write is not first
    assert after_write.get_data() == first.get_data()

    # The first side refused (an empty comment) writes nothing; the second side's comment is posted.
    url, empty, comment = f"/posts/{post.id}/comments", {"body": ""}, {"body": "Asked twice."}
    refused, wrote = twins(client, url, url, method="POST", fields=empty, missing_fields=comment)
    _, wrote_again = twins(client, url, url, method="POST", fields=empty, missing_fields=comment)
    assert (refused.status_code, wrote.status_code, wrote_again.status_code) == (400, 302, 302)
    assert wrote_again is not wrote  # an answer whose own request wrote is never kept

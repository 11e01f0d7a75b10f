"""The privacy tables' instruments do what they did, only cheaper: `twins` asks for a missing
object's answer once per test while nothing is written (marker_probes.py), the session is
read and put back straight from its cookie (oracle.py), and the marker world is put back
as built after a test that wrote (markers.py: on PostgreSQL by loading its rows again)."""

from __future__ import annotations

from tests.factories import login, make_post, make_user
from tests.privacy.markers import restore_world
from tests.privacy.oracle import MISSING_POST, db_snapshot, restore_session, session_of

from .marker_probes import client_as, twins
from .markers import MarkerWorld


def test_a_missing_answer_is_asked_again_after_any_write(app):
    author, reader = make_user("keeper"), make_user("asker")
    post = make_post(author, "Open question")
    client = client_as(app, MarkerWorld({"outsider": reader.username}, {}, {}, {}, {}, 0), "outsider")
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


def _through_the_app(client) -> dict:
    """The session as Flask's own test helper opens it (a request context of the app's)."""
    with client.session_transaction() as session:
        return dict(session)


def test_the_session_is_read_and_put_back_as_the_app_opens_it(app):
    app.config["WTF_CSRF_ENABLED"] = True  # a page with a form puts a token in the session
    client = app.test_client()
    assert session_of(client) == {} == _through_the_app(client)
    client.get("/login")
    assert "csrf_token" in _through_the_app(client)
    anonymous = session_of(client)
    assert anonymous == {k: v for k, v in _through_the_app(client).items() if k != "csrf_token"}

    app.config["WTF_CSRF_ENABLED"] = False
    login(client, make_user("reader"))
    client.post(f"/posts/{MISSING_POST}/comments", data={"body": "x"})  # a refusal may flash
    signed_in = session_of(client)
    assert signed_in and "_user_id" in signed_in
    assert signed_in == {k: v for k, v in _through_the_app(client).items() if k != "csrf_token"}

    for saved, drafts in ((anonymous, 302), (signed_in, 200)):  # signed out, then in again
        token = _through_the_app(client).get("csrf_token")  # the one it has now stays
        restore_session(client, saved)
        assert _through_the_app(client) == ({**saved, "csrf_token": token} if token else saved)
        assert client.get("/drafts").status_code == drafts  # the app sees the same

    with client.session_transaction() as session:
        session.clear()
        session["left"] = "by a request"  # no token: emptied, the cookie goes
    restore_session(client, {})
    assert _through_the_app(client) == {} and client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None


def test_the_marker_world_comes_back_as_built_ids_and_all(marker_app, in_marker_app, marker_world):
    as_built = db_snapshot()
    moderator = client_as(marker_app, marker_world, "moderator")  # signing in writes too
    restored = moderator.post(f"/moderation/posts/{marker_world.posts['mordant']}/restore", data={"reason": "r"})
    assert restored.status_code == 302
    intruder = make_user("intruder").id
    assert db_snapshot() != as_built

    restore_world(marker_app)
    assert db_snapshot() == as_built
    assert make_user("newcomer").id == intruder  # the sequences as built, too
    restore_world(marker_app)  # for the tests after this one

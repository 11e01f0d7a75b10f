"""The email queue: composed when sent, from what the recipient may read then; retried
when the mail server fails; unsubscribed with one click that reveals nothing."""

from __future__ import annotations

import email
import socket
import socketserver
import threading
from datetime import timedelta
from email.message import EmailMessage

import pytest

from forum.extensions import db
from forum.mail import outbox
from forum.mail.compose import unsubscribe_token
from forum.mail.transport import SinkTransport, SmtpTransport
from forum.models import OutboxMessage
from forum.models._time import utcnow
from forum.services import groups as group_service
from forum.services import notifications as service
from tests.factories import login, make_comment, make_post, statements, writes
from tests.notifications.helpers import REVOCATIONS, World, revoke

PORTS = range(5470, 5500)  # this branch's ports; parallel runs take the next free one


def _serve_smtp_on_a_free_port():
    for port in PORTS:
        try:
            server = socketserver.ThreadingTCPServer(("127.0.0.1", port), _FakeSmtp)
        except OSError:
            continue
        server.received = []
        return server
    raise RuntimeError("no free port in 5470-5499")


class Recorder:
    def __init__(self):
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


class Broken:
    def send(self, message: EmailMessage) -> None:
        raise ConnectionRefusedError("mail server down")


def _wants(user, **modes):
    service.save_email_settings(user, modes)


@pytest.fixture
def mailed(world: World) -> World:
    for user in (world.ada, world.ben, world.eli):
        _wants(
            user, replies="immediate", threads="immediate", mentions="immediate", shared="digest", following="digest"
        )
    return world


def _rows(**where):
    return db.session.scalars(db.select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)).all()


def test_an_immediate_email_is_composed_when_sent(mailed):
    post = make_post(mailed.ada, "Zanzibar result", audience="restricted", groups=(mailed.lab,))
    make_comment(mailed.ben, post, "Which layer?")
    transport = Recorder()
    tally = outbox.run_once(transport)
    assert (tally.sent, tally.failed) == (1, 0)
    message = transport.sent[0]
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "ben commented on your post “Zanzibar result”"
    body = message.get_content()
    assert "Which layer?" in body and "http://forum.test/comments/" in body
    assert message["List-Unsubscribe"].startswith("<http://forum.test/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [r.status for r in _rows(kind="immediate")] == ["sent"]


def test_requests_only_queue_and_never_send(client, mailed):
    post = make_post(mailed.ada, "Open post")
    login(client, mailed.ben)
    response = client.post(f"/posts/{post.id}/comments", data={"body": "A comment."})
    assert response.status_code == 302
    assert [(r.kind, r.status) for r in _rows(user_id=mailed.ada.id)] == [("immediate", "pending")]


@pytest.mark.parametrize("how", [*REVOCATIONS, "turned off"])
def test_revoked_before_sending_means_no_email(mailed, how):
    post = make_post(mailed.ada, "Zanzibar result", audience="restricted", groups=(mailed.lab,))
    question = make_comment(mailed.ben, post, "Question.")
    make_comment(mailed.ada, post, "Answer.", parent=question)
    if how == "turned off":
        service.set_email_mode(mailed.ben.id, "replies", "off")
    else:
        revoke(mailed, post, how)
    transport = Recorder()
    outbox.run_once(transport)
    assert [m["To"] for m in transport.sent if m["To"].startswith("ben")] == []
    assert all(r.status == "skipped" for r in _rows(user_id=mailed.ben.id, kind="immediate"))


def test_a_mention_outside_the_audience_is_never_mailed(mailed):
    post = make_post(mailed.ada, "Zanzibar result", audience="restricted", groups=(mailed.lab,))
    make_comment(mailed.ben, post, "@eli look.")
    transport = Recorder()
    outbox.run_once(transport)
    assert _rows(user_id=mailed.eli.id) == []
    assert all("eli" not in m["To"] for m in transport.sent)


def test_the_digest_waits_its_day_and_says_only_what_is_readable_then(mailed):
    from tests.factories import make_group

    other = make_group(mailed.ada, "Other Lab", members=(mailed.ben,))
    make_post(mailed.ada, "Zanzibar lab post", audience="restricted", groups=(mailed.lab,))
    make_post(mailed.ada, "Other lab post", audience="restricted", groups=(other,))
    (digest,) = _rows(user_id=mailed.ben.id, kind="digest")
    assert digest.status == "pending"
    transport = Recorder()
    assert outbox.run_once(transport).sent == 0  # not due yet
    group_service.leave(mailed.ben, mailed.lab)  # before the digest goes out
    outbox.run_once(transport, now=utcnow() + timedelta(hours=25))
    (message,) = transport.sent
    body = message.get_content()
    assert "Other lab post" in body and "Zanzibar" not in body and "Zanzibar" not in message["Subject"]
    assert "/unsubscribe/" in message["List-Unsubscribe"]
    db.session.refresh(digest)
    assert digest.status == "sent"
    # The next one covers only what came after, and waits a day from this one.
    make_post(mailed.ada, "Later post", audience="restricted", groups=(other,))
    (later,) = _rows(user_id=mailed.ben.id, kind="digest", status="pending")
    assert later.since == digest.sent_at


def test_an_empty_digest_is_skipped(mailed):
    make_post(mailed.ada, "Zanzibar lab post", audience="restricted", groups=(mailed.lab,))
    group_service.leave(mailed.ben, mailed.lab)
    transport = Recorder()
    tally = outbox.run_once(transport, now=utcnow() + timedelta(hours=25))
    assert transport.sent == [] and tally.skipped == 1


def test_a_failing_transport_is_retried_with_backoff_and_never_lost(app, mailed):
    post = make_post(mailed.ada, "Open post")
    make_comment(mailed.ben, post, "Hello.")
    for attempt in (1, 2, 3):
        before = utcnow()
        tally = outbox.run_once(Broken(), now=utcnow() + timedelta(days=1))
        (row,) = _rows(kind="immediate")
        assert (tally.failed, row.status, row.attempts) == (1, "pending", attempt)
        assert "mail server down" in row.last_error
        wait = app.config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (attempt - 1)
        assert row.next_attempt_at >= before + timedelta(seconds=wait)
    transport = Recorder()
    assert outbox.run_once(transport).sent == 0  # backing off
    assert outbox.run_once(transport, now=utcnow() + timedelta(days=1)).sent == 1
    assert _rows(kind="immediate")[0].status == "sent"


def test_backoff_has_a_ceiling(app):
    assert outbox.backoff(1) == timedelta(seconds=app.config["MAIL_RETRY_BASE_SECONDS"])
    assert outbox.backoff(50) == timedelta(seconds=app.config["MAIL_RETRY_MAX_SECONDS"])


class _FakeSmtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: records each message's DATA."""

    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self._say("220 fake ESMTP")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb == "DATA":
                self._say("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.received.append(data)
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")


def test_smtp_down_then_up_delivers_the_same_message(mailed):
    post = make_post(mailed.ada, "Open post")
    make_comment(mailed.ben, post, "Hello over SMTP.")
    server = _serve_smtp_on_a_free_port()
    port = server.server_address[1]
    server.server_close()  # the mail server is down: nothing listens on its port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert outbox.run_once(SmtpTransport("127.0.0.1", port, use_tls=False, timeout=2)).failed == 1
    (row,) = _rows(kind="immediate")
    assert row.status == "pending" and "Refused" in row.last_error

    server = _serve_smtp_on_a_free_port()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        up = SmtpTransport("127.0.0.1", server.server_address[1], use_tls=False, timeout=5)
        assert outbox.run_once(up, now=utcnow() + timedelta(hours=1)).sent == 1
    finally:
        server.shutdown()
        server.server_close()
    (data,) = server.received
    assert b"Hello over SMTP." in data
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("sent", 2)


def test_the_sink_writes_eml_files_and_the_cli_runs_once(app, mailed, tmp_path):
    app.config["MAIL_SINK_DIR"] = str(tmp_path / "mail")
    post = make_post(mailed.ada, "Open post")
    make_comment(mailed.ben, post, "To the sink.")
    result = app.test_cli_runner().invoke(args=["forum", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    (path,) = (tmp_path / "mail").glob("*.eml")
    parsed = email.message_from_bytes(path.read_bytes())
    assert parsed["To"] == "ada@example.org"
    assert isinstance(SinkTransport(tmp_path), SinkTransport)


def test_unsubscribe_page_reveals_nothing_and_one_click_works_without_a_form(app, client, mailed):
    post = make_post(mailed.ada, "Zanzibar result", audience="restricted", groups=(mailed.lab,))
    make_comment(mailed.ben, post, "Question.")
    transport = Recorder()
    outbox.run_once(transport)
    url = transport.sent[0]["List-Unsubscribe"].strip("<>").removeprefix("http://forum.test")
    with statements() as seen:
        page = client.get(url)
    assert page.status_code == 200 and writes(seen) == []
    assert "Zanzibar" not in page.get_data(as_text=True) and "Question" not in page.get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True  # what a mail program posts carries no CSRF token
    try:
        response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200
    assert service.email_modes(mailed.ada.id)["threads"] == "off"
    assert "Zanzibar" not in response.get_data(as_text=True)


def test_a_forged_or_unknown_unsubscribe_token_is_not_found(client, mailed):
    assert client.get("/unsubscribe/not-a-token").status_code == 404
    assert client.post("/unsubscribe/not-a-token").status_code == 404
    assert client.get(f"/unsubscribe/{unsubscribe_token(987654, 'replies')}").status_code == 404
    assert client.get(f"/unsubscribe/{unsubscribe_token(mailed.ada.id, 'no-such-category')}").status_code == 404


def test_an_unverified_address_gets_no_notification_email(world):
    from tests.factories import make_user

    newbie = make_user("newbie", verified=False)
    _wants(newbie, replies="immediate")
    post = make_post(world.ada, "Open post")
    db.session.execute(db.update(OutboxMessage).values(status="sent"))  # the factories' own mail
    db.session.commit()
    make_comment(world.ben, post, "@newbie hello.")
    assert [r.kind for r in _rows(user_id=newbie.id, status="pending")] == []

"""@mentions of existing people link to their profile, in posts, comments and messages."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Message
from forum.models._time import utcnow
from forum.services import conversations, vouches
from forum.services.rerender import rerender_all
from tests.factories import login, make_comment, make_post, make_user

ADA = '<a href="/users/ada" class="mention"'


def test_a_comment_links_existing_people_only(client):
    make_user("ada")
    gone = make_user("gone")
    gone.deleted_at = utcnow()
    db.session.commit()
    post = make_post(make_user("ben"), "Thread")
    comment = make_comment(
        make_user("cat"), post, "Ask @Ada, not @nobody or @gone. Mail a@ada.org; `@ada` in code; [@ada](https://x.org)."
    )
    html = comment.body_html
    assert html.count('class="mention"') == 1
    assert ADA in html and ">@Ada</a>" in html
    assert "/users/nobody" not in html and "/users/gone" not in html
    assert "<code>@ada</code>" in html and 'href="mailto:a@ada.org"' in html
    assert '<a href="https://x.org" rel="nofollow noopener noreferrer ugc">@ada</a>' in html
    login(client, make_user("dan"))
    assert ADA in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_a_post_and_a_message_link_mentions(client):
    make_user("ada")
    ben = make_user("ben")
    post = make_post(ben, "Result", body="Thanks to @ada for the probes.")
    assert ADA in post.body_html
    assert ADA in client.get(f"/posts/{post.id}").get_data(as_text=True)
    cat = make_user("cat")
    vouches.vouch(ben, cat, "I know their work.")  # a tie, so cat accepts ben's messages
    conversation = conversations.start(ben, [cat], "Hi", "Have you met @ada?")
    message = db.session.scalars(select(Message).where(Message.conversation_id == conversation.id)).one()
    assert ADA in message.body_html


def test_rerender_links_mentions_of_people_who_joined_since(app):
    post = make_post(make_user("ben"), "Early", body="Waiting for @ada to join.")
    assert "mention" not in post.body_html
    make_user("ada")
    rerender_all()
    db.session.refresh(post)
    assert ADA in post.body_html

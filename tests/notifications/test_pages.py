"""The bell, the notifications page, its JSON count, and the follow buttons, over HTTP."""

from __future__ import annotations

import re

from forum.extensions import db
from forum.models import Notification, Subscription
from tests.factories import login, make_comment, make_post
from tests.notifications.helpers import unread


def _restricted(world, title="Zanzibar result"):
    return make_post(world.ada, title, "Body.", audience="restricted", groups=(world.lab,))


def test_the_bell_counts_threads_with_news_and_the_json_count_matches(client, world):
    post, other = make_post(world.ada, "Open post"), make_post(world.ada, "Other post")
    make_comment(world.ben, post, "One.")
    make_comment(world.ben, post, "Two.")
    make_comment(world.ben, other, "Three.")
    login(client, world.ada)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'class="bell-count[^"]*"[^>]*>2<', page)
    response = client.get("/notifications/count")
    assert response.get_json() == {"unread": 2}
    assert response.headers["Cache-Control"] == "private, no-store"


def test_the_count_needs_a_signed_in_user(client):
    assert client.get("/notifications/count").status_code == 302
    assert client.get("/notifications").status_code == 302


def test_an_outsider_sees_no_trace_on_the_page_or_in_the_count(client, world):
    post = _restricted(world)
    make_comment(world.ben, post, "Hey @eli, zanzibar details.")
    world_eli = world.eli
    login(client, world_eli)
    body = client.get("/notifications").get_data(as_text=True)
    assert "Zanzibar" not in body and "zanzibar" not in body
    assert client.get("/notifications/count").get_json() == {"unread": 0}


def test_opening_marks_read_and_leads_to_the_comment(client, world):
    post = _restricted(world)
    comment = make_comment(world.ben, post, "Question.")
    note = db.session.scalar(db.select(Notification).where(Notification.user_id == world.ada.id))
    login(client, world.ada)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Ben" in page or "ben" in page
    assert "Zanzibar result" in page
    response = client.post(f"/notifications/{note.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/posts/{post.id}#c{comment.id}"
    assert unread(world.ada) == 0


def test_someone_elses_or_a_revoked_notification_is_not_found(client, world):
    post = _restricted(world)
    make_comment(world.ada, post, "For @ben.")
    note = db.session.scalar(
        db.select(Notification).where(Notification.user_id == world.ben.id, Notification.kind == "mention")
    )
    login(client, world.eli)
    assert client.post(f"/notifications/{note.id}/open").status_code == 404
    assert client.post(f"/notifications/{note.id}/read").status_code == 404
    db.session.refresh(note)
    assert note.read_at is None
    from forum.services import groups as group_service

    group_service.leave(world.ben, world.lab)
    client.post("/logout")
    login(client, world.ben)
    assert client.post(f"/notifications/{note.id}/open").status_code == 404


def test_mark_one_and_mark_all_read(client, world):
    post = make_post(world.ada, "Open post")
    for i in range(3):
        make_comment(world.ben, post, f"Comment {i}.")
    first = db.session.scalar(
        db.select(Notification.id).where(Notification.user_id == world.ada.id).order_by(Notification.id)
    )
    login(client, world.ada)
    assert client.post(f"/notifications/{first}/read", data={"page": "1"}).status_code == 302
    assert unread(world.ada) == 2
    assert client.post("/notifications/read").status_code == 302
    assert unread(world.ada) == 0
    assert "Mark read</button>" not in client.get("/notifications").get_data(as_text=True)


def test_the_page_groups_a_threads_notifications_under_its_newest(client, world):
    busy, quiet = make_post(world.ada, "Busy post"), make_post(world.ada, "Quiet post")
    for i in range(3):
        make_comment(world.ben, busy, f"Comment {i}.")
    make_comment(world.eli, quiet, "Alone.")
    newest = db.session.scalar(
        db.select(Notification.id).where(Notification.post_id == busy.id).order_by(Notification.id.desc())
    )
    login(client, world.ada)
    html = client.get("/notifications").get_data(as_text=True)
    outer = html.split('<ol class="notifications">', 1)[1]
    assert outer.count('<details class="thread-news">') == 1
    assert "<summary>2 more on this, 2 unread</summary>" in html
    # threads in the order of their newest news (the quiet one's is newer); the busy
    # thread's newest notification heads it, the two older ones folded under it
    assert html.index("Quiet post") < html.index(f'id="n{newest}"') < html.index("<summary>2 more")
    assert html.count('<li class="notification') == 4


def test_the_page_is_paged(client, app, world):
    app.config["NOTIFICATIONS_PER_PAGE"] = 2
    post = make_post(world.ada, "Open post")
    for i in range(5):
        make_comment(world.ben, post, f"Comment {i}.")
    login(client, world.ada)
    first = client.get("/notifications").get_data(as_text=True)
    third = client.get("/notifications?page=3").get_data(as_text=True)
    assert first.count('<li class="notification') == 2 and "Older" in first
    assert third.count('<li class="notification') == 1 and "Older" not in third and "Newer" in third


def test_follow_unfollow_and_mute_a_post(client, world):
    post = make_post(world.ada, "Open post")
    login(client, world.eli)
    assert client.post(f"/posts/{post.id}/follow", data={"state": "follow"}).status_code == 302
    make_comment(world.ben, post, "News.")
    assert unread(world.eli) == 1
    assert client.post(f"/posts/{post.id}/follow", data={"state": "mute"}).status_code == 302
    assert unread(world.eli) == 0
    assert "Unmute" in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert client.post(f"/posts/{post.id}/follow", data={"state": "unfollow"}).status_code == 302
    assert db.session.get(Subscription, (world.eli.id, "post", post.id)) is None
    assert client.post(f"/posts/{post.id}/follow", data={"state": "nonsense"}).status_code == 400


def test_nobody_follows_what_they_may_not_see(client, world):
    hidden = make_post(world.ada, "Lab only", tags="secret-tag", audience="restricted", groups=(world.lab,))
    login(client, world.eli)
    assert client.post(f"/posts/{hidden.id}/follow", data={"state": "follow"}).status_code == 404
    assert client.post("/tags/secret-tag/follow", data={"state": "follow"}).status_code == 404
    assert client.post(f"/groups/{world.lab.slug}/follow", data={"state": "follow"}).status_code == 404
    assert client.post(f"/users/{world.eli.username}/follow", data={"state": "follow"}).status_code == 404  # yourself
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(Subscription).where(Subscription.user_id == world.eli.id)
        )
        == 0
    )


def test_follow_a_person_a_tag_and_a_listed_group_from_their_pages(client, world):
    from tests.factories import make_group

    open_lab = make_group(world.ada, "Open Lab")
    make_post(world.ben, "Seed", tags="circuits")
    login(client, world.eli)
    for page, action in (
        (f"/users/{world.ada.username}", f"/users/{world.ada.username}/follow"),
        ("/tags/circuits", "/tags/circuits/follow"),
        (f"/groups/{open_lab.slug}", f"/groups/{open_lab.slug}/follow"),
    ):
        assert f'action="{action}"' in client.get(page).get_data(as_text=True)
        assert client.post(action, data={"state": "follow"}).status_code == 302
        assert "Unfollow" in client.get(page).get_data(as_text=True)
    make_post(world.ada, "Fresh", tags="circuits")
    assert unread(world.eli) == 1  # one notice, though three follows match


def test_settings_page_saves_modes_keeps_bad_input_and_names_the_account_address(client, world):
    login(client, world.ada)
    page = client.get("/settings/notifications").get_data(as_text=True)
    # The address is the account's verified one, changed under Settings → Email only.
    assert "<strong>ada@example.org</strong>" in page and 'href="/settings/email"' in page
    assert 'name="email"' not in page
    form = {
        "replies": "weekly",
        "mentions": "off",
        "groups": "immediate",
        "shared": "immediate",
        "terms": "off",
        "moderation": "immediate",
        "following": "digest",
    }
    response = client.post("/settings/notifications", data=form)
    assert response.status_code == 400
    kept = '<input checked id="groups-1" name="groups" type="radio" value="immediate">'
    assert kept in response.get_data(as_text=True)
    response = client.post("/settings/notifications", data={**form, "replies": "digest"})
    assert response.status_code == 302
    from forum.services.notifications import email_modes

    assert email_modes(world.ada.id)["replies"] == "digest"


def test_an_unverified_account_is_told_no_mail_is_sent_yet(client):
    from tests.factories import make_user

    login(client, make_user("newbie", verified=False))
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "No email is sent until your account's address is verified" in page


def test_the_settings_page_lists_what_you_follow_and_only_what_you_may_still_see(client, world):
    from forum.services import groups as group_service
    from forum.services import notifications as service

    hidden = make_post(world.ada, "Zanzibar thread", tags="zanzibar-tag", audience="restricted", groups=(world.lab,))
    open_post = make_post(world.ada, "Open thread", tags="open-tag")
    tag_ids = {t.name: t.id for t in hidden.tags + open_post.tags}
    for target, target_id in (
        ("post", hidden.id),
        ("tag", tag_ids["zanzibar-tag"]),
        ("group", world.lab.id),
        ("post", open_post.id),
        ("tag", tag_ids["open-tag"]),
        ("user", world.ada.id),
    ):
        service.set_following(world.ben, target, target_id, "follow")
    login(client, world.ben)
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert all(word in page for word in ("Zanzibar thread", "zanzibar-tag", "Quiet Lab", "Open thread", "open-tag"))
    group_service.leave(world.ben, world.lab)
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "Zanzibar" not in page and "zanzibar" not in page and "Quiet Lab" not in page
    assert "Open thread" in page and "open-tag" in page and ">ada" in page
    assert client.post("/tags/open-tag/follow", data={"state": "unfollow"}).status_code == 302
    assert "open-tag" not in client.get("/settings/notifications").get_data(as_text=True)


def test_the_api_lists_and_counts_through_the_same_rule(client, world):
    post = make_post(world.ada, "Zanzibar result", audience="restricted", groups=(world.lab,))
    comment = make_comment(world.ben, post, "Question for @eli.")
    assert client.get("/api/v1/notifications").status_code == 401
    login(client, world.ada)
    listing = client.get("/api/v1/notifications").get_json()
    assert listing["total"] == 1 and listing["items"][0]["url"] == f"/comments/{comment.id}"
    assert listing["items"][0]["message"] == "ben commented on your post “Zanzibar result”"
    assert client.get("/api/v1/notifications/unread").get_json() == {"unread": 1}
    assert client.post("/api/v1/notifications/read").status_code == 204
    assert client.get("/api/v1/notifications/unread").get_json() == {"unread": 0}
    client.post("/logout")
    login(client, world.eli)
    assert client.get("/api/v1/notifications").get_json()["total"] == 0
    assert client.get("/api/v1/notifications/unread").get_json() == {"unread": 0}


def test_a_comment_on_a_later_page_of_the_thread_is_reached_from_its_notification(client, app, world):
    """Threads are paged: the notification leads to the comment's own page, not to page 1."""
    from forum.services.votes import cast_vote

    app.config["COMMENTS_PER_PAGE"] = 2
    post = make_post(world.ada, "Long thread")
    for i in range(4):
        cast_vote(world.ben, make_comment(world.eli, post, f"Early root {i}."), "up")  # ranked above the late one
    make_comment(world.ben, post, "Late reply at the end.")
    note = db.session.scalar(
        db.select(Notification).where(Notification.user_id == world.ada.id).order_by(Notification.id.desc())
    )
    login(client, world.ada)
    assert "Late reply at the end." not in client.get(f"/posts/{post.id}").get_data(as_text=True)
    location = client.post(f"/notifications/{note.id}/open").headers["Location"]
    assert "Late reply at the end." in client.get(location).get_data(as_text=True)


def test_notifications_are_real_links_that_open_in_a_new_tab(client, world):
    post = make_post(world.ada, "Linked thread")
    comment = make_comment(world.ben, post, "Follow me.")
    login(client, world.ada)
    page = client.get("/notifications").get_data(as_text=True)
    (link,) = re.findall(r'<a class="notification-open"[^>]*>[^<]*</a>', page)
    assert f'href="/comments/{comment.id}"' in link and "Linked thread" in link
    (notice,) = db.session.scalars(db.select(Notification).where(Notification.comment_id == comment.id))
    # Without JavaScript the link reads nothing on a GET; its "Mark read" form sits beside it.
    assert f'data-read-form="read-{notice.id}"' in link and f'id="read-{notice.id}"' in page
    assert 'class="link notification-open"' not in page  # no longer a button

"""Reports, the queue, and removing/restoring posts and comments."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import ModAction, Report
from forum.services import ServiceError, moderation
from tests.factories import login, logout, make_comment, make_group, make_post, make_user
from tests.moderation_helpers import actions, count, make_moderator, page, reports
from tests.privacy.oracle import MISSING_COMMENT, normalized

# --- reports ----------------------------------------------------------------------------


def test_reader_reports_a_post_with_a_reason(client):
    post = make_post(make_user("ada"), "Cheap pills", "Buy now")
    reader = make_user("ben")
    login(client, reader)
    response = client.post(f"/posts/{post.id}/report", data={"reason": "spam", "details": "an ad"})
    assert response.status_code == 302
    [report] = reports()
    assert (report.reporter_id, report.post_id, report.comment_id, report.reason) == (reader.id, post.id, None, "spam")
    assert report.copy_title == "Cheap pills" and "Buy now" in report.copy_html
    assert report.is_open


def test_report_form_shows_and_other_needs_details(client):
    post = make_post(make_user("ada"))
    login(client, make_user("ben"))
    assert client.get(f"/posts/{post.id}/report").status_code == 200
    response = client.post(f"/posts/{post.id}/report", data={"reason": "other", "details": ""})
    assert response.status_code == 400
    assert "Tell the moderators what is wrong" in response.get_data(as_text=True)
    assert reports() == []


def test_anonymous_cannot_report(client):
    post = make_post(make_user("ada"))
    response = client.post(f"/posts/{post.id}/report", data={"reason": "spam"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert reports() == []


def test_duplicate_reports_are_merged(client):
    post = make_post(make_user("ada"))
    login(client, make_user("ben"))
    client.post(f"/posts/{post.id}/report", data={"reason": "spam"})
    client.post(f"/posts/{post.id}/report", data={"reason": "harassment", "details": "on reflection"})
    [report] = reports()
    assert report.reason == "harassment" and report.details == "on reflection"


def test_reports_by_different_people_are_separate(client):
    post = make_post(make_user("ada"))
    for name in ("ben", "cyd"):
        login(client, make_user(name))
        client.post(f"/posts/{post.id}/report", data={"reason": "spam"})
        logout(client)
    assert len(reports()) == 2


def test_reporting_a_comment_copies_only_the_comment(client):
    author = make_user("ada")
    group = make_group(author, "Lab")
    reader = make_user("ben")
    from forum.services import groups as group_service

    group_service.add_member(group, reader)
    db.session.commit()
    post = make_post(author, "Secret title", "Secret body", audience="restricted", groups=(group,))
    comment = make_comment(author, post, "the rude comment")
    login(client, reader)
    assert client.post(f"/comments/{comment.id}/report", data={"reason": "harassment"}).status_code == 302
    [report] = reports()
    assert report.comment_id == comment.id and report.audience_kind == "restricted"
    assert "the rude comment" in report.copy_html
    assert report.copy_title == "" and "Secret" not in report.copy_html


@pytest.mark.parametrize("target", ["post", "comment"])
def test_reports_on_items_the_reporter_cannot_see_are_404_and_not_recorded(client, target):
    author = make_user("ada")
    post = make_post(author, "Private", audience="restricted", users=(make_user("ben"),))
    comment = make_comment(author, post)
    login(client, make_user("eve"))
    url = f"/posts/{post.id}/report" if target == "post" else f"/comments/{comment.id}/report"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"reason": "spam"}).status_code == 404
    assert reports() == []


def test_report_on_missing_item_is_404(client):
    login(client, make_user("ben"))
    assert client.post("/posts/999/report", data={"reason": "spam"}).status_code == 404
    assert client.post("/comments/999/report", data={"reason": "spam"}).status_code == 404
    assert reports() == []


# --- the queue --------------------------------------------------------------------------


def _restricted_report():
    """A post shared with ben only; ben reports it. Returns (author, ben, post, report)."""
    author = make_user("ada")
    ben = make_user("ben")
    post = make_post(
        author, "Synthesis route notes", "Step one: the hazardous part.", audience="restricted", users=(ben,)
    )
    report = moderation.report(ben, post, None, "hazardous", "this should not be here")
    return author, ben, post, report


def test_moderator_outside_audience_sees_the_copy_but_not_the_post(client):
    author, ben, post, report = _restricted_report()
    mod = make_moderator("mod")
    login(client, mod)
    status, html = page(client, "/moderation")
    assert status == 200
    assert "Synthesis route notes" in html and "the hazardous part" in html
    assert "not in this post&#39;s audience" in html or "not in this post's audience" in html
    assert f'href="/posts/{post.id}"' not in html
    assert client.get(f"/posts/{post.id}").status_code == 404
    # The live page stays closed even after a removal through the report.
    assert client.get(f"/moderation/reports/{report.id}").status_code == 200


def test_moderator_in_audience_gets_a_live_link(client):
    author = make_user("ada")
    mod = make_moderator("mod")
    post = make_post(author, "Shared with the mod", audience="restricted", users=(mod, make_user("ben")))
    moderation.report(make_user("cyd"), make_post(author, "public one"), None, "spam")
    moderation.report(db.session.get(type(mod), mod.id), post, None, "spam")  # the mod may report too
    login(client, mod)
    _, html = page(client, "/moderation")
    assert f'href="/posts/{post.id}"' in html


def test_edits_after_the_report_do_not_reach_the_copy(client):
    author, ben, post, report = _restricted_report()
    from forum.services import posts as post_service
    from forum.services.audience import audience_of

    post_service.update_post(post, author, "Innocent title", "Nothing here", "", audience_of(post))
    assert db.session.get(Report, report.id).copy_title == "Synthesis route notes"


def test_non_moderators_get_403_and_change_nothing(client):
    author, ben, post, report = _restricted_report()
    login(client, ben)
    assert client.get("/moderation").status_code == 403
    assert client.get(f"/moderation/reports/{report.id}").status_code == 403
    response = client.post(
        f"/moderation/reports/{report.id}", data={f"r{report.id}-decision": "remove", f"r{report.id}-reason": "x"}
    )
    assert response.status_code == 403
    assert client.post(f"/moderation/posts/{post.id}/remove", data={"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Report, report.id).is_open
    assert not post.is_removed
    assert actions() == []


def _resolve(client, report, decision, reason="", days="7"):
    p = f"r{report.id}"
    return client.post(
        f"/moderation/reports/{report.id}",
        data={f"{p}-decision": decision, f"{p}-reason": reason, f"{p}-days": days},
    )


def test_dismiss_is_recorded(client):
    author, ben, post, report = _restricted_report()
    mod = make_moderator("mod")
    login(client, mod)
    assert _resolve(client, report, "dismiss", "within scope").status_code == 302
    db.session.expire_all()
    assert db.session.get(Report, report.id).decision == "dismiss"
    [entry] = actions("dismiss")
    assert (entry.moderator_id, entry.post_id, entry.reason) == (mod.id, post.id, "within scope")
    assert "Synthesis" not in page(client, "/moderation")[1]


def test_remove_from_the_report_without_reading_the_post(client):
    author, ben, post, report = _restricted_report()
    mod = make_moderator("mod")
    login(client, mod)
    assert _resolve(client, report, "remove", "hazardous details").status_code == 302
    db.session.expire_all()
    assert post.is_removed and post.removal_reason == "hazardous details" and post.removed_by_id == mod.id
    assert client.get(f"/posts/{post.id}").status_code == 404  # still not in the audience
    logout(client)
    login(client, ben)
    assert client.get(f"/posts/{post.id}").status_code == 404  # gone for the audience too
    logout(client)
    login(client, author)
    status, html = page(client, f"/posts/{post.id}")
    assert status == 200 and "A moderator removed your post" in html and "hazardous details" in html


def test_remove_needs_a_reason_and_keeps_the_form(client):
    author, ben, post, report = _restricted_report()
    login(client, make_moderator("mod"))
    response = _resolve(client, report, "remove", "")
    assert response.status_code == 400 and "Give a reason" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not post.is_removed and db.session.get(Report, report.id).is_open


def test_one_decision_closes_every_open_report_on_the_item(client):
    author = make_user("ada")
    post = make_post(author)
    first = moderation.report(make_user("ben"), post, None, "spam")
    second = moderation.report(make_user("cyd"), post, None, "off-topic")
    login(client, make_moderator("mod"))
    _resolve(client, first, "remove", "spam")
    db.session.expire_all()
    assert not db.session.get(Report, second.id).is_open
    assert moderation.count_open_reports() == 0


def test_restore_from_the_report(client):
    author, ben, post, report = _restricted_report()
    mod = make_moderator("mod")
    login(client, mod)
    _resolve(client, report, "remove", "hazardous")
    assert client.post(f"/moderation/reports/{report.id}/restore", data={"reason": "on appeal"}).status_code == 302
    db.session.expire_all()
    assert not post.is_removed
    assert [a.action for a in actions()] == ["remove_post", "restore_post"]


def test_reporting_removed_content_is_refused(app):
    post = make_post(make_user("ada"))
    moderation.remove_post(make_moderator("mod"), post, "spam")
    with pytest.raises(ServiceError):
        moderation.report(make_user("ben"), post, None, "spam")


# --- removing posts ---------------------------------------------------------------------


def test_removed_post_leaves_every_listing_for_everyone(client):
    author = make_user("ada")
    post = make_post(author, "Spammy title", tags="spamtag")
    keep = make_post(author, "A real post", tags="realtag")
    mod = make_moderator("mod")
    login(client, mod)
    assert client.post(f"/moderation/posts/{post.id}/remove", data={"reason": "spam"}).status_code == 302
    for viewer in (None, author, mod, make_user("ben")):
        logout(client)
        if viewer is not None:
            login(client, viewer)
        for url in ("/", "/tags", "/users/ada", "/tags/realtag"):
            assert "Spammy title" not in page(client, url)[1]
        assert "spamtag" not in page(client, "/tags")[1]
        assert client.get("/tags/spamtag").status_code == 404
        assert "Posts (1)" in page(client, "/users/ada")[1]
        assert "A real post" in page(client, "/")[1]
    assert keep.id


def test_removed_post_page_opens_only_for_its_author_and_moderators(client):
    author = make_user("ada")
    post = make_post(author, "Spammy title")
    mod = make_moderator("mod")
    moderation.remove_post(mod, post, "advertising")
    assert client.get(f"/posts/{post.id}").status_code == 404
    login(client, make_user("ben"))
    assert client.get(f"/posts/{post.id}").status_code == 404
    logout(client)
    login(client, author)
    status, html = page(client, f"/posts/{post.id}")
    assert status == 200 and "advertising" in html and "Only you and the moderators" in html
    assert f"/posts/{post.id}/edit" not in html
    assert client.post(f"/posts/{post.id}/comments", data={"body": "hello"}).status_code in (400, 409)
    logout(client)
    login(client, mod)
    status, html = page(client, f"/posts/{post.id}")
    assert status == 200 and f"/moderation/posts/{post.id}/restore" in html


def test_restore_brings_a_post_back(client):
    author = make_user("ada")
    post = make_post(author, "Back again")
    mod = make_moderator("mod")
    login(client, mod)
    client.post(f"/moderation/posts/{post.id}/remove", data={"reason": "oops"})
    assert client.post(f"/moderation/posts/{post.id}/restore", data={"reason": "mistake"}).status_code == 302
    logout(client)
    assert "Back again" in page(client, "/")[1]
    assert client.get(f"/posts/{post.id}").status_code == 200
    assert [a.action for a in actions()] == ["remove_post", "restore_post"]


def test_moderator_outside_the_audience_cannot_use_the_direct_remove(client):
    author = make_user("ada")
    post = make_post(author, "Private", audience="restricted", users=(make_user("ben"),))
    login(client, make_moderator("mod"))
    assert client.post(f"/moderation/posts/{post.id}/remove", data={"reason": "x"}).status_code == 404
    db.session.expire_all()
    assert not post.is_removed and actions() == []


def test_remove_without_reason_changes_nothing(client):
    post = make_post(make_user("ada"))
    login(client, make_moderator("mod"))
    client.post(f"/moderation/posts/{post.id}/remove", data={"reason": "  "})
    db.session.expire_all()
    assert not post.is_removed and actions() == []


# --- removing comments ------------------------------------------------------------------


def _thread():
    author = make_user("ada")
    post = make_post(author, "Thread")
    troll = make_user("troll")
    bad = make_comment(troll, post, "nasty words here")
    reply = make_comment(author, post, "please be kind", parent=bad)
    lone = make_comment(troll, post, "lone nasty comment")
    return author, troll, post, bad, reply, lone


def test_removed_comment_with_replies_is_a_placeholder(client):
    author, troll, post, bad, reply, lone = _thread()
    mod = make_moderator("mod")
    moderation.remove_comment(mod, bad, "insults")
    moderation.remove_comment(mod, lone, "insults")
    db.session.expire_all()
    assert post.comment_count == 1
    for viewer in (None, make_user("ben")):
        if viewer:
            login(client, viewer)
        html = page(client, f"/posts/{post.id}")[1]
        assert "[removed]" in html and "please be kind" in html
        assert "nasty words here" not in html and "lone nasty comment" not in html
        assert "1 comment" in html
        html = page(client, f"/comments/{bad.id}")[1]
        assert "nasty words here" not in html and "please be kind" in html
        assert "insults" not in page(client, f"/posts/{post.id}")[1]
        assert client.get(f"/comments/{bad.id}/reply").status_code in (302, 404)
    logout(client)
    login(client, troll)
    html = page(client, f"/posts/{post.id}")[1]
    assert "nasty words here" in html and "lone nasty comment" in html and "insults" in html
    assert "A moderator removed your comment" in html


def test_moderator_sees_removed_comment_and_can_restore(client):
    author, troll, post, bad, reply, lone = _thread()
    mod = make_moderator("mod")
    login(client, mod)
    assert client.post(f"/moderation/comments/{bad.id}/remove", data={"reason": "insults"}).status_code == 302
    html = page(client, f"/posts/{post.id}")[1]
    assert "nasty words here" in html and f"/moderation/comments/{bad.id}/restore" in html
    db.session.expire_all()
    assert post.comment_count == 2
    assert client.post(f"/moderation/comments/{bad.id}/restore", data={"reason": ""}).status_code == 302
    db.session.expire_all()
    assert post.comment_count == 3 and not bad.is_removed
    logout(client)
    assert "nasty words here" in page(client, f"/posts/{post.id}")[1]


def test_removed_comments_leave_profiles_and_counts(client):
    author, troll, post, bad, reply, lone = _thread()
    moderation.remove_comment(make_moderator("mod"), lone, "spam")
    for viewer in (None, troll):
        if viewer:
            login(client, viewer)
        html = page(client, "/users/troll?tab=comments")[1]
        assert "lone nasty comment" not in html and "Comments (1)" in html


def test_deleting_a_removed_comment_does_not_count_twice(app):
    author, troll, post, bad, reply, lone = _thread()
    moderation.remove_comment(make_moderator("mod"), lone, "spam")
    from forum.services import comments as comment_service

    comment_service.delete_comment(lone)
    db.session.expire_all()
    assert post.comment_count == 2


def test_cannot_reply_to_a_removed_comment(app):
    author, troll, post, bad, reply, lone = _thread()
    moderation.remove_comment(make_moderator("mod"), lone, "spam")
    with pytest.raises(ServiceError):
        make_comment(author, post, "reply", parent=lone)


def test_non_moderator_cannot_remove_a_comment(client):
    author, troll, post, bad, reply, lone = _thread()
    login(client, author)  # the post's author is no moderator of its comments
    assert client.post(f"/moderation/comments/{bad.id}/remove", data={"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert not bad.is_removed and actions() == []


def test_remove_and_restore_reindex(app, monkeypatch):
    seen = []
    from forum.search import indexing

    monkeypatch.setattr(indexing, "post_changed", lambda pid: seen.append(("post", pid)))
    monkeypatch.setattr(indexing, "comment_changed", lambda cid: seen.append(("comment", cid)))
    post = make_post(make_user("ada"))
    comment = make_comment(make_user("ben"), post)
    seen.clear()
    mod = make_moderator("mod")
    moderation.remove_post(mod, post, "x")
    moderation.restore_post(mod, post)
    moderation.remove_comment(mod, comment, "x")
    moderation.restore_comment(mod, comment)
    assert seen == [("post", post.id), ("post", post.id), ("comment", comment.id), ("comment", comment.id)]


def test_body_addresses_of_a_removed_post_are_404_for_others(client):
    author = make_user("ada")
    post = make_post(author, "Gone")
    moderation.remove_post(make_moderator("mod"), post, "spam")
    login(client, make_user("ben"))
    assert client.post(f"/posts/{post.id}/comments", data={"body": "hi"}).status_code == 404
    assert client.get(f"/posts/{post.id}/report").status_code == 404
    assert count(ModAction, ModAction.action == "remove_post") == 1


def test_removing_a_comment_returns_to_the_page_of_the_thread_that_holds_it(client, app):
    app.config["COMMENTS_PER_PAGE"] = 2
    author, mod = make_user(), make_moderator()
    post = make_post(author)
    for i in range(4):
        make_comment(author, post, f"Root {i}.")
    last = make_comment(make_user(), post, "The last root, on page 3.")
    login(client, mod)
    response = client.post(f"/moderation/comments/{last.id}/remove", data={"reason": "off topic"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/posts/{post.id}?page=3#c{last.id}"
    assert f'id="c{last.id}"' in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("body", ["", "my reply"])
def test_a_reply_to_a_removed_comment_never_quotes_it(client, body):
    """The reply form posted with a removed comment as parent answered with the form
    again, quoting the removed text (its id is on the "[removed]" placeholder). Now it
    answers exactly like a reply to a comment that never existed."""
    author, troll, post, bad, reply, lone = _thread()
    moderation.remove_comment(make_moderator("mod"), bad, "insults")
    login(client, make_user("reader"))
    removed = client.post(f"/posts/{post.id}/comments", data={"body": body, "parent_id": str(bad.id)})
    missing = client.post(f"/posts/{post.id}/comments", data={"body": body, "parent_id": str(MISSING_COMMENT)})
    assert "nasty words here" not in removed.get_data(as_text=True)
    assert removed.status_code == 404
    assert normalized(removed) == normalized(missing)  # but for the CSRF token, signed with the time


def test_the_api_answers_a_reply_to_a_removed_comment_like_a_missing_one(client):
    author, troll, post, bad, reply, lone = _thread()
    moderation.remove_comment(make_moderator("mod"), bad, "insults")
    login(client, make_user("reader"))
    removed = client.post(f"/api/v1/posts/{post.id}/comments", json={"body": "x", "parent_id": bad.id})
    missing = client.post(f"/api/v1/posts/{post.id}/comments", json={"body": "x", "parent_id": MISSING_COMMENT})
    assert "nasty words here" not in removed.get_data(as_text=True)
    assert (removed.status_code, removed.get_json()) == (missing.status_code, missing.get_json())


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/comments/{id}/reply", None),
        ("get", "/comments/{id}/report", None),
        ("post", "/comments/{id}/report", {"reason": "spam"}),
        ("get", "/comments/{id}/edit", None),
        ("post", "/api/v1/comments/{id}/replies", {"body": "x"}),
        ("post", "/api/v1/comments/{id}/reports", {"reason": "spam"}),
        ("patch", "/api/v1/comments/{id}", {"body": "x"}),
    ],
)
def test_every_address_that_quotes_a_removed_comment_answers_like_a_missing_one(client, method, path, data):
    author, troll, post, bad, reply, lone = _thread()
    moderation.remove_comment(make_moderator("mod"), bad, "insults")
    login(client, make_user("reader"))
    as_json = path.startswith("/api/")

    def send(comment_id):
        url = path.format(id=comment_id)
        return getattr(client, method)(url, **({"json": data} if as_json else {"data": data}))

    removed, missing = send(bad.id), send(MISSING_COMMENT)
    assert "nasty words here" not in removed.get_data(as_text=True)
    assert removed.status_code == 404
    assert normalized(removed, f"/comments/{bad.id}") == normalized(missing, f"/comments/{MISSING_COMMENT}")

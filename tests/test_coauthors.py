"""Co-authors: they edit the post, are named on it and on their profiles, always read it,
and every author earns its votes' whole karma (docs/karma.md)."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.services import ServiceError, drafts, votes
from forum.services import posts as post_service
from forum.services.audience import Audience, audience_of
from tests.factories import login, logout, make_group, make_post, make_user


@pytest.fixture
def team(app):
    author, coauthor, voter, member = make_user("ada"), make_user("grace"), make_user("voter"), make_user("member")
    lab = make_group(author, "Lab A", members=(member,))
    other = make_group(author, "Lab B")
    return {"author": author, "coauthor": coauthor, "voter": voter, "member": member, "lab": lab, "other": other}


def test_a_coauthor_edits_and_is_named_on_the_post_and_profile(client, team):
    post = make_post(team["author"], "Joint result", "Joint body.", coauthors=(team["coauthor"],))
    login(client, team["coauthor"])
    assert client.get(f"/posts/{post.id}/edit").status_code == 200
    assert (
        client.post(
            f"/posts/{post.id}/edit",
            data={
                "title": "Joint result",
                "body": "Edited by grace.",
                "audience": "public",
                "confirm_public": "y",
                "coauthors": "grace",
            },
        ).status_code
        == 302
    )
    db.session.refresh(post)
    assert post.body_md == "Edited by grace."
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert 'href="/users/ada"' in page and 'href="/users/grace"' in page
    assert "Joint result" in client.get("/users/grace").get_data(as_text=True)
    assert client.get("/api/v1/users/grace").get_json()["post_count"] == 1


def test_a_coauthor_is_always_in_the_audience_even_after_it_is_edited(client, team):
    post = make_post(
        team["author"],
        "Lab note",
        "For lab A.",
        audience="restricted",
        groups=(team["lab"],),
        coauthors=(team["coauthor"],),
    )
    login(client, team["coauthor"])
    assert client.get(f"/posts/{post.id}").status_code == 200
    post_service.update_post(
        post,
        team["author"],
        post.title,
        post.body_md,
        "",
        Audience("restricted", group_ids=frozenset({team["other"].id})),
    )
    assert client.get(f"/posts/{post.id}").status_code == 200
    logout(client)
    login(client, team["member"])
    assert client.get(f"/posts/{post.id}").status_code == 404
    # The editor shows the audience without the co-author in it: they are there by being an author.
    assert audience_of(post).user_ids == frozenset()


def test_removing_a_coauthor_removes_their_access(client, team):
    post = make_post(
        team["author"], "Lab note", "Body.", audience="restricted", groups=(team["lab"],), coauthors=(team["coauthor"],)
    )
    post_service.update_post(post, team["author"], post.title, post.body_md, "", audience_of(post), coauthors="")
    login(client, team["coauthor"])
    assert client.get(f"/posts/{post.id}").status_code == 404


def test_every_author_earns_the_whole_vote_and_the_audit_agrees(app, team):
    post = make_post(team["author"], "Joint", "Body.", coauthors=(team["coauthor"],))
    votes.cast_vote(team["voter"], post, "up")
    db.session.refresh(team["author"]), db.session.refresh(team["coauthor"])
    assert (team["author"].karma, team["coauthor"].karma) == (1, 1)
    assert votes.audit() == []
    post_service.update_post(post, team["author"], post.title, post.body_md, "", audience_of(post), coauthors="")
    db.session.refresh(team["coauthor"])
    assert team["coauthor"].karma == 0
    assert votes.audit() == []
    post_service.update_post(post, team["author"], post.title, post.body_md, "", audience_of(post), coauthors="grace")
    db.session.refresh(team["coauthor"])
    assert team["coauthor"].karma == 1 and votes.audit() == []


def test_a_coauthor_cannot_vote_on_the_post(app, team):
    post = make_post(team["author"], "Joint", "Body.", coauthors=(team["coauthor"],))
    with pytest.raises(ServiceError) as refused:
        votes.cast_vote(team["coauthor"], post, "up")
    assert refused.value.status == 403


def test_only_authors_choose_readers_and_coauthors(app, team):
    draft = make_post(team["author"], "Draft", "Body.", draft=True)
    drafts.share_draft(draft, team["author"], "voter", "edit")
    with pytest.raises(ServiceError) as refused:
        post_service.update_post(draft, team["voter"], "Draft", "Body.", "", Audience("members"))
    assert refused.value.status == 403
    with pytest.raises(ServiceError):
        post_service.update_post(draft, team["voter"], "Draft", "Body.", "", audience_of(draft), coauthors="voter")


def test_unknown_coauthors_are_refused_with_the_text_kept(client, team):
    login(client, team["author"])
    response = client.post(
        "/posts/new",
        data={
            "title": "Typed title",
            "body": "Typed body that must survive.",
            "audience": "public",
            "confirm_public": "y",
            "coauthors": "nobody-here",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "No user named nobody-here." in page and "Typed body that must survive." in page


def test_the_api_names_the_coauthors(client, team):
    post = make_post(team["author"], "Joint", "Body.", coauthors=(team["coauthor"],))
    data = client.get(f"/api/v1/posts/{post.id}").get_json()
    assert [u["username"] for u in data["coauthors"]] == ["grace"] and data["draft"] is False
    listed = client.get("/api/v1/users/grace/posts").get_json()
    assert [p["id"] for p in listed["items"]] == [post.id]

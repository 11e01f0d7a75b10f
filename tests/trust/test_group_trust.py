"""Group pages for newcomers, and groups that admit by a member's vouch."""

from __future__ import annotations

from forum.extensions import db
from forum.models import JoinRequest, Membership
from forum.services import groups as group_service
from forum.services import vouches
from tests.factories import login, make_group, make_post, make_user
from tests.trust.helpers import n_rows, vouch


def _vouched_group(owner, *members, **options):
    group = make_group(owner, "Probe Club", members=members, interests="probing", **options)
    group.requires_vouch = True
    db.session.commit()
    return group


def test_the_group_page_introduces_the_group_to_a_newcomer(client):
    own = make_user("own", interests="probing, circuits")
    ben = make_user("ben", interests="probing")
    eli = make_user("eli", interests="probing")
    friend = make_user("fri")
    group = make_group(own, "Probe Club", members=(ben,), interests="probing")
    vouch(own, ben, "Ben's probes replicate.")
    vouch(ben, friend, "Good collaborator.")
    vouch(friend, eli, "Knows eli's work.")  # eli is linked to fri, whom ben vouches for
    make_post(ben, "Ben's open result")
    make_post(ben, "Ben's group-only result", audience="restricted", groups=(group,))
    login(client, eli)
    page = client.get(f"/groups/{group.slug}").get_data(as_text=True)
    assert "Send a request with a short statement" in page
    assert "You share these interests with the group: probing." in page
    assert "What its members work on" in page and "Ben&#39;s probes replicate." in page
    assert "Vouch for people you vouch for or who vouch for you" in page and 'href="/users/ben"' in page
    assert "Recent open posts by its members" in page and "Ben&#39;s open result" in page
    assert "Ben&#39;s group-only result" not in page


def test_unlisted_groups_tell_outsiders_nothing_about_members(client):
    own, ben, eli = make_user("own", interests="tamarind"), make_user("ben"), make_user("eli", interests="tamarind")
    secret = make_group(own, "Quiet Cabal", members=(ben,), listed=False, interests="tamarind")
    vouch(own, ben, "periwinkle statement")
    vouch(ben, eli, "I know eli.")
    other = make_group(own, "Open Lab", members=(eli,))
    login(client, eli)
    assert client.get(f"/groups/{secret.slug}").status_code == 404
    # Eli's other group with `own` is named; the unlisted one never is.
    page = client.get("/users/own").get_data(as_text=True)
    assert "Open Lab" in page and "Quiet Cabal" not in page and secret.slug not in page
    page = client.get(f"/groups/{other.slug}").get_data(as_text=True)
    assert "Quiet Cabal" not in page and secret.slug not in page


def test_a_vouch_required_group_needs_a_members_vouch(client):
    own, ben, eli = make_user("own"), make_user("ben"), make_user("eli")
    group = _vouched_group(own, ben)
    login(client, eli)
    response = client.post(f"/groups/{group.slug}/request", data={"statement": "Let me in.", "vouch": "0"})
    assert response.status_code == 409 and "no member vouches for you yet" in response.get_data(as_text=True)
    assert "Let me in." in response.get_data(as_text=True)  # what was typed is kept
    made = vouches.vouch(ben, eli, "Eli's probing work is solid.")
    form = client.get(f"/groups/{group.slug}/request").get_data(as_text=True)
    assert "Eli&#39;s probing work is solid." in form
    missing = client.post(f"/groups/{group.slug}/request", data={"statement": "Let me in.", "vouch": "0"})
    assert missing.status_code == 400 and "Choose the member whose vouch" in missing.get_data(as_text=True)
    assert n_rows(JoinRequest) == 0
    assert (
        client.post(
            f"/groups/{group.slug}/request", data={"statement": "Let me in.", "vouch": str(made.id)}
        ).status_code
        == 302
    )
    request = db.session.scalar(db.select(JoinRequest))
    assert request.vouch_id == made.id
    login(client, own)
    assert client.post(f"/groups/{group.slug}/requests/{request.id}/approve").status_code == 302
    assert db.session.get(Membership, (group.id, eli.id)) is not None


def test_a_withdrawn_vouch_blocks_approval_with_a_clear_message(client):
    own, ben, eli = make_user("own"), make_user("ben"), make_user("eli")
    group = _vouched_group(own, ben)
    made = vouches.vouch(ben, eli, "Eli's probing work is solid.")
    request = group_service.request_to_join(eli, group, "Let me in.", made.id)
    vouches.withdraw(ben, eli)
    login(client, own)
    response = client.post(f"/groups/{group.slug}/requests/{request.id}/approve")
    assert response.status_code == 409
    assert "relied on ben&#39;s vouch, which was withdrawn" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Membership, (group.id, eli.id)) is None
    assert db.session.get(JoinRequest, request.id).status == "pending"
    # Declining still works.
    assert client.post(f"/groups/{group.slug}/requests/{request.id}/decline").status_code == 302


def test_a_vouch_from_someone_who_is_not_a_member_does_not_count(client):
    own, ben, eli = make_user("own"), make_user("ben"), make_user("eli")
    group = _vouched_group(own)
    made = vouches.vouch(ben, eli, "Outsider's vouch.")
    login(client, eli)
    response = client.post(f"/groups/{group.slug}/request", data={"statement": "", "vouch": str(made.id)})
    assert response.status_code == 409 and n_rows(JoinRequest) == 0


def test_the_setting_is_on_the_group_form(client):
    own = make_user("own")
    group = make_group(own, "Probe Club")
    login(client, own)
    data = {
        "name": "Probe Club",
        "description": "",
        "interests": "",
        "listed": "listed",
        "join_policy": "request",
        "requires_vouch": "y",
    }
    assert client.post(f"/groups/{group.slug}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert group.requires_vouch is True
    assert "A request must carry a vouch from a current member." in client.get(f"/groups/{group.slug}").get_data(
        as_text=True
    )


def test_the_owners_request_list_shows_the_vouch_each_request_carries(client):
    own, ben, eli = make_user("own"), make_user("ben"), make_user("eli", display_name="Eli Vance")
    group = _vouched_group(own, ben)
    made = vouches.vouch(ben, eli, "Eli's probing work is solid.")
    group_service.request_to_join(eli, group, "Let me in.", made.id)
    login(client, own)
    html = client.get(f"/groups/{group.slug}/requests").get_data(as_text=True)
    assert "Let me in." in html
    assert "Eli&#39;s probing work is solid." in html and 'href="/users/ben"' in html
    vouches.withdraw(ben, eli)
    html = client.get(f"/groups/{group.slug}/requests").get_data(as_text=True)
    assert "withdrawn" in html

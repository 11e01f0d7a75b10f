"""Group pages over HTTP: the directory, "Your groups", editing, invitations, joining,
requests, roles, leaving and deleting; every refusal with its message and no change."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Group, GroupInvitation, JoinRequest, Membership
from forum.services import groups as svc
from tests.factories import login, logout, make_group, make_user, page_text


def role_of(group, user):
    db.session.expire_all()
    m = db.session.get(Membership, (group.id, user.id))
    return m.role if m else None


@pytest.fixture
def owner(app):
    return make_user("olga")


# --- the directory and its buttons -----------------------------------------------------


def test_directory_shows_the_right_button_per_group(client, owner):
    viewer = make_user("vera")
    make_group(owner, "Open Lab", join_policy="open")
    make_group(owner, "Request Lab", join_policy="request")
    make_group(owner, "Invite Lab", join_policy="invite")
    requested = make_group(owner, "Asked Lab", join_policy="request")
    member_of = make_group(owner, "Home Lab", join_policy="invite", members=(viewer,))
    invited = make_group(owner, "Guest Lab", join_policy="invite")
    svc.request_to_join(viewer, requested, "")
    svc.invite(owner, invited, "vera")

    anonymous = page_text(client.get("/groups"))
    assert "/groups/open-lab/join" not in anonymous and "Request to join" not in anonymous

    login(client, viewer)
    page = page_text(client.get("/groups"))
    rows = {
        name: page[page.index(name) :].split("</li>")[0]
        for name in ("Open Lab", "Request Lab", "Invite Lab", "Asked Lab", "Home Lab", "Guest Lab")
    }
    assert 'action="/groups/open-lab/join"' in rows["Open Lab"] and ">Join<" in rows["Open Lab"]
    assert 'href="/groups/request-lab/request"' in rows["Request Lab"]
    assert "invitation only" in rows["Invite Lab"] and "<form" not in rows["Invite Lab"]
    assert "requested" in rows["Asked Lab"] and "<form" not in rows["Asked Lab"]
    assert "member" in rows["Home Lab"] and "<form" not in rows["Home Lab"]
    assert "invited" in rows["Guest Lab"]
    assert requested and member_of and invited


def test_directory_and_autocomplete_show_listed_and_own_groups_only(client, owner):
    viewer = make_user("vera")
    make_group(owner, "Public Circle")
    make_group(owner, "Secret Own", listed=False, members=(viewer,))
    invited = make_group(owner, "Secret Invited", listed=False)
    make_group(owner, "Secret Other", listed=False)
    svc.invite(owner, invited, "vera")
    login(client, viewer)
    page = page_text(client.get("/groups"))
    assert "Public Circle" in page and "Secret Own" in page
    assert "Secret Invited" not in page and "Secret Other" not in page
    found = {g["slug"] for g in client.get("/autocomplete/groups?q=secret").get_json()}
    assert found == {"secret-own"}
    assert page_text(client.get("/groups?q=secret")).count("<strong>") == 1


def test_directory_search_by_interest(client, owner):
    make_group(owner, "Alpha", interests="sparse autoencoders")
    make_group(owner, "Beta", interests="forecasting")
    page = page_text(client.get("/groups?q=autoenc"))
    assert "Alpha" in page and "Beta" not in page


# --- your groups -----------------------------------------------------------------------


def test_your_groups_lists_roles_invitations_and_requests(client, owner):
    viewer = make_user("vera")
    make_group(viewer, "Founded Here")
    make_group(owner, "Hidden Home", listed=False, members=(viewer,))
    svc.invite(owner, make_group(owner, "Hidden Invite", listed=False, join_policy="invite"), "vera")
    svc.request_to_join(viewer, make_group(owner, "Waiting Room"), "please")
    make_group(owner, "Unrelated")
    assert client.get("/groups/mine").status_code == 302  # sign in first
    login(client, viewer)
    page = page_text(client.get("/groups/mine"))
    founded = page[page.index("Founded Here") :].split("</li>")[0]
    hidden = page[page.index("Hidden Home") :].split("</li>")[0]
    assert "owner" in founded and "member" in hidden and "unlisted" in hidden
    invitations = page[page.index("Invitations") : page.index("Groups you belong to")]
    assert "Hidden Invite" in invitations and "Accept" in invitations and "Decline" in invitations
    assert "Waiting Room" in page[page.index("Your pending requests") :]
    assert "Unrelated" not in page


# --- editing ---------------------------------------------------------------------------


def test_owner_edits_a_group_but_not_its_address(client, owner):
    group = make_group(owner, "Circuits")
    login(client, owner)
    form = page_text(client.get("/groups/circuits/edit"))
    assert 'value="Circuits"' in form and 'name="slug"' not in form
    response = client.post(
        "/groups/circuits/edit",
        data={
            "name": "Circuits Club",
            "slug": "hijack",
            "description": "Weekly *papers*",
            "interests": "circuits",
            "listed": "unlisted",
            "join_policy": "invite",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/groups/circuits")
    group = db.session.get(Group, group.id)
    assert (group.name, group.slug, group.listed, group.join_policy) == ("Circuits Club", "circuits", False, "invite")
    assert "The group is saved." in page_text(client.get("/groups/circuits"))


def test_bad_edit_keeps_what_was_typed_and_changes_nothing(client, owner):
    group = make_group(owner, "Circuits", description="Old")
    login(client, owner)
    response = client.post(
        "/groups/circuits/edit",
        data={
            "name": "C",
            "description": "Typed text",
            "interests": "",
            "listed": "listed",
            "join_policy": "open",
        },
    )
    assert response.status_code == 400
    assert "Typed text" in page_text(response) and "2 to 80" in page_text(response)
    db.session.expire_all()
    assert (db.session.get(Group, group.id).description, db.session.get(Group, group.id).join_policy) == (
        "Old",
        "request",
    )


def test_admin_edits_member_does_not(client, owner):
    admin, member = make_user("adam"), make_user("mia")
    group = make_group(owner, "Circuits", members=(admin, member))
    svc.change_role(owner, group, "adam", "admin")
    login(client, admin)
    assert client.get("/groups/circuits/edit").status_code == 200
    logout(client)
    login(client, member)
    assert client.get("/groups/circuits/edit").status_code == 403
    assert (
        client.post(
            "/groups/circuits/edit", data={"name": "Taken over", "listed": "listed", "join_policy": "open"}
        ).status_code
        == 403
    )
    assert db.session.get(Group, group.id).name == "Circuits"
    assert "Edit group" not in page_text(client.get("/groups/circuits"))


# --- invitations -----------------------------------------------------------------------


def test_invite_accept_flow(client, owner):
    guest = make_user("gus")
    group = make_group(owner, "Circuits", join_policy="invite")
    login(client, owner)
    page = page_text(client.get("/groups/circuits"))
    assert 'data-autocomplete="/autocomplete/users"' in page
    response = client.post("/groups/circuits/invitations", data={"username": "gus"})
    assert response.status_code == 302
    assert "gus is invited." in page_text(client.get("/groups/circuits"))
    logout(client)
    login(client, guest)
    invitation = db.session.scalar(select(GroupInvitation))
    assert f"/invitations/{invitation.id}/accept" in page_text(client.get("/groups/mine"))
    response = client.post(f"/invitations/{invitation.id}/accept")
    assert response.status_code == 302 and response.headers["Location"].endswith("/groups/circuits")
    assert role_of(group, guest) == "member"
    assert "Welcome to Circuits" in page_text(client.get("/groups/circuits"))


def test_decline_invitation(client, owner):
    guest = make_user("gus")
    group = make_group(owner, "Circuits", join_policy="invite")
    invitation = svc.invite(owner, group, "gus")
    login(client, guest)
    assert client.post(f"/invitations/{invitation.id}/decline").status_code == 302
    assert role_of(group, guest) is None
    assert "Circuits" not in page_text(client.get("/groups/mine"))


@pytest.mark.parametrize(
    "username, message",
    [
        ("ghost", "No user named ghost"),
        ("mia", "already a member"),
        ("gus", "already invited"),
        ("", "Enter a username"),
    ],
)
def test_bad_invitations_show_a_message_and_change_nothing(client, owner, username, message):
    make_user("gus")
    group = make_group(owner, "Circuits", members=(make_user("mia"),))
    svc.invite(owner, group, "gus")
    login(client, owner)
    response = client.post("/groups/circuits/invitations", data={"username": username})
    assert response.status_code == 400
    assert message in page_text(response)
    assert f'value="{username}"' in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(GroupInvitation)) == 1


def test_someone_elses_invitation_answers_404(client, owner):
    guest, other = make_user("gus"), make_user("otto")
    group = make_group(owner, "Circuits", join_policy="invite")
    invitation = svc.invite(owner, group, "gus")
    login(client, other)
    assert client.post(f"/invitations/{invitation.id}/accept").status_code == 404
    assert client.post(f"/invitations/{invitation.id}/decline").status_code == 404
    assert client.post("/invitations/9999/accept").status_code == 404
    assert role_of(group, other) is None
    assert db.session.get(GroupInvitation, invitation.id).status == "pending"
    assert guest


def test_invitee_sees_an_unlisted_groups_name_but_not_its_members_or_posts(client, owner):
    from tests.factories import make_post

    guest, stranger = make_user("gus"), make_user("sam")
    insider = make_user("ivy")
    group = make_group(
        owner, "Red Team", description="We test elicitation.", listed=False, join_policy="invite", members=(insider,)
    )
    make_post(owner, "Secret eval result", audience="restricted", groups=(group,))
    make_post(owner, "Shared with gus too", audience="restricted", groups=(group,), users=(guest,))
    invitation = svc.invite(owner, group, "gus")

    login(client, stranger)
    assert client.get("/groups/red-team").status_code == 404
    logout(client)

    login(client, guest)
    page = page_text(client.get("/groups/red-team"))
    assert "Red Team" in page and "We test elicitation." in page and "Accept invitation" in page
    for hidden in ("ivy", "Secret eval result", "Shared with gus too", "Members", " member", " post", "Posts shared"):
        assert hidden not in page.split("</header>")[1], hidden
    assert client.get("/groups/red-team/requests").status_code == 403
    client.post(f"/invitations/{invitation.id}/decline")
    assert client.get("/groups/red-team").status_code == 404


# --- joining and requests --------------------------------------------------------------


def test_join_an_open_group(client, owner):
    user = make_user("ann")
    group = make_group(owner, "Open Lab", join_policy="open")
    login(client, user)
    response = client.post("/groups/open-lab/join")
    assert response.status_code == 302 and role_of(group, user) == "member"
    assert "You joined Open Lab." in page_text(client.get("/groups/open-lab"))


def test_invite_only_group_refuses_join_and_request(client, owner):
    user = make_user("ann")
    group = make_group(owner, "Closed Lab", join_policy="invite")
    login(client, user)
    page = page_text(client.get("/groups/closed-lab"))
    assert "invitation only" in page and "/groups/closed-lab/join" not in page and "Request to join" not in page
    for url in ("/groups/closed-lab/join", "/groups/closed-lab/request"):
        response = client.post(url, data={"statement": "let me in"})
        assert response.status_code == 403
        assert "Closed Lab admits members by invitation only." in page_text(response)
    assert role_of(group, user) is None
    assert db.session.scalar(select(func.count()).select_from(JoinRequest)) == 0


def test_request_and_approve(client, owner):
    user = make_user("ann")
    group = make_group(owner, "Circuits", join_policy="request")
    login(client, user)
    assert "Why would you like to join?" in page_text(client.get("/groups/circuits/request"))
    response = client.post("/groups/circuits/request", data={"statement": "I replicate <b>circuits</b> papers."})
    assert response.status_code == 302
    page = page_text(client.get("/groups/circuits"))
    assert "Your request is sent" in page and "Withdraw request" in page
    second = client.post("/groups/circuits/request", data={"statement": "again"})
    assert second.status_code == 409 and "not decided yet" in page_text(second)
    assert client.get("/groups/circuits/requests").status_code == 403
    logout(client)

    login(client, owner)
    assert "Join requests (1)" in page_text(client.get("/groups/circuits"))
    queue = page_text(client.get("/groups/circuits/requests"))
    assert "I replicate &lt;b&gt;circuits&lt;/b&gt; papers." in queue
    join_request = db.session.scalar(select(JoinRequest))
    assert client.post(f"/groups/circuits/requests/{join_request.id}/approve").status_code == 302
    assert role_of(group, user) == "member"
    assert "No requests waiting." in page_text(client.get("/groups/circuits/requests"))
    again = client.post(f"/groups/circuits/requests/{join_request.id}/decline")
    assert again.status_code == 409 and "already approved" in page_text(again)
    assert role_of(group, user) == "member"


def test_decline_a_request(client, owner):
    user = make_user("ann")
    group = make_group(owner, "Circuits")
    join_request = svc.request_to_join(user, group, "")
    login(client, owner)
    assert client.post(f"/groups/circuits/requests/{join_request.id}/decline").status_code == 302
    assert role_of(group, user) is None
    assert db.session.get(JoinRequest, join_request.id).status == "declined"


def test_too_long_statement_is_kept_and_refused(client, owner):
    make_group(owner, "Circuits")
    login(client, make_user("ann"))
    response = client.post("/groups/circuits/request", data={"statement": "word " * 300})
    assert response.status_code == 400
    assert "1,000 characters" in page_text(response) and "word word" in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(JoinRequest)) == 0


def test_withdraw_request(client, owner):
    user = make_user("ann")
    group = make_group(owner, "Circuits")
    svc.request_to_join(user, group, "")
    login(client, user)
    assert client.post("/groups/circuits/request/withdraw").status_code == 302
    assert db.session.scalar(select(JoinRequest.status)) == "withdrawn"
    assert "Request to join" in page_text(client.get("/groups/circuits"))


# --- roles, removal, leaving -----------------------------------------------------------


@pytest.fixture
def staffed(owner):
    admin, member, other_admin = make_user("adam"), make_user("mia"), make_user("abe")
    group = make_group(owner, "Circuits", members=(admin, member, other_admin))
    svc.change_role(owner, group, "adam", "admin")
    svc.change_role(owner, group, "abe", "admin")
    return group, admin, member, other_admin


def test_owner_changes_roles_over_http(client, owner, staffed):
    group, admin, member, _ = staffed
    login(client, owner)
    page = page_text(client.get("/groups/circuits"))
    assert 'aria-label="Role of mia"' in page
    response = client.post("/groups/circuits/members/mia/role", data={"role": "owner"})
    assert response.status_code == 302 and role_of(group, member) == "owner"
    assert "mia is now an owner." in page_text(client.get("/groups/circuits"))
    assert client.post("/groups/circuits/members/mia/role", data={"role": "king"}).status_code == 400
    assert role_of(group, member) == "owner"


def test_admin_removes_members_but_not_admins_or_owners(client, owner, staffed):
    group, admin, member, other_admin = staffed
    login(client, admin)
    page = page_text(client.get("/groups/circuits"))
    assert "/groups/circuits/members/mia/remove" in page
    assert "/groups/circuits/members/abe/remove" not in page and "/groups/circuits/members/olga/remove" not in page
    assert 'aria-label="Role of' not in page
    for url in ("/groups/circuits/members/abe/remove", "/groups/circuits/members/olga/remove"):
        response = client.post(url)
        assert response.status_code == 403 and "Admins can remove plain members only" in page_text(response)
    response = client.post("/groups/circuits/members/mia/role", data={"role": "admin"})
    assert response.status_code == 403 and "Only owners change roles." in page_text(response)
    assert client.post("/groups/circuits/members/mia/remove").status_code == 302
    assert (role_of(group, member), role_of(group, other_admin), role_of(group, owner)) == (None, "admin", "owner")


def test_last_owner_cannot_leave_or_step_down(client, owner, staffed):
    group, *_ = staffed
    login(client, owner)
    response = client.post("/groups/circuits/leave")
    assert response.status_code == 409 and "You are the only owner of Circuits" in page_text(response)
    response = client.post("/groups/circuits/members/olga/role", data={"role": "member"})
    assert response.status_code == 409 and "at least one owner" in page_text(response)
    assert role_of(group, owner) == "owner"


def test_member_leaves(client, owner, staffed):
    group, admin, member, _ = staffed
    login(client, member)
    response = client.post("/groups/circuits/leave")
    assert response.status_code == 302 and response.headers["Location"].endswith("/groups/mine")
    assert role_of(group, member) is None
    assert "You left Circuits." in page_text(client.get("/groups/mine"))


NON_MANAGER_ACTIONS = [
    ("get", "/groups/{slug}/edit", None),
    ("post", "/groups/{slug}/edit", {"name": "Hijacked", "listed": "listed", "join_policy": "open"}),
    ("post", "/groups/{slug}/invitations", {"username": "sam"}),
    ("get", "/groups/{slug}/requests", None),
    ("post", "/groups/{slug}/requests/{request_id}/approve", None),
    ("post", "/groups/{slug}/members/adam/remove", None),
    ("post", "/groups/{slug}/members/adam/role", {"role": "member"}),
    ("get", "/groups/{slug}/delete", None),
    ("post", "/groups/{slug}/delete", {"confirm": "{slug}"}),
]


@pytest.mark.parametrize("listed", [True, False], ids=["listed", "unlisted"])
@pytest.mark.parametrize("method, url, data", NON_MANAGER_ACTIONS)
def test_actions_by_non_managers(client, owner, listed, method, url, data):
    """A plain member gets 403; a stranger gets 403 on a listed group and 404 on an
    unlisted one, which for them does not exist. Nothing changes either way."""
    member, stranger, admin = make_user("mia"), make_user("sam"), make_user("adam")
    group = make_group(owner, "Circuits", listed=listed, members=(member, admin))
    svc.change_role(owner, group, "adam", "admin")
    join_request = svc.request_to_join(make_user("ann"), group, "")
    url = url.format(slug=group.slug, request_id=join_request.id)
    data = {k: v.format(slug=group.slug) for k, v in (data or {}).items()}
    for user, expected in ((member, 403), (stranger, 403 if listed else 404)):
        login(client, user)
        response = client.get(url) if method == "get" else client.post(url, data=data)
        assert response.status_code == expected, (user.username, url)
        logout(client)
    db.session.expire_all()
    assert db.session.get(Group, group.id).name == "Circuits"
    assert role_of(group, admin) == "admin"
    assert db.session.get(JoinRequest, join_request.id).status == "pending"
    assert db.session.scalar(select(func.count()).select_from(GroupInvitation)) == 0


def test_unlisted_group_actions_answer_404_to_strangers(client, owner):
    make_group(owner, "Hidden", listed=False, join_policy="open")
    login(client, make_user("sam"))
    for url in ("/groups/hidden", "/groups/hidden/request"):
        assert client.get(url).status_code == 404
    for url in (
        "/groups/hidden/join",
        "/groups/hidden/request",
        "/groups/hidden/leave",
        "/groups/hidden/request/withdraw",
    ):
        assert client.post(url).status_code == 404


# --- deleting --------------------------------------------------------------------------


def test_owner_deletes_with_confirmation(client, owner):
    admin = make_user("adam")
    group = make_group(owner, "Circuits", members=(admin,))
    svc.change_role(owner, group, "adam", "admin")
    login(client, admin)
    assert "Delete group" not in page_text(client.get("/groups/circuits"))
    assert client.post("/groups/circuits/delete", data={"confirm": "circuits"}).status_code == 403
    logout(client)
    login(client, owner)
    assert "Type the group" in page_text(client.get("/groups/circuits/delete"))
    wrong = client.post("/groups/circuits/delete", data={"confirm": "circles"})
    assert wrong.status_code == 400 and "Type circuits exactly" in page_text(wrong)
    assert db.session.get(Group, group.id) is not None
    response = client.post("/groups/circuits/delete", data={"confirm": "circuits"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/groups/mine")
    assert "Circuits was deleted." in page_text(client.get("/groups/mine"))
    assert client.get("/groups/circuits").status_code == 404


def test_directory_search_by_description_within_visible_groups(client, owner):
    make_group(owner, "Alpha", description="We read papers on dictionary learning.")
    make_group(owner, "Beta", description="Forecasting club.")
    make_group(owner, "Gamma", description="Dictionary learning, privately.", listed=False)
    page = page_text(client.get("/groups?q=dictionary"))
    assert "Alpha" in page and "Beta" not in page and "Gamma" not in page

"""The group services: who may do what, the state rules, and bad input changing nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import Group, GroupInvitation, JoinRequest, Membership
from forum.services import ServiceError
from forum.services import groups as svc
from tests.factories import make_group, make_user


def role_of(group, user):
    m = db.session.get(Membership, (group.id, user.id))
    return m.role if m else None


def count(model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


@pytest.fixture
def team(app):
    """A group with an owner, an admin, two plain members and an outsider."""
    owner, admin, ann, bob, out = (make_user(n) for n in ("owner", "admin", "ann", "bob", "out"))
    group = make_group(owner, "Circuits", members=(admin, ann, bob), join_policy="request")
    svc.change_role(owner, group, "admin", "admin")
    return group, owner, admin, ann, bob, out


def refused(status, call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        call(*args, **kwargs)
    assert info.value.status == status, info.value.message
    db.session.rollback()
    return info.value


# --- editing ---------------------------------------------------------------------------


def test_owner_and_admin_edit_everything_but_the_address(team):
    group, owner, admin, *_ = team
    svc.update_group(
        admin,
        group,
        name="Circuits Club",
        description="*Weekly*",
        listed=False,
        join_policy="invite",
        interests="circuits, SAEs",
    )
    db.session.expire_all()
    group = db.session.get(Group, group.id)
    assert (group.name, group.slug, group.listed, group.join_policy) == ("Circuits Club", "circuits", False, "invite")
    assert "<em>Weekly</em>" in group.description_html
    assert [i.name for i in group.interests] == ["circuits", "saes"]


def test_member_cannot_edit_and_bad_input_changes_nothing(team):
    group, owner, admin, ann, *_ = team
    refused(
        403,
        svc.update_group,
        ann,
        group,
        name="Mine now",
        description="",
        listed=True,
        join_policy="open",
        interests="",
    )
    error = refused(
        400, svc.update_group, owner, group, name="x", description="new", listed=False, join_policy="open", interests=""
    )
    assert error.field == "name"
    refused(
        400,
        svc.update_group,
        owner,
        group,
        name="Fine",
        description="",
        listed=True,
        join_policy="anyone",
        interests="",
    )
    db.session.expire_all()
    group = db.session.get(Group, group.id)
    assert (group.name, group.description, group.listed, group.join_policy) == ("Circuits", "", True, "request")


def test_reserved_addresses_are_refused(app):
    owner = make_user()
    for slug in ("mine", "new"):
        assert refused(400, svc.create_group, owner, "Something", slug=slug).field == "slug"


# --- invitations -----------------------------------------------------------------------


def test_invitation_accepted_makes_a_member_and_closes_a_pending_request(team):
    group, owner, admin, ann, bob, out = team
    svc.request_to_join(out, group, "Please")
    invitation = svc.invite(admin, group, "@OUT")
    assert (invitation.user_id, invitation.invited_by_id, invitation.status) == (out.id, admin.id, "pending")
    svc.accept_invitation(out, invitation.id)
    assert role_of(group, out) == "member"
    assert db.session.get(GroupInvitation, invitation.id).status == "accepted"
    assert count(JoinRequest, user_id=out.id, status="approved") == 1


def test_declined_invitation_leaves_no_membership(team):
    group, owner, *_, out = team
    invitation = svc.invite(owner, group, "out")
    svc.decline_invitation(out, invitation.id)
    assert role_of(group, out) is None
    assert db.session.get(GroupInvitation, invitation.id).status == "declined"
    refused(404, svc.accept_invitation, out, invitation.id)  # answered is answered


@pytest.mark.parametrize(
    "username, status, message",
    [
        ("nobody", 400, "No user named nobody"),
        ("ann", 409, "already a member"),
        ("", 400, "Enter a username"),
    ],
)
def test_bad_invitations_are_refused(team, username, status, message):
    group, owner, *_ = team
    error = refused(status, svc.invite, owner, group, username)
    assert message in error.message and error.field == "username"
    assert count(GroupInvitation) == 0


def test_duplicate_invitation_is_refused(team):
    group, owner, admin, *_, out = team
    svc.invite(owner, group, "out")
    assert "already invited" in refused(409, svc.invite, admin, group, "out").message
    assert count(GroupInvitation, user_id=out.id) == 1


def test_only_managers_invite_or_cancel(team):
    group, owner, admin, ann, bob, out = team
    refused(403, svc.invite, ann, group, "out")
    invitation = svc.invite(owner, group, "out")
    refused(403, svc.cancel_invitation, ann, group, invitation.id)
    svc.cancel_invitation(admin, group, invitation.id)
    assert db.session.get(GroupInvitation, invitation.id).status == "cancelled"
    refused(404, svc.accept_invitation, out, invitation.id)


def test_someone_elses_invitation_is_not_found(team):
    group, owner, admin, ann, bob, out = team
    invitation = svc.invite(owner, group, "out")
    refused(404, svc.accept_invitation, bob, invitation.id)
    refused(404, svc.decline_invitation, bob, invitation.id)
    assert role_of(group, bob) == "member" and role_of(group, out) is None
    assert db.session.get(GroupInvitation, invitation.id).status == "pending"


def test_database_keeps_one_pending_invitation_and_request_per_person(team):
    """The unique partial indexes back up the service checks against racing submits."""
    group, owner, *_, out = team
    db.session.add_all([GroupInvitation(group_id=group.id, user_id=out.id, invited_by_id=owner.id) for _ in range(2)])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add_all([JoinRequest(group_id=group.id, user_id=out.id) for _ in range(2)])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # Answered rows do not count: a declined request can be followed by a new one.
    db.session.add_all(
        [
            JoinRequest(group_id=group.id, user_id=out.id, status="declined"),
            JoinRequest(group_id=group.id, user_id=out.id),
        ]
    )
    db.session.commit()


# --- joining ---------------------------------------------------------------------------


def test_join_follows_the_policy(app):
    owner, user = make_user(), make_user()
    open_group = make_group(owner, "Open", join_policy="open")
    by_request = make_group(owner, "By request", join_policy="request")
    by_invitation = make_group(owner, "By invitation", join_policy="invite")
    svc.join(user, open_group)
    assert role_of(open_group, user) == "member"
    assert "already a member" in refused(409, svc.join, user, open_group).message
    assert "send a request" in refused(409, svc.join, user, by_request).message
    assert "invitation only" in refused(403, svc.join, user, by_invitation).message
    assert role_of(by_request, user) is None and role_of(by_invitation, user) is None


def test_an_invitation_opens_an_invite_only_group(app):
    owner, user = make_user(), make_user()
    group = make_group(owner, "Closed", join_policy="invite")
    svc.invite(owner, group, user.username)
    svc.join(user, group)
    assert role_of(group, user) == "member"
    assert count(GroupInvitation, status="accepted") == 1


def test_join_request_rules(team):
    group, owner, admin, ann, bob, out = team
    assert refused(400, svc.request_to_join, out, group, "x" * 1001).field == "statement"
    assert "already a member" in refused(409, svc.request_to_join, ann, group, "").message
    svc.request_to_join(out, group, "  I study circuits.  ")
    assert "not decided yet" in refused(409, svc.request_to_join, out, group, "again").message
    assert count(JoinRequest, user_id=out.id) == 1
    assert db.session.scalar(select(JoinRequest.statement)) == "I study circuits."


def test_requests_refused_by_policy_or_invitation(app):
    owner, user, invited = make_user(), make_user(), make_user()
    closed = make_group(owner, "Closed", join_policy="invite")
    open_group = make_group(owner, "Open", join_policy="open")
    by_request = make_group(owner, "By request", join_policy="request")
    svc.invite(owner, by_request, invited.username)
    assert "invitation only" in refused(403, svc.request_to_join, user, closed, "").message
    assert "use Join" in refused(409, svc.request_to_join, user, open_group, "").message
    assert "accept the invitation" in refused(409, svc.request_to_join, invited, by_request, "").message
    assert count(JoinRequest) == 0


def test_deciding_requests(team):
    group, owner, admin, ann, bob, out = team
    other = make_user("other")
    first = svc.request_to_join(out, group, "")
    second = svc.request_to_join(other, group, "")
    refused(403, svc.decide_request, ann, group, first.id, approve=True)
    svc.decide_request(admin, group, first.id, approve=True)
    svc.decide_request(owner, group, second.id, approve=False)
    assert role_of(group, out) == "member" and role_of(group, other) is None
    assert db.session.get(JoinRequest, first.id).decided_by_id == admin.id
    assert db.session.get(JoinRequest, second.id).status == "declined"
    assert "already declined" in refused(409, svc.decide_request, owner, group, second.id, approve=True).message
    assert role_of(group, other) is None
    # A request belongs to its group: deciding it through another group is not found.
    elsewhere = make_group(admin, "Elsewhere")
    third = svc.request_to_join(make_user(), group, "")
    refused(404, svc.decide_request, admin, elsewhere, third.id, approve=True)
    # After a decline one may ask again.
    svc.request_to_join(other, group, "Second try")


def test_withdrawing_a_request(team):
    group, *_, out = team
    svc.request_to_join(out, group, "")
    svc.withdraw_request(out, group)
    assert count(JoinRequest, status="withdrawn") == 1
    refused(409, svc.withdraw_request, out, group)


# --- roles, removal, leaving -----------------------------------------------------------


def test_owner_gives_and_takes_any_role(team):
    group, owner, admin, ann, *_ = team
    svc.change_role(owner, group, "ann", "owner")
    svc.change_role(owner, group, "admin", "member")
    assert (role_of(group, ann), role_of(group, admin)) == ("owner", "member")
    svc.change_role(ann, group, "owner", "admin")  # another owner may demote the founder
    assert role_of(group, owner) == "admin"
    refused(400, svc.change_role, ann, group, "admin", "emperor")
    refused(404, svc.change_role, ann, group, "out", "admin")


def test_admins_and_members_change_no_roles(team):
    group, owner, admin, ann, *_ = team
    refused(403, svc.change_role, admin, group, "ann", "admin")
    refused(403, svc.change_role, admin, group, "admin", "owner")
    refused(403, svc.change_role, ann, group, "ann", "owner")
    assert (role_of(group, admin), role_of(group, ann)) == ("admin", "member")


def test_admins_remove_plain_members_only(team):
    group, owner, admin, ann, bob, out = team
    other_admin = make_user("admin2")
    svc.add_member(group, other_admin, "admin")
    db.session.commit()
    svc.remove_member(admin, group, "ann")
    assert role_of(group, ann) is None
    refused(403, svc.remove_member, admin, group, "admin2")
    refused(403, svc.remove_member, admin, group, "owner")
    refused(403, svc.remove_member, bob, group, "admin")
    refused(404, svc.remove_member, admin, group, "out")
    assert "use Leave" in refused(400, svc.remove_member, admin, group, "admin").message
    svc.remove_member(owner, group, "admin2")
    assert role_of(group, other_admin) is None and role_of(group, owner) == "owner"


def test_the_last_owner_stays(team):
    group, owner, admin, ann, *_ = team
    assert "only owner" in refused(409, svc.leave, owner, group).message
    assert "at least one owner" in refused(409, svc.change_role, owner, group, "owner", "admin").message
    assert role_of(group, owner) == "owner"
    svc.change_role(owner, group, "ann", "owner")
    svc.change_role(owner, group, "owner", "member")  # two owners: demoting one is fine
    assert "at least one owner" in refused(409, svc.change_role, ann, group, "ann", "admin").message
    assert "only owner" in refused(409, svc.leave, ann, group).message
    svc.leave(owner, group)
    assert role_of(group, owner) is None and role_of(group, ann) == "owner"


def test_members_leave(team):
    group, owner, admin, ann, bob, out = team
    svc.leave(ann, group)
    svc.leave(admin, group)
    assert role_of(group, ann) is None and role_of(group, admin) is None
    refused(409, svc.leave, out, group)


def test_only_owners_delete(team):
    group, owner, admin, *_ = team
    svc.invite(owner, group, "out")
    svc.request_to_join(make_user(), group, "")
    refused(403, svc.delete_group, group, actor=admin)
    assert db.session.get(Group, group.id) is not None
    svc.delete_group(group, actor=owner)
    assert db.session.get(Group, group.id) is None
    assert count(Membership) == count(GroupInvitation) == count(JoinRequest) == 0


def test_banned_users_write_no_group_text_but_may_still_leave(team):
    """A ban stops text others read (join statements, invitations, edits); leaving stays open."""
    from forum.services import moderation

    group, owner, admin, ann, bob, out = team
    moderator = make_user("modo")
    moderator.role = "moderator"
    db.session.commit()
    for user in (out, admin, ann):
        moderation.ban_user(moderator, user, "Spam.", days=3)
    assert "banned" in refused(403, svc.request_to_join, out, group, "let me in").message
    refused(403, svc.invite, admin, group, "out")
    refused(
        403, svc.update_group, admin, group, name="Spam", description="", listed=True, join_policy="open", interests=""
    )
    svc.leave(ann, group)
    assert role_of(group, ann) is None and count(JoinRequest) == count(GroupInvitation) == 0

"""Each kind of notification reaches the right person, and an outsider is told nothing:
no row they could see, no unread count that moves."""

from __future__ import annotations

import pytest

from forum.services import groups as group_service
from forum.services import moderation, notifications, terms
from forum.services import posts as post_service
from forum.services.audience import Audience
from tests.factories import make_comment, make_group, make_post, make_user
from tests.moderation_helpers import make_moderator
from tests.notifications.helpers import REVOCATIONS, kinds, revoke, stored, unread


def _restricted(world, title="Quiet result"):
    return make_post(world.ada, title, "Body.", audience="restricted", groups=(world.lab,))


def test_a_comment_notifies_the_post_author_and_a_reply_the_comment_author(world):
    post = _restricted(world)
    question = make_comment(world.ben, post, "Which layer?")
    assert kinds(world.ada) == ["reply_post"]
    make_comment(world.ada, post, "Layer 20.", parent=question)
    assert kinds(world.ben) == ["reply_comment", "shared_group"]
    assert (unread(world.ada), unread(world.ben)) == (1, 2)
    assert (kinds(world.eli), unread(world.eli), stored(world.eli)) == ([], 0, 0)


def test_followers_of_a_thread_hear_of_new_comments_and_repliers_follow_it(world):
    chen = make_user("chen")
    group_service.add_member(world.lab, chen)
    post = _restricted(world)
    make_comment(world.ben, post, "First.")
    make_comment(chen, post, "Second.")
    assert kinds(world.ben) == ["thread", "shared_group"]  # ben follows the thread he commented in
    assert kinds(world.ada) == ["reply_post", "reply_post"]


def test_a_mention_reaches_a_reader_and_never_someone_outside_the_audience(world, app):
    post = _restricted(world)
    make_comment(world.ben, post, "@eli and @ada, look at this; @nosuchuser too.")
    assert kinds(world.ada) == ["mention"]
    assert (kinds(world.eli), unread(world.eli), stored(world.eli)) == ([], 0, 0)
    # Not later either: joining the audience does not bring the old mention back.
    group_service.add_member(world.lab, world.eli)
    from forum.extensions import db

    db.session.commit()
    assert kinds(world.eli) == []
    make_comment(world.ben, post, "Now @eli can read this.")
    assert kinds(world.eli) == ["mention"]


def test_mentions_are_capped_per_comment(app, world):
    people = [make_user(f"reader{i:02d}") for i in range(15)]
    post = make_post(world.ada, "Open")
    make_comment(world.ben, post, " ".join(f"@{p.username}" for p in people) * 3)
    told = [p for p in people if kinds(p) == ["mention"]]
    assert told == people[: app.config["MENTIONS_MAX"]]


def test_new_accounts_mention_fewer_people_and_only_so_many_an_hour(app, world):
    app.config.update(NEW_ACCOUNT_LIMITS_ENABLED=True, NEW_ACCOUNT_MENTIONS_MAX=2, NEW_ACCOUNT_MENTIONS_PER_HOUR=3)
    people = [make_user(f"reader{i}") for i in range(4)]
    post = make_post(world.ada, "Open")
    newcomer = make_user("newcomer")
    make_comment(newcomer, post, " ".join(f"@{p.username}" for p in people))
    assert [kinds(p) for p in people] == [["mention"], ["mention"], [], []]
    make_comment(newcomer, post, f"@{people[2].username} @{people[3].username}")
    assert [kinds(p) for p in people] == [["mention"], ["mention"], ["mention"], []]  # the hour's third and last


def test_invitations_requests_and_their_answers(world):
    open_lab = make_group(world.ada, "Open Lab", join_policy="request")
    group_service.invite(world.ada, world.lab, "eli")
    assert kinds(world.eli) == ["group_invitation"]
    group_service.accept_invitation(world.eli, _pending(world.lab, world.eli))
    assert kinds(world.ada) == ["invitation_accepted"]
    chen = make_user("chen")
    request = group_service.request_to_join(chen, open_lab, "I read your notes.")
    assert kinds(world.ada)[0] == "join_request"
    group_service.decide_request(world.ada, open_lab, request.id, approve=False)
    assert kinds(chen) == ["join_declined"]


def _pending(group, user):
    from forum.extensions import db
    from forum.models import GroupInvitation

    return db.session.scalar(
        db.select(GroupInvitation.id).where(
            GroupInvitation.group_id == group.id,
            GroupInvitation.user_id == user.id,
            GroupInvitation.status == "pending",
        )
    )


def test_a_cancelled_invitation_to_an_unlisted_group_leaves_nothing_behind(world):
    group_service.invite(world.ada, world.lab, "eli")
    assert unread(world.eli) == 1
    group_service.cancel_invitation(world.ada, world.lab, _pending(world.lab, world.eli))
    # The group is hidden from eli again, and so is every notification naming it.
    assert (kinds(world.eli), unread(world.eli)) == ([], 0)


def test_a_join_request_reaches_only_the_groups_managers(world):
    chen, dana = make_user("chen"), make_user("dana")
    open_lab = make_group(world.ada, "Open Lab", join_policy="request", members=(world.ben,))
    group_service.request_to_join(chen, open_lab, "")
    assert kinds(world.ada) == ["join_request"]
    assert kinds(world.ben) == kinds(dana) == []


def test_sharing_with_a_person_or_a_group_and_narrowing_it_again(world):
    post = make_post(world.ada, "For eli", audience="restricted", users=(world.eli,), groups=(world.lab,))
    assert kinds(world.eli) == ["shared_user"]
    assert kinds(world.ben) == ["shared_group"]
    post_service.update_post(
        post, world.ada, post.title, post.body_md, "", Audience("restricted", frozenset(), frozenset({world.lab.id}))
    )
    assert (kinds(world.eli), unread(world.eli)) == ([], 0)  # narrowed: gone for eli
    assert kinds(world.ben) == ["shared_group"]


def test_widening_an_audience_tells_only_the_newcomers(world):
    chen = make_user("chen")
    post = _restricted(world)
    post_service.update_post(
        post,
        world.ada,
        post.title,
        post.body_md,
        "",
        Audience("restricted", frozenset({chen.id}), frozenset({world.lab.id})),
    )
    assert kinds(chen) == ["shared_user"]
    assert kinds(world.ben) == ["shared_group"]  # once, from the first publication


def test_leaving_the_group_takes_its_shared_posts_away(world):
    make_post(world.ada, "Open but shared", audience="restricted", groups=(world.lab,))
    group_service.leave(world.ben, world.lab)
    assert (kinds(world.ben), unread(world.ben)) == ([], 0)


def test_terms_accepted_reach_the_author(world):
    post = _restricted(world)
    post_service.update_post(
        post,
        world.ada,
        post.title,
        post.body_md,
        "",
        Audience("restricted", frozenset(), frozenset({world.lab.id})),
        terms=terms.TermsChoice(None, "Do not share."),
    )
    terms.accept_post_terms(world.ben, post, post.terms_version)
    assert kinds(world.ada) == ["terms_accepted"]


def test_moderation_decisions_reach_the_author_and_hide_the_removed_comment_from_others(world):
    mod = make_moderator("mod")
    post = make_post(world.ada, "Open")
    comment = make_comment(world.ben, post, "Spam?")
    assert kinds(world.ada) == ["reply_post"]
    moderation.remove_comment(mod, comment, "Spam.")
    assert kinds(world.ben) == ["mod_removed"]
    assert kinds(world.ada) == []  # the removed comment is no longer anyone else's news
    moderation.restore_comment(mod, comment)
    assert kinds(world.ben) == ["mod_restored", "mod_removed"]
    assert kinds(world.ada) == ["reply_post"]


def test_following_a_person_a_tag_and_a_group(world):
    chen = make_user("chen")
    open_lab = make_group(world.ada, "Open Lab")
    notifications.set_following(chen, "user", world.ada.id, "follow")
    notifications.set_following(world.eli, "tag", _tag_id(world), "follow")
    notifications.set_following(world.eli, "group", open_lab.id, "follow")
    make_post(world.ada, "Public circuits", tags="circuits")
    make_post(world.ada, "Lab circuits", tags="circuits", audience="restricted", groups=(world.lab,))
    make_post(world.ada, "Open lab only", audience="restricted", groups=(open_lab,))
    assert kinds(chen) == ["followed_user_post"]  # the two restricted ones are not for chen
    assert kinds(world.eli) == ["followed_tag_post"]
    assert stored(world.eli) == 3  # made, and filtered when shown


def _tag_id(world):
    from forum.extensions import db
    from forum.models import Tag

    make_post(world.ben, "Tag seed", tags="circuits")
    return db.session.scalar(db.select(Tag.id).where(Tag.name == "circuits"))


@pytest.mark.parametrize("how", REVOCATIONS)
def test_revocation_between_creation_and_display(world, how):
    """Notifications about a post leave as soon as the reader may no longer read it."""
    post = _restricted(world)
    question = make_comment(world.ben, post, "Question.")
    make_comment(world.ada, post, "Answer.", parent=question)
    assert unread(world.ben) == 2  # shared with his group, and the reply
    revoke(world, post, how)
    # Behind new terms the title stays readable (so does the notice of sharing), the comments not.
    left = ["shared_group"] if how == "new terms" else []
    assert (kinds(world.ben), unread(world.ben)) == (left, len(left))


def test_muting_a_thread_silences_replies_but_not_mentions(world):
    post = _restricted(world)
    make_comment(world.ben, post, "Hello.")
    notifications.set_following(world.ben, "post", post.id, "mute")
    make_comment(world.ada, post, "A reply.")
    make_comment(world.ada, post, "And @ben, a mention.")
    assert kinds(world.ben) == ["mention", "shared_group"]


def test_a_followed_group_is_named_and_its_posts_follow_its_visibility(world):
    from forum.queries import inbox

    open_lab = make_group(world.ada, "Open Lab", members=(world.ben,))
    notifications.set_following(world.eli, "group", open_lab.id, "follow")
    make_post(world.ben, "For the open lab", audience="restricted", groups=(open_lab,))
    assert kinds(world.eli) == []  # not a member: the post is not for eli
    group_service.add_member(open_lab, world.eli)
    from forum.extensions import db

    db.session.commit()
    (item,) = inbox.items(world.eli)
    assert inbox.message(item) == "ben published “For the open lab” in Open Lab"


def test_a_draft_is_news_only_once_it_is_published(world):
    from forum.services import drafts

    chen = make_user("chen")
    notifications.set_following(chen, "user", world.ada.id, "follow")
    draft = post_service.create_post(
        world.ada,
        "Draft result",
        "Body.",
        "",
        Audience("restricted", frozenset({world.eli.id, chen.id}), frozenset({world.lab.id})),
        draft=True,
    )
    assert kinds(world.eli) == kinds(world.ben) == kinds(chen) == []
    assert stored(world.eli) == stored(world.ben) == stored(chen) == 0
    drafts.publish(draft, world.ada)
    assert kinds(world.eli) == kinds(chen) == ["shared_user"]
    assert kinds(world.ben) == ["shared_group"]

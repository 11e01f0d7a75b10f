"""Casting votes through the service: weights, thresholds, toggling, refusals."""

from __future__ import annotations

import pytest

from forum.models import Vote, ranking
from forum.services import ServiceError, comments, posts
from forum.services.votes import cast_vote
from tests.factories import make_comment, make_user
from tests.votes.helpers import fresh, set_karma, vote_rows


def test_normal_up_vote_weighs_one_and_moves_score_and_karma(post, author):
    result = cast_vote(make_user(), post, "up")
    assert (result.score, result.vote_count, result.vote) == (1, 1, "up")
    assert fresh(post).score == 1
    assert fresh(author).karma == 1


def test_normal_vote_weighs_two_for_high_karma_voters(app, post, author):
    voter = set_karma(make_user(), app.config["VOTE_NORMAL_DOUBLE_KARMA"])
    assert cast_vote(voter, post, "up").score == 2
    assert fresh(author).karma == 2


@pytest.mark.parametrize(
    "karma, weight", [(25, 2), (99, 2), (100, 3), (999, 5), (1_000, 6), (24_999, 9), (25_000, 10), (10**6, 10)]
)
def test_strong_vote_weight_follows_the_published_schedule(app, post, karma, weight):
    voter = set_karma(make_user(), karma)
    assert cast_vote(voter, post, "strong-up").score == weight
    assert ranking.strong_weight(karma, app.config["VOTE_STRONG_WEIGHTS"]) == weight


def test_same_vote_again_takes_it_back(post, author):
    voter = make_user()
    cast_vote(voter, post, "up")
    result = cast_vote(voter, post, "up")
    assert (result.score, result.vote_count, result.vote) == (0, 0, None)
    assert vote_rows(post_id=post.id) == 0
    assert fresh(author).karma == 0


def test_other_vote_replaces_it(post, author):
    voter = set_karma(make_user(), 100)
    cast_vote(voter, post, "up")
    result = cast_vote(voter, post, "strong-down")
    assert (result.score, result.vote_count, result.vote) == (-3, 1, "strong-down")
    assert vote_rows(post_id=post.id) == 1
    assert fresh(author).karma == -3


def test_taking_back_subtracts_the_weight_cast_even_after_karma_changed(post, author):
    voter = set_karma(make_user(), 100)
    cast_vote(voter, post, "strong-up")
    set_karma(voter, 0)  # below the strong threshold now
    result = cast_vote(voter, post, "strong-up")
    assert (result.score, result.vote) == (0, None)
    assert fresh(author).karma == 0


def test_stale_page_repeating_a_vote_keeps_it(post):
    """A double submit: both requests were made from a page showing no vote."""
    voter = make_user()
    cast_vote(voter, post, "up", expected="none")
    result = cast_vote(voter, post, "up", expected="none")
    assert (result.score, result.vote) == (1, "up")
    assert vote_rows(post_id=post.id) == 1


def test_down_votes_need_karma(app, post, author):
    voter = set_karma(make_user(), app.config["VOTE_DOWN_MIN_KARMA"] - 1)
    with pytest.raises(ServiceError) as refused:
        cast_vote(voter, post, "down")
    assert refused.value.status == 403 and "karma" in refused.value.message
    assert vote_rows() == 0 and fresh(post).score == 0
    set_karma(voter, app.config["VOTE_DOWN_MIN_KARMA"])
    assert cast_vote(voter, post, "down").score == -1
    assert fresh(author).karma == -1


def test_strong_votes_need_karma(app, post):
    voter = set_karma(make_user(), app.config["VOTE_STRONG_MIN_KARMA"] - 1)
    with pytest.raises(ServiceError) as refused:
        cast_vote(voter, post, "strong-up")
    assert refused.value.status == 403
    assert vote_rows() == 0


def test_thresholds_come_from_config(app, post):
    app.config["VOTE_DOWN_MIN_KARMA"] = 0
    assert cast_vote(make_user(), post, "down").score == -1


def test_replacing_with_a_vote_one_may_not_cast_changes_nothing(post):
    voter = make_user()
    cast_vote(voter, post, "up")
    with pytest.raises(ServiceError):
        cast_vote(voter, post, "down")
    assert fresh(post).score == 1


def test_no_voting_on_own_writing(post, author):
    with pytest.raises(ServiceError) as refused:
        cast_vote(author, post, "up")
    assert refused.value.status == 403
    comment = make_comment(author, post)
    with pytest.raises(ServiceError):
        cast_vote(author, comment, "agree", axis="agreement")
    assert vote_rows() == 0 and fresh(author).karma == 0


@pytest.mark.parametrize(
    "choice, axis", [("sideways", "karma"), ("", "karma"), ("agree", "karma"), ("up", "agreement"), ("up", "mood")]
)
def test_values_other_than_the_buttons_are_refused(post, author, choice, axis):
    comment = make_comment(author, post)
    with pytest.raises(ServiceError) as refused:
        cast_vote(make_user(), comment, choice, axis=axis)
    assert refused.value.status == 400
    assert vote_rows() == 0


def test_agreement_is_for_comments_only(post):
    with pytest.raises(ServiceError) as refused:
        cast_vote(make_user(), post, "agree", axis="agreement")
    assert refused.value.status == 400


def test_deleted_items_take_no_votes(post, author):
    comment = make_comment(author, post)
    comments.delete_comment(comment)
    with pytest.raises(ServiceError) as refused:
        cast_vote(make_user(), comment, "up")
    assert refused.value.status == 409
    posts.delete_post(post)
    with pytest.raises(ServiceError) as refused:
        cast_vote(make_user(), post, "up")
    assert refused.value.status == 409
    assert vote_rows() == 0


def test_agreement_is_a_separate_axis_that_leaves_karma_alone(post, author):
    commenter = make_user()
    comment = make_comment(commenter, post)
    voter = make_user()
    cast_vote(voter, comment, "up")
    result = cast_vote(voter, comment, "disagree", axis="agreement")
    assert (result.score, result.vote_count, result.agreement, result.agreement_count, result.vote) == (
        1,
        1,
        -1,
        1,
        "disagree",
    )
    cast_vote(make_user(), comment, "agree", axis="agreement")
    cast_vote(make_user(), comment, "agree", axis="agreement")
    stored = fresh(comment)
    assert (stored.score, stored.agreement, stored.agreement_count) == (1, 1, 3)
    assert fresh(commenter).karma == 1
    assert vote_rows(comment_id=comment.id, axis="karma") == 1


def test_comment_votes_go_to_the_comment_author(post, author):
    commenter = make_user()
    comment = make_comment(commenter, post)
    cast_vote(make_user(), comment, "up")
    assert fresh(commenter).karma == 1
    assert fresh(author).karma == 0
    assert fresh(post).score == 0


def test_a_vote_moves_the_stored_hot_value(post):
    before = fresh(post).hot
    cast_vote(make_user(), post, "up")
    assert fresh(post).hot == before  # log10(1) == 0
    for _ in range(9):
        cast_vote(make_user(), post, "up")
    stored = fresh(post)
    assert stored.score == 10
    assert stored.hot == pytest.approx(ranking.hot(10, stored.created_at))
    assert stored.hot == pytest.approx(before + 1)


def test_vote_row_records_weight_and_kind(post):
    voter = set_karma(make_user(), 250)
    cast_vote(voter, post, "strong-down")
    vote = Vote.query.one()
    assert (vote.direction, vote.strong, vote.weight, vote.choice) == (-1, True, -4, "strong-down")

"""Demo content that reads like a small interpretability research forum."""

from __future__ import annotations

from datetime import timedelta

from forum.demo import history, marks, research
from forum.demo.conversations import add_demo_conversation
from forum.demo.trust import add_trust_demo
from forum.extensions import db
from forum.models import Comment, Post
from forum.models._time import utcnow
from forum.services import accounts, comments, groups, notifications, posts, votes
from forum.services.audience import Audience

DEMO_PASSWORD = "interpretability"

PEOPLE = [
    (
        "ada",
        "Ada Okafor",
        "mechanistic interpretability, sparse autoencoders",
        "Independent researcher working on feature splitting in SAEs.",
    ),
    (
        "ben",
        "Ben Lindqvist",
        "circuits, induction heads",
        "PhD student. I reverse-engineer small transformers by hand.",
    ),
    (
        "chen",
        "Chen Wei",
        "AI governance, evaluations",
        "Policy researcher; I care about how evals feed into decisions.",
    ),
    ("dana", "Dana Haddad", "red teaming, evaluations", "Leads an eval team. Ask me about elicitation."),
    ("eli", "Eli Brandt", "forecasting, AI governance", "Forecaster. Mostly lurking, sometimes calibrated."),
]


def load_demo_content() -> dict[str, int]:
    users = {}
    for username, name, interests, bio in PEOPLE:
        # Verified example addresses (their mail lands in the development sink, instance/mail/),
        # and older than VOTE_WEIGHT_AFTER_DAYS, so the demo votes below count toward karma
        # (docs/karma.md).
        user = accounts.register(username, name, DEMO_PASSWORD, f"{username}@example.org", verified=True)
        user.email_verified_at = user.created_at = utcnow() - timedelta(days=90)
        accounts.update_profile(user, name, bio, interests)
        users[username] = user
    history.add_staff(users)  # a moderator and an admin to try moderation with
    # Earlier work first: its karma lifts Ada and Ben out of the new-account limits before the threads below.
    n_votes = history.add_earlier_work(users)

    circuits = groups.create_group(
        users["ben"],
        "Circuits Reading Group",
        "We read one circuits paper a week and write up what replicates.",
        listed=True,
        join_policy="request",
        interests="circuits, mechanistic interpretability",
    )
    redteam = groups.create_group(
        users["dana"],
        "Eval Red Team",
        "Elicitation results that should not be public yet.",
        listed=False,
        join_policy="invite",
        interests="red teaming, evaluations",
    )
    groups.add_member(circuits, users["ada"])
    groups.add_member(redteam, users["chen"])
    db.session.commit()
    # Eli follows Ada, so her public post below reaches Eli's notifications.
    notifications.set_following(users["eli"], "user", users["ada"].id, "follow")

    p1 = posts.create_post(
        users["ada"],
        "Feature splitting is mostly a dictionary-size artifact",
        "We trained SAEs at 8 dictionary sizes on the same residual stream.\n\n"
        "| dictionary | features that split |\n|---|---|\n| 4k | 12% |\n| 32k | 41% |\n\n"
        "Splitting tracks dictionary size far more than data. Code: https://example.org/sae-splitting",
        "interpretability, sparse autoencoders",
    )
    p2 = posts.create_post(
        users["ben"],
        "Replicating the induction head phase change in a 2-layer model",
        "The phase change shows up at the same step across **five seeds**. Loss curve bump and all.\n\n"
        "Open question: why does the previous-token head form first?",
        "interpretability, circuits",
        Audience("members"),
    )
    p3 = posts.create_post(
        users["dana"],
        "Elicitation gap on the agentic eval suite (draft)",
        "Fine-tuned elicitation closed most of the gap on tasks 3 to 7. Details inside the group only.",
        "evaluations",
        Audience("restricted", frozenset(), frozenset({redteam.id})),
    )
    posts.create_post(
        users["eli"],
        "How should forecasts of capability jumps use interpretability results?",
        "A short note on updating base rates when a mechanism is understood.",
        "forecasting, AI governance",
    )
    c1 = comments.add_comment(
        users["ben"], p1, "Did you control for the L1 coefficient? It moves splitting a lot in my runs."
    )
    c2 = comments.add_comment(
        users["ada"], p1, "Yes: swept it at each size, the trend holds. Plot in the appendix.", parent=c1
    )
    c3 = comments.add_comment(
        users["chen"], p1, "This matters for audits that count features. Thank you for writing it up, @ada.", parent=c2
    )
    comments.add_comment(users["eli"], p1, "Would love the raw numbers for a forecasting question.")
    comments.add_comment(users["ada"], p2, "Same in my 3-layer runs, previous-token head first.")
    comments.add_comment(
        users["chen"], p3, "Can we share tasks 3 and 4 with the lab's safety team? @eli might know who."
    )

    # Dana asks Ada into the red team: an invitation waiting in Ada's notifications.
    groups.invite(users["dana"], redteam, "ada")

    # A few votes through the real service, so scores, karma and "hot" have something to show.
    ballots: list[tuple[str, Post | Comment]] = [
        ("ben", p1),
        ("chen", p1),
        ("dana", p1),
        ("eli", p1),
        ("mira", p1),
        ("omar", p1),
        ("ada", p2),
        ("chen", p2),
        ("ada", c1),
        ("chen", c1),
        ("ben", c2),
        ("eli", c2),
        ("ada", c3),
        ("dana", c3),
    ]
    for voter, target in ballots:
        votes.cast_vote(users[voter], target, "up")
        n_votes += 1
    votes.cast_vote(users["ben"], c2, "agree", axis="agreement")
    add_trust_demo(users, circuits, p3)  # vouches; the circuits group admits by vouch; p3 is listed
    # Math, a footnote and a figure, co-written as a draft and published to the reading group.
    research.add_research_post(users["ada"], users["ben"], circuits)
    research.add_shared_draft(users["ada"], users["ben"])
    marks.add_marked_post(users)  # each reader's copy marked, and a leaked copy in Dana's drafts to trace
    add_demo_conversation(users)  # eli asks ben for a vouch, privately
    history.add_open_report(users)
    history.spread_over_past_days()  # so no demo user starts under the hourly limits of new accounts
    return {"users": len(users), "groups": 2, "posts": 12, "comments": 7, "votes": n_votes}

"""Demo vouches, a listed restricted post and a group that admits by vouch (issue 15).
Kept apart from seed.py so the demo's other parts stay easy to merge."""

from __future__ import annotations

from forum.extensions import db
from forum.models import Group, Post, User
from forum.services import access, vouches

VOUCHES = [
    ("ada", "ben", "I know his hand-traced induction circuits; they replicate."),
    ("ben", "ada", "Her SAE sweeps are the most careful I have read."),
    ("ada", "chen", "Chen's eval-to-policy write-ups are grounded in the actual numbers."),
    ("dana", "chen", "Worked with Chen on eval reporting for a year."),
    ("chen", "eli", "Eli's forecasts on eval results were well calibrated."),
]
OPEN_TO_CONTACT = ("ada", "ben", "eli")


def add_trust_demo(users: dict[str, User], vouched_group: Group, listed_post: Post) -> int:
    for voucher, vouchee, statement in VOUCHES:
        vouches.vouch(users[voucher], users[vouchee], statement)
    for username in OPEN_TO_CONTACT:
        users[username].open_to_contact = True
    vouched_group.requires_vouch = True
    db.session.commit()
    access.set_listing(
        users[listed_post.author.username],
        listed_post,
        True,
        "How much fine-tuned elicitation closes the gap on agentic tasks, and what that means for "
        "eval-based thresholds. Ask for access if you work on evaluations.",
    )
    return len(VOUCHES)

"""A demo conversation (issue 26): a newcomer who shares an interest with ben asks him for a
vouch to join the circuits group. Kept apart from seed.py so the demo's parts merge easily."""

from __future__ import annotations

from forum.models import User
from forum.services import conversations


def add_demo_conversation(users: dict[str, User]) -> int:
    """eli (no group or vouch shared with ben) writes first, so it arrives as a request; ben
    accepts and answers. Only the two of them can read it."""
    started = conversations.start(
        users["eli"],
        [users["ben"]],
        "A vouch for the circuits reading group?",
        "Hi Ben, I read your induction-head notes. I have been tracing the same circuits in a "
        "2-layer model (loss drops from $3.1$ to $2.4$ once they form). Would you consider vouching for me?",
    )
    ben = conversations.place_of(started, users["ben"])
    conversations.write(
        users["ben"],
        started,
        ben,
        "Happy to look. Send me the notebook and I will vouch once I have read it.",
    )
    return 1

"""A marked post and a ready-made leak to trace (issue 27, docs/marks.md).

Dana shares an elicitation result with Ben, Chen and Eli and marks each reader's copy. Chen's
copy, with a few sentences cut and the rest re-wrapped as if pasted elsewhere, waits in one of
Dana's private drafts: paste it into the trace on the post's marks page and Chen is named.
"""

from __future__ import annotations

import re
import textwrap

from forum.models import Post, User
from forum.queries.marked_copies import markdown_for
from forum.services import marks, posts
from forum.services.audience import Audience

BODY = "\n\n".join(
    [
        "We fine-tuned the {{open|public}} 7B model on 12,000 agentic transcripts and the gap closed quickly.",
        "However, the {{main|central}} method shows a large jump only on tasks 3 to 7.",
        "The jump appears often in {{longer|multi-step}} tasks — and it grows with the number of tools.",
        "For example, the {{scaffold|harness}} with a planner solves task 5 in most runs.",
        "We begin with the {{weakest|simplest}} elicitation, therefore the baseline is plain prompting.",
        "This suggests that the {{capability|skill}} is present before fine-tuning and only unlocked by it.",
        "We asked whether the {{effect|result}} holds with 250000 sampled episodes; it does.",
        "The {{second|next}} experiment is important because it rules out memorised solutions.",
        "Our approach uses {{three|several}} random seeds per task and reports the median.",
        "Scores {{rise|climb}} rapidly during the first thousand gradient steps.",
        "However, the {{final|last}} checkpoint shows the same {{ordering|ranking}} of tasks as the first.",
        "We {{measured|scored}} success on 64,000 held-out attempts.",
        "Removing the planner often {{erases|removes}} the whole gain.",
        "Therefore the {{threshold|trigger}} in our eval policy is too low, and large models pass it.",
        "We {{release|publish}} no transcripts; the method is described in outline only.",
        "Thus the {{claim|conclusion}} rests on three independent measurements.",
    ]
)
LEAK_TITLE = "Found on a public paste site (demo: trace it)"


def _leaked(text: str) -> str:
    """A copy as a leak usually looks: a fifth of its sentences cut, the rest re-wrapped."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if s]
    kept = [s for i, s in enumerate(sentences) if i % 5 != 2]
    return textwrap.fill(" ".join(kept), width=64)


def add_marked_post(users: dict[str, User]) -> Post:
    dana = users["dana"]
    readers = frozenset(users[name].id for name in ("ben", "chen", "eli"))
    post = posts.create_post(
        dana,
        "Elicitation unlocks multi-step tool use (marked copies)",
        BODY,
        "evaluations",
        Audience("restricted", readers, frozenset()),
    )
    marks.set_marking(post, dana, True)
    leak = _leaked(markdown_for(users["chen"], post))  # the text has no markup: its Markdown reads as shown
    posts.create_post(
        dana,
        LEAK_TITLE,
        "Copy the text below and paste it into *Trace a leaked text* on the marks page of "
        f"“{post.title}” (from its audit page).\n\n```text\n{leak}\n```",
        draft=True,
    )
    return post

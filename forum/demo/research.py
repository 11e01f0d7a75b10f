"""The demo's research post: math, a footnote and a figure, written as a draft by two
co-authors and published to a group, through the real services (like forum/demo/seed.py)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from forum.models import Group, Post, User
from forum.services import attachments, drafts, posts
from forum.services.audience import Audience, audience_of

# (dictionary size, share of features that split), the numbers in Ada's public post.
SPLITS = [("4k", 12), ("8k", 19), ("16k", 30), ("32k", 41)]


def figure_png() -> bytes:
    """A small bar chart drawn at seed time, so no binary lives in git."""
    width, height, margin = 360, 220, 30
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.line((margin, height - margin, width - 10, height - margin), fill="black")
    draw.line((margin, 10, margin, height - margin), fill="black")
    bar = (width - margin - 20) // len(SPLITS)
    for i, (label, share) in enumerate(SPLITS):
        left = margin + 10 + i * bar
        top = height - margin - int(share / 50 * (height - margin - 20))
        draw.rectangle((left, top, left + bar - 16, height - margin - 1), fill=(52, 101, 164))
        draw.text((left + 4, height - margin + 6), label, fill="black")
        draw.text((left + 4, top - 14), f"{share}%", fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


BODY = """We fit the share of features that split, $s(d)$, against dictionary size $d$:

$$s(d) \\approx \\alpha \\log_2 \\frac{{d}}{{4096}} + \\beta, \\qquad \\alpha = 0.097,\\ \\beta = 0.12$$

The slope barely moves across seeds[^seeds], which is why we read splitting as a
property of the dictionary rather than of the data.

{figure}

[^seeds]: Five seeds per size; the largest spread in $\\alpha$ was $\\pm 0.008$.
"""


def add_research_post(ada: User, ben: User, group: Group) -> Post:
    post = posts.create_post(
        ada,
        "A scaling law for feature splitting",
        BODY.format(figure="(figure to come)"),
        "interpretability, sparse autoencoders",
        Audience("restricted", frozenset(), frozenset({group.id})),
        draft=True,
        coauthors=[ben.username],
    )
    prepared = attachments.prepare("splitting-by-size.png", figure_png())
    attachments.store(post, ada, prepared)
    posts.update_post(
        post,
        ben,
        post.title,
        BODY.format(figure=attachments.snippet(post.id, prepared)),
        [t.name for t in post.tags],
        audience_of(post),
    )
    return drafts.publish(post, ada)


def add_shared_draft(ada: User, ben: User) -> Post:
    """One draft on the Drafts page: Ada's, shared with Ben to comment."""
    draft = posts.create_post(
        ada,
        "Follow-up: does splitting depend on the L1 coefficient?",
        "Sketch of the sweep we plan next. Comments welcome before we run it.",
        "sparse autoencoders",
        draft=True,
    )
    drafts.share_draft(draft, ada, ben.username, "comment")
    return draft

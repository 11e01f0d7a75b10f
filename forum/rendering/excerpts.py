"""A post's excerpt for the listing cards: the opening words of its rendered text.

Plain text (formulas as their TeX source, no markup), cut at a word near EXCERPT_CHARS.
It is computed on save (services/excerpts.py) and stored, so a listing reads one short column
instead of the bodies; the cards show it only where the viewer may read the body
(queries/listings.as_cards).
"""

from __future__ import annotations

from forum.rendering.markup import plain_text

EXCERPT_CHARS = 200  # the column (Post.excerpt) holds 255


def excerpt_of(body_html: str) -> str:
    text = " ".join(plain_text(body_html).split())
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text[:EXCERPT_CHARS]
    if " " in cut[EXCERPT_CHARS // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"

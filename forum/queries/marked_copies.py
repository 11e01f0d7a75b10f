"""Marked copies: each reader of a marked post is given a text of their own (docs/marks.md).

Once an author of a restricted post turns marking on (services/marks.py), every signed-in reader who
is not one of its authors is given their own variant of the text (rendering/marks.py),
on every path that shows it: the post page, earlier versions and their comparison, the
API, feeds and search excerpts. Authors and co-authors see, and edit, the source.

A reader's forms follow from their seed, an HMAC with the server's key of (post, version,
reader), a version being named by the digest of its Markdown: nobody without the key can
make another reader's copy, and serving a copy writes nothing. What a trace needs is kept
already: every earlier text of the post (its revisions), who opened it (read receipts)
and who may (its audience). A copy is the same every time it is shown, so the page cache
may keep it, for that reader alone, like any page.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from flask import current_app

from forum.infra import pdf_marks, watermark
from forum.models import Attachment, Post, User, is_signed_in
from forum.rendering import marks


def _keyed(message: str) -> bytes:
    """The server key's HMAC of `message`: only the server can make (or forge) a reader's mark."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message.encode(), hashlib.sha256).digest()


def seed(post_id: int, body_md: str, reader_id: int) -> bytes:
    version = hashlib.sha256(body_md.encode()).hexdigest()
    return _keyed(f"marks:{post_id}:{version}:{reader_id}")


def marked_reader(post: Post, viewer: User | None) -> User | None:
    """The viewer when they are given a marked copy: a marked restricted post, a signed-in
    reader who is not its author. None for anyone else."""
    if not (post.marks_copies and post.audience_kind == "restricted" and is_signed_in(viewer)):
        return None
    return None if viewer.id in post.author_ids else viewer


def is_marked_for(post: Post, viewer: User | None) -> bool:
    return marked_reader(post, viewer) is not None


def html_for(viewer: User | None, post: Post, body_md: str | None = None, body_html: str | None = None) -> str:
    """The safe HTML of the post's text (or of an earlier text of it) as this viewer is given it."""
    body_md = post.body_md if body_md is None else body_md
    body_html = post.body_html if body_html is None else body_html
    reader = marked_reader(post, viewer)
    if reader is None:
        return body_html
    return marks.render_copy(body_md, seed(post.id, body_md, reader.id))


def markdown_for(viewer: User | None, post: Post, body_md: str | None = None) -> str:
    """The Markdown of the text as this viewer is given it (the API, the versions' diff).
    Unmarked, the source with each alternative's first form; authors see the source itself."""
    body_md = post.body_md if body_md is None else body_md
    reader = marked_reader(post, viewer)
    if reader is not None:
        return marks.copy_markdown(body_md, seed(post.id, body_md, reader.id))
    if is_signed_in(viewer) and viewer.id in post.author_ids:
        return body_md
    return marks.source_text(body_md)


# --- figures -------------------------------------------------------------------------------

_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


def figure_bits(post_id: int, attachment_key: str, reader_id: int) -> list[int]:
    """The 64 bits hidden in this reader's copy of a figure, keyed like the text's seed."""
    digest = _keyed(f"marks:figure:{post_id}:{attachment_key}:{reader_id}")
    return [(digest[i // 8] >> (i % 8)) & 1 for i in range(watermark.BITS)]


def pdf_token(post_id: int, attachment_key: str, reader_id: int) -> str:
    """The mark in this reader's copy of a PDF's metadata."""
    return _keyed(f"marks:pdf:{post_id}:{attachment_key}:{reader_id}").hex()[:16]


def markable(attachment: Attachment, data: bytes) -> bool:
    """A still image in a format we re-encode, large enough to carry a mark (GIFs, PDFs and
    small images are served as uploaded: docs/marks.md)."""
    if _FORMATS.get(attachment.content_type) is None:
        return False
    return watermark.can_carry(watermark.size_of(data))


def figure_for(viewer: User | None, post: Post, attachment: Attachment, data: bytes) -> bytes:
    """The file as this viewer is given it: a marked reader's own copy of a figure."""
    reader = marked_reader(post, viewer)
    if reader is not None and attachment.content_type == "application/pdf":
        return _marked_pdf(data, pdf_token(post.id, attachment.key, reader.id), reader.username)
    if reader is None or not markable(attachment, data):
        return data
    return _marked_figure(
        data, tuple(figure_bits(post.id, attachment.key, reader.id)), _FORMATS[attachment.content_type]
    )


@lru_cache(maxsize=32)
def _marked_figure(data: bytes, bits: tuple[int, ...], fmt: str) -> bytes:
    return watermark.embed(data, list(bits), fmt)


@lru_cache(maxsize=32)
def _marked_pdf(data: bytes, token: str, username: str) -> bytes:
    footer = f"Marked copy for {username} ({token}): traceable if shared outside the post's readers."
    try:
        return pdf_marks.embed(data, token, footer)
    except ValueError:
        return data  # a PDF pypdf cannot read is served as uploaded (docs/marks.md)

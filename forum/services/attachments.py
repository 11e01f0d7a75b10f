"""Uploads: check a file by its content, clean it, store it, and name it in Markdown.

Images (PNG, JPEG, GIF, WebP) are opened and verified by Pillow, refused above the pixel
budget (every frame counted) before decoding, and re-encoded from their pixels with no metadata (EXIF, GPS, ICC,
text chunks), so nothing the camera or editor wrote travels on. PDFs are recognised by
their header and kept as sent; they are served as downloads. SVG is refused: it is a
document that can carry scripts, and sanitizing it well is a project of its own.
"""

from __future__ import annotations

import io
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from flask import current_app
from limits import parse_many
from PIL import Image, ImageOps, UnidentifiedImageError

from forum import permissions, visibility
from forum.extensions import db, limiter
from forum.infra.storage import get_storage
from forum.models import Attachment, Comment, Post, User
from forum.services.errors import ServiceError
from forum.services.guards import ensure_can_write
from forum.services.limits import per_window, wait_text

IMAGE_TYPES = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
PDF = ("application/pdf", "pdf")
ACCEPTED = "PNG, JPEG, GIF, WebP or PDF"


@dataclass(frozen=True)
class Prepared:
    """A checked and cleaned upload, not stored yet; its key is already fixed."""

    key: str
    filename: str
    content_type: str
    data: bytes

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def ensure_upload_allowed(uploader: User) -> None:
    """Count one upload against UPLOAD_LIMIT for this account, before the file is read.

    Through Flask-Limiter's store (Redis when several workers run, docs/deploy.md), keyed by
    the account, so every form that takes a file (new post, draft or post editor, comment, message)
    shares one allowance. A ServiceError on the file field when it is spent: the form comes
    back with the typed text, unlike the bare 429 page a route limit would give."""
    if not limiter.enabled:
        return
    items = parse_many(current_app.config["UPLOAD_LIMIT"])
    for item in items:
        if not limiter.limiter.test(item, "upload", str(uploader.id)):
            reset_at, _ = limiter.limiter.get_window_stats(item, "upload", str(uploader.id))
            wait = wait_text(max(1, int(reset_at - time.time())))
            raise ServiceError(
                f"You can upload {item.amount} files {per_window(item.get_expiry())}. Try again in {wait}; "
                "nothing was uploaded and your text is kept below.",
                field="file",
                status=429,
            )
    for item in items:
        limiter.limiter.hit(item, "upload", str(uploader.id))


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _safe_name(filename: str, extension: str) -> str:
    stem = PurePath((filename or "").replace("\\", "/")).stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-")[:80] or "file"
    return f"{stem}.{extension}"


def prepare(filename: str, data: bytes) -> Prepared:
    """Check an upload by what it is, not what it is called; a clear ServiceError if refused."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    if not data:
        raise ServiceError("The file is empty.", field="file")
    if len(data) > limit:
        raise ServiceError(
            f"The file is {_megabytes(len(data))}; attachments are at most {_megabytes(limit)}. Nothing was uploaded.",
            field="file",
        )
    if data.startswith(b"%PDF-"):
        content_type, extension = PDF
        return Prepared(secrets.token_urlsafe(24), _safe_name(filename, extension), content_type, data)
    content_type, extension, clean = _clean_image(data)
    return Prepared(secrets.token_urlsafe(24), _safe_name(filename, extension), content_type, clean)


def _refuse_type(data: bytes) -> ServiceError:
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        return ServiceError(
            f"SVG images are not accepted (they can carry scripts). Upload a {ACCEPTED} instead.", field="file"
        )
    return ServiceError(f"That file is not a {ACCEPTED}. Nothing was uploaded.", field="file")


def _clean_image(data: bytes) -> tuple[str, str, bytes]:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            # Read from the frame headers, none decoded: the budget below is checked first.
            frames = getattr(probe, "n_frames", 1) if kind in IMAGE_TYPES else 1
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse_type(data) from None
    if kind not in IMAGE_TYPES:
        raise _refuse_type(data)
    _check_budget(width, height, frames)
    content_type, extension = IMAGE_TYPES[kind]
    try:
        return content_type, extension, _reencode(data, kind)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ServiceError(
            "The image could not be read; it may be damaged. Nothing was uploaded.", field="file"
        ) from None


def _check_budget(width: int, height: int, frames: int) -> None:
    """Refuse, before any pixel is decoded, what would cost too much to re-encode.

    Re-encoding decodes every frame into a full canvas, so its time grows with frames ×
    width × height: one frame is bounded by ATTACHMENT_MAX_PIXELS, an animation by
    ATTACHMENT_MAX_FRAMES and by ATTACHMENT_MAX_ANIMATION_PIXELS in all (docs/attachments.md
    gives the time that costs). A few hundred bytes can hold a huge single-colour frame,
    so the file's size says nothing about this."""
    config = current_app.config
    if width * height > config["ATTACHMENT_MAX_PIXELS"]:
        raise ServiceError(
            f"The image is {width}×{height} pixels; that is too many. Nothing was uploaded.", field="file"
        )
    if frames <= 1:
        return
    most_frames, most_pixels = config["ATTACHMENT_MAX_FRAMES"], config["ATTACHMENT_MAX_ANIMATION_PIXELS"]
    if frames > most_frames or frames * width * height > most_pixels:
        raise ServiceError(
            f"The animation has {frames} frames of {width}×{height} pixels ({_millions(frames * width * height)} "
            f"in all); animations are at most {most_frames} frames and {_millions(most_pixels)} in all. "
            "Nothing was uploaded.",
            field="file",
        )


def _millions(pixels: int) -> str:
    return f"{pixels / 1_000_000:.3g} million pixels"


def _reencode(data: bytes, kind: str) -> bytes:
    """The pixels again, in the same format, with none of the original's metadata."""
    out = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:
        frames = getattr(image, "n_frames", 1)
        if frames > 1 and kind in ("GIF", "WEBP"):
            # Animations keep their frames and timing; everything else in `info` goes.
            image.info = {
                k: v for k, v in image.info.items() if k in ("duration", "loop", "transparency", "background")
            }
            image.save(out, format=kind, save_all=True)
            return out.getvalue()
        image.load()
        upright = ImageOps.exif_transpose(image)  # honour the camera's rotation before dropping EXIF
        keep: dict[str | tuple[int, int], Any] = {k: v for k, v in image.info.items() if k == "transparency"}
        clean = upright.copy()
        clean.info = keep
        if kind == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        options = {"quality": 90} if kind in ("JPEG", "WEBP") else {}
        clean.save(out, format=kind, **options)
    return out.getvalue()


def url_for_attachment(post_id: int, key: str) -> str:
    """The site-relative address `views/attachments.serve` answers. Built by hand, not by
    url_for, so the seed and other CLI work can write snippets outside a request."""
    return f"/posts/{post_id}/files/{key}"


def snippet(post_id: int, prepared: Prepared | Attachment) -> str:
    """The Markdown to paste: an image for images, a link for PDFs."""
    url = url_for_attachment(post_id, prepared.key)
    caption = PurePath(prepared.filename).stem.replace("-", " ").replace("_", " ")
    return f"![{caption}]({url})" if prepared.is_image else f"[{prepared.filename}]({url})"


def place_snippet(body: str, snippet: str, cursor: str | int | None) -> str:
    """`body` with `snippet` on a line of its own at character `cursor` (the editor's text cursor), or at
    the end when there is none; the writer no longer pastes it by hand."""
    # Browsers send a textarea's newlines as CRLF but count the cursor in LFs.
    body = body.replace("\r\n", "\n")
    try:
        at = max(0, min(int(cursor), len(body))) if cursor not in (None, "") else len(body)
    except ValueError:
        at = len(body)
    before, after = body[:at], body[at:]
    lead = "" if not before or before.endswith("\n\n") else ("\n" if before.endswith("\n") else "\n\n")
    tail = "" if not after or after.startswith("\n\n") else ("\n" if after.startswith("\n") else "\n\n")
    return f"{before}{lead}{snippet}{tail}{after}"


def save_bytes(prepared: Prepared) -> None:
    """Save a prepared file's bytes; callers add its row after (a crash in between leaves an
    orphan file, never a row without bytes)."""
    get_storage().save(prepared.key, prepared.data, prepared.content_type)


def store(post: Post, uploader: User, prepared: Prepared, comment: Comment | None = None) -> Attachment:
    """Save the bytes, then the row. The caller fetched `post` (and `comment`) through visibility."""
    ensure_can_write(uploader, "post")
    save_bytes(prepared)
    attachment = Attachment(
        post_id=post.id,
        comment_id=comment.id if comment else None,
        uploader_id=uploader.id,
        key=prepared.key,
        filename=prepared.filename,
        content_type=prepared.content_type,
        size=len(prepared.data),
    )
    db.session.add(attachment)
    db.session.commit()
    return attachment


def of_post(viewer: User | None, post: Post) -> list[Attachment]:
    """The post's own files (not its comments'), for the editor's list of snippets: empty
    for anyone who may not edit the post or has not accepted its terms."""
    if not (permissions.can_edit_post(viewer, post) and visibility.can_read_body(viewer, post.id)):
        return []
    return list(
        db.session.scalars(
            db.select(Attachment)
            .where(Attachment.post_id == post.id, Attachment.comment_id.is_(None))
            .order_by(Attachment.id)
        )
    )


def load(attachment: Attachment) -> bytes | None:
    return get_storage().load(attachment.key)


def delete_files(keys: list[str]) -> None:
    """Delete stored files whose rows are gone (after the commit that deleted them: a crash
    in between leaves an orphan file, never a row without bytes)."""
    storage = get_storage()
    for key in keys:
        storage.delete(key)

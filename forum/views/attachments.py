"""Serving attachments: only under their own post, only to its body's readers."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from forum import visibility
from forum.queries import marked_copies
from forum.services import attachments as attachment_service

bp = Blueprint("attachments", __name__)

# Files are never a page: no scripts, no plugins, no framing, whatever they contain.
FILE_CSP = "default-src 'none'; sandbox"


@bp.route("/posts/<int:post_id>/files/<key>")
def serve(post_id: int, key: str):
    post, attachment = visibility.get_attachment_or_404(post_id, key, current_user)
    data = attachment_service.load(attachment)
    if data is None:
        abort(404)
    # A marked post's figure carries the reader's own invisible mark (docs/marks.md).
    marked = marked_copies.figure_for(current_user, post, attachment, data)
    response = Response(marked, mimetype=attachment.content_type)
    disposition = "inline" if attachment.is_image else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{attachment.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    # Every request is checked again, so a narrowed audience loses the file at once: caches
    # may keep a public file's bytes (the key never changes content) but must ask first; a
    # restricted file is kept nowhere, not even on the reader's disk.
    response.headers["Cache-Control"] = "private, no-store" if visibility.is_restricted(post) else "public, no-cache"
    response.headers["Vary"] = "Cookie"
    response.set_etag(attachment.key if marked is data else f"{attachment.key}-{current_user.id}")
    return response.make_conditional(request)

"""A reader's mark on a PDF: a line at the foot of every page naming whose copy it is, and
the same mark in the document's metadata. Unlike a figure's mark it is visible and easy to
strip (docs/marks.md): it is a reminder to the reader, and a trace for careless leaks."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import NameObject, NumberObject

MARK_KEY = "/ForumCopyMark"


def embed(data: bytes, mark: str, footer: str) -> bytes:
    """The PDF with `footer` at the foot of each page and `mark` in its metadata. Raises
    ValueError for a file pypdf cannot read (served unmarked then)."""
    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    except Exception as error:
        raise ValueError("not a readable PDF") from error
    for number, page in enumerate(writer.pages):
        box = page.mediabox
        left, bottom, right = float(box.left), float(box.bottom), float(box.right)
        note = FreeText(
            text=footer,
            rect=(left + 18, bottom + 6, right - 18, bottom + 20),
            font="Helvetica",
            font_size="8pt",
            border_color=None,
            background_color=None,
        )
        # Printable, not editable or movable by the viewer.
        note[NameObject("/F")] = NumberObject(4 | 128)
        writer.add_annotation(page_number=number, annotation=note)
    writer.add_metadata({MARK_KEY: mark})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def read(data: bytes) -> str | None:
    """The mark in a PDF's metadata, if it still has one."""
    try:
        metadata = PdfReader(io.BytesIO(data)).metadata
    except Exception:
        return None
    value = metadata.get(MARK_KEY) if metadata else None
    return str(value) if value else None

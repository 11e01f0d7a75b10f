"""Marked figures: each reader's copy of an attached image carries their own invisible mark,
which survives JPEG re-compression at quality 75 and scaling to half size (docs/marks.md)."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

from forum.infra import watermark
from forum.queries import marked_copies, traces
from forum.services import attachments
from tests.factories import image_bytes, login, make_attachment


def figure_png(width: int = 640, height: int = 480) -> bytes:
    """A plot: white background, axes, two curves and a filled bar."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.line([(40, height - 40), (width - 20, height - 40)], fill=(0, 0, 0), width=2)
    draw.line([(40, 20), (40, height - 40)], fill=(0, 0, 0), width=2)
    for x in range(40, width - 20):
        draw.point((x, height // 2 + int(90 * math.sin(x / 37))), fill=(200, 30, 30))
        draw.point((x, height // 2 + int(60 * math.cos(x / 23))), fill=(30, 60, 200))
    draw.rectangle((width // 2, height // 3, width // 2 + 60, height - 41), fill=(120, 170, 90))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def reencode(data: bytes, quality: int = 75, scale: float = 1.0) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def served(client, reader, post, figure) -> bytes:
    login(client, reader)
    response = client.get(f"/posts/{post.id}/files/{figure.key}")
    assert response.status_code == 200
    client.post("/logout")
    return response.data


def test_each_readers_figure_recompressed_at_quality_75_traces_to_them_alone(client, world):
    post, ada = world["post"], world["ada"]
    figure = make_attachment(ada, post, data=figure_png())
    original = attachments.load(figure)
    copies = []
    for reader in world["readers"][:10]:
        copy = served(client, reader, post, figure)
        assert copy != original
        copies.append(copy)
        found = traces.trace_figure(ada, post, reencode(copy, 75))
        assert found.verdict == traces.NAMED
        assert [m.reader.username for m in found.matches] == [reader.username]
        assert found.matches[0].false_accusation < 1e-9
    assert len(set(copies)) == 10


def test_half_size_survives_cropping_and_the_original_do_not_name_anyone(client, world):
    post, ada, reader = world["post"], world["ada"], world["readers"][4]
    figure = make_attachment(ada, post, data=figure_png())
    copy = served(client, reader, post, figure)
    half = traces.trace_figure(ada, post, reencode(copy, 75, scale=0.5))
    assert [m.reader.username for m in half.matches] == [reader.username] and half.verdict == traces.NAMED
    assert traces.trace_figure(ada, post, reencode(attachments.load(figure), 75)).verdict == traces.NOBODY
    cropped = Image.open(io.BytesIO(copy)).crop((0, 0, 400, 480))
    out = io.BytesIO()
    cropped.save(out, format="PNG")
    assert traces.trace_figure(ada, post, out.getvalue()).verdict != traces.NAMED


def test_the_author_gets_the_original_and_a_tiny_figure_is_not_marked(client, world):
    post, ada, reader = world["post"], world["ada"], world["readers"][0]
    figure = make_attachment(ada, post, data=figure_png())
    original = attachments.load(figure)
    assert marked_copies.figure_for(ada, post, figure, original) == original
    tiny = make_attachment(ada, post, data=image_bytes(size=(40, 30)), filename="tiny.png")
    assert not watermark.can_carry((40, 30))
    assert served(client, reader, post, tiny) == attachments.load(tiny)
    found = traces.trace_figure(ada, post, image_bytes(size=(40, 30)))
    assert found.verdict == traces.TOO_LITTLE


def test_the_trace_page_takes_an_uploaded_figure(client, world):
    post, ada, reader = world["post"], world["ada"], world["readers"][9]
    figure = make_attachment(ada, post, data=figure_png())
    leaked = reencode(served(client, reader, post, figure), 75)
    login(client, ada)
    response = client.post(
        f"/posts/{post.id}/marks/trace",
        data={"leaked": "", "figure": (io.BytesIO(leaked), "found.jpg")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "This image came from the copy of" in page and reader.username in page


def test_a_readers_pdf_has_their_footer_and_mark_and_traces_to_them(client, world):
    from pypdf import PdfReader, PdfWriter

    post, ada, reader = world["post"], world["ada"], world["readers"][2]
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    blank = io.BytesIO()
    writer.write(blank)
    pdf = make_attachment(ada, post, data=blank.getvalue(), filename="paper.pdf")
    copy = served(client, reader, post, pdf)
    annotations = [a.get_object() for a in PdfReader(io.BytesIO(copy)).pages[0]["/Annots"]]
    assert any(f"Marked copy for {reader.username}" in str(a.get("/Contents")) for a in annotations)
    found = traces.trace_figure(ada, post, copy)
    assert found.verdict == traces.NAMED and [m.reader.username for m in found.matches] == [reader.username]
    assert traces.trace_figure(ada, post, attachments.load(pdf)).verdict == traces.TOO_LITTLE

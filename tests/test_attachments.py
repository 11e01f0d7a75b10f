"""Attachments: checked by content, cleaned, stored behind the storage interface, and
readable exactly when their post's body is. Privacy first."""

from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image
from sqlalchemy import func

from config import TestConfig
from forum import create_app
from forum.extensions import db, limiter
from forum.infra.storage import LocalStorage
from forum.models import Attachment, Post
from forum.services import ServiceError, attachments
from forum.services import comments as comment_service
from forum.services import posts as post_service
from forum.services.audience import Audience
from tests.factories import (
    RequestIsolatedClient,
    image_bytes,
    login,
    logout,
    make_attachment,
    make_comment,
    make_group,
    make_post,
    make_user,
)
from tests.privacy.oracle import MISSING_POST, normalized


def _missing(client, key: str):
    return client.get(f"/posts/{MISSING_POST}/files/{key}")


def _same_as_missing(client, post_id: int, key: str) -> bool:
    hidden = client.get(f"/posts/{post_id}/files/{key}")
    return hidden.status_code == 404 and (
        normalized(hidden, f"/posts/{post_id}") == normalized(_missing(client, key), f"/posts/{MISSING_POST}")
    )


@pytest.fixture
def lab(app):
    author, member, outsider = make_user("author"), make_user("member"), make_user("outsider")
    group = make_group(author, "Lab", members=(member,))
    return {"author": author, "member": member, "outsider": outsider, "group": group}


def test_a_file_answers_only_to_readers_of_its_post(client, lab):
    post = make_post(lab["author"], "Lab figure", "Body.", audience="restricted", groups=(lab["group"],))
    key = make_attachment(lab["author"], post).key
    assert _same_as_missing(client, post.id, key)  # signed out
    login(client, lab["outsider"])
    assert _same_as_missing(client, post.id, key)
    logout(client)
    login(client, lab["member"])
    response = client.get(f"/posts/{post.id}/files/{key}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Cache-Control"].startswith("private")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == 'inline; filename="figure.png"'
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_narrowing_the_audience_takes_the_file_away_at_once(client, lab):
    post = make_post(lab["author"], "Open figure", "Body.")
    key = make_attachment(lab["author"], post).key
    login(client, lab["outsider"])
    public = client.get(f"/posts/{post.id}/files/{key}")
    # Any response to a member stays off disk (forum/web/security.py), a public file's too.
    assert public.status_code == 200 and public.headers["Cache-Control"] == "private, no-store"
    post_service.update_post(
        post,
        lab["author"],
        post.title,
        post.body_md,
        "",
        Audience("restricted", group_ids=frozenset({lab["group"].id})),
    )
    assert _same_as_missing(client, post.id, key)
    logout(client)
    client.get("/")  # shows (and drops) the signed-out message, which would differ between the two
    assert _same_as_missing(client, post.id, key)


def test_a_file_is_not_readable_under_another_post(client, lab):
    hidden = make_post(lab["author"], "Hidden", "Body.", audience="restricted", groups=(lab["group"],))
    key = make_attachment(lab["author"], hidden).key
    public = make_post(lab["author"], "Open", f"![x](/posts/{hidden.id}/files/{key})")
    login(client, lab["outsider"])
    assert client.get(f"/posts/{public.id}/files/{key}").status_code == 404
    assert _same_as_missing(client, hidden.id, key)


def test_files_of_drafts_deleted_posts_and_hidden_comments_are_missing(client, lab):
    draft = make_post(lab["author"], "Draft", "Body.", draft=True)
    draft_key = make_attachment(lab["author"], draft).key
    gone = make_post(lab["author"], "Gone", "Body.")
    gone_key = make_attachment(lab["author"], gone).key
    post_service.delete_post(gone)
    open_post = make_post(lab["author"], "Open", "Body.")
    comment = make_comment(lab["member"], open_post, "With a file.")
    comment_key = make_attachment(lab["member"], open_post, comment=comment).key
    login(client, lab["outsider"])
    assert client.get(f"/posts/{open_post.id}/files/{comment_key}").status_code == 200
    comment_service.delete_comment(comment)
    assert _same_as_missing(client, open_post.id, comment_key)
    assert _same_as_missing(client, draft.id, draft_key)
    assert _same_as_missing(client, gone.id, gone_key)


def test_images_are_reencoded_without_metadata(app, lab):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude
    jpeg = image_bytes("JPEG", exif=exif.tobytes())
    assert b"SpyCam" in jpeg
    prepared = attachments.prepare("holiday photo.JPG", jpeg)
    assert prepared.content_type == "image/jpeg" and prepared.filename == "holiday-photo.jpg"
    assert b"SpyCam" not in prepared.data
    with Image.open(io.BytesIO(prepared.data)) as cleaned:
        assert not cleaned.getexif() and cleaned.size == (40, 30)
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Secret Name")
    png = image_bytes("PNG", pnginfo=info)
    assert b"Secret Name" in png and b"Secret Name" not in attachments.prepare("a.png", png).data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG images are not accepted"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG images are not accepted"),
        (b"just some text pretending to be a png", "not a PNG, JPEG, GIF, WebP or PDF"),
        (b"", "The file is empty."),
    ],
)
def test_wrong_types_are_refused_by_content(app, data, message):
    with pytest.raises(ServiceError) as refused:
        attachments.prepare("figure.png", data)
    assert message in refused.value.message


def test_other_image_formats_and_pdfs_are_accepted(app):
    for fmt, content_type in (("GIF", "image/gif"), ("WEBP", "image/webp")):
        assert attachments.prepare("x", image_bytes(fmt)).content_type == content_type
    pdf = attachments.prepare("paper.pdf", b"%PDF-1.4\n%fake but well-headed\n")
    assert pdf.content_type == "application/pdf" and not pdf.is_image
    tiff = image_bytes("TIFF")
    with pytest.raises(ServiceError):
        attachments.prepare("x.tiff", tiff)


def test_size_and_pixel_limits_come_from_config(app):
    app.config["ATTACHMENT_MAX_BYTES"] = 100
    with pytest.raises(ServiceError) as refused:
        attachments.prepare("big.png", image_bytes(size=(200, 200)) + b"\0" * 200)
    assert "attachments are at most" in refused.value.message
    app.config["ATTACHMENT_MAX_BYTES"] = 5 * 1024 * 1024
    app.config["ATTACHMENT_MAX_PIXELS"] = 100
    with pytest.raises(ServiceError) as refused:
        attachments.prepare("wide.png", image_bytes(size=(20, 20)))
    assert "too many" in refused.value.message


def _animated_gif(frames: int, size: tuple[int, int]) -> bytes:
    """Single-colour frames: a few hundred bytes each however large, as in issue 22."""
    out = io.BytesIO()
    images = [Image.new("L", size, (i * 37) % 256) for i in range(frames)]
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=50, loop=0)
    return out.getvalue()


def test_an_animation_of_many_large_frames_is_refused_before_decoding(app):
    gif = _animated_gif(40, (2000, 2000))
    assert len(gif) < 200_000  # far under the byte limit: only the pixel count can refuse it
    started = time.perf_counter()
    with pytest.raises(ServiceError) as refused:
        attachments.prepare("bomb.gif", gif)
    elapsed = time.perf_counter() - started
    assert "40 frames of 2000×2000 pixels" in refused.value.message
    assert elapsed < 0.5, f"took {elapsed:.1f} s: the frames were decoded"


def test_frames_are_capped_and_an_animation_within_the_budget_keeps_its_frames(app):
    app.config.update(ATTACHMENT_MAX_FRAMES=4, ATTACHMENT_MAX_ANIMATION_PIXELS=1_000_000)
    with pytest.raises(ServiceError) as refused:
        attachments.prepare("long.gif", _animated_gif(5, (10, 10)))
    assert "at most 4 frames" in refused.value.message
    with pytest.raises(ServiceError) as refused:
        attachments.prepare("wide.gif", _animated_gif(2, (800, 800)))
    assert "2 frames of 800×800 pixels (1.28 million pixels in all)" in refused.value.message
    kept = attachments.prepare("ok.gif", _animated_gif(4, (100, 100)))
    with Image.open(io.BytesIO(kept.data)) as image:
        assert image.n_frames == 4


def _upload(client, url, data: bytes, filename="figure.png", **fields):
    return client.post(url, data={**fields, "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def test_uploading_in_the_editor_saves_a_draft_and_shows_the_snippet(client, lab):
    login(client, lab["author"])
    response = _upload(
        client,
        "/posts/new",
        image_bytes(),
        title="With a figure",
        body="See below.",
        audience="public",
        upload="Upload",
    )
    assert response.status_code == 302 and response.headers["Location"].split("?")[0].endswith("/edit")
    post = db.session.scalar(db.select(Post).where(Post.title == "With a figure"))
    attachment = db.session.scalar(db.select(Attachment).where(Attachment.post_id == post.id))
    assert post.is_draft
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # Placed in the text for the writer (no cursor sent: at the end), not flashed to paste by hand.
    assert f"See below.\n\n![figure](/posts/{post.id}/files/{attachment.key})</textarea>" in page
    # The edit page uploads too, keeping what was typed but not yet saved.
    response = _upload(
        client,
        f"/posts/{post.id}/edit",
        image_bytes("GIF"),
        "second.gif",
        title="With a figure",
        body="Unsaved words.",
        audience="public",
        upload="Upload",
    )
    assert response.status_code == 200 and "Unsaved words." in response.get_data(as_text=True)
    assert len(attachments.of_post(post.author, post)) == 2
    # Where the cursor was (static/editor.js sends it), the file's Markdown goes, on a line of its own.
    response = _upload(
        client,
        f"/posts/{post.id}/edit",
        image_bytes("GIF"),
        "third.gif",
        title="With a figure",
        body="Before.\nAfter.",
        audience="public",
        upload="Upload",
        cursor=str(len("Before.\n")),
    )
    assert re.search(r"Before\.\n\n!\[third\]\(/posts/\d+/files/[\w-]+\)\n\nAfter\.", response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG images are not accepted"),
        (b"\x89PNG but not really", "not a PNG, JPEG, GIF, WebP or PDF"),
        (None, "attachments are at most"),
    ],
)
def test_a_refused_upload_keeps_the_typed_post(client, app, lab, data, message):
    if data is None:
        app.config["ATTACHMENT_MAX_BYTES"] = 1000
        data = image_bytes(size=(300, 300)) + b"\0" * 2000
    login(client, lab["author"])
    response = _upload(
        client, "/posts/new", data, title="Typed title", body="Hours of typed work.", audience="public", upload="Upload"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and "Hours of typed work." in page and "Typed title" in page
    assert db.session.scalar(db.select(Post).where(Post.title == "Typed title")) is None


@pytest.fixture
def upload_limited(app):
    """An app of its own with Flask-Limiter on (the suite's is off), on the same database."""
    limited = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=True,
        UPLOAD_LIMIT="2 per hour",
    )
    limited.test_client_class = RequestIsolatedClient
    limiter.reset()
    with limited.app_context():
        yield limited
        db.session.remove()
        db.engine.dispose()
    # The limiter object is shared: the `app` fixture switches it back for the next test.


def test_uploads_are_limited_per_account_through_every_editor(upload_limited, lab):
    client = upload_limited.test_client()
    login(client, lab["author"])
    fields = {"title": "With figures", "body": "See below.", "audience": "public", "upload": "Upload"}
    response = _upload(client, "/posts/new", image_bytes(), **fields)
    edit = response.headers["Location"]
    assert response.status_code == 302
    assert _upload(client, edit, image_bytes(), **fields).status_code == 200
    # The third file, through the draft's editor, is refused with the typed text kept.
    refused = _upload(client, edit, image_bytes(), **{**fields, "body": "Words typed since."})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "You can upload 2 files an hour. Try again in" in page and "Words typed since." in page
    post = db.session.scalar(db.select(Post).where(Post.title == "With figures"))
    assert db.session.scalar(db.select(func.count()).select_from(Attachment).where(Attachment.post_id == post.id)) == 2
    # Comments share the allowance; another account has its own.
    public = make_post(lab["member"], "Open", "Body.")
    refused = _upload(client, f"/posts/{public.id}/comments", image_bytes(), body="My plot")
    assert refused.status_code == 429 and "You can upload 2 files an hour" in refused.get_data(as_text=True)
    login(client, lab["member"])
    assert _upload(client, f"/posts/{public.id}/comments", image_bytes(), body="Mine").status_code == 302


def test_a_comment_can_carry_a_file(client, lab):
    post = make_post(lab["author"], "Open", "Body.")
    login(client, lab["member"])
    response = _upload(client, f"/posts/{post.id}/comments", image_bytes(), "plot.png", body="My plot:")
    assert response.status_code == 302
    attachment = db.session.scalar(db.select(Attachment).where(Attachment.post_id == post.id))
    assert attachment.comment_id is not None
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f'src="/posts/{post.id}/files/{attachment.key}"' in page


def test_local_storage_keeps_keys_inside_its_directory(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.save("A" * 32, b"bytes", "image/png")
    assert storage.load("A" * 32) == b"bytes"
    assert storage.load("../../etc/passwd") is None
    with pytest.raises(ValueError):
        storage.save("../escape-attempt-xxxxxx", b"x", "image/png")


class MemoryStorage:
    """A stand-in for an S3-compatible backend: chosen by config, same three methods."""

    blobs: dict[str, bytes] = {}

    @classmethod
    def from_config(cls, config):
        return cls()

    def save(self, key, data, content_type):
        self.blobs[key] = data

    def load(self, key):
        return self.blobs.get(key)

    def delete(self, key):
        self.blobs.pop(key, None)


def test_the_storage_backend_is_chosen_by_config(client, app, lab):
    app.config["ATTACHMENT_STORAGE"] = "tests.test_attachments:MemoryStorage"
    post = make_post(lab["author"], "Open", "Body.")
    key = make_attachment(lab["author"], post).key
    assert key in MemoryStorage.blobs
    assert client.get(f"/posts/{post.id}/files/{key}").data == MemoryStorage.blobs[key]


def test_snippet_addresses_are_the_served_route(app):
    from flask import url_for

    with app.test_request_context():
        assert attachments.url_for_attachment(3, "k" * 32) == url_for("attachments.serve", post_id=3, key="k" * 32)


def test_files_in_messages_share_the_accounts_upload_allowance(upload_limited, lab):
    from forum.models import Conversation, MessageAttachment
    from forum.services import conversations

    talk = conversations.start(lab["author"], [lab["member"]], "Figures", "Here they come.")
    client = upload_limited.test_client()
    login(client, lab["author"])

    def send(body):
        return client.post(
            f"/messages/{talk.id}",
            data={"body": body, "file": (io.BytesIO(image_bytes()), "figure.png")},
            content_type="multipart/form-data",
        )

    assert [send("One.").status_code, send("Two.").status_code] == [302, 302]
    refused = send("Three, typed with care.")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "You can upload 2 files an hour" in page and "Three, typed with care." in page
    assert db.session.scalar(db.select(func.count()).select_from(MessageAttachment)) == 2
    assert db.session.get(Conversation, talk.id) is not None

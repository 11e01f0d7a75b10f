"""`flask forum rerender`: stored HTML made by an older renderer gets the current one."""

from __future__ import annotations

from forum.extensions import db
from forum.models import Comment, Post, PostRevision
from forum.services import posts as post_service
from tests.factories import make_comment, make_post, make_user

OLD_HTML = "<p>$E=mc^2$ and a note[^1].</p>"  # what the renderer made before math and footnotes


def _age(*rows) -> None:
    for row in rows:
        row.body_html = OLD_HTML
    db.session.commit()


def test_rerender_brings_old_posts_comments_and_versions_up_to_date(app):
    author = make_user("oldtimer")
    post = make_post(author, body="$E=mc^2$ and a note[^1].\n\n[^1]: Source.")
    post_service.update_post(post, author, post.title, post.body_md + "\n\nMore.", "", post_service.PUBLIC)
    comment = make_comment(author, post, "Also $x^2$.")
    revision = db.session.scalar(db.select(PostRevision).where(PostRevision.post_id == post.id))
    _age(post, comment, revision)

    result = app.test_cli_runner().invoke(args=["forum", "rerender"])
    assert result.exit_code == 0, result.output
    assert "1 posts" in result.output and "1 comments" in result.output and "1 post_revisions" in result.output
    db.session.expire_all()
    assert (
        "<math" in db.session.get(Post, post.id).body_html
        and "footnote-item" in db.session.get(Post, post.id).body_html
    )
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in db.session.get(Comment, comment.id).body_html
    assert "<math" in db.session.get(PostRevision, revision.id).body_html

    again = app.test_cli_runner().invoke(args=["forum", "rerender"])
    assert "0 posts, 0 post_revisions, 0 comments" in again.output


def test_rerender_updates_the_search_index(app, client):
    author = make_user("indexed")
    post = make_post(author, title="Mass energy", body=r"We use $\mathcal{L}_{probe}$ here.")
    _age(post)
    assert app.test_cli_runner().invoke(args=["forum", "reindex"]).exit_code == 0
    assert "Mass energy" not in client.get("/search?q=mathcal").get_data(as_text=True)
    assert app.test_cli_runner().invoke(args=["forum", "rerender"]).exit_code == 0
    assert "Mass energy" in client.get("/search?q=mathcal").get_data(as_text=True)

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from forum import permissions
from forum.extensions import db
from forum.models import Post, PostRevision, Tag, User
from forum.models._time import utcnow
from forum.rendering import marks
from forum.search import indexing
from forum.services import drafts, history, notifications, votes
from forum.services.audience import PUBLIC, Audience, apply_audience, audience_of
from forum.services.errors import ServiceError
from forum.services.guards import ensure_can_write, ensure_within_rate
from forum.services.terms import KEEP, TermsChoice, apply_terms
from forum.services.text import check_labels, split_labels

MAX_TAGS = 8


def _check_text(title: str | None, body: str | None) -> tuple[str, str]:
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not title:
        raise ServiceError("A post needs a title.", field="title")
    if len(title) > current_app.config["TITLE_MAX"]:
        raise ServiceError(f"Titles are at most {current_app.config['TITLE_MAX']} characters.", field="title")
    if not body:
        raise ServiceError("A post needs a body.", field="body")
    if len(body) > current_app.config["BODY_MAX"]:
        raise ServiceError(f"Posts are at most {current_app.config['BODY_MAX']:,} characters.", field="body")
    try:
        marks.check_alternatives(body)
    except marks.AlternativesError as error:
        raise ServiceError(f"{error} Alternatives are written {{{{one form|another}}}}.", field="body") from error
    return title, body


def resolve_tags(raw: str | list[str]) -> list[Tag]:
    names = split_labels(raw)
    check_labels(names, "tags", most=MAX_TAGS, longest=48)
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [existing.get(name) or Tag(name=name) for name in names]


def create_post(
    author: User,
    title: str | None,
    body: str | None,
    tags: str | list[str] = "",
    audience: Audience = PUBLIC,
    terms: TermsChoice | None = None,
    *,
    draft: bool = False,
    coauthors: str | list[str] = "",
) -> Post:
    """A published post, or with `draft` one only its authors read until they publish it."""
    ensure_can_write(author, "post")
    title, body = _check_text(title, body)
    ensure_within_rate(author, "post")
    post = Post(
        author=author,
        author_id=author.id,
        title=title,
        body_md=body,
        body_html=marks.render_source(body, notifications.linkable_mentions(body)),
        is_draft=draft,
    )
    post.tags = resolve_tags(tags)
    drafts.set_coauthors(post, drafts.resolve_coauthors(author, coauthors))
    apply_audience(post, audience)
    db.session.add(post)
    if terms is not None:
        db.session.flush()
        apply_terms(post, terms)
    if not post.is_draft:  # a draft is announced when it is published (drafts.publish)
        notifications.post_created(post)
    notifications.coauthors_added(post, author, {author.id})
    db.session.commit()
    indexing.post_changed(post.id)
    return post


def update_post(
    post: Post,
    editor: User,
    title: str | None,
    body: str | None,
    tags: str | list[str],
    audience: Audience,
    terms=KEEP,
    coauthors: str | list[str] | None = None,
    *,
    open_history: bool = False,
) -> Post:
    """Save an edit. The text it replaces is kept as a revision; changed terms are a new version.
    `coauthors` None keeps them (an editor who is not an author cannot change them).
    A change of readers leaves the earlier versions with the readers they had, unless the
    authors chose `open_history` (services/history.py)."""
    ensure_can_write(editor, "post")
    if post.is_removed:
        raise ServiceError("A moderator removed this post; it cannot be edited.", status=409)
    if not permissions.can_change_authors(editor, post) and (
        audience != audience_of(post) or terms is not KEEP or coauthors is not None
    ):
        raise ServiceError("Only the post's authors choose its readers, terms and co-authors.", status=403)
    if open_history and not permissions.can_change_authors(editor, post):
        raise ServiceError("Only the post's authors open its earlier versions to its readers.", status=403)
    title, body = _check_text(title, body)
    new_tags = resolve_tags(tags)
    new_coauthors = drafts.resolve_coauthors(post.author, coauthors) if coauthors is not None else None
    if (title, body) != (post.title, post.body_md):
        db.session.add(
            PostRevision(
                post_id=post.id,
                editor_id=editor.id,
                title=post.title,
                body_md=post.body_md,
                body_html=post.body_html,
                created_at=post.edited_at or post.created_at,
            )
        )
        post.title, post.body_md, post.body_html = (
            title,
            body,
            marks.render_source(body, notifications.linkable_mentions(body)),
        )
        post.edited_at = utcnow()
    post.tags = new_tags
    authors_before = set(post.author_ids)
    if new_coauthors is not None:
        drafts.set_coauthors(post, new_coauthors)
    counted_before = post.audience_kind != "restricted"
    shared_before = notifications.audience_before(post)
    apply_audience(post, audience, open_history=open_history)
    if open_history and not post.is_draft:  # also when the readers stay: versions kept at an earlier change
        history.open_to_post(post)
    apply_terms(post, terms)
    if counted_before != (post.audience_kind != "restricted"):
        # Votes on this post start or stop counting toward public karma (docs/karma.md).
        votes.refresh_karma_for_post(post)
    if not post.is_draft:
        notifications.post_shared(post, shared_before)
    notifications.coauthors_added(post, editor, authors_before)
    db.session.commit()
    indexing.post_changed(post.id)
    return post


def delete_post(post: Post) -> None:
    """Soft delete: the row stays so links answer 'deleted', listings drop it."""
    post.deleted_at = utcnow()
    db.session.commit()
    indexing.post_changed(post.id)

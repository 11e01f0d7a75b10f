"""Usage terms: attaching them to posts, readers accepting them, and the site's terms.

Terms are never edited in place. Any change to a post's terms adds the next version and
points the post at it, so every earlier acceptance stops counting and the gate returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.infra import viewer_state
from forum.infra.memo import forget, request_memo
from forum.models import Post, PostTerms, SiteTerms, SiteTermsAcceptance, TermsAcceptance, User, is_signed_in
from forum.rendering.markup import render_markdown
from forum.services import notifications
from forum.services.errors import ServiceError

NO_TERMS = "none"
CUSTOM = "custom"


@dataclass(frozen=True)
class TermsChoice:
    """Validated terms for a post: a template's text or the author's own."""

    template_key: str | None
    body_md: str


class _Keep:
    """`update_post(..., terms=KEEP)`: leave the post's terms as they are."""


KEEP = _Keep()


# --- choosing terms for a post ---------------------------------------------------------


def templates() -> list[tuple[str, str, str]]:
    return list(current_app.config.get("TERMS_TEMPLATES", []))


def template_choices() -> list[tuple[str, str]]:
    return [(NO_TERMS, "No terms")] + [(key, title) for key, title, _ in templates()] + [(CUSTOM, "My own terms")]


def resolve_terms(choice: str | None, custom_text: str | None = "") -> TermsChoice | None:
    """What the author picked, checked. None means no terms."""
    choice = (choice or NO_TERMS).strip()
    if choice == NO_TERMS:
        return None
    if choice == CUSTOM:
        text = (custom_text or "").strip()
        if not text:
            raise ServiceError(
                "Write your terms, or choose one of the site's templates or no terms.", field="terms_custom"
            )
        limit = current_app.config["TERMS_MAX"]
        if len(text) > limit:
            raise ServiceError(f"Terms are at most {limit:,} characters.", field="terms_custom")
        return TermsChoice(None, text)
    for key, _title, text in templates():
        if key == choice:
            return TermsChoice(key, text.strip())
    raise ServiceError("Choose terms from the list.", field="terms")


def current_terms(post: Post) -> PostTerms | None:
    if post.terms_version is None:
        return None
    return db.session.scalar(
        select(PostTerms).where(PostTerms.post_id == post.id, PostTerms.version == post.terms_version)
    )


def apply_terms(post: Post, choice: TermsChoice | None | _Keep) -> bool:
    """Point the post at terms matching `choice`, adding a version when they change (no commit).

    Returns True when readers must accept again. The post must have an id (flush first).
    """
    if isinstance(choice, _Keep):
        return False
    if choice is None:
        post.terms_version = None
        return False
    current = current_terms(post)
    # Only the wording matters: the same text picked another way is the same agreement.
    if current is not None and current.body_md == choice.body_md:
        return False
    last = db.session.scalar(select(func.max(PostTerms.version)).where(PostTerms.post_id == post.id)) or 0
    db.session.add(
        PostTerms(
            post_id=post.id,
            version=last + 1,
            template_key=choice.template_key,
            body_md=choice.body_md,
            body_html=render_markdown(choice.body_md),
        )
    )
    post.terms_version = last + 1
    return True


def form_values(post: Post) -> tuple[str, str]:
    """(choice, custom text) for the editor, from the terms in force."""
    current = current_terms(post)
    if current is None:
        return NO_TERMS, ""
    # A template whose wording changed since is offered as the author's own text, so a
    # plain re-save never changes what readers agreed to.
    for key, _title, text in templates():
        if key == current.template_key and text.strip() == current.body_md:
            return key, ""
    return CUSTOM, current.body_md


def terms_box(viewer: User | None, post: Post) -> dict | None:
    """What the post page says about its terms to a viewer who may read the body."""
    terms = current_terms(post)
    if terms is None:
        return None
    is_author = is_signed_in(viewer) and viewer.id == post.author_id
    return {"terms": terms, "is_author": is_author, "accepted": None if is_author else accepted_at(viewer, post)}


# --- readers accepting a post's terms --------------------------------------------------


def accept_post_terms(user: User, post: Post, version: int | str | None) -> TermsAcceptance | None:
    """Record that `user` agrees to the post's current terms.

    The caller has fetched `post` through visibility. `version` is the one the reader was
    shown: an outdated one is refused, so nobody agrees to text they did not see.
    """
    if post.is_deleted:
        raise ServiceError("This post was deleted.", status=409)
    if post.terms_version is None or post.author_id == user.id:
        return None
    if str(version or "").strip() != str(post.terms_version):
        raise ServiceError(
            "The terms changed since you opened this page. Read the current terms below and agree again if you do.",
            status=409,
        )
    existing = db.session.scalar(
        select(TermsAcceptance).where(
            TermsAcceptance.user_id == user.id,
            TermsAcceptance.post_id == post.id,
            TermsAcceptance.version == post.terms_version,
        )
    )
    if existing is not None:
        return existing
    acceptance = TermsAcceptance(user_id=user.id, post_id=post.id, version=post.terms_version)
    db.session.add(acceptance)
    try:
        notifications.terms_accepted(post, user)
        db.session.commit()
    except IntegrityError:  # a double click raced us; the first one counts
        db.session.rollback()
        return None
    return acceptance


def versions_of_post(post: Post) -> list[PostTerms]:
    return list(
        db.session.scalars(select(PostTerms).where(PostTerms.post_id == post.id).order_by(PostTerms.version.desc()))
    )


def accepted_at(user: User | None, post: Post) -> TermsAcceptance | None:
    """The user's acceptance of the post's current terms, if any."""
    if not is_signed_in(user) or post.terms_version is None:
        return None
    return db.session.scalar(
        select(TermsAcceptance).where(
            TermsAcceptance.user_id == user.id,
            TermsAcceptance.post_id == post.id,
            TermsAcceptance.version == post.terms_version,
        )
    )


def accepted_earlier(user: User | None, post: Post) -> bool:
    """The user agreed to an earlier version of terms the author has since changed."""
    if not is_signed_in(user):
        return False
    return (
        db.session.scalar(
            select(TermsAcceptance.id)
            .where(TermsAcceptance.user_id == user.id, TermsAcceptance.post_id == post.id)
            .limit(1)
        )
        is not None
    )


# --- site terms ------------------------------------------------------------------------


_SITE_TERMS = "site_terms"


def current_site_terms() -> SiteTerms | None:
    """The site terms in force, read once a request (every page asks); a change counts
    from the next request."""
    memo = request_memo(_SITE_TERMS)
    if "terms" not in memo:
        memo["terms"] = db.session.scalar(select(SiteTerms).order_by(SiteTerms.id.desc()).limit(1))
    return memo["terms"]


def _forget_site_terms() -> None:
    forget(_SITE_TERMS)
    viewer_state.forget()


def site_terms_history() -> list[SiteTerms]:
    return list(db.session.scalars(select(SiteTerms).order_by(SiteTerms.id.desc())))


def has_accepted_site_terms(user: User) -> bool:
    """Asked on every signed-in page: answered from the member's state (infra/viewer_state.py)."""
    return viewer_state.state(user.id).accepted_site_terms


def set_site_terms(admin: User, body: str | None) -> SiteTerms:
    """Save new site terms as the next version. The admin who wrote them accepts them."""
    if not admin.is_admin:
        raise ServiceError("Only administrators set the site terms.", status=403)
    text = (body or "").strip()
    if not text:
        raise ServiceError("Site terms need some text.", field="body")
    limit = current_app.config["TERMS_MAX"]
    if len(text) > limit:
        raise ServiceError(f"Terms are at most {limit:,} characters.", field="body")
    current = current_site_terms()
    if current is not None and current.body_md == text:
        raise ServiceError("These are the terms already in force; nothing changed.", field="body")
    terms = SiteTerms(body_md=text, body_html=render_markdown(text), created_by_id=admin.id)
    db.session.add(terms)
    db.session.flush()
    db.session.add(SiteTermsAcceptance(user_id=admin.id, version=terms.id))
    db.session.commit()
    _forget_site_terms()
    return terms


def check_registration(agreed: bool, version: str | None) -> SiteTerms | None:
    """A new member must agree to the site terms in force, as shown to them."""
    terms = current_site_terms()
    if terms is None:
        return None
    if str(version or "").strip() != str(terms.id):
        raise ServiceError(
            "The site terms changed while you were registering. Read the current terms and agree if you do.",
            field="accept_site_terms",
        )
    if not agreed:
        raise ServiceError("To create an account, agree to the site terms.", field="accept_site_terms")
    return terms


def accept_site_terms(user: User, version: int | str | None) -> None:
    terms = current_site_terms()
    if terms is None:
        return
    if str(version or "").strip() != str(terms.id):
        raise ServiceError(
            "The site terms changed since you opened this page. Read the current terms and agree again if you do.",
            field="version",
            status=409,
        )
    if db.session.get(SiteTermsAcceptance, (user.id, terms.id)) is not None:
        return
    db.session.add(SiteTermsAcceptance(user_id=user.id, version=terms.id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    viewer_state.forget()


def site_acceptances_by(user: User) -> list[SiteTermsAcceptance]:
    return list(
        db.session.scalars(
            select(SiteTermsAcceptance)
            .where(SiteTermsAcceptance.user_id == user.id)
            .order_by(SiteTermsAcceptance.version.desc())
        )
    )

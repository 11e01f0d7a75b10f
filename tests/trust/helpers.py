"""Data for the trust tests: posts with terms, listed posts, vouches, through the services."""

from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import PostRead
from forum.services import access, vouches
from forum.services import posts as post_service
from forum.services.audience import Audience
from forum.services.terms import TermsChoice

ABSTRACT = "What we found about probing for deception, in one paragraph for outsiders."


def restricted_post(author, title="Restricted findings", body="The secret body.", *, users=(), groups=(), terms=None):
    chosen = Audience("restricted", frozenset(u.id for u in users), frozenset(g.id for g in groups))
    return post_service.create_post(
        author,
        title,
        body,
        "",
        chosen,
        terms=TermsChoice(None, terms) if terms else None,
    )


def listed_post(author, title="Listed findings", body="The secret body.", abstract=ABSTRACT, **audience):
    post = restricted_post(author, title, body, **audience)
    access.set_listing(author, post, True, abstract)
    return post


def vouch(voucher, vouchee, statement="I know their work on probes."):
    return vouches.vouch(voucher, vouchee, statement)


def read_of(user, post) -> PostRead | None:
    db.session.expire_all()
    return db.session.get(PostRead, (user.id, post.id))


def n_rows(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))

"""The trace: whose marked copy a leaked text came from (docs/marks.md says how to read it).

The leaked text shows a form at some of the sites of some version of the post (rendering/
marks.observe). Each reader given that version has their forms from their seed; a reader
who did not leak matches each seen site only by chance, with probability 1/(its number of
forms), independently, since the forms come from a keyed hash. The chance that such a reader
matches at least as many sites as the best is the tail of that count's distribution; times
the number of copies that may have been given out (every possible reader of every text the
post has had), it bounds the
chance that anyone innocent matches that well: the false-accusation probability. A reader
is named only below ACCUSE; when even a perfect match over the seen sites could not get
there, the text is too short to tell.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from forum import permissions
from forum.extensions import db
from forum.infra import pdf_marks, watermark
from forum.infra.storage import get_storage
from forum.models import Attachment, Membership, Post, PostRead, PostRevision, User
from forum.models.principals import group_ids_in, user_ids_in
from forum.queries.marked_copies import figure_bits, markable, pdf_token, seed
from forum.rendering import marks

ACCUSE = 1e-3
TOO_LITTLE, NOBODY, NAMED = "too little", "nobody", "named"


@dataclass(frozen=True)
class Match:
    reader: User
    version: int  # 0: the live text, 1: the one before, ...
    matched: int
    seen: int
    false_accusation: float  # the chance that a reader who did not leak matches this well


@dataclass(frozen=True)
class Trace:
    verdict: str  # TOO_LITTLE, NOBODY or NAMED
    seen: int  # sites the text showed, in the version it matched best
    matches: list[Match]  # NAMED: the named readers; otherwise the best candidates, for the record
    copies: int  # copies that may have been given out: the suspects


def tail(probabilities: list[float], at_least: int) -> float:
    """P(at least `at_least` successes) for independent trials with these chances."""
    dist = [1.0]
    for p in probabilities:
        nxt = [0.0] * (len(dist) + 1)
        for count, weight in enumerate(dist):
            nxt[count] += weight * (1 - p)
            nxt[count + 1] += weight * p
        dist = nxt
    return sum(dist[at_least:])


def _suspects(post: Post) -> list[User]:
    """Everyone who may have been given a copy: who opened the post, and who may read it now
    (its people and its groups' members); never its authors, who see the source."""
    tokens = [a.principal for a in post.audience]
    ids = set(db.session.scalars(select(PostRead.user_id).where(PostRead.post_id == post.id)))
    ids |= set(user_ids_in(tokens))
    groups = group_ids_in(tokens)
    if groups:
        ids |= set(db.session.scalars(select(Membership.user_id).where(Membership.group_id.in_(groups))))
    ids -= post.author_ids
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))) if ids else []


def _texts(post: Post) -> list[str]:
    """Every text the post has had, the live one first: a copy of any of them may leak."""
    earlier = db.session.scalars(
        select(PostRevision.body_md).where(PostRevision.post_id == post.id).order_by(PostRevision.id.desc())
    )
    return list(dict.fromkeys([post.body_md, *earlier]))


def trace(viewer: User | None, post: Post, leaked: str) -> Trace | None:
    """None for anyone but the post's authors (the caller answers as the audit page does)."""
    if not permissions.can_see_acceptances(viewer, post):
        return None
    text = marks.normalize(leaked)
    suspects = _suspects(post)
    texts = _texts(post)
    copies = max(1, len(suspects) * len(texts))
    candidates: list[Match] = []
    best_possible, most_seen = 1.0, 0
    for number, body_md in enumerate(texts):
        try:
            tpl = marks.template(body_md)
        except marks.AlternativesError:
            continue
        seen = marks.observe(marks.trace_sites(body_md), text)
        if not seen:
            continue
        chances = [1 / len(tpl.sites[i].forms) for i in seen]
        best_possible = min(best_possible, min(1.0, tail(chances, len(seen)) * copies))
        most_seen = max(most_seen, len(seen))
        for reader in suspects:
            choices = marks.choices_for(seed(post.id, body_md, reader.id), tpl.sites)
            matched = sum(1 for i, form in seen.items() if choices[i] == form)
            chance = min(1.0, tail(chances, matched) * copies)
            candidates.append(Match(reader, number, matched, len(seen), chance))
    candidates.sort(key=lambda m: (m.false_accusation, -m.matched, m.reader.username))
    if best_possible > ACCUSE:
        return Trace(TOO_LITTLE, most_seen, candidates[:3], copies)
    named: dict[int, Match] = {}
    for match in candidates:  # best first: each reader once, at the text that names them most surely
        if match.false_accusation <= ACCUSE:
            named.setdefault(match.reader.id, match)
    if named:
        return Trace(NAMED, most_seen, list(named.values()), copies)
    return Trace(NOBODY, most_seen, candidates[:1], copies)


def review(viewer: User | None, post: Post) -> list[marks.Site] | None:
    """The places the live text varies, for its authors to review; None for anyone else."""
    if not permissions.can_see_acceptances(viewer, post):
        return None
    try:
        return list(marks.template(post.body_md).sites)
    except marks.AlternativesError:
        return []


def trace_figure(viewer: User | None, post: Post, data: bytes) -> Trace | None:
    """Whose copy of one of the post's figures an uploaded image is. The image is matched to
    the figure of its shape, scaled back to that figure's size, and its 64 bits read; each
    suspect matches a bit by chance with probability 1/2. TOO_LITTLE: no figure of that shape
    carries a mark, or the image is too small or damaged to read."""
    if not permissions.can_see_acceptances(viewer, post):
        return None
    if data.startswith(b"%PDF-"):
        return _trace_pdf(post, data)
    suspects = _suspects(post)
    figures = db.session.scalars(select(Attachment).where(Attachment.post_id == post.id).order_by(Attachment.id)).all()
    storage = get_storage()
    readings = []
    for figure in figures:
        original = storage.load(figure.key)
        if original is None or not markable(figure, original):
            continue
        scores = watermark.read(data, watermark.size_of(original))
        if scores is not None:
            readings.append((figure, scores))
    copies = max(1, len(suspects) * max(1, len(readings)))
    candidates: list[Match] = []
    for number, (figure, scores) in enumerate(readings):
        for reader in suspects:
            bits = figure_bits(post.id, figure.key, reader.id)
            matched = sum(1 for bit, score in zip(bits, scores, strict=True) if (score > 0) == (bit == 1))
            chance = min(1.0, tail([0.5] * watermark.BITS, matched) * copies)
            candidates.append(Match(reader, number, matched, watermark.BITS, chance))
    candidates.sort(key=lambda m: (m.false_accusation, -m.matched, m.reader.username))
    if not readings:
        return Trace(TOO_LITTLE, 0, [], copies)
    named: dict[int, Match] = {}
    for match in candidates:
        if match.false_accusation <= ACCUSE:
            named.setdefault(match.reader.id, match)
    if named:
        return Trace(NAMED, watermark.BITS, list(named.values()), copies)
    return Trace(NOBODY, watermark.BITS, candidates[:1], copies)


def _trace_pdf(post: Post, data: bytes) -> Trace:
    """A PDF names its reader by the token in its metadata: 64 keyed bits, all or nothing."""
    token = pdf_marks.read(data)
    suspects = _suspects(post)
    pdfs = db.session.scalars(
        select(Attachment.key).where(Attachment.post_id == post.id, Attachment.content_type == "application/pdf")
    ).all()
    copies = max(1, len(suspects) * len(pdfs))
    if token is None:
        return Trace(TOO_LITTLE, 0, [], copies)
    chance = min(1.0, copies * 2.0**-64)
    for key in pdfs:
        for reader in suspects:
            if pdf_token(post.id, key, reader.id) == token:
                return Trace(NAMED, 64, [Match(reader, 0, 64, 64, chance)], copies)
    return Trace(NOBODY, 64, [], copies)

"""Reading Atom responses in the feed tests: parse with xml.etree and check the parts
RFC 4287 requires, so every test that reads a feed also proves it is a valid document."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree as ET

from forum.services import posts as post_service
from forum.services import terms as terms_service
from forum.services.audience import Audience, audience_of

A = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class FeedEntry:
    title: str
    link: str
    author: str
    content: str | None
    summary: str | None
    categories: tuple[str, ...]


def parse(response) -> tuple[ET.Element, list[FeedEntry]]:
    """The feed element and its entries; fails unless the response is a well-formed Atom feed."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == A + "feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(A + required) is not None, required
    assert root.find(f"{A}link[@rel='self']") is not None
    entries = []
    for element in root.findall(A + "entry"):
        for required in ("id", "title", "updated", "published", "author"):
            assert element.find(A + required) is not None, required
        content = element.find(A + "content")
        if content is not None:
            assert content.get("type") == "html"
        summary = element.find(A + "summary")
        entries.append(
            FeedEntry(
                title=element.findtext(A + "title"),
                link=element.find(f"{A}link[@rel='alternate']").get("href"),
                author=element.findtext(f"{A}author/{A}name"),
                content=None if content is None else content.text,
                summary=None if summary is None else summary.text,
                categories=tuple(c.get("term") for c in element.findall(A + "category")),
            )
        )
    return root, entries


def titles(response) -> list[str]:
    return [entry.title for entry in parse(response)[1]]


def add_terms(post, template: str = "no-sharing"):
    tags = [t.name for t in post.tags]
    return post_service.update_post(
        post,
        post.author,
        post.title,
        post.body_md,
        tags,
        audience_of(post),
        terms=terms_service.resolve_terms(template),
    )


def set_audience(post, kind: str, users=(), groups=()):
    chosen = Audience(kind, frozenset(u.id for u in users), frozenset(g.id for g in groups))
    tags = [t.name for t in post.tags]
    return post_service.update_post(post, post.author, post.title, post.body_md, tags, chosen)

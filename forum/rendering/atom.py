"""Atom 1.0 documents (RFC 4287) from plain data. Knows nothing of posts or viewers:
callers decide what goes in (see `forum/queries/feeds.py`), this only writes it out.

Built with ElementTree rather than a template, so every title, name and body is escaped
by the serializer and the document is well-formed whatever the text holds. Characters
XML 1.0 forbids (most C0 controls) are dropped, since no escape can carry them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
MIMETYPE = "application/atom+xml"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Person:
    name: str
    uri: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    author: Person
    published: datetime
    updated: datetime
    categories: tuple[str, ...] = ()
    # Sanitized HTML shown as the entry's content; None: the entry carries no body.
    content_html: str | None = None
    summary: str | None = None


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    self_url: str
    page_url: str
    updated: datetime
    author: Person
    base: str | None = None
    subtitle: str | None = None
    entries: list[Entry] = field(default_factory=list)


def clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC; stored times are naive UTC."""
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in attributes.items()})
    if text is not None:
        element.text = clean(text)
    return element


def _person(parent: ET.Element, tag: str, person: Person) -> None:
    element = _add(parent, tag)
    _add(element, "name", person.name)
    if person.uri:
        _add(element, "uri", person.uri)


def render(feed: Feed) -> bytes:
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    if feed.base:
        # Relative links inside bodies (mentions, tags) resolve against the site.
        root.set(_XML_BASE, feed.base)
    _add(root, "id", feed.id)
    _add(root, "title", feed.title)
    if feed.subtitle:
        _add(root, "subtitle", feed.subtitle)
    _add(root, "updated", timestamp(feed.updated))
    _add(root, "link", rel="self", type=MIMETYPE, href=feed.self_url)
    _add(root, "link", rel="alternate", type="text/html", href=feed.page_url)
    _person(root, "author", feed.author)
    for entry in feed.entries:
        element = _add(root, "entry")
        _add(element, "id", entry.id)
        _add(element, "title", entry.title)
        _add(element, "link", rel="alternate", type="text/html", href=entry.link)
        _person(element, "author", entry.author)
        _add(element, "published", timestamp(entry.published))
        _add(element, "updated", timestamp(entry.updated))
        for term in entry.categories:
            _add(element, "category", term=term)
        if entry.summary is not None:
            _add(element, "summary", entry.summary)
        if entry.content_html is not None:
            _add(element, "content", entry.content_html, type="html")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

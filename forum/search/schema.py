"""What one search document holds, and how the app's dicts become index fields."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TypedDict

from whoosh.analysis import IDTokenizer, LowercaseFilter, StemmingAnalyzer
from whoosh.analysis.tokenizers import default_pattern
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.util.times import datetime_to_long, long_to_datetime

from forum.models.principals import user_ids_in

# Title and body share one analyzer so a phrase typed by a user is analysed
# exactly like the text it should match; snippets.py finds words with the
# same pattern.
TOKEN_PATTERN = default_pattern
TEXT_ANALYZER = StemmingAnalyzer(expression=TOKEN_PATTERN)

# Raised whenever the fields or their analysis change: an index built before is rebuilt
# on first use (whoosh/index.py's format stamp). 3: token_words without user tokens.
SCHEMA_VERSION = 3

SCHEMA = Schema(
    doc_id=ID(stored=True, unique=True),
    kind=ID(stored=True),
    # Stored, not indexed: a 64-bit NUMERIC field indexes 16 terms per value,
    # and post_id/comment_id/created were a quarter of all indexing CPU.
    post_id=STORED,
    comment_id=STORED,
    # Comments leave the title empty: a comment must not match words that
    # are only in its post's title (display titles come from the database).
    title=TEXT(analyzer=TEXT_ANALYZER, stored=True, field_boost=2.0),
    # Stored only so snippets can be cut from it.
    body=TEXT(analyzer=TEXT_ANALYZER, stored=True),
    author=ID(analyzer=IDTokenizer() | LowercaseFilter()),
    author_id=ID,
    tags=KEYWORD(commas=True, lowercase=True),
    groups=KEYWORD(commas=True),
    # Principal tokens of the audience. User queries can never name this
    # field (see user_query.py); it is read only to build the viewer filter.
    acl=KEYWORD(commas=True),
    # The distinct stems of title and body once per shared audience token (see
    # indexed_token), "group:5|split" (no positions, no frequencies): did-you-mean and the
    # search read only the viewer's own tokens' words (whoosh/vocabulary.py), so hidden
    # words cost them nothing. Left out of the digest: it is derived from title, body and
    # acl, which are in it.
    token_words=KEYWORD(),
    # A column only (see created_key): date filters and the "new" sort read
    # it per document; no query ever needs it as indexed terms.
    created=COLUMN(NumericColumn("q")),
    state=ID,
    # A hash of every other field, so a consistency check can tell a stale
    # document (old audience, state or text) without re-reading its terms.
    digest=STORED,
)

STATES = ("ok", "removed", "deleted")
# A listing is the card of a listed restricted post (title, author, abstract as body),
# a document of its own with the `members` token: nothing else of the post is in it.
KINDS = ("post", "comment", "listing")


class SearchDocument(TypedDict, total=False):
    """One post or comment as the app hands it to the index.

    ``acl`` is required and must be non-empty: a document nobody can read is
    rejected rather than silently indexed.
    """

    kind: str  # "post" | "comment" | "listing"
    post_id: int
    comment_id: int  # 0 for posts
    title: str  # posts and listings only
    body: str
    author: str
    author_id: int
    tags: Iterable[str]
    groups: Iterable[int]
    acl: Iterable[str]
    created: datetime  # naive UTC, or aware (converted to UTC)
    state: str  # "ok" | "removed" | "deleted"


def doc_id_for(kind: str, post_id: int, comment_id: int = 0) -> str:
    return f"comment:{comment_id}" if kind == "comment" else f"{kind}:{post_id}"


def created_key(moment: datetime) -> int:
    """Microseconds since datetime.min, UTC; aware datetimes are converted."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return datetime_to_long(moment)


def created_from_key(key: int) -> datetime:
    """The naive UTC datetime of a ``created`` column value."""
    return long_to_datetime(key)


def _joined(values: Iterable[Any]) -> str:
    # Commas separate KEYWORD values; they cannot appear inside a token.
    return ",".join(str(v).replace(",", " ").strip() for v in values)


def to_fields(doc: SearchDocument) -> dict[str, Any]:
    """Validate an app document and turn it into Whoosh field values."""
    kind = doc["kind"]
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    state = doc.get("state", "ok")
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    acl = [str(token) for token in doc["acl"]]
    if not acl:
        raise ValueError("a document needs at least one principal in its acl")
    post_id = int(doc["post_id"])
    comment_id = int(doc.get("comment_id") or 0) if kind == "comment" else 0
    if kind == "comment" and comment_id <= 0:
        raise ValueError("a comment needs a positive comment_id")
    fields = {
        "doc_id": doc_id_for(kind, post_id, comment_id),
        "kind": kind,
        "post_id": post_id,
        "comment_id": comment_id,
        "title": doc.get("title", "") if kind != "comment" else "",
        "body": doc.get("body", ""),
        "author": doc.get("author", ""),
        "author_id": str(doc.get("author_id", "")),
        "tags": _joined(doc.get("tags", ())),
        "groups": _joined(doc.get("groups", ())),
        "acl": _joined(acl),
        "created": created_key(doc["created"]),
        "state": state,
    }
    # An empty ID value would be indexed as an empty term; leave it out.
    fields = {name: value for name, value in fields.items() if value != ""}
    fields["digest"] = _digest(fields)
    if words := " ".join(token_words(acl, str(fields.get("title", "")), str(fields.get("body", "")))):
        fields["token_words"] = words
    return fields


TOKEN_WORD_SEPARATOR = "|"  # in no principal token and no analysed word


def indexed_token(principal: str) -> bool:
    """Whether ``token_words`` holds a token's words: the shared ones (public, members,
    group:N), not user:N. A user token names one reader (every post carries its authors'),
    so indexing its words doubled the field's size and build time; its few documents
    outside the viewer's shared tokens are read at lookup time instead (whoosh/vocabulary.py)."""
    return not user_ids_in((principal,))


def stems(*texts: str) -> set[str]:
    """The distinct stems of ``texts`` as title and body are indexed."""
    return {token.text for text in texts for token in TEXT_ANALYZER(text)}


def token_words(acl: Iterable[str], *texts: str) -> list[str]:
    """The ``token_words`` terms of a document: each distinct stem of ``texts`` under each
    indexed token of its audience."""
    found = sorted(stems(*texts))
    indexed = [principal for principal in acl if indexed_token(principal)]
    return [f"{principal}{TOKEN_WORD_SEPARATOR}{stem}" for principal in indexed for stem in found]


def _digest(fields: dict[str, Any]) -> str:
    encoded = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def document_digest(doc: SearchDocument) -> str:
    """What ``indexed_digests`` reports for ``doc`` once it is written."""
    return to_fields(doc)["digest"]

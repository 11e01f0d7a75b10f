"""What one search document holds, and how the app's dicts become index fields."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypedDict

from whoosh.analysis import IDTokenizer, LowercaseFilter, StemmingAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, TEXT, Schema

# Title and body share one analyzer so a phrase typed by a user is analysed
# exactly like the text it should match.
TEXT_ANALYZER = StemmingAnalyzer()

SCHEMA = Schema(
    doc_id=ID(stored=True, unique=True),
    kind=ID(stored=True),
    post_id=NUMERIC(int, bits=64, stored=True, signed=False),
    comment_id=NUMERIC(int, bits=64, stored=True, signed=False),
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
    created=DATETIME(stored=True, sortable=True),
    state=ID,
)

STATES = ("ok", "removed", "deleted")
KINDS = ("post", "comment")


class SearchDocument(TypedDict, total=False):
    """One post or comment as the app hands it to the index.

    ``acl`` is required and must be non-empty: a document nobody can read is
    rejected rather than silently indexed.
    """

    kind: str  # "post" | "comment"
    post_id: int
    comment_id: int  # 0 for posts
    title: str  # posts only
    body: str
    author: str
    author_id: int
    tags: Iterable[str]
    groups: Iterable[int]
    acl: Iterable[str]
    created: datetime
    state: str  # "ok" | "removed" | "deleted"


def doc_id_for(kind: str, post_id: int, comment_id: int = 0) -> str:
    return f"post:{post_id}" if kind == "post" else f"comment:{comment_id}"


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
        "title": doc.get("title", "") if kind == "post" else "",
        "body": doc.get("body", ""),
        "author": doc.get("author", ""),
        "author_id": str(doc.get("author_id", "")),
        "tags": _joined(doc.get("tags", ())),
        "groups": _joined(doc.get("groups", ())),
        "acl": _joined(acl),
        "created": doc["created"],
        "state": state,
    }
    # An empty ID value would be indexed as an empty term; leave it out.
    return {name: value for name, value in fields.items() if value != ""}

"""The PostgreSQL search backend's documents: one row per indexed post or comment.

Derived data, rebuilt by `flask forum reindex` and checked by `search-check`, so it has
no foreign keys: rows follow the database through the indexing hooks, never through
cascades. The table exists on every engine so one migration and one agreement test
serve both; on SQLite it stays empty (the Whoosh backend is the only one there), and
its PostgreSQL types (tsvector, text[], int[]) fall back to JSON and text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model

TEXT_ARRAY = JSON().with_variant(postgresql.ARRAY(Text()), "postgresql")
INT_ARRAY = JSON().with_variant(postgresql.ARRAY(Integer()), "postgresql")
TSVECTOR = Text().with_variant(postgresql.TSVECTOR(), "postgresql")


class SearchEntry(Model):
    __tablename__ = "search_entries"

    doc_id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "post:12", "comment:34"
    kind: Mapped[str] = mapped_column(String(20))
    post_id: Mapped[int] = mapped_column(index=True)
    comment_id: Mapped[int]  # 0 for posts
    # Stored for snippets (ts_headline reads the text, not the vector).
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(80))  # the username, lower case
    author_id: Mapped[int]
    tags: Mapped[list[str]] = mapped_column(TEXT_ARRAY)
    groups: Mapped[list[int]] = mapped_column(INT_ARRAY)
    # The audience's principal tokens; a viewer reads a row when `tokens && principals`.
    tokens: Mapped[list[str]] = mapped_column(TEXT_ARRAY)
    created: Mapped[datetime]  # naive UTC
    state: Mapped[str] = mapped_column(String(10))  # "ok" | "removed"
    digest: Mapped[str] = mapped_column(String(32))  # what search-check compares
    # Title weight A, tags B, author C, body D (see forum/search/postgres.py).
    tsv: Mapped[str] = mapped_column(TSVECTOR)

    __table_args__ = (
        Index("ix_search_entries_tsv", "tsv", postgresql_using="gin"),
        Index("ix_search_entries_tokens", "tokens", postgresql_using="gin"),
    )

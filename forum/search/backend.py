"""What the app asks of a search backend (whoosh/backend.py and postgres.py answer it).

The app hands every backend the same generic documents (`SearchDocument`: kind, ids,
text fields, audience tokens, state) and asks the same viewer-filtered question: the
viewer's principal tokens, the active bans, the posts gated by usage terms (title,
author and tags only, no snippet) and the comments to leave out. A new document kind
is a new `kind` value in the documents; neither backend's filtering changes.

`SEARCH_BACKEND=whoosh` (the default) keeps the index in `SEARCH_INDEX_DIR`;
`SEARCH_BACKEND=postgres` keeps it in the forum's own database (postgres.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import Protocol

from forum.search.results import SearchPage
from forum.search.schema import SearchDocument

Progress = Callable[[int, int], None]


class SearchUnavailable(Exception):
    """The backend could not answer (index unreadable, database error). Pages say so
    with a 503; nothing ever falls back to an unfiltered query."""


class Backend(Protocol):
    name: str

    def apply(self, upserts: list[SearchDocument], deletions: list[str]) -> None:
        """Insert or replace `upserts` (by doc id) and delete `deletions`."""

    def rebuild(self, docs: Iterable[SearchDocument], total: int, progress: Progress | None = None) -> int:
        """Replace everything with `docs`; readers never see a half-built index."""

    def digests(self) -> dict[str, str]:
        """Every stored doc id and its digest (see `digest`)."""

    def digest(self, doc: SearchDocument) -> str:
        """What `digests` reports for `doc` once it is written."""

    def query(
        self,
        principals: frozenset[str],
        text: str,
        *,
        kinds: Collection[str] | None = None,
        author: str | None = None,
        group_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        tags: Collection[str] = (),
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
        banned_author_ids: Iterable[int] = (),
        include_removed: bool = False,
        title_only_post_ids: Collection[int] = (),
        exclude_doc_ids: Iterable[str] = (),
    ) -> SearchPage:
        """One page of what `principals` may read, with an exact total. `text` is read by
        `user_query.parse_user_query`; the filters it names arrive as arguments."""

    def readable_words(
        self,
        principals: frozenset[str],
        words: Iterable[str],
        *,
        banned_author_ids: Iterable[int] = (),
        include_removed: bool = False,
        title_only_post_ids: Collection[int] = (),
        exclude_doc_ids: Iterable[str] = (),
    ) -> set[str]:
        """Those of `words` that match a document `principals` may read, under the same
        rules as `query`; never a word that only hidden documents hold (suggest.py)."""

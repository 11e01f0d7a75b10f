"""The embedded backend: the index directory of whoosh/index.py, searched by whoosh/query.py."""

from __future__ import annotations

import os
from collections.abc import Iterable

from forum.search.backend import Progress
from forum.search.results import SearchPage
from forum.search.schema import SearchDocument, document_digest
from forum.search.whoosh import index, query


class WhooshBackend:
    """The index directory of forum/search/whoosh/index.py."""

    name = "whoosh"

    def __init__(self, index_dir: str | os.PathLike[str]) -> None:
        self.index_dir = index_dir

    def apply(self, upserts: list[SearchDocument], deletions: list[str]) -> None:
        index.write_documents(self.index_dir, upserts)
        index.delete_documents(self.index_dir, deletions)

    def rebuild(self, docs: Iterable[SearchDocument], total: int, progress: Progress | None = None) -> int:
        return index.rebuild(self.index_dir, docs, total, progress)

    def digests(self) -> dict[str, str]:
        return index.indexed_digests(self.index_dir)

    def digest(self, doc: SearchDocument) -> str:
        return document_digest(doc)

    def query(self, principals: frozenset[str], text: str, **filters) -> SearchPage:
        return query.search_index(self.index_dir, principals, text, **filters)

    def readable_words(self, principals: frozenset[str], words: Iterable[str], **rules) -> set[str]:
        return query.readable_words(self.index_dir, principals, words, **rules)

    def readable_near(self, principals: frozenset[str], word: str, **rules) -> dict[str, int]:
        return query.readable_near(self.index_dir, principals, word, **rules)

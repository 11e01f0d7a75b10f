"""Full-text search over posts and comments, filtered by the viewer's principals.

A plain library: the app passes documents in and a viewer's principal tokens
at query time; nothing here knows about Flask, users or the database.
"""
from forum.search.index import delete_documents, indexed_digests, rebuild, write_documents
from forum.search.query import Hit, SearchPage, search_index
from forum.search.schema import SearchDocument, doc_id_for, document_digest

__all__ = [
    "Hit",
    "SearchDocument",
    "SearchPage",
    "delete_documents",
    "doc_id_for",
    "document_digest",
    "indexed_digests",
    "rebuild",
    "search_index",
    "write_documents",
]

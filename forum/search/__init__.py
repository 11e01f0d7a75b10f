"""Full-text search over posts and comments, filtered by the viewer's principals.

A plain library: the app passes documents in and a viewer's principal tokens
at query time; nothing here knows about Flask, users or the database.
"""
from .index import delete_documents, rebuild, write_documents
from .query import Hit, SearchPage, search_index
from .schema import SearchDocument, doc_id_for

__all__ = [
    "Hit",
    "SearchDocument",
    "SearchPage",
    "delete_documents",
    "doc_id_for",
    "rebuild",
    "search_index",
    "write_documents",
]

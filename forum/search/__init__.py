"""Full-text search over posts and comments, filtered by the viewer's principals.

service.py is what views and the API call (`search(viewer, ...)`); indexing.py turns
committed posts and comments into documents and writes them to the configured backend.
The engines below them are a plain library: whoosh/ (the embedded index on disk) and
postgres.py (a table in the forum's database), sharing the document schema, the
query parser, snippets and the result shapes. The app passes documents in and a
viewer's principal tokens at query time; the engines know nothing of Flask or users.
"""

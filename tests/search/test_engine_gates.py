"""Engine parameters the app relies on: gated posts, excluded documents, digests."""

from __future__ import annotations

from forum.search.schema import document_digest
from forum.search.whoosh.index import indexed_digests, write_documents
from forum.search.whoosh.query import search_index
from tests.search.docs import make_doc

ANON = frozenset({"public"})


def ids(index_dir, text, **kwargs):
    found = search_index(index_dir, ANON, text, per_page=100, **kwargs)
    assert found.total == len(found.hits)
    return sorted(h.doc_id for h in found.hits)


def test_gated_posts_match_only_on_title_author_and_tags(index_dir):
    write_documents(
        index_dir,
        [
            make_doc(1, "secret body words", title="visible heading", tags=("lynx",)),
            make_doc(2, "secret body words"),
        ],
    )
    assert ids(index_dir, "secret", title_only_post_ids={1}) == ["post:2"]
    assert ids(index_dir, "heading", title_only_post_ids={1}) == ["post:1"]
    assert ids(index_dir, '"visible heading"', title_only_post_ids={1}) == ["post:1"]
    assert ids(index_dir, "lynx", title_only_post_ids={1}) == ["post:1"]
    assert ids(index_dir, f"{make_doc(1)['author']} heading", title_only_post_ids={1}) == ["post:1"]
    assert ids(index_dir, "heading secret", title_only_post_ids={1}) == []


def test_excluded_documents_leave_hits_and_totals(index_dir):
    write_documents(index_dir, [make_doc(1, "alpha"), make_doc(2, "alpha", kind="comment", post_id=1)])
    assert ids(index_dir, "alpha", exclude_doc_ids=["comment:2"]) == ["post:1"]
    assert ids(index_dir, "alpha", exclude_doc_ids=iter(["comment:2", "post:1"])) == []


def test_digests_change_with_any_field(index_dir):
    doc = make_doc(1, "alpha")
    write_documents(index_dir, [doc])
    assert indexed_digests(index_dir) == {"post:1": document_digest(doc)}
    for change in ({"acl": ("group:1",)}, {"state": "removed"}, {"body": "beta"}, {"tags": ("x",)}):
        assert document_digest({**doc, **change}) != document_digest(doc)

"""Whoosh's posting blocks read without unpickling (forum/search/whoosh/blocks.py) decode
to exactly what Whoosh's own reader gives, block by block, in every shape a block takes;
title lengths read in bulk rank exact titles as before."""

from __future__ import annotations

import pickle
from collections import Counter
from types import SimpleNamespace

import pytest
from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.formats import Positions

from forum.search.schema import SearchDocument
from forum.search.whoosh import blocks, evaluate
from forum.search.whoosh.audience import current_view
from forum.search.whoosh.index import write_documents
from forum.search.whoosh.query import search_index
from tests.search.docs import make_doc


def _index(index_dir: str) -> None:
    """Blocks of several shapes: a word in every document with term frequencies 1-3 (ids
    one apart, weights differing, first ids of one and two bytes), in every 300th (ids too
    far apart for one byte), in three (a short block), titles and acl postings (one
    weight or none for a whole block)."""
    docs = []
    for n in range(1, 701):
        words = ["common"] * (1 + n % 3)
        if n % 300 == 0:
            words.append("sparse")
        if n in (5, 6, 7):
            words.append("rare")
        docs.append(make_doc(n, " ".join(words)))
    write_documents(index_dir, docs)


def test_every_block_decodes_as_whoosh_decodes_it(index_dir):
    _index(index_dir)
    shapes: Counter[str] = Counter()
    view = current_view(index_dir)
    for reader, _ in view.searcher.reader().leaf_readers():
        for field in ("body", "title", "acl", "kind", "author"):
            for term in reader.lexicon(field):
                ours = reader.postings(field, term)
                theirs = reader.postings(field, term)
                ours, theirs = getattr(ours, "child", ours), getattr(theirs, "child", theirs)
                if not hasattr(ours, "_read_ids"):
                    continue  # a single posting: no blocks
                while ours.is_active():
                    ids, weights = blocks.decode(ours)
                    shapes["fast" if ours._data is None else "whoosh"] += 1
                    theirs._read_ids()
                    theirs._read_weights()
                    assert list(ids) == list(theirs._ids), (field, term)
                    assert list(weights) == list(theirs._weights), (field, term)
                    assert type(weights) is type(theirs._weights), (field, term)
                    ours._next_block()
                    theirs._next_block()
                assert not theirs.is_active()
    # Both ways were taken: the test covers the fast decoding, and the shapes it leaves to Whoosh.
    assert shapes["fast"] >= 10 and shapes["whoosh"] >= 3, shapes


@pytest.mark.parametrize("gap", [1, 255, 256, 70_000])
@pytest.mark.parametrize("first", [0, 5, 300, 70_000])
@pytest.mark.parametrize("weights", [[1.0] * 130, [2.0] * 130, [float(1 + n % 4) for n in range(130)]])
@pytest.mark.parametrize("count", [4, 128, 130])
def test_a_block_as_whooshs_writer_pickles_it(gap, first, weights, count):
    """Whoosh's writer's own minifying and pickling (codec/whoosh3.py, _write_block), with
    first ids of one, two and four bytes, gaps that fit one byte or not, and each way of
    storing weights: read fast exactly, or left to Whoosh (gaps past one byte)."""
    ids = [first + gap * n for n in range(count)]
    writer = SimpleNamespace(_ids=ids, _weights=weights[:count], _byteids=False, _format=Positions())
    writer._values = [b"positions %d" % n for n in range(count)]
    mini = W3PostingsWriter
    data = pickle.dumps((mini._mini_ids(writer), mini._mini_weights(writer), mini._mini_values(writer)), 2)
    found = blocks._fast(data[: blocks._prefix_length(count)], count)
    if gap > 255:
        assert found is None
        return
    assert found is not None
    assert list(found[0]) == ids
    assert found[1] == pickle.loads(data)[1]


def test_one_word_exact_titles_come_first_in_every_segment(index_dir):
    """Title lengths are read per segment in bulk (IndexView.title_lengths): a one-word
    title equal to the query ranks first in each segment, a longer title does not, and a
    segment of comments (no title lengths at all) is read as no title."""
    write_documents(index_dir, [make_doc(1, "heron " * 4, title="Heron notes"), make_doc(2, "x", title="Heron")])
    write_documents(index_dir, [make_doc(3, "heron heron", kind="comment", post_id=1)])
    write_documents(index_dir, [make_doc(4, "heron " * 6, title="Herons and egrets"), make_doc(5, "y", title="heron")])
    page = search_index(index_dir, frozenset({"public"}), "heron", per_page=10)
    assert [hit.doc_id for hit in page.hits][:2] == ["post:5", "post:2"]
    assert page.total == 5
    assert [(hit.score or 0.0) >= 1000 for hit in page.hits] == [True, True, False, False, False]


def test_a_common_word_read_only_where_a_rare_one_matches_scores_as_read_whole(index_dir, monkeypatch):
    """A later word reads only the blocks holding candidates (evaluate._add_candidates):
    the same documents and scores as reading all its blocks, at a block's first and last
    ids (blocks hold 128) and in a second segment."""
    rare = {1, 97, 128, 129, 256, 300, 700, 701, 828, 829, 1000}

    def doc(n: int) -> SearchDocument:
        return make_doc(n, " ".join(["common"] * (1 + n % 3) + ["rare"] * (n in rare)))

    write_documents(index_dir, [doc(n) for n in range(1, 701)] + [make_doc(2000, "rare")])
    write_documents(index_dir, [doc(n) for n in range(701, 1101)])
    assert len(current_view(index_dir).searcher.reader().leaf_readers()) == 2

    def scores() -> dict[str, float | None]:
        pages = [search_index(index_dir, frozenset({"public"}), "rare common", page=p, per_page=5) for p in (1, 2, 3)]
        return {hit.doc_id: hit.score for page in pages for hit in page.hits}

    skipping = scores()
    monkeypatch.setattr(evaluate, "SKIP_RATIO", 0)  # every block read, as for a common first word
    assert scores() == skipping
    assert sorted(skipping) == sorted(f"post:{n}" for n in rare)
    assert len(set(skipping.values())) == 3  # the common word's three term frequencies

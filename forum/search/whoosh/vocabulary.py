"""Did-you-mean's word lookup, at a cost set by what the viewer may read.

A correction must never be a word that occurs only where the viewer cannot read, and
looking one up must not take longer or shorter because such a word exists. Reading the
title and body postings of each candidate (what this replaced) broke the second rule: a
candidate held only by hidden posts cost a read of their postings, an absent one nothing.

So the index holds each document's stems once per audience token (schema.token_words,
"group:5|split"), and the lookup only ever reads terms under the viewer's own tokens:

1. ``known``: the stems under the viewer's tokens, read per segment with one prefix scan
   of the term dictionary per token (the scan seeks to "group:5|" and reads only that
   token's terms, whatever other tokens hold). Whoosh segments never change, so each
   (segment, token) set is cached until a merge replaces the segment; a commit only adds
   a small segment to read.
2. The typed word's one-edit variants are stemmed and tested against ``known``: a set
   lookup each, the same cost whether a variant is a hidden word or no word at all.
3. Only the few candidates left are checked document by document (state, bans, excluded
   documents, a gated post by its title only), reading the postings of the viewer's
   tokens' terms: documents inside the viewer's audience.

What remains: steps 1 and 3 see documents of the viewer's own tokens that the viewer
still may not read (removed or deleted posts, banned authors, a gated post's body), so a
word held only there is a candidate that costs one posting read more than an absent
word. It is never suggested (tests/search/test_suggestions.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from forum.search.schema import TEXT_ANALYZER, TOKEN_WORD_SEPARATOR
from forum.search.whoosh.audience import DocFlags, IndexView
from forum.search.whoosh.evaluate import posting_blocks

FIELD = "token_words"
# (build directory, segment id, token) -> its stems; "public" of a 20,000-word vocabulary is ~200 KB.
SEGMENT_CACHE_SIZE = 512

_segment_words: OrderedDict[tuple[str, str, str], frozenset[str]] = OrderedDict()
_lock = threading.Lock()


def _words_under(path: str, reader: Any, principal: str) -> frozenset[str]:
    """The stems one segment holds under one audience token.

    Keyed by the build directory too: Whoosh draws segment ids from the ``random``
    module, which a seeded caller (Hypothesis does) repeats in another index."""
    key = (path, reader.segment().segment_id(), principal)
    with _lock:
        if key in _segment_words:
            _segment_words.move_to_end(key)
            return _segment_words[key]
    prefix = principal + TOKEN_WORD_SEPARATOR
    cut = len(prefix.encode())
    if FIELD in reader.schema:
        words = frozenset(term[cut:].decode() for term in reader.expand_prefix(FIELD, prefix))
    else:
        words = frozenset()  # an index from before the field: no suggestions until rebuilt
    with _lock:
        _segment_words[key] = words
        if len(_segment_words) > SEGMENT_CACHE_SIZE:
            _segment_words.popitem(last=False)
    return words


def indexed(view: IndexView) -> bool:
    """Whether the index has the per-token words (one built before them has not, until
    the rebuild that index.format_stamp triggers)."""
    return FIELD in view.searcher.schema


def known_words(view: IndexView, principals: frozenset[str]) -> frozenset[str]:
    """Every stem a document under one of ``principals`` holds (a superset of what they may
    read: removed posts, banned authors and gated bodies are checked later)."""

    def build() -> frozenset[str]:
        found: set[str] = set()
        for reader, _ in view.searcher.reader().leaf_readers():
            for principal in sorted(principals):
                found |= _words_under(view.path, reader, principal)
        return frozenset(found)

    return view.cached("known words", principals, build)


def _title_stems(view: IndexView, docnum: int) -> set[str]:
    return {token.text for token in TEXT_ANALYZER(view.searcher.stored_fields(docnum).get("title", ""))}


def readable_stems(
    view: IndexView,
    principals: frozenset[str],
    stems: Iterable[str],
    allowed: DocFlags,
    skip: set[int],
    gated: set[int],
) -> set[str]:
    """The ``stems`` a document the viewer may read holds: one ``allowed``, not in
    ``skip`` (bans, excluded documents), and for a gated post in its title."""
    known = known_words(view, principals)
    readers = list(view.searcher.reader().leaf_readers())
    found: set[str] = set()
    for stem in stems:
        if stem not in known:
            continue
        for principal in sorted(principals):
            term = f"{principal}{TOKEN_WORD_SEPARATOR}{stem}"
            if any(
                allowed[docnum] and docnum not in skip and (docnum not in gated or stem in _title_stems(view, docnum))
                for reader, offset in readers
                for ids, _ in posting_blocks(reader, FIELD, term)
                for docnum in map(offset.__add__, ids)
            ):
                found.add(stem)
                break
    return found

"""Did-you-mean's word lookup, at a cost set by what the viewer may read.

A correction must never be a word that occurs only where the viewer cannot read, and
looking one up must not take longer or shorter because such a word exists. Reading the
title and body postings of each candidate (what this replaced) broke the second rule: a
candidate held only by hidden posts cost a read of their postings, an absent one nothing.

So the index holds each document's stems once per shared audience token (public,
members, group:N; schema.token_words, "group:5|split"), and the lookup only ever reads
terms under the viewer's own tokens:

1. ``known``: the stems under the viewer's tokens, read per segment with one prefix scan
   of the term dictionary per token (the scan seeks to "group:5|" and reads only that
   token's terms, whatever other tokens hold). The viewer's user token is not in the
   field (it doubled it: every post carries its authors' tokens); its documents that
   none of the viewer's shared tokens covers (a post shared by name, a group post after
   leaving the group) are found through its ``acl`` postings and their stored title and
   body analysed: documents the viewer is named in, however many others hold the word.
   Whoosh segments never change, so each (segment, token) set is cached until a merge
   replaces the segment; a commit only adds a small segment to read.
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
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from functools import cached_property
from typing import Any, TypeVar

from forum.search.schema import TEXT_ANALYZER, TOKEN_WORD_SEPARATOR, indexed_token, stems
from forum.search.suggest import distance
from forum.search.whoosh.audience import DocFlags, IndexView
from forum.search.whoosh.evaluate import posting_blocks

FIELD = "token_words"
# (build directory, segment id, token) -> its stems; "public" of a 20,000-word vocabulary is ~200 KB.
SEGMENT_CACHE_SIZE = 512
T = TypeVar("T")

_segment_words: OrderedDict[tuple[str, str, str], frozenset[str]] = OrderedDict()
# (build directory, segment id, user token, the viewer's shared tokens) -> stem -> docnums.
_own_words: OrderedDict[tuple[str, str, str, frozenset[str]], dict[str, tuple[int, ...]]] = OrderedDict()
_lock = threading.Lock()


def _cached(cache: OrderedDict[Any, T], key: Any, build: Callable[[], T]) -> T:
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = build()
    with _lock:
        cache[key] = value
        if len(cache) > SEGMENT_CACHE_SIZE:
            cache.popitem(last=False)
    return value


def _words_under(path: str, reader: Any, principal: str) -> frozenset[str]:
    """The stems one segment holds under one shared audience token.

    Keyed by the build directory too: Whoosh draws segment ids from the ``random``
    module, which a seeded caller (Hypothesis does) repeats in another index."""

    def build() -> frozenset[str]:
        if FIELD not in reader.schema:
            return frozenset()  # an index from before the field: no suggestions until rebuilt
        prefix = principal + TOKEN_WORD_SEPARATOR
        cut = len(prefix.encode())
        return frozenset(term[cut:].decode() for term in reader.expand_prefix(FIELD, prefix))

    return _cached(_segment_words, (path, reader.segment().segment_id(), principal), build)


def _covered(docnum: int, matchers: list[Any]) -> bool:
    """Whether one of ``matchers`` (acl postings, read in docnum order) holds ``docnum``."""
    for matcher in matchers:
        if matcher.is_active() and matcher.id() < docnum:
            matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            return True
    return False


def _own_documents(path: str, reader: Any, principal: str, shared: frozenset[str]) -> dict[str, tuple[int, ...]]:
    """stem -> the segment's documents under a user token and under none of ``shared``
    (the viewer's shared tokens, whose words the field holds), from their stored title and
    body. Reads only documents the viewer is named in."""

    def build() -> dict[str, tuple[int, ...]]:
        mine = [
            docnum
            for ids, _ in posting_blocks(reader, "acl", principal)
            for docnum in ids
            if not reader.is_deleted(docnum)
        ]
        if not mine:
            return {}  # read nothing more: the cost is set by the viewer's own documents alone
        matchers = [reader.postings("acl", token) for token in sorted(shared) if ("acl", token) in reader]
        found: dict[str, list[int]] = {}
        for docnum in sorted(mine):
            if _covered(docnum, matchers):
                continue
            fields = reader.stored_fields(docnum)
            for stem in stems(fields.get("title", ""), fields.get("body", "")):
                found.setdefault(stem, []).append(docnum)
        return {stem: tuple(docnums) for stem, docnums in found.items()}

    return _cached(_own_words, (path, reader.segment().segment_id(), principal, shared), build)


def _segment_stems(path: str, reader: Any, principal: str, shared: frozenset[str]) -> AbstractSet[str]:
    if indexed_token(principal):
        return _words_under(path, reader, principal)
    return _own_documents(path, reader, principal, shared).keys()


def _shared(principals: frozenset[str]) -> frozenset[str]:
    return frozenset(filter(indexed_token, principals))


def indexed(view: IndexView) -> bool:
    """Whether the index has the per-token words (one built before them has not, until
    the rebuild that index.format_stamp triggers)."""
    return FIELD in view.searcher.schema


class KnownWords(frozenset[str]):
    """A viewer's known stems, and those starting with a prefix found by bisection (a
    prefix search expands against these, evaluate._prefix_expansion)."""

    @cached_property
    def _ordered(self) -> tuple[str, ...]:
        return tuple(sorted(self))

    def starting_with(self, prefix: str) -> list[str]:
        ordered = self._ordered
        start = bisect_left(ordered, prefix)
        # Every string starting with the prefix sorts before prefix + the highest code point.
        return list(ordered[start : bisect_left(ordered, prefix + "\U0010ffff", start)])


def known_words(view: IndexView, principals: frozenset[str]) -> KnownWords:
    """Every stem a document under one of ``principals`` holds (a superset of what they may
    read: removed posts, banned authors and gated bodies are checked later)."""

    def build() -> KnownWords:
        found: set[str] = set()
        for reader, _ in view.searcher.reader().leaf_readers():
            for principal in sorted(principals):
                found |= _segment_stems(view.path, reader, principal, _shared(principals))
        return KnownWords(found)

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
    return set(readable_holders(view, principals, stems, allowed, skip, gated))


def readable_holders(
    view: IndexView,
    principals: frozenset[str],
    stems: Iterable[str],
    allowed: DocFlags,
    skip: set[int],
    gated: set[int],
) -> dict[str, int]:
    """readable_stems, each with the first readable document holding it."""
    known = known_words(view, principals)
    shared = _shared(principals)
    readers = list(view.searcher.reader().leaf_readers())
    found: dict[str, int] = {}
    for stem in stems:
        if stem not in known:
            continue
        for principal in sorted(principals):
            holder = next(
                (
                    docnum
                    for reader, offset in readers
                    for ids in _holding(view.path, reader, principal, shared, stem)
                    for docnum in map(offset.__add__, ids)
                    if allowed[docnum]
                    and docnum not in skip
                    and (docnum not in gated or stem in _title_stems(view, docnum))
                ),
                None,
            )
            if holder is not None:
                found[stem] = holder
                break
    return found


def near_stems(view: IndexView, principals: frozenset[str], form: str, edits: int) -> list[str]:
    """The stems under the viewer's tokens within ``edits`` of ``form`` (suggest.distance),
    nearest first. Only those starting with the same letter are compared: each is a
    pure-Python distance, and a first letter is seldom the one mistyped."""

    def by_first_letter() -> dict[str, tuple[str, ...]]:
        buckets: dict[str, list[str]] = {}
        for word in known_words(view, principals).starting_with(""):
            buckets.setdefault(word[:1], []).append(word)
        return {letter: tuple(words) for letter, words in buckets.items()}

    buckets = view.cached("known words by first letter", principals, by_first_letter)
    scored = [
        (found, stem)
        for stem in buckets.get(form[:1], ())
        if abs(len(stem) - len(form)) <= edits and (found := distance(stem, form, edits)) <= edits
    ]
    return [stem for _, stem in sorted(scored)]


def _holding(path: str, reader: Any, principal: str, shared: frozenset[str], stem: str) -> Iterator[Iterable[int]]:
    """The segment's documents under ``principal`` holding ``stem``, in blocks."""
    if indexed_token(principal):
        yield from (ids for ids, _ in posting_blocks(reader, FIELD, f"{principal}{TOKEN_WORD_SEPARATOR}{stem}"))
    else:
        yield _own_documents(path, reader, principal, shared).get(stem, ())

"""Which documents a viewer may see, as flags evaluate.py tests per posting, cached.

Building the flags means walking the postings of each of the viewer's
principal tokens, so they are cached per searcher and principal set. The
cache lives on the searcher's view: a new index version gets a new view and
an empty cache, so old flags are never applied to new document numbers.
"""

from __future__ import annotations

import os
import sys
import threading
from array import array
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from functools import cached_property
from itertools import repeat
from typing import TypeVar

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.searching import Searcher

from forum.search.whoosh.evaluate import posting_blocks
from forum.search.whoosh.index import live_path, open_index
from forum.search.whoosh.scoring import AudienceBlindBM25

# One set of flags costs one byte per document (400 KB at 400k documents).
ALLOWED_CACHE_SIZE = 64
MASK_CACHE_SIZE = 16
TERM_CACHE_SIZE = 32

T = TypeVar("T")


class DocFlags(bytearray):
    """Document numbers as one byte each, 1 = in the set.

    ``docnum in flags`` is ``flags[docnum]`` (a C slot, no Python call), which
    is what lets evaluate.py filter whole posting blocks with ``map``.
    """

    __contains__ = bytearray.__getitem__  # type: ignore[assignment]


class _LRU(OrderedDict[Hashable, T]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self._size = size

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = build()
        if len(self) > self._size:
            self.popitem(last=False)
        return value


class IndexView:
    """One searcher on one index version, with its per-viewer caches.

    Views are per thread (see current_view), so the caches need no lock.
    """

    def __init__(self, path: str, searcher: Searcher) -> None:
        self.path = path
        self.searcher = searcher
        self._allowed: _LRU[DocFlags | None] = _LRU(ALLOWED_CACHE_SIZE)
        self._masks: _LRU[set[int] | None] = _LRU(MASK_CACHE_SIZE)
        self._terms: _LRU[DocFlags] = _LRU(TERM_CACHE_SIZE)
        self._other: _LRU[object] = _LRU(ALLOWED_CACHE_SIZE)

    def is_current(self, index_dir: str | os.PathLike[str]) -> bool:
        # A rebuild swaps the symlink (path changes); a commit adds a
        # generation (up_to_date turns false). Either way, reopen: refresh()
        # was measured to keep stale ACLs.
        return live_path(index_dir) == self.path and self.searcher.up_to_date()

    def docnums(self, field: str, values: Iterable[str]) -> Iterator[int]:
        """Documents holding any of ``values`` in ``field`` (deleted ones included)."""
        values = list(values)
        for reader, offset in self.searcher.reader().leaf_readers():
            for value in values:
                for ids, _ in posting_blocks(reader, field, value):
                    yield from (docnum + offset for docnum in ids)

    def _flags(self, field: str, values: Iterable[str], flags: DocFlags | None = None, bit: int = 1) -> DocFlags:
        flags = DocFlags(self.searcher.doc_count_all()) if flags is None else flags
        for reader, offset in self.searcher.reader().leaf_readers():
            for value in values:
                for ids, _ in posting_blocks(reader, field, value):
                    # Sets flags[docnum] = bit for a whole block without a
                    # Python-level loop (the anonymous viewer's set touches
                    # 70% of all documents).
                    docnums = map(offset.__add__, ids) if offset else ids
                    deque(map(flags.__setitem__, docnums, repeat(bit)), maxlen=0)
        return flags

    def allowed(self, principals: frozenset[str], include_removed: bool) -> DocFlags | None:
        """Documents whose acl meets ``principals`` (and state is ok); None if none."""

        def build() -> DocFlags | None:
            flags = self._flags("acl", principals)
            if not include_removed:
                self._flags("state", ("removed", "deleted"), flags, bit=0)
            # Raw postings still list deleted documents; this is what hides them.
            for reader, offset in self.searcher.reader().leaf_readers():
                for docnum in reader.deleted_docs_set if reader.has_deletions() else ():
                    flags[offset + docnum] = 0
            # None, never empty flags: callers treat None as "nothing readable".
            return flags if flags.find(1) >= 0 else None

        return self._allowed.get_or_build((principals, include_removed), build)

    def banned_mask(self, author_ids: frozenset[str]) -> set[int] | None:
        """Documents written by the given author ids; None if there are none."""
        if not author_ids:
            return None

        return self._masks.get_or_build(author_ids, lambda: set(self.docnums("author_id", author_ids)) or None)

    def term_flags(self, field: str, value: str) -> DocFlags:
        """Documents having ``value`` in ``field`` (for kind/group/author facets)."""
        return self._terms.get_or_build((field, value), lambda: self._flags(field, (value,)))

    def cached(self, kind: str, key: Hashable, build: Callable[[], T]) -> T:
        """Anything else derived from this index version for a viewer, built once."""
        return self._other.get_or_build((kind, key), build)  # type: ignore[return-value]

    @cached_property
    def created(self) -> array[int]:
        """Each document's ``created`` column value (see schema.created_key), by docnum."""
        values: array[int] = array("q")
        for reader, _ in self.searcher.reader().leaf_readers():
            column = reader.column_reader("created", translate=False)
            count = reader.doc_count_all()
            raw = getattr(column, "_dbfile", None)
            if raw is not None and getattr(column, "_fixedlen", 0) == 8:
                # Whoosh-Reloaded 2.7.5 stores the column as big-endian
                # int64s: one read instead of 400k Python-level lookups.
                part = array("q", raw.get(column._basepos, column._count * 8))
                if sys.byteorder == "little":
                    part.byteswap()
                part.extend([column._default] * (count - len(part)))
            else:
                part = array("q", (column[docnum] for docnum in range(count)))
            values.extend(part)
        return values

    @cached_property
    def title_lengths(self) -> bytes:
        """Each document's title length as Whoosh stores it (one byte, see
        whoosh.util.numeric.length_to_byte), by docnum; 0 for no title."""
        parts: list[bytes] = []
        for reader, _ in self.searcher.reader().leaf_readers():
            count = reader.doc_count_all()
            # Whoosh-Reloaded 2.7.5 keeps the lengths as a one-byte column per field:
            # one read instead of a doc_field_length call per document.
            perdoc = getattr(reader, "_perdoc", None)  # an empty index has no segment
            column = None if perdoc is None else perdoc._cached_reader("_title_len", LENGTHS_COLUMN)
            part = b"" if column is None else column._dbfile.get(column._basepos, min(column._count, count))
            parts.append(part + bytes(count - len(part)))
        return b"".join(parts)


_local = threading.local()


def current_view(index_dir: str | os.PathLike[str]) -> IndexView:
    """This thread's view of the live index, reopened when the index changed.

    Searchers are kept per thread because Whoosh does not promise that one
    searcher is safe to use from several threads at once.
    """
    views: dict[str, IndexView] = _local.__dict__.setdefault("views", {})
    key = os.fspath(index_dir)
    view = views.get(key)
    if view is None or not view.is_current(index_dir):
        ix = open_index(index_dir)
        if view is not None:
            view.searcher.close()
        view = views[key] = IndexView(ix.storage.folder, ix.searcher(weighting=AudienceBlindBM25()))
    return view

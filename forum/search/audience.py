"""Which documents a viewer may see, as a set Whoosh can filter on, cached.

Building the set means walking the postings of each of the viewer's
principal tokens (~165 ms at 100k documents, see the whoosh notes), so it is
cached per searcher and principal set. The cache lives on the searcher's
view: a new index version gets a new view and an empty cache, so an old
allowed-set can never be applied to new document numbers.
"""
from __future__ import annotations

import os
import sys
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from functools import cached_property

from whoosh.idsets import DocIdSet
from whoosh.query import Term
from whoosh.searching import Searcher

from .index import live_path, open_index
from .scoring import AudienceBlindBM25

# One allowed-set costs one byte per document (400 KB at 400k documents).
ALLOWED_CACHE_SIZE = 64
MASK_CACHE_SIZE = 16
TERM_CACHE_SIZE = 32


class DocFlags(bytearray, DocIdSet):
    """Document numbers as one byte each, with C-speed membership tests.

    Whoosh's collector asks ``docnum in allowed`` for every matching
    document; ``bytearray.__getitem__`` answers that without a Python-level
    call, several times faster than ``BitSet``. ``in`` treats the byte as a
    truth value.
    """

    __contains__ = bytearray.__getitem__  # type: ignore[assignment]

    def __bool__(self) -> bool:
        # Whoosh's collector ignores a falsy filter, i.e. treats an empty
        # allow-set as "allow everything": never pass an empty one.
        return self.find(1) >= 0


class IndexView:
    """One searcher on one index version, with its per-viewer caches."""

    def __init__(self, path: str, searcher: Searcher) -> None:
        self.path = path
        self.searcher = searcher
        self._allowed: OrderedDict[tuple[frozenset[str], bool], DocFlags | None] = OrderedDict()
        self._masks: OrderedDict[frozenset[str], set[int] | None] = OrderedDict()
        self._terms: OrderedDict[tuple[str, str], DocFlags] = OrderedDict()
        self._lock = threading.Lock()

    def is_current(self, index_dir: str | os.PathLike[str]) -> bool:
        # A rebuild swaps the symlink (path changes); a commit adds a
        # generation (up_to_date turns false). Either way, reopen: refresh()
        # was measured to keep stale ACLs.
        return live_path(index_dir) == self.path and self.searcher.up_to_date()

    def _docs(self, field: str, values: Iterable[str]) -> Iterable[int]:
        for value in values:
            yield from self.searcher.docs_for_query(Term(field, value))

    def allowed(self, principals: frozenset[str], include_removed: bool) -> DocFlags | None:
        """Documents whose acl meets ``principals`` (and state is ok); None if none."""
        key = (principals, include_removed)
        with self._lock:
            if key in self._allowed:
                self._allowed.move_to_end(key)
                return self._allowed[key]
        flags = DocFlags(self.searcher.doc_count_all())
        for docnum in self._docs("acl", principals):
            flags[docnum] = 1
        if not include_removed:
            for docnum in self._docs("state", ("removed", "deleted")):
                flags[docnum] = 0
        # evaluate.py reads raw postings, which still list deleted documents.
        for reader, offset in self.searcher.reader().leaf_readers():
            for docnum in reader.deleted_docs_set if reader.has_deletions() else ():
                flags[offset + docnum] = 0
        result = flags if flags else None
        with self._lock:
            self._allowed[key] = result
            if len(self._allowed) > ALLOWED_CACHE_SIZE:
                self._allowed.popitem(last=False)
        return result

    def banned_mask(self, author_ids: frozenset[str]) -> set[int] | None:
        """Documents written by the given author ids; None if there are none."""
        if not author_ids:
            return None
        with self._lock:
            if author_ids in self._masks:
                self._masks.move_to_end(author_ids)
                return self._masks[author_ids]
        mask = set(self._docs("author_id", author_ids)) or None
        with self._lock:
            self._masks[author_ids] = mask
            if len(self._masks) > MASK_CACHE_SIZE:
                self._masks.popitem(last=False)
        return mask


    def term_flags(self, field: str, value: str) -> DocFlags:
        """Documents having ``value`` in ``field`` (for kind/group/author facets)."""
        key = (field, value)
        with self._lock:
            if key in self._terms:
                self._terms.move_to_end(key)
                return self._terms[key]
        flags = DocFlags(self.searcher.doc_count_all())
        for docnum in self._docs(field, (value,)):
            flags[docnum] = 1
        with self._lock:
            self._terms[key] = flags
            if len(self._terms) > TERM_CACHE_SIZE:
                self._terms.popitem(last=False)
        return flags

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

"""The on-disk index: opening it, writing to it from many processes, rebuilding it.

Layout: ``index_dir`` is a symlink to one build directory inside
``<index_dir>.builds/``. A rebuild fills a new build directory and then
replaces the symlink in one ``os.replace``, so a reader sees the old index or
the new one, never a half-built one. Readers and writers resolve the symlink
once and work on the build directory, so a swap never changes files under an
open searcher; the previous build is kept until the next rebuild for the same
reason.

While a rebuild runs, every write also goes to ``journal.jsonl`` in the builds
directory; the rebuild replays it into the new index under the live index's
write lock just before the swap, so no update made during a rebuild is lost.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

import whoosh
from whoosh import index as whoosh_index
from whoosh.index import FileIndex, LockError
from whoosh.writing import SegmentWriter

from forum.search.schema import SCHEMA, SCHEMA_VERSION, SearchDocument, to_fields

# Gunicorn workers queue on Whoosh's single write lock. Each attempt waits
# LOCK_WAIT seconds; a request gives up only after WRITE_DEADLINE seconds,
# far beyond a normal commit (~150 ms), so a busy index delays writes but does
# not drop them.
LOCK_WAIT = 2.0
WRITE_DEADLINE = 120.0

Progress = Callable[[int, int], None]


def builds_dir(index_dir: str | os.PathLike[str]) -> Path:
    path = Path(index_dir)
    return path.with_name(path.name + ".builds")


def _journal_path(index_dir: str | os.PathLike[str]) -> Path:
    return builds_dir(index_dir) / "journal.jsonl"


@contextmanager
def _file_lock(path: Path, *, blocking: bool = True) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        flags = fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB)
        fcntl.flock(handle, flags)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Each build directory says which schema and engine wrote it. Another stamp (or none: a
# build from before stamps) means the index must be rebuilt: the fields differ, or the
# engine's on-disk format may (whoosh-ng's cannot be read by whoosh-reloaded).
FORMAT_FILE = "forum-index-format"


def format_stamp() -> str:
    return f"schema {SCHEMA_VERSION}; whoosh {whoosh.versionstring()}"


def _create(build: Path) -> FileIndex:
    ix = whoosh_index.create_in(build, SCHEMA)
    (build / FORMAT_FILE).write_text(format_stamp())
    return ix


def outdated(index_dir: str | os.PathLike[str]) -> bool:
    """Whether the live index was built by another schema or engine (see format_stamp);
    False when there is no index yet (open_index creates a current one)."""
    live = Path(live_path(index_dir))
    if not live.is_dir() or not any(name.endswith(".toc") for name in os.listdir(live)):
        return False
    try:
        return (live / FORMAT_FILE).read_text() != format_stamp()
    except FileNotFoundError:
        return True


def _new_build_dir(index_dir: str | os.PathLike[str]) -> Path:
    path = builds_dir(index_dir) / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    return path


def _point_at(index_dir: str | os.PathLike[str], build: Path) -> None:
    """Atomically make ``index_dir`` the symlink to ``build``."""
    link = Path(index_dir)
    tmp = link.with_name(f".{link.name}.{uuid.uuid4().hex}.tmp")
    os.symlink(os.path.relpath(build, link.parent), tmp)
    if link.is_dir() and not link.is_symlink():
        # A plain directory from an older layout: move it among the builds so
        # the swap below can be a symlink replace. Happens at most once.
        link.rename(builds_dir(index_dir) / f"legacy-{uuid.uuid4().hex[:8]}")
    os.replace(tmp, link)


def live_path(index_dir: str | os.PathLike[str]) -> str:
    """The build directory ``index_dir`` currently points at."""
    return os.path.realpath(index_dir)


def _open_existing(path: str) -> FileIndex | None:
    """The index at ``path``, or None when there is none yet.

    Another process's commit replaces the table of contents between whoosh
    finding the newest generation and opening it; the newer one is there by
    then, so a missing file means "look again", never "no index". (whoosh's
    own ``exists_in`` opens the index too and lets that race escape.)
    """
    if not os.path.isdir(path):
        return None
    for attempt in range(20):
        try:
            return whoosh_index.open_dir(path)
        except whoosh_index.EmptyIndexError:
            return None
        except FileNotFoundError:
            time.sleep(0.005 * attempt)
    return whoosh_index.open_dir(path)


def open_index(index_dir: str | os.PathLike[str]) -> FileIndex:
    """Open the live index, creating an empty one on first use."""
    ix = _open_existing(live_path(index_dir))
    if ix is not None:
        return ix
    with _file_lock(builds_dir(index_dir) / "create.lock"):
        ix = _open_existing(live_path(index_dir))
        if ix is not None:
            return ix
        build = _new_build_dir(index_dir)
        ix = _create(build)
        _point_at(index_dir, build)
        return ix


@contextmanager
def _live_writer(index_dir: str | os.PathLike[str], *, commit: bool = True) -> Iterator[SegmentWriter]:
    """A writer on whichever index is live once the write lock is held.

    A rebuild may swap the index while we wait for the old one's lock, so
    after acquiring it we check that it still belongs to the live index and
    start over if not. Commits on success (or just releases the lock when
    ``commit`` is false), cancels on error.
    """
    deadline = time.monotonic() + WRITE_DEADLINE
    while True:
        ix = open_index(index_dir)
        try:
            writer = ix.writer(timeout=LOCK_WAIT)
        except LockError:
            if time.monotonic() > deadline:
                raise
            continue
        if ix.storage.folder != live_path(index_dir):
            writer.cancel()
            continue
        break
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    if commit:
        writer.commit()
    else:
        writer.cancel()


def _journal(index_dir: str | os.PathLike[str], ops: list[dict[str, Any]]) -> None:
    """Record writes for a rebuild in progress (called under the write lock)."""
    path = _journal_path(index_dir)
    if not ops or not path.exists():
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(op) + "\n" for op in ops)
        handle.flush()
        os.fsync(handle.fileno())


def write_documents(index_dir: str | os.PathLike[str], docs: Iterable[SearchDocument]) -> int:
    """Insert or replace documents (by doc_id) in one commit; returns how many."""
    fields = [to_fields(doc) for doc in docs]
    if not fields:
        return 0
    with _live_writer(index_dir) as writer:
        for doc in fields:
            writer.update_document(**doc)
        _journal(index_dir, [{"op": "upsert", "fields": doc} for doc in fields])
    return len(fields)


def delete_documents(index_dir: str | os.PathLike[str], doc_ids: Iterable[str]) -> int:
    """Delete documents by doc_id ("post:12", "comment:34") in one commit."""
    ids = list(doc_ids)
    if not ids:
        return 0
    with _live_writer(index_dir) as writer:
        for doc_id in ids:
            writer.delete_by_term("doc_id", doc_id)
        _journal(index_dir, [{"op": "delete", "doc_id": doc_id} for doc_id in ids])
    return len(ids)


def indexed_digests(index_dir: str | os.PathLike[str]) -> dict[str, str]:
    """Every live document's doc_id and digest (see schema.document_digest)."""
    ix = open_index(index_dir)
    with ix.searcher() as searcher:
        return {stored["doc_id"]: stored.get("digest", "") for stored in searcher.all_stored_fields()}


def _replay_journal(index_dir: str | os.PathLike[str], ix: FileIndex) -> int:
    path = _journal_path(index_dir)
    with open(path, encoding="utf-8") as handle:
        ops = [json.loads(line) for line in handle if line.endswith("\n")]
    if ops:
        with ix.writer() as writer:
            for op in ops:
                if op["op"] == "upsert":
                    writer.update_document(**op["fields"])
                else:
                    writer.delete_by_term("doc_id", op["doc_id"])
    return len(ops)


def _remove_old_builds(index_dir: str | os.PathLike[str], keep: set[str]) -> None:
    for entry in builds_dir(index_dir).iterdir():
        if entry.is_dir() and str(entry.resolve()) not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def rebuild(
    index_dir: str | os.PathLike[str],
    docs: Iterable[SearchDocument],
    total: int,
    progress: Progress | None = None,
    *,
    batch_size: int = 5_000,
    procs: int = min(2, os.cpu_count() or 1),
    limitmb: int = 128,
) -> int:
    """Build a fresh index from ``docs`` and swap it in; returns the count.

    ``docs`` should be lazy (a generator over the database): the journal
    starts before it is read, so any write the app makes after reading a row
    is replayed into the new index. ``procs``/``limitmb`` defaults were
    measured with bench/search_bench.py on 2 cores (8k docs: 1 proc 390 docs/s,
    2 procs 446, 2 procs with 128 MB each 555).
    """
    with _file_lock(builds_dir(index_dir) / "rebuild.lock", blocking=False):
        journal = _journal_path(index_dir)
        journal.write_text("")
        build = _new_build_dir(index_dir)
        try:
            ix = _create(build)
            done = 0
            writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=procs > 1)
            try:
                iterator = iter(docs)
                while batch := list(islice(iterator, batch_size)):
                    for doc in batch:
                        writer.add_document(**to_fields(doc))
                    done += len(batch)
                    if progress:
                        progress(done, total)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            previous = live_path(index_dir)
            # Hold the live write lock so no write lands between the replay
            # and the swap; waiting writers then find the new index.
            with _live_writer(index_dir, commit=False):
                _replay_journal(index_dir, ix)
                _point_at(index_dir, build)
                journal.unlink()
        except BaseException:
            journal.unlink(missing_ok=True)
            shutil.rmtree(build, ignore_errors=True)
            raise
        # Searchers opened on the previous build may still be reading it.
        _remove_old_builds(index_dir, keep={str(build.resolve()), previous})
        return done

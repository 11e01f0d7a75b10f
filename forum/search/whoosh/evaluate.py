"""Scoring every readable match of a query straight from the postings.

Whoosh's matcher tree costs ~57 µs per matching document in Python (measured
at 20k documents), which is seconds for a common word at 400k. This takes
each term's posting blocks whole instead, filters them by the viewer's
allowed-set with C-level map/compress, and intersects the reader's words as
dictionaries.
Phrases (rare, and needing positions) still go through Whoosh's matchers.

The result is every readable match with its score; callers order it by a
strict total order ((-score, docnum) or (-created, docnum)), so pages of one
index version never repeat or skip a document.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from itertools import compress, repeat
from typing import Any

from whoosh.query import Or, Phrase, Query, Term

from forum.search.user_query import Unit
from forum.search.whoosh import blocks
from forum.search.whoosh.scoring import saturate

Scores = dict[int, float]
Known = AbstractSet[str] | None
TEXT_FIELDS = ("title", "body")
PREFIX_FIELDS = ("body", "title", "author", "tags")


def _raw_matcher(reader: Any, field: str, text: str) -> Any:
    matcher = reader.postings(field, text)
    return getattr(matcher, "child", matcher)  # unwrap the deletion filter


def posting_blocks(reader: Any, field: str, text: str) -> Iterator[tuple[Any, Any]]:
    """(ids, weights) arrays of one term's postings in one segment.

    Reads Whoosh-Reloaded 2.7.5's blocks directly (whoosh/blocks.py); deleted
    documents are not skipped here, the allowed-set excludes them. Terms with a
    single posting use a list matcher instead. A term missing from the segment
    yields nothing.
    """
    if (field, text) not in reader:
        return
    matcher = _raw_matcher(reader, field, text)
    if not hasattr(matcher, "_read_ids"):
        while matcher.is_active():
            yield (matcher.id(),), (matcher.weight(),)
            matcher.next()
        return
    while matcher.is_active():
        yield blocks.decode(matcher)
        matcher._next_block()


class _Saturated(dict[float, float]):
    """saturate() memoised: a posting weight is one of a few dozen values, and
    a dict lookup can be mapped over a block in C."""

    def __missing__(self, tf: float) -> float:
        value = self[tf] = saturate(tf)
        return value


_SATURATED = _Saturated()


# Below this many candidates per posting, later words jump from candidate to
# candidate (skipping whole undecoded blocks) instead of reading every block.
SKIP_RATIO = 16


def _add_candidates(scores: Scores, reader: Any, offset: int, field: str, text: str, candidates: list[int]) -> None:
    """Add one term's score to each candidate (sorted local docnums) it matches, decoding
    only the blocks a candidate falls in: a block's last id is known without decoding it."""
    matcher = _raw_matcher(reader, field, text)
    saturating = field in TEXT_FIELDS
    if not hasattr(matcher, "_read_ids"):  # a single posting: no blocks
        for docnum in candidates:
            if matcher.is_active() and matcher.id() < docnum:
                matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                scores[docnum + offset] = scores.get(docnum + offset, 0.0) + (
                    _SATURATED[matcher.weight()] if saturating else 1.0
                )
        return
    at, count = 0, len(candidates)
    while at < count and matcher.is_active():
        last = matcher._maxid
        if candidates[at] <= last:
            found = dict(zip(*blocks.decode(matcher)))
            while at < count and candidates[at] <= last:
                weight = found.get(candidates[at])
                if weight is not None:
                    docnum = candidates[at] + offset
                    scores[docnum] = scores.get(docnum, 0.0) + (_SATURATED[weight] if saturating else 1.0)
                at += 1
        matcher._next_block()


def prefix_terms(searcher: Any, field: str, prefix: str) -> list[str]:
    """The terms of ``field`` starting with ``prefix``, over the whole index: they are
    only ever looked up under the viewer's allowed-set, never shown."""
    return [term.decode() for term in searcher.reader().expand_prefix(field, prefix)]


def _prefix_expansion(searcher: Any, field: str, prefix: str, known: Known) -> list[str]:
    """The terms a prefix stands for in ``field``. For title and body, with ``known``,
    the viewer's own stems that start with it: scanning the index's dictionary would
    take as long as the hidden words sharing the prefix make it."""
    if known is None or field not in TEXT_FIELDS:
        return prefix_terms(searcher, field, prefix)
    starting_with = getattr(known, "starting_with", None)
    if starting_with is not None:
        return starting_with(prefix)
    return sorted(word for word in known if word.startswith(prefix))


def _term_scores(searcher: Any, unit: Unit, keep: Any, known: Known = None) -> Scores:
    """Score one single-token word (or a prefix's terms) over body, title, author and tags.

    ``keep`` holds the documents that may still match: the allowed-set
    (DocFlags) for the first unit, the previous units' scores (a dict)
    after that, or None for no restriction (benchmarks only). A title or body
    term not in ``known`` (see score_matches) is not read at all.
    """
    scores: Scores = {}
    get = scores.get
    # Body first: it has by far the most postings, and as the first term a
    # document cannot have a score yet, so dict.update can take whole blocks.
    if unit.prefix:
        prefix = unit.prefix
        terms = [(field, term) for field in PREFIX_FIELDS for term in _prefix_expansion(searcher, field, prefix, known)]
    else:
        (token,) = unit.tokens
        terms = [("body", token), ("title", token)] if known is None or token in known else []
        if unit.name:
            terms += [("author", unit.name), ("tags", unit.name)]
    readers = list(searcher.reader().leaf_readers())
    candidates = sorted(keep) if type(keep) is dict else None
    for position, (field, text) in enumerate(terms):
        for reader, offset in readers:
            if (field, text) not in reader:
                continue
            if candidates is not None:
                local = [d - offset for d in candidates if offset <= d < offset + reader.doc_count_all()]
                if len(local) * SKIP_RATIO < reader.doc_frequency(field, text):
                    _add_candidates(scores, reader, offset, field, text, local)
                    continue
            for ids, weights in posting_blocks(reader, field, text):
                # Iterators over whole blocks keep the per-posting work (offset,
                # allowed-set test, saturation) in C, without a list between steps.
                if offset:
                    ids = list(map(offset.__add__, ids))
                values = map(_SATURATED.__getitem__, weights) if field in TEXT_FIELDS else repeat(1.0)
                pairs: Iterator[tuple[int, float]] = zip(ids, values)
                if keep is not None:
                    pairs = compress(pairs, map(keep.__contains__, ids))
                if position == 0:
                    scores.update(pairs)
                else:
                    for docnum, value in pairs:
                        scores[docnum] = get(docnum, 0.0) + value
    return scores


def _phrase_scores(searcher: Any, unit: Unit, keep: Any, known: Known = None) -> Scores:
    alternatives: list[Query] = []
    if known is None or all(token in known for token in unit.tokens):
        alternatives += [Phrase(field, list(unit.tokens)) for field in TEXT_FIELDS]
    if unit.name:
        alternatives += [Term("author", unit.name), Term("tags", unit.name)]
    if not alternatives:
        return {}
    query = Or(alternatives)
    results = searcher.search(query, limit=None)
    return {docnum: score for score, docnum in results.top_n if keep is None or docnum in keep}


def unit_scores(searcher: Any, unit: Unit, keep: Any, known: Known = None) -> Scores:
    """The documents one word, phrase or prefix matches (within ``keep``), with scores."""
    return (_phrase_scores if unit.is_phrase else _term_scores)(searcher, unit, keep, known)


def _clause_scores(searcher: Any, clause: tuple[Unit, ...], keep: Any, known: Known) -> Scores:
    """Documents matching any unit of an OR clause; each matching unit adds its score."""
    if len(clause) == 1:
        return unit_scores(searcher, clause[0], keep, known)
    scores: Scores = {}
    for unit in clause:
        for docnum, score in unit_scores(searcher, unit, keep, known).items():
            scores[docnum] = scores.get(docnum, 0.0) + score
    return scores


def score_matches(searcher: Any, clauses: list[tuple[Unit, ...]], allowed: Any, known: Known = None) -> Scores:
    """Every document matching all clauses (and ``allowed``), with its score.

    ``known`` holds the stems of the documents under the viewer's audience tokens
    (whoosh/vocabulary.py): a title or body word outside it cannot match anything
    the viewer may read, so its postings, which can only be hidden documents', are
    never read, and a query of such words costs what a query of absent words does.
    """

    def unreadable(unit: Unit) -> bool:
        return known is not None and not unit.prefix and not unit.name and any(t not in known for t in unit.tokens)

    # Rarest clause first: later clauses only test membership in a smaller dict. A
    # clause that cannot match goes first and ends the search; doc_frequency counts
    # hidden documents too, so it only orders clauses of readable words.
    def cost(clause: tuple[Unit, ...]) -> int:
        if all(unreadable(unit) for unit in clause):
            return -1
        return sum(
            searcher.doc_frequency(field, unit.tokens[0]) if unit.tokens else 10**9
            for unit in clause
            for field in TEXT_FIELDS
        )

    scores: Any = allowed
    for clause in sorted(clauses, key=cost):
        found = _clause_scores(searcher, clause, scores, known)
        if type(scores) is dict:
            found = {docnum: scores[docnum] + s for docnum, s in found.items()}
        scores = found
        if not scores:
            break
    return scores

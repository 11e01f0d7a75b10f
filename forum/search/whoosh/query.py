"""Searching the index as one viewer: only what their principals may read.

The audience, state and ban rules are applied while matches are collected
(evaluate.py checks the allowed-set per posting), before ranking and paging,
so ``total`` and the pages count only readable documents. Every readable
match is scored and the page is cut from one strict total order; Whoosh's
top-k shortcut was measured to skip documents and repeat them across pages.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Callable, Collection, Iterable
from collections.abc import Set as AbstractSet
from datetime import datetime
from itertools import compress

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem
from whoosh.query import Phrase
from whoosh.util.numeric import byte_to_length, length_to_byte

from forum.search import suggest
from forum.search.results import MAX_PER_PAGE, Hit, SearchPage, Sort
from forum.search.schema import KINDS, TEXT_ANALYZER, created_from_key, created_key, doc_id_for
from forum.search.snippets import Highlighter
from forum.search.user_query import Unit, UserQuery, parse_user_query
from forum.search.whoosh import vocabulary
from forum.search.whoosh.audience import DocFlags, IndexView, current_view
from forum.search.whoosh.evaluate import prefix_terms, score_matches, unit_scores


def _facet_check(
    view: IndexView,
    kinds: Collection[str] | None,
    author: str | None,
    group_id: int | None,
    since: datetime | None,
    until: datetime | None,
    mask: set[int] | None,
    tags: Collection[str] = (),
) -> Callable[[int], bool] | None:
    """A per-document test for the facets and bans; None when there are none."""
    tests: list[Callable[[int], object]] = []  # a DocFlags lookup answers 0 or 1
    if kinds:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}")
        if set(kinds) != set(KINDS):
            flags = [view.term_flags("kind", kind) for kind in sorted(set(kinds))]
            tests.append(flags[0].__getitem__ if len(flags) == 1 else lambda doc: any(f[doc] for f in flags))
    if author:
        tests.append(view.term_flags("author", author.strip().lower()).__getitem__)
    if group_id is not None:
        tests.append(view.term_flags("groups", str(group_id)).__getitem__)
    for tag in tags:
        tests.append(view.term_flags("tags", tag.strip().lower()).__getitem__)
    if since is not None or until is not None:
        created = view.created
        low = created_key(since) if since is not None else -(2**63)
        high = created_key(until) if until is not None else 2**63
        tests.append(lambda docnum: low <= created[docnum] <= high)
    if mask:
        tests.append(lambda docnum: docnum not in mask)
    if not tests:
        return None
    return lambda docnum: all(test(docnum) for test in tests)


def _restricts(kinds: Collection[str] | None) -> bool:
    return bool(kinds) and set(kinds or ()) != set(KINDS)


def _outside_body(view: IndexView) -> Callable[[Unit, int], bool]:
    """Whether a unit matches a document outside its body (title, author, tags)."""
    phrases: dict[tuple[str, ...], set[int]] = {}
    prefixes: dict[str, list[DocFlags]] = {}

    def unit_matches(unit: Unit, docnum: int) -> bool:
        if unit.prefix:
            if unit.prefix not in prefixes:
                prefixes[unit.prefix] = [
                    view.term_flags(field, term)
                    for field in ("title", "author", "tags")
                    for term in prefix_terms(view.searcher, field, unit.prefix)
                ]
            return any(flags[docnum] for flags in prefixes[unit.prefix])
        if unit.is_phrase:
            if unit.tokens not in phrases:
                found = view.searcher.search(Phrase("title", list(unit.tokens)), limit=None)
                phrases[unit.tokens] = {docnum for _, docnum in found.top_n}
            return docnum in phrases[unit.tokens]
        if view.term_flags("title", unit.tokens[0])[docnum]:
            return True
        return bool(
            unit.name and (view.term_flags("author", unit.name)[docnum] or view.term_flags("tags", unit.name)[docnum])
        )

    return unit_matches


def _outside_body_check(view: IndexView, clauses: list[tuple[Unit, ...]], gated: set[int]) -> Callable[[int], bool]:
    """Gated posts (terms not accepted) match only on what their reader may see:
    title, author and tags, never their body."""
    unit_matches = _outside_body(view)
    return lambda docnum: (
        docnum not in gated or all(any(unit_matches(unit, docnum) for unit in clause) for clause in clauses)
    )


def _without_excluded(
    view: IndexView, scores: dict[int, float], excluded: list[Unit], gated: set[int]
) -> dict[int, float]:
    """Drop the documents an excluded unit matches; for a gated post only a match outside
    its body counts, or leaving it out would tell which words its body holds."""
    unit_matches = _outside_body(view)
    for unit in excluded:
        matched = unit_scores(view.searcher, unit, scores)
        scores = {
            docnum: score
            for docnum, score in scores.items()
            if docnum not in matched or (docnum in gated and not unit_matches(unit, docnum))
        }
    return scores


# Above any score words can reach (MAX_TERMS words, each at most a few points).
EXACT_TITLE_BONUS = 1000.0


def _exact_titles(view: IndexView, tokens: tuple[str, ...], scores: dict[int, float]) -> list[int]:
    """The scored documents whose title is exactly the query's words: the phrase, and
    nothing else (the title's own length). Depends on each document alone."""
    if len(tokens) == 1:
        flags = view.term_flags("title", tokens[0])
        candidates = list(compress(scores, map(flags.__getitem__, scores)))
    else:
        found = view.searcher.search(Phrase("title", list(tokens)), limit=None)
        candidates = [docnum for _, docnum in found.top_n if docnum in scores]
    # A stored length byte stands for one length (byte_to_length): only ``wanted`` can
    # be read back as the query's length, and only if it is read back exactly.
    wanted = length_to_byte(len(tokens))
    if byte_to_length(wanted) != len(tokens):
        return []
    lengths = view.title_lengths
    return [docnum for docnum in candidates if lengths[docnum] == wanted]


def ranked(
    view: IndexView,
    parsed: UserQuery,
    allowed: DocFlags | None,
    check: Callable[[int], bool] | None,
    sort: Sort,
    count: int,
    gated: set[int] = frozenset(),  # type: ignore[assignment]
    known: AbstractSet[str] | None = None,
) -> tuple[list[tuple[int, float]], int]:
    """The first ``count`` matches in rank order, and the exact total.

    Ranks follow a strict total order, (-score, -created, docnum) or
    (-created, docnum), so page n of one index version is exactly ranks
    [(n-1)*per_page, n*per_page): pages never repeat or skip a document.
    ``allowed=None`` means unfiltered, for benchmarks only. A query of filters
    alone (no clauses) matches every allowed document they select, all scored 0.
    """
    if parsed.clauses:
        scores = score_matches(view.searcher, parsed.clauses, allowed, known)
    else:
        docnums = range(view.searcher.doc_count_all())
        scores = dict.fromkeys(docnums if allowed is None else compress(docnums, allowed), 0.0)
    if check is not None:
        scores = {docnum: score for docnum, score in scores.items() if check(docnum)}
    if parsed.excluded and scores:
        scores = _without_excluded(view, scores, parsed.excluded, gated)
    if sort == "relevance" and parsed.title_tokens and scores:
        for docnum in _exact_titles(view, parsed.title_tokens, scores):
            scores[docnum] += EXACT_TITLE_BONUS
    created = view.created
    # Equal scores go newest first: document numbers change when segments merge, which
    # any write does (a hidden post's too), so they only break ties of equal times.
    if sort == "new":
        top = heapq.nsmallest(count, scores, key=lambda docnum: (-created[docnum], docnum))
    else:
        # Only documents scoring at least the count-th best score can rank among the first
        # count: finding that score without a key, then ordering those few with the full
        # key, spares a Python call per match (a common word matches ~100k at 400k).
        threshold = min(heapq.nlargest(count, scores.values()), default=0.0)
        contenders = list(compress(scores, map(threshold.__le__, scores.values())))
        top = heapq.nsmallest(count, contenders, key=lambda docnum: (-scores[docnum], -created[docnum], docnum))
    return [(docnum, scores[docnum]) for docnum in top], len(scores)


def build_hit(
    view: IndexView,
    docnum: int,
    score: float | None,
    terms: frozenset[str],
    title_only: Collection[int],
    prefixes: tuple[str, ...] = (),
    highlighter: Highlighter | None = None,
) -> Hit:
    """One hit, its snippet made by `highlighter` (one for the page's hits: the query's)."""
    stored = view.searcher.stored_fields(docnum)
    if stored["post_id"] in title_only:
        snippet = None
    else:
        snippet = (highlighter or Highlighter(terms, prefixes)).snippet(stored.get("body", ""))
    return Hit(
        doc_id=stored["doc_id"],
        kind=stored["kind"],
        post_id=stored["post_id"],
        comment_id=stored["comment_id"],
        score=score,
        created=created_from_key(view.created[docnum]),
        snippet=snippet,
    )


def search_index(
    index_dir: str | os.PathLike[str],
    principals: frozenset[str],
    text: str,
    *,
    kinds: Collection[str] | None = None,
    author: str | None = None,
    group_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    tags: Collection[str] = (),
    sort: Sort = "relevance",
    page: int = 1,
    per_page: int = 20,
    banned_author_ids: Iterable[int] = (),
    include_removed: bool = False,
    title_only_post_ids: Collection[int] = (),
    exclude_doc_ids: Iterable[str] = (),
) -> SearchPage:
    """One page of what ``principals`` may read that matches ``text``.

    ``principals`` is the viewer's token set ("public", "members",
    "user:<id>", "group:<id>"); a document is readable iff its acl shares a
    token with it. ``since``/``until`` are inclusive. ``title_only_post_ids``
    are posts whose hits come back without a snippet and that match only on
    their title, author or tags (their comments come back without a snippet;
    callers that must hide them pass them in ``exclude_doc_ids``).
    """
    if sort not in ("relevance", "new"):
        raise ValueError(f"unknown sort {sort!r}")
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    parsed = parse_user_query(text)
    if parsed.error:
        return SearchPage(page=page, per_page=per_page, truncated=parsed.truncated, error=parsed.error)
    # Filters typed in the text (author:, tag:, group:, in:) reach the engine as arguments
    # (the service resolves them); without words, only those arguments select anything.
    if not parsed.clauses and not (author or tags or group_id is not None or _restricts(kinds)):
        return SearchPage(page=page, per_page=per_page, empty_query=True, truncated=parsed.truncated)

    view = current_view(index_dir)
    allowed = view.allowed(frozenset(principals), include_removed)
    if allowed is None:
        return SearchPage(page=page, per_page=per_page, truncated=parsed.truncated)
    mask = view.banned_mask(frozenset(str(i) for i in banned_author_ids))
    excluded = set(view.docnums("doc_id", exclude_doc_ids))
    if excluded:
        mask = excluded | (mask or set())
    check = _facet_check(view, kinds, author, group_id, since, until, mask, tags)
    title_only = set(title_only_post_ids)
    gated = set(view.docnums("doc_id", [doc_id_for("post", post_id) for post_id in title_only]))
    if gated:
        facets, outside_body = check, _outside_body_check(view, parsed.clauses, gated)
        check = outside_body if facets is None else (lambda docnum: facets(docnum) and outside_body(docnum))
    start = (page - 1) * per_page
    known = vocabulary.known_words(view, frozenset(principals)) if vocabulary.indexed(view) else None
    top, total = ranked(view, parsed, allowed, check, sort, start + per_page, gated, known)
    terms, prefixes = parsed.highlight_terms, parsed.highlight_prefixes  # properties: computed once
    highlighter = Highlighter(terms, prefixes)
    hits = [
        build_hit(view, docnum, score if sort == "relevance" else None, terms, title_only, prefixes, highlighter)
        for docnum, score in top[start:]
    ]
    return SearchPage(hits=hits, total=total, page=page, per_page=per_page, truncated=parsed.truncated)


def word_form(word: str) -> str | None:
    """The term one plain word (letters and digits, lowercase) is indexed as: what
    TEXT_ANALYZER gives for it (tests/search/test_suggestions.py checks they agree), at a
    tenth of the cost, since did-you-mean analyses hundreds of variants per word."""
    if len(word) < 2 or word in STOP_WORDS:
        return None
    return stem(word)


def readable_words(
    index_dir: str | os.PathLike[str],
    principals: frozenset[str],
    words: Iterable[str],
    *,
    banned_author_ids: Iterable[int] = (),
    include_removed: bool = False,
    title_only_post_ids: Collection[int] = (),
    exclude_doc_ids: Iterable[str] = (),
) -> set[str]:
    """The ``words`` that match at least one document ``principals`` may read, under the
    same rules as a search (bans, excluded documents, gated posts by title only).
    Only terms under the viewer's own audience tokens are read (whoosh/vocabulary.py)."""
    by_stem: dict[str, list[str]] = {}
    for word in words:
        form = word_form(word)
        if form is not None:
            by_stem.setdefault(form, []).append(word)
    if not by_stem:
        return set()
    view = current_view(index_dir)
    principals = frozenset(principals)
    rules = _lookup_rules(view, principals, banned_author_ids, include_removed, title_only_post_ids, exclude_doc_ids)
    if rules is None:
        return set()
    found = vocabulary.readable_stems(view, principals, by_stem, *rules)
    return {word for stem in found for word in by_stem[stem]}


def readable_near(
    index_dir: str | os.PathLike[str],
    principals: frozenset[str],
    word: str,
    *,
    banned_author_ids: Iterable[int] = (),
    include_removed: bool = False,
    title_only_post_ids: Collection[int] = (),
    exclude_doc_ids: Iterable[str] = (),
) -> dict[str, int]:
    """Corrections of ``word`` within two edits (suggest.py): each stem of the viewer's
    own audience tokens within two edits of the word's stem that a document they may read
    holds, spelt as that document spells it nearest to ``word``, with its distance.
    Under the same rules as readable_words, reading only the viewer's tokens' terms."""
    word = word.lower()
    form = word_form(word)
    if form is None:
        return {}
    view = current_view(index_dir)
    principals = frozenset(principals)
    rules = _lookup_rules(view, principals, banned_author_ids, include_removed, title_only_post_ids, exclude_doc_ids)
    if rules is None:
        return {}
    candidates = [stem for stem in vocabulary.near_stems(view, principals, form, 2) if stem != form]
    holders = vocabulary.readable_holders(view, principals, candidates[: suggest.NEAR_CANDIDATES], *rules)
    near: dict[str, int] = {}
    for candidate, docnum in holders.items():
        spelt = _spelling(view, docnum, candidate, word, title_only=docnum in rules[2])
        if spelt is not None and spelt not in near:
            near[spelt] = suggest.distance(candidate, form)
    return near


def _spelling(view: IndexView, docnum: int, form: str, word: str, *, title_only: bool) -> str | None:
    """How document ``docnum`` spells the stem ``form`` (lowercased), the spelling nearest ``word``."""
    stored = view.searcher.stored_fields(docnum)
    texts = [stored.get("title", "")] + ([] if title_only else [stored.get("body", "")])
    spellings = {
        text[token.startchar : token.endchar].lower()
        for text in texts
        for token in TEXT_ANALYZER(text, chars=True)
        if token.text == form
    }
    unbounded = len(word) + max(map(len, spellings), default=0)
    return min(spellings, key=lambda found: (suggest.distance(found, word, unbounded), found), default=None)


def _lookup_rules(
    view: IndexView,
    principals: frozenset[str],
    banned_author_ids: Iterable[int],
    include_removed: bool,
    title_only_post_ids: Collection[int],
    exclude_doc_ids: Iterable[str],
) -> tuple[DocFlags, set[int], set[int]] | None:
    """(allowed, skip, gated) for vocabulary.readable_stems; None when nothing is readable."""
    allowed = view.allowed(principals, include_removed)
    if allowed is None:
        return None
    skip = set(view.banned_mask(frozenset(str(i) for i in banned_author_ids)) or ())
    skip |= set(view.docnums("doc_id", exclude_doc_ids))
    gated = set(view.docnums("doc_id", [doc_id_for("post", post_id) for post_id in title_only_post_ids]))
    return allowed, skip, gated

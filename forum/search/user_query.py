"""Turn what a reader typed into a Whoosh query, allowing words and phrases only.

Whoosh's QueryParser is not used: it understands ``field:value`` (which
could name ``acl``), wildcards, fuzzy terms, ranges and boolean operators,
each a way to widen or probe the index. Here every query is an ``And`` of the
reader's words (each matching title, body, author or a tag) and of balanced
"double-quoted" phrases (title or body). Anything else a reader types is just
text for the analyzer, which drops punctuation such as * ? ~ : ( ).

No suggestion, did-you-mean, more-like-this or prefix-expansion helpers exist
on purpose: Whoosh computes them over the whole index, hidden posts included.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh.query import And, Or, Phrase, Query, Term

from .schema import TEXT_ANALYZER

MAX_TERMS = 32
# Far more than MAX_TERMS words ever need; keeps analysis of huge input cheap.
MAX_CHARS = 2_000

_PHRASE = re.compile(r'"([^"]*)"')
_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


@dataclass(frozen=True)
class UserQuery:
    query: Query | None  # None when nothing searchable was typed
    truncated: bool  # words beyond MAX_TERMS (or MAX_CHARS) were ignored


def _tokens(text: str) -> list[str]:
    return [token.text for token in TEXT_ANALYZER(text)]


def _text_clause(field: str, tokens: list[str]) -> Query:
    return Term(field, tokens[0]) if len(tokens) == 1 else Phrase(field, tokens)


def _units(text: str) -> list[tuple[str, str]]:
    """Split input into ("phrase", text) and ("word", text) in typed order."""
    units: list[tuple[str, str]] = []
    position = 0
    for match in _PHRASE.finditer(text):
        units += [("word", word) for word in text[position : match.start()].split()]
        units.append(("phrase", match.group(1)))
        position = match.end()
    units += [("word", word) for word in text[position:].split()]
    return units


def parse_user_query(text: str, max_terms: int = MAX_TERMS) -> UserQuery:
    truncated = len(text) > MAX_CHARS
    clauses: list[Query] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    used = 0
    for kind, raw in _units(text[:MAX_CHARS]):
        tokens = _tokens(raw)
        if not tokens or (kind, tuple(tokens)) in seen:
            continue
        if used + len(tokens) > max_terms:
            truncated = True
            break
        used += len(tokens)
        seen.add((kind, tuple(tokens)))
        alternatives = [_text_clause("title", tokens), _text_clause("body", tokens)]
        if kind == "word":
            name = _EDGE_PUNCTUATION.sub("", raw).lower()
            if name:
                alternatives += [Term("author", name), Term("tags", name)]
        clauses.append(Or(alternatives))
    if not clauses:
        return UserQuery(None, truncated)
    return UserQuery(clauses[0] if len(clauses) == 1 else And(clauses), truncated)

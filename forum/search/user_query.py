"""Turn what a reader typed into words and phrases, and nothing else.

Whoosh's QueryParser is not used: it understands ``field:value`` (which
could name ``acl``), wildcards, fuzzy terms, ranges and boolean operators,
each a way to widen or probe the index. Here every query is an AND of the
reader's words (each matching title, body, author or a tag) and of balanced
"double-quoted" phrases (title or body); evaluate.py runs it. Anything else
a reader types is just text for the analyzer, which drops punctuation such
as * ? ~ : ( ).

No suggestion, did-you-mean, more-like-this or prefix-expansion helpers exist
on purpose: Whoosh computes them over the whole index, hidden posts included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from forum.search.schema import TEXT_ANALYZER

MAX_TERMS = 32
# Far more than MAX_TERMS words ever need; keeps analysis of huge input cheap.
MAX_CHARS = 2_000

_PHRASE = re.compile(r'"([^"]*)"')
_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


@dataclass(frozen=True)
class Unit:
    """One word or one quoted phrase, as analysed index terms."""

    tokens: tuple[str, ...]  # several for a phrase, or a word such as "e-mail"
    name: str | None = None  # the word as an author name or tag; None for phrases


@dataclass(frozen=True)
class UserQuery:
    units: list[Unit]  # all must match; empty when nothing searchable was typed
    truncated: bool  # words beyond MAX_TERMS (or MAX_CHARS) were ignored

    @property
    def highlight_terms(self) -> frozenset[str]:
        return frozenset(token for unit in self.units for token in unit.tokens)


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(token.text for token in TEXT_ANALYZER(text))


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
    units: list[Unit] = []
    used = 0
    for kind, raw in _units(text[:MAX_CHARS]):
        tokens = _tokens(raw)
        if not tokens:
            continue
        name = (_EDGE_PUNCTUATION.sub("", raw).lower() or None) if kind == "word" else None
        unit = Unit(tokens, name)
        if unit in units:
            continue
        if used + len(tokens) > max_terms:
            truncated = True
            break
        used += len(tokens)
        units.append(unit)
    return UserQuery(units, truncated)

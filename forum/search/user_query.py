"""The query language readers type, parsed here and nowhere else.

    words            every word must match (title, body, author or a tag)
    "a phrase"       the words in this order, inside the title or the body
    a OR b           either (OR in capitals; a lowercase "or" is a word)
    -word, NOT word  leave out what matches (a word or a "phrase")
    feat*            words starting with "feat" (at least MIN_PREFIX letters)
    author:ada  tag:sae  group:interp  in:posts  in:comments    filters

Whoosh's QueryParser (and PostgreSQL's to_tsquery) are not used: they understand
``field:value`` (which could name ``acl``), ranges, fuzzy terms and more, each a way
to widen or probe the index. Only the four filter names above are operators; any
other ``name:value`` is plain text for the analyzer, which drops punctuation such as
? ~ : ( ). A mistake (an unclosed quote, an OR with nothing on one side, a prefix
too short, only exclusions) is reported in ``error`` and nothing is searched, so
the page can explain it and keep what was typed.

Suggestions and prefix completions are never shown from the whole index: Whoosh
and PostgreSQL compute them over every document, hidden posts included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from forum.search.schema import TEXT_ANALYZER

MAX_TERMS = 32
# Far more than MAX_TERMS words ever need; keeps analysis of huge input cheap.
MAX_CHARS = 2_000
# A shorter prefix expands to a large part of the vocabulary.
MIN_PREFIX = 3
FILTERS = ("author", "tag", "group", "in")
IN_VALUES = {"posts": "post", "post": "post", "comments": "comment", "comment": "comment"}

# A piece is an optional minus, then a "quoted phrase" or a run of non-space text.
_PIECE = re.compile(r'(-?)"([^"]*)"|(\S+)')
_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")
_PREFIX = re.compile(r"^([^\W_]+)\*$")
_FILTER = re.compile(r"^(author|tag|group|in):(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """One word, one quoted phrase or one prefix, as analysed index terms."""

    tokens: tuple[str, ...]  # several for a phrase or a word such as "e-mail"; () for a prefix
    name: str | None = None  # the word as an author name or tag; None for phrases
    raw: str = ""  # what was typed, for engines that analyse it themselves
    prefix: str | None = None  # word*: the lowercased start every matching term has

    @property
    def is_phrase(self) -> bool:
        return self.prefix is None and len(self.tokens) > 1


@dataclass(frozen=True)
class UserQuery:
    # All clauses must match; a clause matches when any of its units does. Empty when
    # nothing searchable was typed (filters alone then list what they select).
    clauses: list[tuple[Unit, ...]]
    truncated: bool  # words beyond MAX_TERMS (or MAX_CHARS) were ignored
    excluded: list[Unit] = field(default_factory=list)  # -word / NOT word
    author: str | None = None
    tags: tuple[str, ...] = ()
    group: str | None = None  # a slug, resolved against what the viewer may see
    kind: str | None = None  # "post" or "comment"
    error: str | None = None  # why nothing was searched

    @property
    def units(self) -> list[Unit]:
        return [unit for clause in self.clauses for unit in clause]

    @property
    def has_filters(self) -> bool:
        return bool(self.author or self.tags or self.group or self.kind)

    @property
    def whole_title(self) -> str | None:
        """The text a title must consist of to be an exact title match (ranked first): the
        words and phrases in typed order; None for queries with OR or a prefix."""
        if not self.clauses or any(len(clause) > 1 or clause[0].prefix for clause in self.clauses):
            return None
        return " ".join(clause[0].raw for clause in self.clauses)

    @property
    def title_tokens(self) -> tuple[str, ...]:
        return tuple(token for clause in self.clauses for token in clause[0].tokens) if self.whole_title else ()

    @property
    def highlight_terms(self) -> frozenset[str]:
        return frozenset(token for unit in self.units for token in unit.tokens)

    @property
    def highlight_prefixes(self) -> tuple[str, ...]:
        return tuple(unit.prefix for unit in self.units if unit.prefix)


class QuerySyntaxError(ValueError):
    pass


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(token.text for token in TEXT_ANALYZER(text))


def _units(text: str) -> list[tuple[str, str]]:
    """("phrase" | "word", text) in typed order, ignoring operators: what a backend
    that only understands words and phrases would see."""
    return [("phrase", m.group(2)) if m.group(3) is None else ("word", m.group(3)) for m in _PIECE.finditer(text)]


def _prefix_unit(stem: str) -> Unit:
    """``stem*``: the typed start, shortened to its stemmed form when that is shorter
    ("splitting*" also finds "split"), since the index holds stemmed terms."""
    typed = stem.lower()
    stemmed = (_tokens(typed) or (typed,))[0]
    common = 0
    while common < min(len(typed), len(stemmed)) and typed[common] == stemmed[common]:
        common += 1
    return Unit((), None, stem, typed[: max(common, MIN_PREFIX)])


def _word_unit(kind: str, raw: str) -> Unit | None:
    if kind == "word" and (match := _PREFIX.match(raw)):
        if len(match.group(1)) < MIN_PREFIX:
            raise QuerySyntaxError(f"“{raw}”: a word ending in * needs at least {MIN_PREFIX} letters before the star.")
        return _prefix_unit(match.group(1))
    tokens = _tokens(raw)
    if not tokens:
        return None
    name = (_EDGE_PUNCTUATION.sub("", raw).lower() or None) if kind == "word" else None
    return Unit(tokens, name, raw)


class _Parser:
    def __init__(self, max_terms: int) -> None:
        self.max_terms = max_terms
        self.used = 0
        self.truncated = False
        self.clauses: list[list[Unit]] = []
        self.excluded: list[Unit] = []
        self.filters: dict[str, str] = {}
        self.tags: list[str] = []

    def take(self, unit: Unit) -> bool:
        """Count a unit against the term limit; False once the limit is reached."""
        size = max(1, len(unit.tokens))
        if self.truncated or self.used + size > self.max_terms:
            self.truncated = True
            return False
        self.used += size
        return True

    def add_filter(self, name: str, value: str) -> None:
        value = value.strip().lstrip("@").lower() if name != "tag" else value.strip().lstrip("#").lower()
        if not value:
            raise QuerySyntaxError(f"“{name}:” needs a value after the colon, such as {name}:{_EXAMPLES[name]}.")
        if name == "tag":
            if value not in self.tags:
                self.tags.append(value)
            return
        if name == "in":
            if value not in IN_VALUES:
                raise QuerySyntaxError(f"“in:{value}”: search in:posts or in:comments.")
            value = IN_VALUES[value]
        if self.filters.get(name, value) != value:
            raise QuerySyntaxError(f"Give {name}: only once.")
        self.filters[name] = value


_EXAMPLES = {"author": "ada", "tag": "interpretability", "group": "reading-group", "in": "comments"}


def _pieces(text: str) -> list[tuple[str, str, bool]]:
    """(kind, text, negated) with kind "phrase", "word" or "op"; raises on a stray quote."""
    pieces: list[tuple[str, str, bool]] = []
    for match in _PIECE.finditer(text):
        if match.group(3) is None:
            pieces.append(("phrase", match.group(2), match.group(1) == "-"))
            continue
        raw = match.group(3)
        if '"' in raw:
            raise QuerySyntaxError("A quotation mark is not closed: put a phrase between two of them.")
        if raw in ("OR", "NOT", "AND"):
            pieces.append(("op", raw, False))
        elif raw.startswith("-") and len(raw) > 1:
            pieces.append(("word", raw[1:], True))
        else:
            pieces.append(("word", raw, False))
    return pieces


def parse_user_query(text: str, max_terms: int = MAX_TERMS) -> UserQuery:
    """What ``text`` asks for; ``error`` says why it cannot be searched."""
    parser = _Parser(max_terms)
    parser.truncated = len(text) > MAX_CHARS
    try:
        _parse(parser, text[:MAX_CHARS].replace("\x00", " "))
    except QuerySyntaxError as error:
        return UserQuery([], parser.truncated, error=str(error))
    clauses = [tuple(clause) for clause in parser.clauses if clause]
    return UserQuery(
        clauses,
        parser.truncated,
        excluded=parser.excluded,
        author=parser.filters.get("author"),
        tags=tuple(parser.tags),
        group=parser.filters.get("group"),
        kind=parser.filters.get("in"),
    )


def _parse(parser: _Parser, text: str) -> None:
    pieces = _pieces(text)
    joining = False  # the previous piece was OR: the next unit joins the last clause
    negating = False  # the previous piece was NOT
    previous_was_unit = False
    for position, (kind, raw, negated) in enumerate(pieces):
        if kind == "op":
            if raw == "OR":
                if not previous_was_unit or position + 1 == len(pieces) or pieces[position + 1][0] == "op":
                    raise QuerySyntaxError("OR needs a word or a “phrase” on each side, as in: probe OR steering.")
                joining = True
            elif raw == "NOT":
                if position + 1 == len(pieces) or pieces[position + 1][0] == "op":
                    raise QuerySyntaxError("NOT needs a word or a “phrase” after it, as in: attention NOT vision.")
                negating = True
            continue
        negated = negated or negating
        if kind == "word" and (match := _FILTER.match(raw)):
            if negated or joining:
                raise QuerySyntaxError(f"“{raw}”: filters cannot be excluded or combined with OR.")
            parser.add_filter(match.group(1).lower(), match.group(2))
            negating = previous_was_unit = False
            continue
        unit = _word_unit(kind, raw)
        previous_was_unit = True
        if negated and joining:
            raise QuerySyntaxError("An OR cannot be followed by an exclusion; write the exclusion separately.")
        if unit is not None and unit not in parser.excluded and parser.take(unit):
            if negated:
                parser.excluded.append(unit)
            elif joining and parser.clauses:
                if unit not in parser.clauses[-1]:
                    parser.clauses[-1].append(unit)
            elif [unit] not in parser.clauses:
                parser.clauses.append([unit])
        elif unit is None and not negated and not joining:
            parser.clauses.append([])  # a stop word: an OR may still follow it
        joining = negating = False
    if parser.excluded and not any(parser.clauses) and not parser.filters and not parser.tags:
        raise QuerySyntaxError("Say what to find as well as what to leave out, as in: attention -vision.")

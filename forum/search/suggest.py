"""Did you mean: a typo's corrections, drawn only from what the viewer may read.

Neither engine's speller is used: Whoosh's corrector and PostgreSQL's word statistics
read the whole index, so they would suggest a word that occurs only in a hidden post.
Here the candidates are the typed word's one-edit variants (a letter left out, added,
changed, or two swapped: "spliting" -> "splitting"), generated without looking at any
index, and each backend keeps only those that match a document the viewer may read
(`readable_words`, under the same audience, ban and usage-terms rules as a search;
a gated post offers only its title, author and tags). The chosen correction is then
searched as the viewer with every filter, and offered only when that finds something.

It is a fallback: it runs only when the query as typed finds nothing, so a correction
never outranks an exact match. On Whoosh the lookup reads only terms under the viewer's
own audience tokens, so a word held only by posts of other audiences costs it nothing
(whoosh/vocabulary.py); on PostgreSQL likewise where the RUM indexes exist: the wide
audiences' variants are narrowed by the count table and the viewer's groups and own
posts are read row by row, never another audience's postings (docs/search.md, "The typo
lookup on PostgreSQL").

Two edits (Whoosh only, and only when no one-edit variant is readable): a word of
TWO_EDIT_LENGTH letters or more has ~100,000 two-edit variants, too many to look up, so
the backend compares the typed word's stem with the stems the viewer's own audience
tokens hold (the same known words a search consults, whoosh/vocabulary.py), and offers
the form a readable document spells that stem in. PostgreSQL has no such per-viewer word
list: its lookup would be the 100,000 variants, so it stays at one edit.
"""

from __future__ import annotations

import re
import string

from forum.search.user_query import Unit, UserQuery

# Shorter words have too many plausible one-edit neighbours to guess from.
MIN_LENGTH = 4
TWO_EDIT_LENGTH = 6  # likewise for two edits
NEAR_CANDIDATES = 5  # two-edit corrections whose totals are counted, nearest first
MAX_WORDS = 3  # words of one query corrected at most
_ALPHABET = string.ascii_lowercase + string.digits
_PLAIN_WORD = re.compile(r"^[^\W_]+$")


def variants(word: str) -> list[str]:
    """Every string one edit away from ``word`` (lowercased), in a fixed order."""
    word = word.lower()
    letters = sorted(set(_ALPHABET) | set(word))
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = [a + b[1:] for a, b in splits if b]
    found += [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    found += [a + c + b[1:] for a, b in splits if b for c in letters]
    found += [a + c + b for a, b in splits for c in letters]
    seen = {word}
    return [v for v in found if not (v in seen or seen.add(v))]  # type: ignore[func-returns-value]


def correctable(parsed: UserQuery) -> list[Unit]:
    """The plain words of a query worth correcting (no phrases, prefixes or exclusions)."""
    units = [
        unit
        for unit in parsed.units
        if not unit.prefix and len(unit.tokens) == 1 and len(unit.raw) >= MIN_LENGTH and _PLAIN_WORD.match(unit.raw)
    ]
    return units[:MAX_WORDS]


def replaced(text: str, word: str, correction: str) -> str:
    """``text`` with the typed ``word`` (as a whole word) replaced once."""
    return re.sub(rf"(?<![\w\-\"*:]){re.escape(word)}(?![\w*:])", correction, text, count=1)


def choose(word: str, counts: dict[str, int]) -> str | None:
    """The correction to offer: the readable variant the viewer finds most often
    (``counts`` are the viewer's own totals), ties in variant order."""
    order = {variant: position for position, variant in enumerate(variants(word))}
    found = [variant for variant, count in counts.items() if count > 0 and variant in order]
    return min(found, key=lambda variant: (-counts[variant], order[variant]), default=None)


def distance(a: str, b: str, limit: int = 2) -> int:
    """Edits (a letter left out, added, changed, or two neighbours swapped) between ``a``
    and ``b``; ``limit + 1`` once it is certainly more than ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, other in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return min(row[-1], limit + 1)


def choose_near(near: dict[str, int], counts: dict[str, int]) -> str | None:
    """The two-edit correction to offer: nearest first, then most found, then by spelling.
    ``near`` maps each readable correction to its distance, ``counts`` to the viewer's total."""
    found = [word for word in near if counts.get(word, 0) > 0]
    return min(found, key=lambda word: (near[word], -counts[word], word), default=None)

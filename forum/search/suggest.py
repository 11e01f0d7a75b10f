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
(whoosh/vocabulary.py); on PostgreSQL a variant held only by hidden posts still costs
a read of its postings (docs/search.md). Not done: two edits.
"""

from __future__ import annotations

import re
import string

from forum.search.user_query import Unit, UserQuery

# Shorter words have too many plausible one-edit neighbours to guess from.
MIN_LENGTH = 4
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

"""Marked copies, the pure part: where a post's Markdown may vary without changing its
meaning, each reader's variant of it, and the text around each place that a trace looks for.

A *site* is one place with interchangeable forms: an author's alternatives written as
`{{the result|this result}}`, or an automatic one found in the text (a synonym pair from
a short curated list, a large number with or without thousands separators, a dash). The
first form of an automatic site is what the author wrote. Code, math and link addresses
are never touched. A reader's copy is the text with one form chosen at each site; the
choices come from the reader's seed (services/marks.py), a keyed hash of post, version
and reader, so they cannot be guessed or forged without the server's key.

Traces work on plain text: each site keeps the words just before and after it in the
rendered copy (cut at a neighbouring site), and a leaked text shows the form used at a
site when exactly one of `before + form + after` occurs in it, whitespace and case aside.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from functools import lru_cache

from forum.rendering.markup import plain_text, render_markdown, render_post_body

CONTEXT_CHARS = 24
# A site is traced only with this much text around it, so a short common phrase cannot match by chance.
MIN_CONTEXT = 16

# Interchangeable in a research text; kept short on purpose so the author can review every one.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("for example", "for instance"),
    ("however", "nevertheless"),
    ("shows", "demonstrates"),
    ("often", "frequently"),
    ("large", "big"),
    ("begin", "start"),
    ("quickly", "rapidly"),
    ("therefore", "thus"),
    ("important", "significant"),
    ("method", "approach"),
    ("suggests", "indicates"),
    ("whether", "if"),
)
_SYNONYM_OF = {form: group for group in SYNONYMS for form in group}
_SYNONYM = re.compile(
    r"\b(" + "|".join(re.escape(f) for f in sorted(_SYNONYM_OF, key=len, reverse=True)) + r")\b", re.I
)
# 10000 or 10,000 (five digits or more, so years and small counts stay as written).
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d{5,})(?![\w]|[.,]\d)")
_DASH = re.compile(r"(?<= )[—–](?= )")

# Never varied: code, math and addresses.
_PROTECTED = re.compile(
    r"(^|\n)(```|~~~)[^\n]*\n.*?(\n\2[^\n]*(?=\n|$)|$)"  # fenced code
    r"|`+[^`\n]*`+"  # inline code
    r"|\$\$.*?\$\$|\$[^$\n]+\$|\\\(.*?\\\)|\\\[.*?\\\]"  # math
    r"|\]\([^)\n]*\)"  # link and image addresses
    r"|<https?://[^>\s]*>|https?://\S+"  # autolinks
    r"|\[\^[^\]\s]*\]",  # footnote labels
    re.DOTALL,
)
_ALTERNATIVE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


class AlternativesError(ValueError):
    """Alternatives the author must fix: the message says where."""


@dataclass(frozen=True)
class Site:
    forms: tuple[str, ...]  # as written in the Markdown
    kind: str  # "author", "synonym", "number", "dash"


@dataclass(frozen=True)
class Template:
    """The Markdown cut at its sites: pieces[0], site 0, pieces[1], site 1, ..., pieces[-1]."""

    pieces: tuple[str, ...]
    sites: tuple[Site, ...]

    def text(self, choices: tuple[int, ...] | None = None) -> str:
        """The Markdown with form `choices[i]` at site i (the author's first forms by default)."""
        out = [self.pieces[0]]
        for i, site in enumerate(self.sites):
            out += [site.forms[choices[i] if choices else 0], self.pieces[i + 1]]
        return "".join(out)

    @property
    def distinct_copies(self) -> int:
        total = 1
        for site in self.sites:
            total *= len(site.forms)
        return total


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def check_alternatives(text: str) -> None:
    """Raise AlternativesError for nested, unbalanced or one-form alternatives."""
    _parse(text or "")


def _free_spans(text: str) -> list[tuple[int, int]]:
    """The stretches of `text` outside code, math and addresses."""
    spans, position = [], 0
    for match in _PROTECTED.finditer(text):
        spans.append((position, match.start()))
        position = match.end()
    spans.append((position, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _author_sites(text: str, start: int, end: int) -> list[tuple[int, int, Site]]:
    found: list[tuple[int, int, Site]] = []
    position = start
    while True:
        opening = text.find("{{", position, end)
        closing = text.find("}}", position, end)
        if opening < 0:
            if closing >= 0:
                raise AlternativesError(f"Line {_line_of(text, closing)}: '}}}}' closes alternatives never opened.")
            return found
        if closing < 0:
            raise AlternativesError(f"Line {_line_of(text, opening)}: '{{{{' opens alternatives never closed.")
        if closing < opening:
            raise AlternativesError(f"Line {_line_of(text, closing)}: '}}}}' closes alternatives never opened.")
        inner = text[opening + 2 : closing]
        if "{{" in inner:
            raise AlternativesError(f"Line {_line_of(text, opening)}: alternatives cannot be nested.")
        forms = tuple(inner.split("|"))
        if len(forms) < 2:
            raise AlternativesError(f"Line {_line_of(text, opening)}: alternatives need two forms or more.")
        if len(set(forms)) != len(forms):
            raise AlternativesError(f"Line {_line_of(text, opening)}: two alternatives are the same.")
        found.append((opening, closing + 2, Site(forms, "author")))
        position = closing + 2


def _same_case(form: str, like: str) -> str:
    return form[0].upper() + form[1:] if like[:1].isupper() else form


def _automatic_sites(text: str, start: int, end: int) -> list[tuple[int, int, Site]]:
    found = []
    chunk = text[start:end]
    for match in _SYNONYM.finditer(chunk):
        word = match.group()
        group = _SYNONYM_OF[word.lower()]
        forms = (word, *(_same_case(f, word) for f in group if f != word.lower()))
        found.append((start + match.start(), start + match.end(), Site(forms, "synonym")))
    for match in _NUMBER.finditer(chunk):
        digits = match.group().replace(",", "")
        grouped = f"{int(digits):,}"
        forms = (match.group(), digits if "," in match.group() else grouped)
        found.append((start + match.start(), start + match.end(), Site(forms, "number")))
    for match in _DASH.finditer(chunk):
        other = "–" if match.group() == "—" else "—"
        found.append((start + match.start(), start + match.end(), Site((match.group(), other), "dash")))
    return found


@lru_cache(maxsize=256)
def _parse(text: str) -> Template:
    sites: list[tuple[int, int, Site]] = []
    for start, end in _free_spans(text):
        authored = _author_sites(text, start, end)
        sites += authored
        position = start
        for a, b, _ in [*authored, (end, end, None)]:
            sites += _automatic_sites(text, position, a)
            position = b
    sites.sort(key=lambda s: s[0])
    pieces, kept, position = [], [], 0
    for a, b, site in sites:
        if a < position:  # overlapping automatic matches: the first wins
            continue
        pieces.append(text[position:a])
        kept.append(site)
        position = b
    pieces.append(text[position:])
    return Template(tuple(pieces), tuple(kept))


def template(text: str) -> Template:
    """The sites of a post's Markdown. Raises AlternativesError (checked on save)."""
    return _parse(text or "")


def source_text(text: str) -> str:
    """What the unmarked post shows: each author alternative's first form. Text whose
    alternatives do not parse (saved before the check) shows as written."""
    try:
        return template(text).text()
    except AlternativesError:
        return text or ""


def choices_for(seed: bytes, sites: tuple[Site, ...]) -> tuple[int, ...]:
    """One form per site from the reader's seed; each site draws independently."""
    return tuple(
        int.from_bytes(hashlib.sha256(seed + i.to_bytes(4, "big")).digest()[:8], "big") % len(site.forms)
        for i, site in enumerate(sites)
    )


@lru_cache(maxsize=512)
def render_copy(text: str, seed: bytes) -> str:
    """The safe HTML of one reader's copy."""
    tpl = template(text)
    return render_post_body(tpl.text(choices_for(seed, tpl.sites)))


def copy_markdown(text: str, seed: bytes) -> str:
    tpl = template(text)
    return tpl.text(choices_for(seed, tpl.sites))


# --- what a trace looks for --------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " "})


def normalize(text: str) -> str:
    """Plain text as a trace compares it: one space for any run of whitespace, lower case."""
    return " ".join(html.unescape(text or "").translate(_QUOTES).split()).lower()


def _sentinel(i: int) -> str:
    return f"zqmark{i}qz"


@dataclass(frozen=True)
class TraceSite:
    forms: tuple[str, ...]  # as they read in plain text, normalized
    before: str  # regular expressions: the text around the site, a neighbouring site as any of its forms
    after: str
    before_chars: int = 0  # how much literal text each holds
    after_chars: int = 0

    def patterns(self) -> list[tuple[str, str]]:
        """Both sides, then one side alone where it holds enough text to be specific: a
        leaked excerpt often starts or stops at the site's sentence."""
        found = [(self.before, self.after)]
        if self.before_chars >= MIN_CONTEXT:
            found.append((self.before, ""))
        if self.after_chars >= MIN_CONTEXT:
            found.append(("", self.after))
        return found


def _plain_form(form: str) -> str:
    return normalize(plain_text(render_markdown(form)))


_SENTINEL = re.compile(r"zqmark(\d+)qz")


def _context(parts: list[str | int], forms: list[tuple[str, ...]], *, backwards: bool) -> tuple[str, int]:
    """A regular expression for up to CONTEXT_CHARS of literal text next to a site, and how
    many literal characters it holds. Neighbouring sites match any of their forms."""
    pattern, literal = [], 0
    for part in reversed(parts) if backwards else parts:
        if literal >= CONTEXT_CHARS:
            break
        if isinstance(part, int):
            pattern.append("(?:" + "|".join(re.escape(f) for f in forms[part]) + ")")
            continue
        need = CONTEXT_CHARS - literal
        piece = part[-need:] if backwards else part[:need]
        pattern.append(re.escape(piece))
        literal += len(piece)
    return "".join(reversed(pattern) if backwards else pattern), literal


def trace_sites(text: str) -> list[TraceSite]:
    """For each site, its plain forms and the text around it in the rendered copy. A site
    with too little text around it, or whose forms read the same, keeps empty context and
    is never counted."""
    tpl = template(text)
    marked = [tpl.pieces[0]]
    for i in range(len(tpl.sites)):
        marked += [_sentinel(i), tpl.pieces[i + 1]]
    plain = normalize(plain_text(render_post_body("".join(marked))))
    parts: list[str | int] = []
    position = 0
    for match in _SENTINEL.finditer(plain):
        parts += [plain[position : match.start()], int(match.group(1))]
        position = match.end()
    parts.append(plain[position:])
    forms = [tuple(_plain_form(f) for f in site.forms) for site in tpl.sites]
    where = {part: at for at, part in enumerate(parts) if isinstance(part, int)}
    counts = {i: sum(1 for p in parts if p == i) for i in where}
    result = []
    for i in range(len(tpl.sites)):
        unusable = counts.get(i) != 1 or len(set(forms[i])) != len(forms[i]) or not all(forms[i])
        before, left = ("", 0) if unusable else _context(parts[: where[i]], forms, backwards=True)
        after, right = ("", 0) if unusable else _context(parts[where[i] + 1 :], forms, backwards=False)
        if left + right < MIN_CONTEXT:
            before, after, left, right = "", "", 0, 0
        result.append(TraceSite(forms[i], before, after, left, right))
    return result


def observe(sites: list[TraceSite], leaked: str) -> dict[int, int]:
    """Site index -> the form the (normalized) leaked text shows there, where it shows one form only."""
    seen = {}
    for i, site in enumerate(sites):
        if not site.before and not site.after:
            continue
        for before, after in site.patterns():
            present = [k for k, form in enumerate(site.forms) if re.search(before + re.escape(form) + after, leaked)]
            if present:
                if len(present) == 1:
                    seen[i] = present[0]
                break
    return seen


def index_text(text: str) -> str:
    """What search indexes of a marked post: every form at every site, so a reader's search
    finds the post by the words of their own copy and learns nothing of anyone else's."""
    try:
        tpl = template(text)
    except AlternativesError:
        return plain_text(render_post_body(text))
    out = [tpl.pieces[0]]
    for i, site in enumerate(tpl.sites):
        out += [" ".join(site.forms), tpl.pieces[i + 1]]
    return plain_text(render_post_body("".join(out)))


def render_source(text: str, mentions: frozenset[str] = frozenset()) -> str:
    """The stored HTML of a post's text: each author alternative's first form. Only authors
    see it when the post is marked."""
    return render_post_body(source_text(text), mentions)


def summary(text: str) -> str:
    """What the editor says about the text's marks: the error to fix, or how many readers
    its places can tell apart."""
    try:
        tpl = template(text)
    except AlternativesError as error:
        return f"{error} Alternatives are written {{{{one form|another}}}}."
    authored = sum(1 for s in tpl.sites if s.kind == "author")
    automatic = len(tpl.sites) - authored
    yours = 1
    for site in tpl.sites:
        if site.kind == "author":
            yours *= len(site.forms)
    return (
        f"If its copies are marked: your alternatives ({authored}) tell {yours:,} readers apart; "
        f"with {automatic} automatic choices, {tpl.distinct_copies:,} distinct copies."
    )

"""TeX to MathML on the server, once at save time.

latex2mathml is a converter, not a sanitizer: it copies `\\href`, `\\style` and `\\class`
arguments into attributes and `\\text{...}` into markup unescaped. So its output is
checked here against the MathML allow-list (tags, attributes, sizes) before it is
used, and nh3 cleans the whole document again afterwards. Anything refused, and any
converter error (unbalanced braces, a `\\def` that expands without end), becomes an
error marker that shows the escaped source. Limits on length, count and time keep a
hostile post from making its own save slow.
"""

from __future__ import annotations

import html
import re
import time
from html.parser import HTMLParser

from latex2mathml.converter import convert

MAX_SOURCE = 5_000  # characters of TeX in one expression
MAX_EXPRESSIONS = 1_000  # per document; the rest show their source
TIME_BUDGET = 2.0  # seconds of conversion per document
MAX_OUTPUT_RATIO = 40  # MathML characters per TeX character
MAX_LENGTH_EM = 50.0  # widths, heights and spaces (a huge `\rule` is refused)

# MathML Core presentation markup: what browsers render natively (no annotation-xml,
# which can hold HTML, and no maction, which is about interaction).
MATHML_TAGS = frozenset(
    {
        "math",
        "semantics",
        "annotation",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "mfrac",
        "msqrt",
        "mroot",
        "mstyle",
        "merror",
        "mpadded",
        "mphantom",
        "msub",
        "msup",
        "msubsup",
        "munder",
        "mover",
        "munderover",
        "mmultiscripts",
        "mprescripts",
        "none",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "menclose",
    }
)
MATHML_ATTRIBUTES = {
    "math": {"display", "tabindex"},
    "annotation": {"encoding"},
    "mi": {"mathvariant"},
    "mo": {
        "stretchy",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "form",
        "largeop",
        "movablelimits",
        "accent",
        "minsize",
        "maxsize",
        "symmetric",
    },
    "mfrac": {"linethickness"},
    "mstyle": {"displaystyle", "scriptlevel"},
    "mspace": {"width", "height", "depth"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset"},
    "munder": {"accentunder"},
    "mover": {"accent"},
    "munderover": {"accent", "accentunder"},
    "mtable": {"columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame"},
    "mtr": {"columnalign", "rowalign"},
    "mtd": {"columnalign", "rowalign", "columnspan", "rowspan"},
    "menclose": {"notation"},
}
# Attributes that only come from commands making links or styling the page.
_REFUSED_ATTRIBUTES = {"href", "style", "class", "id", "src", "xlink:href"}
_SIZED = {"width", "height", "depth", "lspace", "rspace", "voffset", "minsize", "maxsize"}
# Macro definitions can expand exponentially within latex2mathml's depth limit.
_REFUSED_COMMANDS = re.compile(
    r"\\(?:[gex]?def|let|(?:re)?newcommand|providecommand|DeclareMathOperator|href|url|style|class|cssId|html\w*|require|includegraphics)(?![a-zA-Z])"
)
_EM_PER_UNIT = {
    "em": 1.0,
    "ex": 0.5,
    "px": 1 / 16,
    "pt": 0.1,
    "pc": 1.2,
    "mm": 0.24,
    "cm": 2.4,
    "in": 6.0,
    "mu": 1 / 18,
}
_LENGTH = re.compile(r"^\s*(-?[\d.]+)\s*([a-z]*)\s*$")


class MathError(ValueError):
    """The TeX could not be turned into safe MathML; the message says why, briefly."""


class _Budget:
    """Per-document limits, kept in the markdown-it env."""

    def __init__(self) -> None:
        self.count = 0
        self.spent = 0.0

    def check(self) -> None:
        self.count += 1
        if self.count > MAX_EXPRESSIONS:
            raise MathError("too many formulas in one text")
        if self.spent > TIME_BUDGET:
            raise MathError("the formulas in this text took too long to render")


def _too_long(value: str) -> bool:
    match = _LENGTH.match(value or "")
    if not match:
        return False  # keywords (thin, infinity...) and percentages are bounded by the renderer
    try:
        number = abs(float(match.group(1)))
    except ValueError:
        return True
    return number * _EM_PER_UNIT.get(match.group(2), 1.0) > MAX_LENGTH_EM


class _Check(HTMLParser):
    """Refuse converter output that is not plain MathML presentation markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problem: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag not in MATHML_TAGS:
            self.problem = self.problem or "markup inside math"
        for name, value in attrs:
            if name in _REFUSED_ATTRIBUTES or name.startswith("on"):
                self.problem = self.problem or f"links and styles are not allowed in math ({name})"
            elif name in _SIZED and _too_long(value or ""):
                self.problem = self.problem or "a size in this formula is too large"

    handle_startendtag = handle_starttag


def _checked(mathml: str) -> str:
    checker = _Check()
    checker.feed(mathml)
    checker.close()
    if checker.problem:
        raise MathError(checker.problem)
    return mathml


def _convert(tex: str, display: bool) -> str:
    if len(tex) > MAX_SOURCE:
        raise MathError(f"formulas are at most {MAX_SOURCE:,} characters")
    refused = _REFUSED_COMMANDS.search(tex)
    if refused:
        raise MathError(f"{refused.group(0)} is not supported")
    # In \text{...} the converter copies < and > through raw; as relations they mean the same.
    source = tex.replace("<", r"\lt ").replace(">", r"\gt ")
    try:
        mathml = convert(source, display="block" if display else "inline")
    except RecursionError:
        raise MathError("the formula nests or expands too deeply") from None
    except Exception:  # the converter raises many kinds on unbalanced input
        raise MathError("the formula could not be read (unbalanced braces or an unknown environment?)") from None
    # Inside \text the converter copies the replacements literally: show them as the characters.
    mathml = mathml.replace("\\lt&#x000A0;", "&lt;").replace("\\gt&#x000A0;", "&gt;")
    if len(mathml) > MAX_OUTPUT_RATIO * max(len(tex), 25):
        raise MathError("the formula is too large")
    return _checked(mathml)


_OPEN = re.compile(r"^<math\b[^>]*>")


def _with_source(mathml: str, tex: str, display: bool) -> str:
    """Wrap the presentation in <semantics> with the TeX as annotation: browsers render
    the first child only, copy and search get the source."""
    inner = _OPEN.sub("", mathml, count=1)
    inner = inner[: inner.rindex("</math>")]
    # A display formula scrolls sideways when wider than the column: tabindex lets a keyboard scroll it.
    opening = '<math display="block" tabindex="0">' if display else '<math display="inline">'
    return (
        f"{opening}<semantics><mrow>{inner}</mrow>"
        f'<annotation encoding="application/x-tex">{html.escape(tex, quote=False)}</annotation></semantics></math>'
    )


def error_marker(tex: str, display: bool, reason: str) -> str:
    delimiter = "$$" if display else "$"
    tag = "div" if display else "span"
    return (
        f'<{tag} class="math-error" title="{html.escape("Math not rendered: " + reason)}">'
        f"{html.escape(delimiter + tex + delimiter, quote=False)}</{tag}>"
    )


def render_tex(tex: str, display: bool, env: dict) -> str:
    """MathML for one formula, or an error marker showing its source."""
    budget = env.setdefault("math_budget", _Budget())
    tex = tex.strip()
    started = time.perf_counter()
    try:
        budget.check()
        result = _with_source(_convert(tex, display), tex, display)
    except MathError as error:
        result = error_marker(tex, display, str(error))
    budget.spent += time.perf_counter() - started
    return result

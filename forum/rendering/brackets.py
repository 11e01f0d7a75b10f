"""markdown-it rules for `\\( ... \\)` (inline) and `\\[ ... \\]` (display) math.

mdit-py-plugins' texmath parses these with a lazy regex over the rest of the text from
every `\\(`, which is quadratic: 25,000 unclosed `\\(` took 98 seconds to render. These
rules look for the closing delimiter only within `math.MAX_SOURCE` characters, so a
text costs at most that much scanning per opening delimiter. The tokens are the same
`math_inline` / `math_block` the dollar rules make, rendered by `forum.rendering.markup`.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.utils import is_code_block

from forum.rendering.math import MAX_SOURCE

_REACH = MAX_SOURCE + 2  # a formula just over the limit still parses, and shows the limit's message


def _inline(state: StateInline, silent: bool) -> bool:
    start = state.pos
    if not state.src.startswith("\\(", start):
        return False
    close = state.src.find("\\)", start + 2, start + 2 + _REACH)
    if close < 0 or close == start + 2:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = state.src[start + 2 : close]
        token.markup = "\\("
    state.pos = close + 2
    return True


def _block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if is_code_block(state, start_line):
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("\\[", begin):
        return False
    close = state.src.find("\\]", begin + 2, begin + 2 + _REACH)
    if close < 0:
        return False
    last = start_line
    while last < end_line and state.eMarks[last] < close:
        last += 1
    if last >= end_line or state.src[close + 2 : state.eMarks[last]].strip():
        return False  # the closing \] must end its line
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = state.src[begin + 2 : close]
    token.markup = "\\["
    token.map = [start_line, last + 1]
    state.line = last + 1
    return True


def brackets_plugin(md: MarkdownIt) -> None:
    # Before "escape", which would otherwise turn \( into a literal (.
    md.inline.ruler.before("escape", "math_brackets_inline", _inline)
    md.block.ruler.before(
        "fence",
        "math_brackets_block",
        _block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )

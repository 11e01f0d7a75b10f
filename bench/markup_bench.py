"""Rendering cost of large and hostile Markdown (the renderer runs on every save).

Each case is a text of about `100_000 * scale` characters, the largest a post may be at
scale 1; times are one render, parse to sanitized HTML.
"""

from __future__ import annotations

import time

from forum.rendering.markup import render_post_body

CASES = {
    "research post with math and code": (
        "## Section\n\nWe train $p_\\theta(x) = \\sigma(w^\\top x + b)$ on layer $\\ell$ and "
        "$$\\sum_{i=1}^N x_i^2$$\n\n```python\ndef f(x):\n    return x ** 2\n```\n\n"
    ),
    "unclosed \\( delimiters": "\\( ",
    "unclosed \\[ lines": "\\[\n",
    "equal headings": "# h\n",
    "hostile TeX": "$\\href{javascript:x}{y}$ $\\rule{9999cm}{1cm}$ $\\def\\a{\\a\\a}\\a$ ",
    "footnote references": "[^1] ",
    "task list items": "- [ ] x\n",
}


def main(scale: float = 1.0) -> None:
    size = int(100_000 * scale)
    for name, unit in CASES.items():
        text = (unit * (size // len(unit) + 1))[:size]
        started = time.perf_counter()
        html = render_post_body(text)
        print(
            f"{name:36} {len(text):>7,} chars -> {len(html):>9,} chars of HTML "
            f"in {time.perf_counter() - started:6.2f} s"
        )

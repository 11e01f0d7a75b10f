"""Markdown to safe HTML: what renders, and what must never get through."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forum.rendering.markup import render_markdown, render_post_body

MATHML_TAGS = {
    # MathML presentation markup (no annotation-xml: it may hold HTML)
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
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",
    "li",
    "nav",
    "ol",
    "p",
    "pre",
    "s",
    "section",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
} | MATHML_TAGS
MATHML_ATTRIBUTES = {
    "display",
    "encoding",
    "mathvariant",
    "stretchy",
    "fence",
    "separator",
    "lspace",
    "rspace",
    "form",
    "largeop",
    "movablelimits",
    "accent",
    "accentunder",
    "minsize",
    "maxsize",
    "symmetric",
    "linethickness",
    "displaystyle",
    "scriptlevel",
    "width",
    "height",
    "depth",
    "voffset",
    "columnalign",
    "rowalign",
    "columnspacing",
    "rowspacing",
    "columnlines",
    "rowlines",
    "frame",
    "columnspan",
    "rowspan",
    "notation",
}
# Classes our stylesheets know; anything else could borrow the site's own look (a fake button, a banner).
KNOWN_CLASSES = re.compile(
    r"^(highlight|math-error|footnote-ref|footnote-backref|footnotes-sep|footnotes|footnotes-list|footnote-item|"
    r"contains-task-list|task-list-item|task-list-item-checkbox|toc|toc-title|language-[A-Za-z0-9_+#.-]+|tok-[a-zA-Z0-9]+)$"
)
SAFE_SCHEMES = ("http:", "https:", "mailto:")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:")


class _Audit(HTMLParser):
    """Everything in the output that could run script or load a foreign document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcset", "formaction"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "id" and not (value or "").startswith("user-content-"):
                self.problems.append(f"unprefixed id={value!r} on <{tag}>")
            if name == "class" and not all(KNOWN_CLASSES.match(c) for c in (value or "").split()):
                self.problems.append(f"class={value!r} on <{tag}>")
            # A display formula is a tab stop so a keyboard can scroll it; nothing else takes focus.
            scrollable = tag == "math" and name == "tabindex" and value == "0"
            if tag in MATHML_TAGS and name not in MATHML_ATTRIBUTES and not scrollable:
                self.problems.append(f"attribute {name} on MathML <{tag}>")
            if tag == "input" and (dict(attrs).get("type") != "checkbox" or "disabled" not in dict(attrs)):
                self.problems.append(f"an input that is not a disabled checkbox: {attrs!r}")
            if name == "href" and (value or "").startswith("#") and not value.startswith("#user-content-"):
                self.problems.append(f"fragment link {value!r} to the page's own ids")
            if name in ("href", "src"):
                # What a browser's URL parser sees: entities already decoded by the HTML
                # parser, leading controls and spaces stripped, tabs and newlines removed.
                url = "".join(ch for ch in (value or "") if ch not in "\t\n\r")
                url = url.lstrip("".join(map(chr, range(33)))).lower()
                scheme = _SCHEME.match(url)
                if scheme and scheme.group(0) not in SAFE_SCHEMES:
                    self.problems.append(f"{name}={value!r} on <{tag}>")


def audit(html: str) -> list[str]:
    parser = _Audit()
    parser.feed(html)
    parser.close()
    return parser.problems


XSS_VECTORS = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;&#x61;vascript:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](DATA:text/html,<script>alert(1)</script>)",
    "[ref][1]\n\n[1]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
    '<a href="javascript:alert(1)">x</a>',
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    '<iframe src="https://evil.example"></iframe>',
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
    "<details open ontoggle=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    "<!-- <img src=x onerror=alert(1)> -->",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "~~<script>alert(1)</script>~~",
    "**<svg onload=alert(1)>**",
    "> <iframe src=//evil.example>",
    # math: links, styles, markup and sizes smuggled through TeX
    r"$\href{javascript:alert(1)}{x}$",
    r"$$\href{javascript:alert(1)}{click}$$",
    r"\(\href{data:text/html,<script>alert(1)</script>}{x}\)",
    r"$\url{javascript:alert(1)}$",
    r"$\style{background:url(javascript:alert(1))}{x}$",
    r"$\class{site-banner}{x}$",
    r"$\cssId{login}{x}$",
    r"$\text{<img src=x onerror=alert(1)>}$",
    r"$\text{<img/src=x/onerror=alert(1)>}$",
    r"$\text{</math><img src=x onerror=alert(1)>}$",
    r"$\text{<svg onload=alert(1)>}$",
    r"$$\text{</mtext></mrow></semantics></math><script>alert(1)</script>}$$",
    r"$\mathrm{<script>alert(1)</script>}$",
    r"$\operatorname{<img src=x onerror=alert(1)>}$",
    r"$\color{red}{x}\colorbox{red}{y}$",
    r"$\rule{100000cm}{100000cm}$",
    r"$\hspace{99999em}$",
    r"$\def\a{\a\a}\a$",
    r"$\newcommand{\x}{\x}\x$",
    r"\[ \frac{1}{ \]",
    "$x$ <math><mi>y</mi></math>",
    # footnotes and anchors: ids that would shadow the page's own elements
    "Text[^login].\n\n[^login]: <img src=x onerror=alert(1)>",
    "Text[^x].\n\n[^x]: [y](javascript:alert(1))",
    "# login\n\n## csrf_token\n\n### document",
    "[jump](#login)",
    "# <img src=x onerror=alert(1)>\n\n## b\n\n## c",
    # task lists and code
    "- [x] <input type=text autofocus onfocus=alert(1)>",
    "```js onload=alert(1)\nalert(1)\n```",
    "```javascript\n</code></pre><script>alert(1)</script>\n```",
    "```python\nx = '<img src=x onerror=alert(1)>'\n```",
    "```<script>\nx\n```",
]


@pytest.mark.parametrize("render", [render_markdown, render_post_body], ids=["comment", "post"])
@pytest.mark.parametrize("source", XSS_VECTORS)
def test_xss_vectors_do_not_get_through(source, render):
    html = render(source)
    assert audit(html) == [], html
    lowered = html.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<svg" not in lowered


def test_raw_html_is_shown_as_text():
    html = render_markdown("<b>bold?</b> <script>alert(1)</script>")
    assert "&lt;script&gt;" in html and "&lt;b&gt;" in html


def test_table():
    html = render_markdown("| size | split |\n|:--|--:|\n| 4k | 12% |")
    assert "<table>" in html and "<th>size</th>" in html and "<td>12%</td>" in html
    # Alignment would arrive as inline style, which the CSP forbids; it is dropped.
    assert "style=" not in html


def test_strikethrough():
    assert "<s>gone</s>" in render_markdown("~~gone~~") or "<del>gone</del>" in render_markdown("~~gone~~")


def test_bare_urls_become_links_with_rel():
    html = render_markdown("Code: https://example.org/sae-splitting")
    assert '<a href="https://example.org/sae-splitting"' in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html


def test_fenced_code_keeps_its_language_and_escapes_content():
    html = render_markdown("```python\nif a < b: print('<x>')\n```")
    assert '<pre class="highlight" tabindex="0"><code class="language-python">' in html
    assert '<span class="tok-k">if</span>' in html
    assert "&lt;x&gt;" in html and "<x>" not in html


def test_code_class_other_than_a_language_is_dropped():
    html = render_markdown('```py thon" onclick="x\nhi\n```')
    assert "<code>" in html or '<code class="language-py">' in html
    assert audit(html) == []


def test_ordinary_markdown():
    html = render_markdown("# Head\n\n**bold** _it_ `code`\n\n1. one\n2. two\n\n> quote\n\n[link](https://a.example)")
    for piece in (
        "<h1>Head</h1>",
        "<strong>bold</strong>",
        "<em>it</em>",
        "<code>code</code>",
        "<ol>",
        "<blockquote>",
        '<a href="https://a.example"',
    ):
        assert piece in html


def test_https_images_and_mailto_links_survive():
    html = render_markdown("![plot](https://example.org/p.png) [me](mailto:a@example.org)")
    assert '<img src="https://example.org/p.png" alt="plot">' in html
    assert 'href="mailto:a@example.org"' in html


def test_empty_input():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


_FRAGMENTS = st.sampled_from(
    [
        "<",
        ">",
        '"',
        "'",
        "`",
        "(",
        ")",
        "[",
        "]",
        "!",
        ":",
        "&#",
        ";",
        "\t",
        "\n",
        " ",
        "|",
        "~~",
        "javascript",
        "JaVaScRiPt",
        "data",
        "vbscript",
        "script",
        "img",
        "svg",
        "iframe",
        "onerror",
        "onload",
        "=",
        "alert(1)",
        "src",
        "href",
        "&#x3A;",
        "&colon;",
        "%3A",
        "/",
        "http://",
        "x",
    ]
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=40).map("".join))
def test_no_fragment_soup_gets_through(source):
    assert audit(render_markdown(source)) == []


_TEX_FRAGMENTS = st.sampled_from(
    [
        "$",
        "$$",
        "\\(",
        "\\)",
        "\\[",
        "\\]",
        "{",
        "}",
        "^",
        "_",
        "&",
        "\\\\",
        "<",
        ">",
        '"',
        "x",
        " ",
        "\n",
        "\\text{",
        "\\href{",
        "\\style{",
        "\\frac",
        "\\sqrt",
        "\\begin{matrix}",
        "\\end{matrix}",
        "\\rule{9em}{1em}",
        "javascript:alert(1)",
        "<img src=x onerror=alert(1)>",
        "</math>",
        "<script>",
        "[^1]",
        "[^1]: ",
        "# ",
        "```",
        "- [x] ",
    ]
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.lists(_TEX_FRAGMENTS, max_size=30).map("".join))
def test_no_math_soup_gets_through(source):
    assert audit(render_post_body(source)) == []

"""Math, footnotes, heading anchors, the table of contents, task lists and highlighted code."""

from __future__ import annotations

from pathlib import Path

import pytest

from forum.rendering import code, math
from forum.rendering.markup import plain_text, render_markdown, render_post_body
from tests.factories import login, make_post, make_user


def test_inline_and_display_math_become_mathml_with_their_source():
    html = render_markdown(r"Energy $E=mc^2$ and $$\sum_i x_i$$ and \(a<b\).")
    assert html.count("<math") == 3
    assert '<math display="inline"><semantics><mrow>' in html
    assert '<math display="block" tabindex="0">' in html  # it may scroll sideways: a keyboard can too
    assert html.count("tabindex") == 1  # an inline formula is no tab stop
    assert "<msup><mi>c</mi><mn>2</mn></msup>" in html
    assert '<annotation encoding="application/x-tex">E=mc^2</annotation>' in html
    assert "<mo>&lt;</mo>" in html


def test_bracket_display_math_on_its_own_lines():
    html = render_markdown("\\[\n\\int_0^1 f(x)\\,dx\n\\]")
    assert html.startswith('<math display="block" tabindex="0">') and "<msubsup>" in html


def test_dollars_for_money_stay_text():
    html = render_markdown("It costs $5 or $10, and $ x $ is not math either.")
    assert "<math" not in html and "$5 or $10" in html


@pytest.mark.parametrize(
    "tex, reason",
    [
        (r"\href{javascript:alert(1)}{x}", r"\href is not supported"),
        (r"\style{color:red}{x}", r"\style is not supported"),
        (r"\rule{100000cm}{1cm}", "too large"),
        (r"\hspace{5000em}", "too large"),
        (r"\def\a{\a\a}\a", r"\def is not supported"),
        (r"\frac{1}{", "could not be read"),
        ("{" * 2000 + "}" * 2000, "nests or expands too deeply"),
        ("x+" * 3000, "at most 5,000 characters"),
    ],
)
def test_hostile_or_broken_tex_is_an_error_marker_keeping_the_source(tex, reason):
    html = render_markdown(f"${tex}$")
    assert '<span class="math-error"' in html and "<math" not in html
    assert reason in html
    assert "$" + tex.replace("<", "&lt;")[:50] in html


def test_markup_in_text_is_shown_as_characters():
    html = render_markdown(r"$\text{<img src=x onerror=alert(1)>}$")
    assert "<mtext>&lt;img" in html and "<img" not in html


def test_math_budget_stops_converting_and_keeps_the_rest_as_source(monkeypatch):
    monkeypatch.setattr(math, "MAX_EXPRESSIONS", 2)
    html = render_markdown("$a$ $b$ $c$")
    assert html.count("<math") == 2 and "too many formulas" in html and "$c$" in html
    monkeypatch.setattr(math, "MAX_EXPRESSIONS", 1000)
    monkeypatch.setattr(math, "TIME_BUDGET", 0.0)  # spent by the first formula
    html = render_markdown("$a$ $b$")
    assert html.count("<math") == 1 and "took too long" in html


def test_search_text_of_math_is_its_tex_source():
    text = plain_text(render_post_body(r"Energy $E=mc^2$ holds. $$\sum_i x_i$$"))
    assert "E=mc^2" in text and r"\sum_i x_i" in text
    assert "mrow" not in text and "<" not in text


def test_footnotes_link_both_ways_with_prefixed_ids():
    html = render_post_body("A claim[^1].\n\n[^1]: The evidence.")
    assert '<a href="#user-content-fn1" id="user-content-fnref1"' in html
    assert '<li id="user-content-fn1" class="footnote-item"><p>The evidence.' in html
    assert 'href="#user-content-fnref1" class="footnote-backref"' in html


def test_comment_footnotes_do_not_share_ids_with_another_comment():
    first, second = render_markdown("One[^1].\n\n[^1]: a"), render_markdown("Two[^1].\n\n[^1]: b")
    first_id = first.split('id="')[1].split('"')[0]
    assert first_id.startswith("user-content-fnref-") and first_id not in second


def test_headings_get_prefixed_unique_anchors_and_links_to_them_follow():
    html = render_post_body("# Setup\n\n## Results\n\n## Results\n\nSee [setup](#setup).")
    assert '<h1 id="user-content-setup">' in html
    assert '<h2 id="user-content-results">' in html and '<h2 id="user-content-results-1">' in html
    assert '<a href="#user-content-setup"' in html


def test_table_of_contents_from_three_headings_nested_by_level():
    html = render_post_body("# Intro\n\n## Method $k$\n\n### Data\n\n## Results\n\ntext")
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert nav.count("<li>") == 4 and nav.count("<ol>") == 3
    assert '<a href="#user-content-method-k"' in nav and ">Method k</a>" in nav
    assert html.index("<nav") < html.index("<h1")
    assert "Intro" not in plain_text(html).split("text")[0].split("Intro", 1)[1]  # the TOC is not indexed twice


def test_no_table_of_contents_for_short_posts_or_comments():
    assert "<nav" not in render_post_body("# One\n\n## Two\n\ntext")
    comment = render_markdown("# One\n\n## Two\n\n## Three")
    assert "<nav" not in comment and " id=" not in comment


def test_task_lists_are_disabled_checkboxes():
    html = render_markdown("- [ ] open\n- [x] done")
    assert html.count('type="checkbox"') == 2 and html.count('disabled=""') == 2
    assert 'checked="checked"' in html and 'class="contains-task-list"' in html


def test_code_is_highlighted_with_classes_and_unknown_languages_stay_plain():
    html = render_markdown("```python\ndef f(): return '<b>'\n```\n\n```nosuchlang\n<b>\n```")
    assert '<span class="tok-k">def</span>' in html and "style=" not in html
    assert '<code class="language-nosuchlang">&lt;b&gt;' in html


def test_highlight_stylesheet_is_current():
    """static/highlight.css is generated; regenerate it with `python -m forum.rendering.code`."""
    stylesheet = Path(__file__).resolve().parent.parent / "static" / "highlight.css"
    assert stylesheet.read_text() == code.stylesheet()


def test_comments_render_math_and_code(app, client):
    author = make_user("mathwriter")
    post = make_post(author, body="Post.")
    login(client, author)
    response = client.post(f"/posts/{post.id}/comments", data={"body": "With $x^2$.\n\n```python\nx = 1\n```"})
    assert response.status_code == 302
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in page and '<span class="tok-n">x</span>' in page


def test_preview_shows_math_as_it_will_look(app, client):
    login(client, make_user("previewer"))
    response = client.post(
        "/posts/new", data={"title": "T", "body": "Try $E=mc^2$.", "audience": "public", "preview": "Preview"}
    )
    assert response.status_code == 200
    assert "<msup><mi>c</mi><mn>2</mn></msup>" in response.get_data(as_text=True)


def test_many_equal_headings_get_distinct_ids():
    html = render_post_body("# A\n\n# A\n\n# A-1\n\n# A")
    assert [part.split('"')[0] for part in html.split('<h1 id="')[1:]] == [
        "user-content-a",
        "user-content-a-1",
        "user-content-a-1-1",
        "user-content-a-2",
    ]


def test_unclosed_bracket_delimiters_stay_text():
    html = render_markdown("\\( " * 500 + "\n\n\\[\n" * 3 + "x")
    assert "<math" not in html and html.count("(") == 500
    assert "<math" in render_markdown("\\(" + "x" * 4_990 + "\\)")  # long, within the limit

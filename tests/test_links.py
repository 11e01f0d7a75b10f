"""Links built from patterns are exactly what url_for builds."""

from __future__ import annotations

import pytest
from flask import url_for

from forum.web.links import ENDPOINTS, Links


@pytest.mark.parametrize("value", [1, 987654321, "ada", "c++", "a b", "ünï", "x/y", "100%"])
def test_pattern_links_equal_url_for(app, value):
    for script_root in ("", "/forum"):
        with app.test_request_context("/", base_url=f"http://localhost{script_root}"):
            links = Links()
            for endpoint, argument in ENDPOINTS:
                if isinstance(value, str) and argument.endswith("_id"):
                    continue
                assert links.to(endpoint, value) == url_for(endpoint, **{argument: value}), endpoint


def test_fixed_links_equal_url_for(app):
    """Every `fixed(...)` the base layout and its header print, with and without a script root."""
    import re
    from pathlib import Path

    from forum.web.links import fixed

    layout = "".join((Path(app.template_folder) / name).read_text() for name in ("base.html", "_site_header.html"))
    endpoints = set(re.findall(r"fixed\('([\w.]+)'\)", layout))
    assert len(endpoints) >= 10
    for script_root in ("", "/forum"):
        with app.test_request_context("/", base_url=f"http://localhost{script_root}"):
            for endpoint in endpoints:
                assert fixed(endpoint) == url_for(endpoint), endpoint

"""A feed's SQL statement count does not grow with its entries (authors, tags, audiences
and the terms gate are loaded in fixed queries)."""

from __future__ import annotations

import pytest

from forum.services import feed_tokens
from tests.factories import make_group, make_post, make_user
from tests.test_query_counts import statements_for

from .helpers import add_terms


# (A group's public feed is left out: public posts are never shared with a group, so it has no entries to count.)
@pytest.mark.parametrize(
    "path", ["/feeds/hot.atom", "/feeds/new.atom", "/feeds/tags/a.atom", "/feeds/users/author0.atom", "private"]
)
def test_feed_query_counts_do_not_grow(client, path):
    author = make_user("author0")
    lab = make_group(author, "Lab")
    coauthors = [make_user(f"other{i}") for i in range(3)]
    if path == "private":
        path = f"/feeds/private/{feed_tokens.rotate(author)[1]}.atom"

    def fill(n):
        for i in range(n):
            writer = [author, *coauthors][i % 4]
            post = make_post(writer, f"Post {i}", tags=f"a, t{i}")
            make_post(author, f"Lab {i}", tags="a", audience="restricted", groups=(lab,))
            if i % 3 == 0:
                add_terms(post)

    fill(2)
    few = statements_for(client, path)
    fill(15)
    many = statements_for(client, path)
    assert len(few) == len(many), "\n".join(many)

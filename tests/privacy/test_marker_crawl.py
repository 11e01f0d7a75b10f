"""Removed, deleted, draft, draft-era, gated and earlier-audience text, each with a canary
word (markers.py), looked for by every kind of viewer the promise is made to:

- a crawl from the site's pages and the table of known addresses, following every link;
- the addresses under a post or comment the viewer may not open (or may open but not
  read) answer exactly what a missing one answers;
- a search for a canary word answers exactly like a search for a word nobody wrote.

One world for the whole module (the `marker_app` fixture), built once on a database of its own.
"""

from __future__ import annotations

import pytest

from tests.factories import READ_RECEIPTS, statements, writes
from tests.privacy.oracle import MISSING_COMMENT, MISSING_POST, normalized

from .marker_probes import (
    COMMENT_ADDRESSES,
    JSON,
    JSON_TWINS,
    POST_ADDRESSES,
    client_as,
    known_addresses,
    leaks,
    post_address,
    site_pages,
    twins,
)
from .markers import MARKERS, VIEWERS
from .test_crawl import crawl

pytestmark = pytest.mark.usefixtures("in_marker_app")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_crawl_meets_no_marker(marker_app, marker_world, viewer):
    client = client_as(marker_app, marker_world, viewer)
    with statements() as seen:
        pages = crawl(client, site_pages(marker_world, viewer) + known_addresses(marker_world), max_pages=900)
    assert len(pages) > 200, "the crawl should reach the known addresses and the whole visible site"
    assert writes(seen, allow=READ_RECEIPTS) == [], "a GET wrote to the database"
    assert len(pages) < 900, "the crawl stopped before it had read everything"
    found = [leak for url, page in pages.items() for leak in leaks(marker_world, viewer, url, page)]
    assert found == [], "\n".join(found)


def test_the_author_meets_the_canary_words(marker_app, marker_world):
    """The canaries are where the story put them: their absence elsewhere means something.
    Only a deleted comment's text is gone for everyone, its author included (the deleted
    post's title stays on its author's own audit and listing pages)."""
    client = client_as(marker_app, marker_world, "author")
    # Not the searches, which repeat the word asked for.
    starts = [url for url in site_pages(marker_world, "author") + known_addresses(marker_world) if "q=" not in url]
    pages = crawl(client, starts, max_pages=len(starts))  # the addresses themselves, no further
    seen = "\n".join(pages.values()).lower()
    assert [m.word for m in MARKERS if m.word not in seen] == ["tallow"]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_known_addresses_of_hidden_things_answer_like_missing_ones(marker_app, marker_world, viewer):
    client = client_as(marker_app, marker_world, viewer)
    failures = []
    closed = marker_world.hidden_posts(viewer)
    gated = marker_world.gated_posts(viewer)
    for path, needs_body in POST_ADDRESSES:
        for name, pid in marker_world.posts.items():
            if name not in closed and not (needs_body and name in gated):
                continue
            headers = JSON if path in JSON_TWINS else {}
            for twin in ({}, headers) if headers else ({},):
                hidden, missing = twins(
                    client,
                    post_address(path, marker_world, name, pid),
                    post_address(path, marker_world, name, MISSING_POST),
                    headers=twin,
                )
                if normalized(hidden, f"/posts/{pid}") != normalized(missing, f"/posts/{MISSING_POST}"):
                    failures.append(f"{path} {twin} on {name}: {hidden.status_code}, missing {missing.status_code}")
    for path in COMMENT_ADDRESSES:
        for name in marker_world.hidden_comments(viewer):
            cid = marker_world.comments[name][0]
            for twin in ({}, JSON) if path in JSON_TWINS else ({},):
                hidden, missing = twins(
                    client, path.format(comment=cid), path.format(comment=MISSING_COMMENT), headers=twin
                )
                if normalized(hidden, f"/comments/{cid}") != normalized(missing, f"/comments/{MISSING_COMMENT}"):
                    failures.append(f"{path} {twin} on {name}: {hidden.status_code}, missing {missing.status_code}")
    assert failures == [], "\n".join(failures)


NOBODY_WROTE = "quoxumbrel"  # a word no text in the world contains


def _asked(response, word: str) -> tuple:
    """What a search answers, with the word asked for (echoed in the box, the title, a
    sign-in link back) blanked."""
    status, mimetype, location, body = normalized(response)
    return status, mimetype, location.replace(word, "<Q>"), body.replace(word, "<Q>")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_search_for_a_canary_word_answers_like_one_for_a_word_nobody_wrote(marker_app, marker_world, viewer):
    client = client_as(marker_app, marker_world, viewer)
    failures = []
    for marker in MARKERS:
        if viewer not in marker.forbidden:
            continue
        for path in ("/search?q={}", "/api/v1/search?q={}", "/search?q={}&sort=new", "/autocomplete/tags?q={}"):
            canary, nothing = twins(client, path.format(marker.word), path.format(NOBODY_WROTE))
            if _asked(canary, marker.word) != _asked(nothing, NOBODY_WROTE):
                failures.append(
                    f"{path.format(marker.word)}: {canary.status_code}, a word nobody wrote {nothing.status_code}"
                )
    assert failures == [], "\n".join(failures)

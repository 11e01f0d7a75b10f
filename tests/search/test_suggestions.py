"""Did you mean (forum/search/suggest.py) on each backend: a misspelt word finds what its
correction finds, only when the exact words find nothing, and a correction is never a
word that occurs only where the viewer cannot read."""

from __future__ import annotations

import pytest

from forum import visibility
from forum.search import indexing, service, suggest
from forum.search.snippets import index_form
from forum.search.whoosh.query import word_form
from forum.services import posts as post_service
from forum.services.audience import Audience
from forum.services.terms import TermsChoice
from tests.factories import login, make_group, make_post, make_user
from tests.search.test_app_search import hits, page_text

pytestmark = pytest.mark.usefixtures("search_backend")


def test_a_misspelt_word_finds_its_correction(app):
    post = make_post(make_user(), "Feature splitting", "splitting happens at scale")
    found = service.search(None, "spliting")
    assert [(r.kind, r.post.id) for r in found.items] == [("post", post.id)]
    assert (found.corrected_from, found.corrected) == ("spliting", "splitting")


def test_exact_matches_come_first_and_need_no_correction(app):
    author = make_user()
    make_post(author, "Splitting", "splitting")
    exact = make_post(author, "Spliting", "a spliting typo in the text itself")
    found = service.search(None, "spliting")
    assert [r.post.id for r in found.items] == [exact.id] and found.corrected is None


def test_a_word_only_in_a_hidden_post_is_never_suggested(app):
    author, reader, outsider = make_user(), make_user(), make_user()
    group = make_group(author, members=(reader,))
    make_post(author, "Hidden", "the zorblaxian ritual", audience="restricted", groups=(group,))
    make_post(author, "Open", "an open post")
    assert hits(outsider, "zorblaxan") == (set(), 0)
    assert service.search(outsider, "zorblaxan").corrected is None
    assert service.did_you_mean(outsider, "zorblaxan") is None
    rules = service.search_rules(outsider, include_removed=False)
    assert indexing.backend().readable_words(visibility.principals(outsider), ["zorblaxian"], **rules) == set()
    assert service.search(reader, "zorblaxan").corrected == "zorblaxian"  # the planted word does exist


def test_a_gated_posts_body_word_is_never_suggested(app):
    author, reader = make_user(), make_user()
    post_service.create_post(
        author, "Gated wombat study", "the ocelotish body", "", Audience("public"), terms=TermsChoice(None, "Ask.")
    )
    assert service.did_you_mean(reader, "ocelotis") is None
    rules = service.search_rules(reader, include_removed=False)
    assert indexing.backend().readable_words(visibility.principals(reader), ["ocelotish"], **rules) == set()
    assert service.did_you_mean(reader, "wombt") == "wombat"  # its title is readable
    assert service.did_you_mean(author, "ocelotis") == "ocelotish"


def test_the_page_says_which_spelling_it_searched(client):
    make_post(make_user(), "Feature splitting", "splitting happens")
    html = page_text(client, "/search?q=spliting+feature")
    assert "Nothing matches" in html and "splitting feature" in html and "1 result" in html
    assert client.get("/api/v1/search?q=spliting").get_json()["corrected"] == "splitting"


def test_the_correction_keeps_the_filters(client):
    ada, bob = make_user("ada"), make_user("bob")
    make_post(ada, "Feature splitting", "splitting")
    login(client, bob)
    found = service.search(bob, "spliting", author="bob")
    assert found.total == 0 and found.corrected is None


def test_variants_are_one_edit_away():
    found = suggest.variants("spliting")
    assert "splitting" in found and "spliting" not in found and len(found) == len(set(found))
    assert suggest.replaced('x "spliting" spliting', "spliting", "splitting") == 'x "spliting" splitting'


def test_the_fast_word_form_is_the_analyzers():
    for word in ("splitting", "conversation", "the", "a1b2", "features", "é"):
        for variant in [word, *suggest.variants(word)]:
            assert word_form(variant) == index_form(variant), variant


def test_two_edits_are_corrected_on_whoosh_from_readable_words_only(app, search_backend):
    author, reader, outsider = make_user(), make_user(), make_user()
    group = make_group(author, members=(reader,))
    make_post(author, "Hidden", "the zorblaxian ritual", audience="restricted", groups=(group,))
    open_post = make_post(author, "Open", "the Hippopotamus wallows")
    assert service.did_you_mean(outsider, "zorbalxain") is None
    assert service.search(outsider, "zorbalxain").corrected is None
    if search_backend != "whoosh":
        assert service.did_you_mean(reader, "zorbalxain") is None  # one edit only there (suggest.py)
        return
    assert service.did_you_mean(reader, "zorbalxain") == "zorblaxian"  # the planted word is there
    found = service.search(outsider, "hipopotamsu")
    assert (found.corrected, [r.post.id for r in found.items]) == ("hippopotamus", [open_post.id])
    assert service.did_you_mean(outsider, "hipo") is None  # too short for two edits
    assert service.did_you_mean(outsider, "hxpxpotamus") is None  # three edits


def test_two_edit_distance():
    assert [suggest.distance("hippopotamus", typed) for typed in ("hippopotamus", "hipopotamsu", "hxpxpotamsu")] == [
        0,
        2,
        3,
    ]
    assert suggest.distance("abcd", "badc") == 2 and suggest.distance("ab", "abcdef") == 3
    assert suggest.choose_near({"aaa": 2, "bbb": 1, "ccc": 1}, {"aaa": 9, "bbb": 1, "ccc": 5}) == "ccc"

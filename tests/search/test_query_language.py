"""The query language (forum/search/user_query.py) on each backend: OR, exclusions,
prefixes and typed filters, each only ever within the viewer's own audience, and
mistakes explained on the page with what was typed kept."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from markupsafe import escape

from forum.search import service
from forum.search.user_query import MIN_PREFIX, parse_user_query
from forum.services import posts as post_service
from forum.services.audience import Audience
from forum.services.terms import TermsChoice
from tests.factories import login, make_comment, make_group, make_post, make_user
from tests.search.test_app_search import hits, page_text

pytestmark = pytest.mark.usefixtures("search_backend")


def test_or_finds_either_word(app):
    author = make_user()
    probe = make_post(author, "Linear probe results", "accuracy of the probe")
    splitting = make_post(author, "Feature splitting", "splitting happens at scale")
    make_post(author, "Unrelated", "nothing here")
    assert hits(None, "probe OR splitting") == ({("post", probe.id), ("post", splitting.id)}, 2)
    assert hits(None, "probe splitting") == (set(), 0)  # without OR every word must match
    assert hits(None, "probe OR splitting accuracy") == ({("post", probe.id)}, 1)


def test_not_and_minus_leave_out_what_matches(app):
    author = make_user()
    both = make_post(author, "Splitting and probe", "feature splitting seen by a probe")
    alone = make_post(author, "Splitting alone", "feature splitting everywhere")
    assert hits(None, "splitting")[1] == 2
    assert hits(None, "splitting NOT probe") == ({("post", alone.id)}, 1)
    assert hits(None, "splitting -probe") == ({("post", alone.id)}, 1)
    assert hits(None, 'splitting -"seen by a probe"') == ({("post", alone.id)}, 1)
    assert hits(None, "splitting -everywhere") == ({("post", both.id)}, 1)


def test_a_prefix_matches_the_words_it_starts(app):
    author = make_user()
    features = make_post(author, "Features", "many features appear")
    feat = make_post(author, "Unrelated title", "a featural account")
    make_post(author, "Other", "fear and feet")
    assert hits(None, "feat*") == ({("post", features.id), ("post", feat.id)}, 2)
    assert hits(None, "features*")[1] >= 1  # the stemmed start: "featur"
    too_short = service.search(None, "fe*")
    assert too_short.total == 0 and f"at least {MIN_PREFIX} letters" in too_short.error


def test_a_prefix_never_completes_a_word_of_a_hidden_post(app):
    author, outsider = make_user(), make_user()
    group = make_group(author)
    make_post(author, "Secret", "the quizzaciously hidden word", audience="restricted", groups=(group,))
    make_post(author, "Open", "an open post")
    assert hits(outsider, "quizz*") == (set(), 0)
    assert hits(author, "quizz*")[1] == 1


def test_typed_filters_select_like_the_form(app):
    ada, bob = make_user("ada"), make_user("bob")
    group = make_group(ada, "Reading group")
    ada_post = make_post(ada, "Attention heads", "induction heads", tags="interp")
    grouped = make_post(ada, "Group notes", "induction notes", audience="restricted", groups=(group,))
    bob_post = make_post(bob, "Bob on heads", "induction too")
    comment = make_comment(bob, ada_post, "induction in a comment")
    assert hits(ada, "induction author:ada") == ({("post", ada_post.id), ("post", grouped.id)}, 2)
    assert hits(ada, "author:bob") == ({("post", bob_post.id), ("comment", comment.id)}, 2)
    assert hits(ada, "induction tag:interp") == ({("post", ada_post.id)}, 1)
    assert hits(ada, f"induction group:{group.slug}") == ({("post", grouped.id)}, 1)
    assert hits(ada, "induction in:comments") == ({("comment", comment.id)}, 1)
    assert hits(ada, "induction in:posts")[1] == 3
    # A typed filter and the form's filter both apply.
    assert hits(ada, "author:ada induction", author="bob") == (set(), 0)


def test_a_group_the_viewer_cannot_see_reads_as_one_that_does_not_exist(app):
    owner, outsider = make_user(), make_user()
    group = make_group(owner, "Hidden circle", listed=False)
    make_post(owner, "Circle notes", "gecko text", audience="restricted", groups=(group,))
    unseen = service.search(outsider, f"gecko group:{group.slug}")
    missing = service.search(outsider, "gecko group:no-such-group")
    assert unseen.total == missing.total == 0
    assert unseen.error.replace(group.slug, "X") == missing.error.replace("no-such-group", "X")


def test_an_exclusion_never_reveals_the_body_of_a_gated_post(app):
    """A gated post matches by title, author and tags only; leaving it out for a word of its
    body would tell a reader who has not accepted its terms that the word is there."""
    author, reader = make_user(), make_user()
    post_service.create_post(
        author, "Gated wombat study", "the ocelot body", "", Audience("public"), terms=TermsChoice(None, "Ask first.")
    )
    assert hits(reader, "wombat")[1] == 1
    assert hits(reader, "wombat -ocelot")[1] == 1
    assert hits(reader, "wombat -study")[1] == 0
    assert hits(reader, "wombat OR ocelot")[1] == 1
    assert hits(reader, "ocel*")[1] == 0
    assert hits(author, "ocel*")[1] >= 1


@pytest.mark.parametrize(
    "typed, says",
    [
        ('alpha "bravo', "quotation mark is not closed"),
        ("alpha OR", "OR needs a word"),
        ("OR alpha", "OR needs a word"),
        ("alpha NOT", "NOT needs a word"),
        ("-alpha", "as well as what to leave out"),
        ("al*", "needs at least"),
        ("alpha in:everything", "in:posts or in:comments"),
        ("alpha author:", "needs a value"),
        ("alpha author:ada author:bob", "only once"),
    ],
)
def test_a_mistake_explains_itself_and_keeps_the_query(client, typed, says):
    make_post(make_user(), "Alpha", "alpha bravo")
    html = page_text(client, "/search?" + urlencode({"q": typed}))
    assert says in html and "Could not read your search" in html
    assert "search-hit" not in html
    assert f'value="{escape(typed)}"' in html
    api = client.get("/api/v1/search", query_string={"q": typed}).get_json()
    assert api["total"] == 0 and says in api["query_error"]


def test_the_page_finds_by_operators(client):
    author = make_user("ada")
    make_post(author, "Probe study", "a linear probe")
    login(client, author)
    html = page_text(client, "/search?q=probe+OR+nothingatall+author%3Aada")
    assert "1 result" in html and "Probe study" in html


def test_parser_reads_each_operator():
    parsed = parse_user_query('"alpha beta" OR gamma -"delta epsilon" NOT zeta feat* author:@Ada tag:#SAE in:comments')
    assert [[unit.raw for unit in clause] for clause in parsed.clauses] == [["alpha beta", "gamma"], ["feat"]]
    assert [unit.raw for unit in parsed.excluded] == ["delta epsilon", "zeta"]
    assert (parsed.author, parsed.tags, parsed.kind, parsed.error) == ("ada", ("sae",), "comment", None)
    # Lowercase "or" is a word; other field names are text.
    assert len(parse_user_query("gecko or zzzz").clauses) == 2
    assert parse_user_query("acl:public").clauses[0][0].tokens == ("acl", "public")


# --- ranking and paging ------------------------------------------------------------------


def test_an_exact_title_match_comes_first(app):
    author = make_user()
    exact = make_post(author, "Feature splitting", "short")
    wordy = make_post(author, "Notes", "feature splitting " * 5)
    longer = make_post(author, "Feature splitting in large models", "feature splitting")
    found = service.search(None, "feature splitting")
    assert [r.post.id for r in found.items][0] == exact.id and found.total == 3
    assert {r.post.id for r in found.items} == {exact.id, wordy.id, longer.id}
    assert service.search(None, '"feature splitting"').items[0].post.id == exact.id
    # By date, newest first as always.
    assert [r.post.id for r in service.search(None, "feature splitting", sort="new").items][0] == longer.id


def test_relevance_pages_say_next_and_previous_and_past_the_end_says_so_once(client, app):
    app.config["SEARCH_PER_PAGE"] = 2
    author = make_user()
    for n in range(5):
        make_post(author, f"Heron {n}", "heron text")
    html = page_text(client, "/search?q=heron&page=2")
    assert "Next →" in html and "← Previous" in html and "Older" not in html and "Newer" not in html
    assert "Older →" in page_text(client, "/search?q=heron&page=2&sort=new")
    past = page_text(client, "/search?q=heron&page=999")
    assert "There is no page 999 here" in past and "Nothing you can read matches" not in past
    assert past.count('role="status"') == 1

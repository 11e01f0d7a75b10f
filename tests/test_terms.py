"""Usage terms on posts: the gate, what it hides everywhere, acceptances and versions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum import visibility
from forum.extensions import db
from forum.models import Post, PostTerms, TermsAcceptance
from forum.services import drafts
from forum.services import posts as post_service
from forum.services.audience import Audience, audience_of
from forum.services.terms import TermsChoice
from tests.factories import login, logout, make_attachment, make_comment, make_group, make_post, make_user

NO_CAPS = "I will not use this work, or anything derived from it, to advance AI capabilities"


def gated_post(
    author,
    title="Gated findings",
    body="Body text.",
    *,
    terms="Ask before you *build* on this.",
    tags="",
    audience="public",
    users=(),
    groups=(),
):
    chosen = Audience(audience, frozenset(u.id for u in users), frozenset(g.id for g in groups))
    return post_service.create_post(author, title, body, tags, chosen, terms=TermsChoice(None, terms))


def set_terms(post, terms: TermsChoice | None):
    return post_service.update_post(
        post, post.author, post.title, post.body_md, [t.name for t in post.tags], audience_of(post), terms=terms
    )


def n(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def page(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def accept(client, post, version=None):
    return client.post(f"/posts/{post.id}/terms/accept", data={"version": str(version or post.terms_version)})


def editor_form(title="T", body="B", **extra):
    return {
        "title": title,
        "body": body,
        "tags": "",
        "audience": "public",
        "confirm_public": "y",
        "audience_users": "",
        "audience_groups": "",
        **extra,
    }


# --- attaching terms ---------------------------------------------------------------------


def test_no_terms_is_the_default(client):
    author = make_user("ada")
    login(client, author)
    assert client.post("/posts/new", data=editor_form("Plain", "Plain body")).status_code == 302
    post = db.session.scalar(select(Post))
    assert post.terms_version is None and n(PostTerms) == 0
    logout(client)
    assert "Plain body" in page(client, f"/posts/{post.id}")[1]


def test_editor_offers_the_site_templates(client):
    login(client, make_user("ada"))
    status, html = page(client, "/posts/new")
    assert status == 200
    for title in (
        "No capabilities use without permission",
        "Do not share outside this audience",
        "Cite before building on this",
        "My own terms",
        "No terms",
    ):
        assert title in html


def test_author_attaches_a_template(client):
    login(client, make_user("ada"))
    response = client.post("/posts/new", data=editor_form("Dual use", "Body", terms="no-capabilities"))
    assert response.status_code == 302
    post = db.session.scalar(select(Post))
    terms = db.session.scalar(select(PostTerms))
    assert (post.terms_version, terms.version, terms.template_key) == (1, 1, "no-capabilities")
    assert terms.body_md.startswith(NO_CAPS)


def test_author_writes_own_terms_in_markdown(client):
    login(client, make_user("ada"))
    client.post("/posts/new", data=editor_form("Mine", "Body", terms="custom", terms_custom="Only **defensive** use."))
    terms = db.session.scalar(select(PostTerms))
    assert terms.template_key is None
    assert "<strong>defensive</strong>" in terms.body_html


def test_empty_custom_terms_are_refused_and_the_form_keeps_what_was_typed(client):
    login(client, make_user("ada"))
    response = client.post(
        "/posts/new", data=editor_form("Kept title zebra", "Kept body yak", terms="custom", terms_custom="   ")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Write your terms" in html
    assert "Kept title zebra" in html and "Kept body yak" in html
    assert n(Post) == 0 and n(PostTerms) == 0


def test_unknown_template_key_is_refused(client):
    login(client, make_user("ada"))
    response = client.post("/posts/new", data=editor_form("Title", "Body", terms="no-such-template"))
    assert response.status_code == 400
    assert "Choose terms from the list" in response.get_data(as_text=True)
    assert n(Post) == 0 and n(PostTerms) == 0


def test_a_rejected_edit_keeps_the_old_terms(client):
    author = make_user("ada")
    post = gated_post(author, terms="Original terms.")
    login(client, author)
    response = client.post(
        f"/posts/{post.id}/edit", data=editor_form(post.title, post.body_md, terms="custom", terms_custom="")
    )
    assert response.status_code == 400
    db.session.refresh(post)
    assert post.terms_version == 1 and n(PostTerms) == 1


def test_editor_shows_the_terms_in_force(client):
    author = make_user("ada")
    post = gated_post(author, terms="Our own wording, quokka.")
    login(client, author)
    html = page(client, f"/posts/{post.id}/edit")[1]
    assert "Our own wording, quokka." in html
    assert 'checked id="terms-4" name="terms" type="radio" value="custom"' in html


# --- the gate ----------------------------------------------------------------------------


def test_reader_sees_title_author_audience_and_terms_but_not_the_body(client):
    author = make_user("ada", display_name="Ada Okafor")
    reader = make_user("ben")
    post = gated_post(
        author,
        "Gated title walrus",
        "secret body platypus",
        terms="Terms text narwhal.",
        audience="restricted",
        users=(reader,),
    )
    login(client, reader)
    status, html = page(client, f"/posts/{post.id}")
    assert status == 200
    assert "Gated title walrus" in html and "Ada Okafor" in html and "Shared with" in html
    assert "Terms text narwhal." in html
    assert 'name="version" type="hidden" value="1"' in html
    assert f'action="/posts/{post.id}/terms/accept"' in html
    assert "platypus" not in html


def test_gate_byline_names_the_co_authors_like_the_post_page(client):
    author = make_user("ada", display_name="Ada Okafor")
    make_user("grace", display_name="Grace Hopper")
    reader = make_user("ben")
    chosen = Audience("public", frozenset(), frozenset())
    post = post_service.create_post(
        author, "Joint gated", "body", "", chosen, terms=TermsChoice(None, "Terms."), coauthors="grace"
    )
    login(client, reader)
    status, html = page(client, f"/posts/{post.id}")
    assert status == 200 and "Terms." in html
    assert "Ada Okafor" in html and "Grace Hopper" in html and 'href="/users/grace"' in html


def test_gate_form_carries_a_csrf_token_and_refuses_without_one(app, client):
    author, reader = make_user("ada"), make_user("ben")
    post = gated_post(author)
    login(client, reader)
    app.config["WTF_CSRF_ENABLED"] = True
    html = page(client, f"/posts/{post.id}")[1]
    assert 'name="csrf_token"' in html
    assert accept(client, post).status_code == 400
    assert n(TermsAcceptance) == 0


def test_anonymous_reader_of_a_public_gated_post_is_asked_to_sign_in(client):
    post = gated_post(make_user("ada"), "Public gated", "body okapi")
    status, html = page(client, f"/posts/{post.id}")
    assert status == 200 and "Public gated" in html and "okapi" not in html
    assert "to agree and read" in html


def test_author_reads_their_own_post_without_accepting(client):
    author = make_user("ada")
    post = gated_post(author, body="author body ibex")
    login(client, author)
    html = page(client, f"/posts/{post.id}")[1]
    assert "ibex" in html and "See who agreed" in html


@pytest.fixture
def gated_world(client):
    """A gated post shared with a group, with a comment thread, an edit history and
    a commenter who accepted; `reader` is in the audience but has not accepted."""
    author = make_user("ada")
    commenter = make_user("cai")
    reader = make_user("ben")
    group = make_group(author, "Dual Use Circle", members=(commenter, reader))
    post = gated_post(
        author, "Gated title heron", "body marker pangolin", tags="hazards", audience="restricted", groups=(group,)
    )
    db.session.add(TermsAcceptance(user_id=commenter.id, post_id=post.id, version=1))
    db.session.commit()
    post_service.update_post(post, author, post.title, "body marker pangolin, revised", "hazards", audience_of(post))
    top = make_comment(commenter, post, "comment marker axolotl")
    reply = make_comment(author, post, "reply marker capybara", parent=top)
    return {
        "author": author,
        "commenter": commenter,
        "reader": reader,
        "group": group,
        "post": post,
        "top": top,
        "reply": reply,
    }


MARKERS = ("pangolin", "axolotl", "capybara")


def assert_no_markers(html: str) -> None:
    for marker in MARKERS:
        assert marker not in html, marker


def test_no_gated_text_leaks_through_any_page(client, gated_world):
    w = gated_world
    login(client, w["reader"])
    post, top, reply = w["post"], w["top"], w["reply"]
    # Pages that list the post show its title and never its text.
    for url in ("/", "/tags/hazards", f"/groups/{w['group'].slug}", f"/users/{w['author'].username}"):
        status, html = page(client, url)
        assert status == 200, url
        assert "Gated title heron" in html, url
        assert_no_markers(html)
    for url in (
        f"/users/{w['commenter'].username}?tab=comments",
        f"/users/{w['author'].username}?tab=comments",
        "/tags",
    ):
        status, html = page(client, url)
        assert status == 200, url
        assert_no_markers(html)
    # Profile counts are of what the reader may read: no comments of the gated post.
    assert "Comments (0)" in page(client, f"/users/{w['commenter'].username}")[1]
    status, html = page(client, f"/posts/{post.id}")
    assert status == 200
    assert_no_markers(html)
    # Direct addresses of the text answer 404 like a post that never existed.
    for url in (
        f"/comments/{top.id}",
        f"/comments/{reply.id}",
        f"/comments/{top.id}/reply",
        f"/comments/{top.id}/edit",
        f"/posts/{post.id}/revisions",
        f"/posts/{post.id}/revisions?x=1",
    ):
        status, html = page(client, url)
        assert status == 404, url
        assert_no_markers(html)
        assert "heron" not in html


def test_gated_reader_cannot_comment_reply_or_delete(client, gated_world):
    w = gated_world
    login(client, w["reader"])
    before = n(w["top"].__class__)
    assert client.post(f"/posts/{w['post'].id}/comments", data={"body": "hello"}).status_code == 404
    assert (
        client.post(f"/posts/{w['post'].id}/comments", data={"body": "hi", "parent_id": str(w["top"].id)}).status_code
        == 404
    )
    assert client.post(f"/comments/{w['top'].id}/delete").status_code == 404
    assert n(w["top"].__class__) == before


def test_commenter_loses_their_own_comment_pages_when_terms_change(client, gated_world):
    w = gated_world
    login(client, w["commenter"])
    assert client.get(f"/comments/{w['top'].id}/edit").status_code == 200
    set_terms(w["post"], TermsChoice(None, "Stricter terms."))
    assert client.get(f"/comments/{w['top'].id}/edit").status_code == 404
    assert client.post(f"/comments/{w['top'].id}/edit", data={"body": "changed"}).status_code == 404
    assert "axolotl" not in page(client, f"/users/{w['commenter'].username}?tab=comments")[1]


def test_accepting_opens_the_body_comments_and_permalinks(client, gated_world):
    w = gated_world
    login(client, w["reader"])
    response = accept(client, w["post"])
    assert response.status_code == 302 and response.location.endswith(f"/posts/{w['post'].id}")
    row = db.session.scalar(select(TermsAcceptance).where(TermsAcceptance.user_id == w["reader"].id))
    assert (row.post_id, row.version) == (w["post"].id, 1) and row.accepted_at is not None
    html = page(client, f"/posts/{w['post'].id}")[1]
    assert "pangolin" in html and "axolotl" in html and "capybara" in html
    assert "You agreed to this post" in html
    assert "axolotl" in page(client, f"/comments/{w['top'].id}")[1]
    assert client.get(f"/comments/{w['top'].id}/reply").status_code == 200
    assert "axolotl" in page(client, f"/users/{w['commenter'].username}?tab=comments")[1]
    assert client.post(f"/posts/{w['post'].id}/comments", data={"body": "now I can"}).status_code == 302
    # Versions open with the body (tests/test_versions.py); before accepting they answered 404.
    assert client.get(f"/posts/{w['post'].id}/revisions").status_code == 200


def test_accepting_twice_stores_one_record(client, gated_world):
    w = gated_world
    login(client, w["reader"])
    accept(client, w["post"])
    accept(client, w["post"])
    assert db.session.scalar(select(func.count()).where(TermsAcceptance.user_id == w["reader"].id)) == 1


def test_outsider_accepting_gets_404_and_nothing_is_stored(client, gated_world):
    outsider = make_user("eve")
    login(client, outsider)
    before = n(TermsAcceptance)
    response = accept(client, gated_world["post"], 1)
    assert response.status_code == 404
    assert "heron" not in response.get_data(as_text=True)
    assert n(TermsAcceptance) == before
    assert client.post("/posts/99999/terms/accept", data={"version": "1"}).status_code == 404


def test_outdated_version_is_refused_with_the_current_terms_shown(client, gated_world):
    w = gated_world
    set_terms(w["post"], TermsChoice(None, "Version two wording, tapir."))
    login(client, w["reader"])
    before = n(TermsAcceptance)
    response = accept(client, w["post"], 1)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "terms changed" in html and "tapir" in html
    assert 'name="version" type="hidden" value="2"' in html
    assert_no_markers(html)
    assert n(TermsAcceptance) == before
    assert accept(client, w["post"], "not-a-number").status_code == 409
    assert n(TermsAcceptance) == before


# --- versions ------------------------------------------------------------------------------


def test_changing_the_terms_makes_a_new_version_and_the_gate_returns(client, gated_world):
    w = gated_world
    login(client, w["reader"])
    accept(client, w["post"])
    assert "pangolin" in page(client, f"/posts/{w['post'].id}")[1]
    set_terms(w["post"], TermsChoice(None, "New wording."))
    assert w["post"].terms_version == 2
    html = page(client, f"/posts/{w['post'].id}")[1]
    assert "pangolin" not in html and "New wording." in html
    assert "changed the terms since you last agreed" in html
    assert client.get(f"/comments/{w['top'].id}").status_code == 404
    accept(client, w["post"])
    assert "pangolin" in page(client, f"/posts/{w['post'].id}")[1]
    assert db.session.scalar(select(func.count()).where(TermsAcceptance.user_id == w["reader"].id)) == 2


def test_resaving_the_same_terms_or_only_the_body_keeps_the_version(client):
    author = make_user("ada")
    login(client, author)
    client.post("/posts/new", data=editor_form("T", "B", terms="cite-first"))
    post = db.session.scalar(select(Post))
    client.post(f"/posts/{post.id}/edit", data=editor_form("T", "B2", terms="cite-first"))
    # The same words typed as the author's own are the same agreement.
    client.post(
        f"/posts/{post.id}/edit",
        data=editor_form("T", "B3", terms="custom", terms_custom=db.session.scalar(select(PostTerms.body_md))),
    )
    db.session.refresh(post)
    assert post.terms_version == 1 and n(PostTerms) == 1


def test_removing_and_restoring_terms(client, gated_world):
    w = gated_world
    login(client, w["reader"])
    set_terms(w["post"], None)
    assert "pangolin" in page(client, f"/posts/{w['post'].id}")[1]
    set_terms(w["post"], TermsChoice(None, "Ask before you *build* on this."))
    # Versions never repeat, so an acceptance of version 1 does not open version 2.
    assert w["post"].terms_version == 2
    assert "pangolin" not in page(client, f"/posts/{w['post'].id}")[1]


def test_author_edit_form_changes_terms_through_the_page(client, gated_world):
    w = gated_world
    login(client, w["author"])
    data = editor_form(
        w["post"].title, w["post"].body_md, terms="no-sharing", audience="restricted", audience_groups=w["group"].slug
    )
    assert client.post(f"/posts/{w['post'].id}/edit", data=data).status_code == 302
    db.session.refresh(w["post"])
    assert w["post"].terms_version == 2
    assert db.session.scalar(select(PostTerms.template_key).where(PostTerms.version == 2)) == "no-sharing"


# --- records -------------------------------------------------------------------------------


def test_author_sees_who_accepted_which_version(client, gated_world):
    w = gated_world
    login(client, w["reader"])
    accept(client, w["post"])
    logout(client)
    login(client, w["author"])
    status, html = page(client, f"/posts/{w['post'].id}/acceptances")
    assert status == 200
    assert "/users/ben" in html and "/users/cai" in html
    assert "UTC" in html and "Ask before you <em>build</em> on this." in html


def test_acceptances_page_is_the_authors_only(client, gated_world):
    w = gated_world
    url = f"/posts/{w['post'].id}/acceptances"
    login(client, w["reader"])
    assert client.get(url).status_code == 403
    logout(client)
    login(client, make_user("eve"))
    assert client.get(url).status_code == 404
    logout(client)
    assert client.get(url).status_code == 302  # sign in first; says nothing about the post


def test_reader_sees_what_they_accepted(client, gated_world):
    w = gated_world
    login(client, w["reader"])
    accept(client, w["post"])
    status, html = page(client, "/settings/terms")
    assert status == 200 and "Gated title heron" in html
    set_terms(w["post"], TermsChoice(None, "v2"))
    assert "since changed" in page(client, "/settings/terms")[1]


def test_reader_page_hides_titles_they_can_no_longer_read(client, gated_world):
    w = gated_world
    login(client, w["reader"])
    accept(client, w["post"])
    post_service.update_post(
        w["post"],
        w["author"],
        w["post"].title,
        w["post"].body_md,
        "hazards",
        Audience("restricted", frozenset({w["commenter"].id})),
    )
    html = page(client, "/settings/terms")[1]
    assert "heron" not in html and "A post you can no longer read" in html


# --- the rule in visibility, for search and listings -------------------------------------------


def test_gated_post_ids_for_search(client, gated_world):
    w = gated_world
    open_post = make_post(w["author"], "Open post")

    def gated_for(viewer):
        return set(db.session.scalars(visibility.gated_post_ids(viewer)))

    assert gated_for(w["reader"]) == {w["post"].id}
    assert gated_for(w["author"]) == set()
    assert gated_for(w["commenter"]) == set()
    assert gated_for(make_user("eve")) == set()  # outside the audience: not even a title
    public_gated = gated_post(w["author"])
    assert gated_for(None) == {public_gated.id}
    assert open_post.id not in gated_for(w["reader"])
    login(client, w["reader"])
    accept(client, w["post"])
    assert w["post"].id not in gated_for(w["reader"])


def test_visible_comments_excludes_gated_posts(gated_world):
    w = gated_world

    def bodies(viewer):
        return {c.body_md for c in db.session.scalars(visibility.visible_comments(viewer))}

    assert bodies(w["reader"]) == set()
    assert "comment marker axolotl" in bodies(w["commenter"]) and "comment marker axolotl" in bodies(w["author"])


# --- co-editors of a draft with terms ------------------------------------------------------


@pytest.fixture
def shared_gated_draft(client):
    """A draft with terms, shared with ben to edit: ben is no author, so the terms come first."""
    author, editor = make_user("ada"), make_user("ben")
    chosen = Audience("public", frozenset(), frozenset())
    post = post_service.create_post(
        author,
        "Draft title heron",
        "draft body pangolin",
        "",
        chosen,
        terms=TermsChoice(None, "Terms text ibis."),
        draft=True,
    )
    drafts.share_draft(post, author, "ben", "edit")
    return author, editor, post


def test_a_co_editor_gets_the_gate_in_the_editor_until_they_accept(client, shared_gated_draft):
    """The editor showed a co-editor the draft's whole Markdown (and Preview rendered it)
    without the terms the post page asks them to accept first."""
    author, editor, post = shared_gated_draft
    login(client, editor)
    _, gate = page(client, f"/posts/{post.id}")
    assert "Terms text ibis." in gate and "pangolin" not in gate
    status, html = page(client, f"/posts/{post.id}/edit")
    assert status == 200 and "Terms text ibis." in html and "pangolin" not in html
    saved = client.post(f"/posts/{post.id}/edit", data=editor_form("Overwritten", "ben's text", submit="y"))
    assert "pangolin" not in saved.get_data(as_text=True) and "Terms text ibis." in saved.get_data(as_text=True)
    preview = client.post(f"/posts/{post.id}/edit", data=editor_form("T", "ben's text", preview="y"))
    assert "Terms text ibis." in preview.get_data(as_text=True)
    db.session.expire_all()
    assert (post.title, post.body_md) == ("Draft title heron", "draft body pangolin")
    figure = make_attachment(author, post, filename="pangolin.png")
    text_addresses = (
        f"/posts/{post.id}/revisions",
        f"/posts/{post.id}/revisions/compare",
        f"/posts/{post.id}/files/{figure.key}",
        f"/api/v1/posts/{post.id}/comments",
    )
    for url in text_addresses:
        assert client.get(url).status_code == 404, url
    api = client.patch(f"/api/v1/posts/{post.id}", json={"title": "Renamed"})
    assert api.status_code == 404 and "pangolin" not in api.get_data(as_text=True)
    db.session.expire_all()
    assert post.title == "Draft title heron"

    assert accept(client, post).status_code == 302
    status, html = page(client, f"/posts/{post.id}/edit")
    assert status == 200 and "pangolin" in html and figure.key in html
    for url in text_addresses:
        assert client.get(url).status_code == 200, url


def test_authors_edit_their_gated_draft_without_accepting(client, shared_gated_draft):
    author, editor, post = shared_gated_draft
    login(client, author)
    status, html = page(client, f"/posts/{post.id}/edit")
    assert status == 200 and "pangolin" in html

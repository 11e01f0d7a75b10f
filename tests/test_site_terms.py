"""Site-wide terms: set by admins, accepted at registration and again when they change."""

from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import SiteTerms, SiteTermsAcceptance, User
from forum.services import terms as terms_service
from tests.factories import PASSWORD, login, logout, make_user


def make_admin(username="root"):
    user = make_user(username)
    user.role = "admin"
    db.session.commit()
    return user


def site_terms(text="Be kind; cite your sources.", admin=None):
    return terms_service.set_site_terms(admin or make_admin(), text)


def registration(username="newbie", **extra):
    typed = {"username": username, "display_name": "", "email": f"{username}@example.org"}
    return {**typed, "password": PASSWORD, "confirm": PASSWORD, **extra}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_only_admins_reach_the_site_terms_page(client):
    login(client, make_user("ben"))
    assert client.get("/admin/site-terms").status_code == 403
    assert client.post("/admin/site-terms", data={"body": "Mine now"}).status_code == 403
    assert count(SiteTerms) == 0
    logout(client)
    assert client.get("/admin/site-terms").status_code == 302


def test_each_save_is_a_new_version(client):
    admin = make_admin()
    login(client, admin)
    assert client.get("/admin/site-terms").status_code == 200
    assert client.post("/admin/site-terms", data={"body": "First *terms*."}).status_code == 302
    assert client.post("/admin/site-terms", data={"body": "Second terms."}).status_code == 302
    versions = db.session.scalars(select(SiteTerms).order_by(SiteTerms.id)).all()
    assert [v.body_md for v in versions] == ["First *terms*.", "Second terms."]
    assert "<em>terms</em>" in versions[0].body_html
    # The admin who wrote them is not sent to agree to their own words.
    assert client.get("/").status_code == 200


def test_empty_or_unchanged_site_terms_are_refused(client):
    admin = make_admin()
    login(client, admin)
    response = client.post("/admin/site-terms", data={"body": "  "})
    assert response.status_code == 400 and "need some text" in response.get_data(as_text=True)
    client.post("/admin/site-terms", data={"body": "Same."})
    assert client.post("/admin/site-terms", data={"body": "Same."}).status_code == 400
    assert count(SiteTerms) == 1


def test_register_form_shows_the_terms_and_a_checkbox_only_when_they_exist(client):
    html = client.get("/register").get_data(as_text=True)
    assert "accept_site_terms" not in html
    site_terms("Terms for newcomers, gecko.")
    html = client.get("/register").get_data(as_text=True)
    assert "Terms for newcomers, gecko." in html and 'name="accept_site_terms"' in html


def test_registration_needs_agreement_when_site_terms_exist(client):
    terms = site_terms()
    response = client.post("/register", data=registration(site_terms_version=str(terms.id)))
    assert response.status_code == 400
    assert "agree to the site terms" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "newbie")) is None


def test_registration_with_agreement_records_it(client):
    terms = site_terms()
    response = client.post("/register", data=registration(accept_site_terms="y", site_terms_version=str(terms.id)))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    assert db.session.get(SiteTermsAcceptance, (user.id, terms.id)) is not None
    assert client.get("/").status_code == 200


def test_registration_against_outdated_terms_is_refused(client):
    admin = make_admin()
    old = site_terms("Old.", admin)
    site_terms("New wording, iguana.", admin)
    response = client.post("/register", data=registration(accept_site_terms="y", site_terms_version=str(old.id)))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "changed while you were registering" in html and "iguana" in html
    assert db.session.scalar(select(User).where(User.username == "newbie")) is None


def test_registration_without_site_terms_is_unchanged(client):
    assert client.post("/register", data=registration()).status_code == 302


def test_members_agree_again_when_the_terms_change(client):
    admin = make_admin()
    member = make_user("ben")
    login(client, member)
    assert client.get("/").status_code == 200
    terms = site_terms("Version one, lemur.", admin)
    response = client.get("/tags?x=1")
    assert response.status_code == 302
    assert response.location.startswith("/terms/accept?next=")
    accept_page = client.get(response.location).get_data(as_text=True)
    assert "lemur" in accept_page and f'value="{terms.id}"' in accept_page
    response = client.post("/terms/accept", data={"version": str(terms.id), "next": "/tags?x=1"})
    assert response.status_code == 302 and response.location == "/tags?x=1"
    assert client.get("/").status_code == 200
    newer = site_terms("Version two.", admin)
    assert client.get("/").status_code == 302
    client.post("/terms/accept", data={"version": str(newer.id)})
    assert client.get("/").status_code == 200
    assert db.session.scalar(select(func.count()).where(SiteTermsAcceptance.user_id == member.id)) == 2


def test_accepting_outdated_site_terms_is_refused(client):
    admin = make_admin()
    old = site_terms("Old.", admin)
    current = site_terms("Current wording, marmot.", admin)
    member = make_user("ben")
    login(client, member)
    response = client.post("/terms/accept", data={"version": str(old.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "marmot" in html and f'value="{current.id}"' in html
    assert db.session.scalar(select(func.count()).where(SiteTermsAcceptance.user_id == member.id)) == 0


def test_exempt_pages_and_a_safe_next(client):
    site_terms()
    member = make_user("ben")
    login(client, member)
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/terms").status_code == 200
    response = client.get("/terms/accept?next=//evil.example/x")
    assert "evil.example" not in response.get_data(as_text=True)
    terms = db.session.scalar(select(SiteTerms))
    response = client.post("/terms/accept", data={"version": str(terms.id), "next": "//evil.example/x"})
    assert response.location == "/"
    # Signing out needs no agreement.
    logout(client)
    login(client, member)
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 200


def test_a_post_request_is_sent_to_the_accept_page_without_next(client):
    site_terms()
    member = make_user("ben")
    login(client, member)
    response = client.post("/posts/new", data={"title": "x", "body": "y"})
    assert response.status_code == 302 and response.location == "/terms/accept"


def test_the_reader_page_lists_site_terms_accepted(client):
    admin = make_admin()
    terms = site_terms("Hello.", admin)
    member = make_user("ben")
    login(client, member)
    client.post("/terms/accept", data={"version": str(terms.id)})
    html = client.get("/settings/terms").get_data(as_text=True)
    assert f"Version {terms.id}, agreed" in html

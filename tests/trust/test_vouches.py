"""Vouches, trust paths on profiles, and "People you may want to know"."""

from __future__ import annotations

from forum.models import Vouch
from forum.services import accounts
from tests.factories import login, make_group, make_user
from tests.trust.helpers import n_rows, vouch


def test_vouch_shows_on_the_profile_and_can_be_withdrawn(client):
    ada = make_user("ada")
    make_user("ben")
    login(client, ada)
    response = client.post("/users/ben/vouch", data={"statement": "I know his work on induction heads."})
    assert response.status_code == 302
    page = client.get("/users/ben").get_data(as_text=True)
    assert "Vouched for by 1" in page and "I know his work on induction heads." in page
    assert "Withdraw your vouch" in page
    assert client.post("/users/ben/vouch/withdraw").status_code == 302
    page = client.get("/users/ben").get_data(as_text=True)
    assert "Vouched for by 0" in page and "induction heads" not in page
    assert n_rows(Vouch, Vouch.withdrawn_at.is_not(None)) == 1  # kept, marked withdrawn


def test_bad_vouches_get_clear_messages_and_change_nothing(client):
    ada, ben = make_user("ada"), make_user("ben")
    vouch(ada, ben)
    login(client, ada)
    cases = [
        ("/users/ada/vouch", {"statement": "I am great."}, 400, "You cannot vouch for yourself."),
        ("/users/ben/vouch", {"statement": "Again, with feeling."}, 409, "You already vouch for ben."),
        ("/users/ben/vouch", {"statement": ""}, 400, "characters what you know of their work"),
    ]
    for url, data, status, message in cases:
        response = client.post(url, data=data)
        assert response.status_code == status, url
        assert message in response.get_data(as_text=True)
    assert n_rows(Vouch) == 1
    # The refused text is kept in the form.
    login(client, ben)
    response = client.post("/users/ada/vouch", data={"statement": "ok"})
    assert response.status_code == 400 and 'value="ok"' in response.get_data(as_text=True)
    vouch(ben, ada)
    assert client.post("/users/nobody/vouch", data={"statement": "hello there"}).status_code == 404
    client.post("/logout")
    assert client.post("/users/ben/vouch", data={"statement": "anon"}).status_code == 302  # to sign in
    assert n_rows(Vouch) == 2


def test_withdrawing_a_vouch_that_does_not_exist_changes_nothing(client):
    ada, _ = make_user("ada"), make_user("ben")
    login(client, ada)
    response = client.post("/users/ben/vouch/withdraw", follow_redirects=True)
    assert "You do not vouch for ben." in response.get_data(as_text=True)
    assert n_rows(Vouch) == 0


def test_trust_paths_name_vouches_groups_and_interests(client):
    ada = make_user("ada", interests="probing, circuits")
    ben = make_user("ben", interests="circuits, evals")
    cy, dee = make_user("cyd"), make_user("deb")
    vouch(ada, cy)
    vouch(cy, ben)  # cy links ada and ben
    vouch(ben, ada)
    make_group(ada, "Probe Club", members=(ben,))
    make_group(dee, "Other Lab", members=(ben,))  # ada is not in it: never named to her
    login(client, ada)
    page = client.get("/users/ben").get_data(as_text=True)
    assert "How you are connected" in page
    assert "ben vouches for you." in page and "You vouch for ben" not in page
    assert "people linked by vouches to both of you" in page and 'href="/users/cyd"' in page
    assert "Probe Club" in page and "Other Lab" not in page
    assert "Shared interests: circuits." in page
    # Nothing for an anonymous visitor, nor on one's own profile.
    assert "How you are connected" not in client.get("/users/ada").get_data(as_text=True)
    client.post("/logout")
    assert "How you are connected" not in client.get("/users/ben").get_data(as_text=True)


def test_people_to_know_are_open_to_contact_and_share_interests(client):
    ada = make_user("ada", interests="probing, circuits")
    ben = make_user("ben", interests="circuits, probing")
    cy = make_user("cyd", interests="circuits")
    make_user("deb", interests="circuits")  # not open to contact
    make_user("evi", interests="gardening")
    for user in (ben, cy):
        accounts.update_profile(
            user, user.display_name, "", ", ".join(i.name for i in user.interests), open_to_contact=True
        )
    accounts.update_profile(make_user("fay", interests="gardening"), "fay", "", "gardening", open_to_contact=True)
    login(client, ada)
    page = client.get("/people/suggestions").get_data(as_text=True)
    assert page.index('href="/users/ben"') < page.index('href="/users/cyd"')  # two shared before one
    assert "shared: circuits, probing" in page
    assert 'href="/users/deb"' not in page and 'href="/users/fay"' not in page
    assert client.get("/people/suggestions").status_code == 200
    client.post("/logout")
    assert client.get("/people/suggestions").status_code == 302


def test_groups_sharing_interests_are_suggested_but_never_unlisted_ones(client):
    ada = make_user("ada", interests="probing, circuits")
    own = make_user("own")
    open_lab = make_group(own, "Open Probes", interests="probing, circuits")
    make_group(own, "Quiet Probes", interests="probing", listed=False)
    make_group(own, "Joined Probes", interests="probing", members=(ada,))
    make_group(own, "Gardening Club", interests="gardening")
    login(client, ada)
    page = client.get("/people/suggestions").get_data(as_text=True)
    assert f'href="/groups/{open_lab.slug}"' in page and "2 shared interests" in page
    assert "Quiet Probes" not in page and "Joined Probes" not in page and "Gardening Club" not in page


def test_the_open_to_contact_setting_is_on_the_profile_form(client):
    ada = make_user("ada")
    login(client, ada)
    client.post("/settings/profile", data={"display_name": "Ada", "bio": "", "interests": "", "open_to_contact": "y"})
    assert ada.open_to_contact is True
    client.post("/settings/profile", data={"display_name": "Ada", "bio": "", "interests": ""})
    assert ada.open_to_contact is False

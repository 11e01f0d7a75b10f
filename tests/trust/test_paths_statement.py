"""How a viewer is linked to a person, their vouch and their block, on the profile page: one
statement built once (`trust.paths_to_user`), each viewer's own answer."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import User
from forum.queries import trust
from forum.services import blocks as block_service
from tests.factories import login, make_group, make_user, statements
from tests.trust.helpers import vouch


def _paths(page: str) -> str:
    """The page's "How you are connected" part (the vouches listed below it name people too)."""
    start = page.find('<div class="trust-paths">')
    return page[start : page.index("</div>", start)] if start >= 0 else ""


def _block_button(page: str) -> str:
    return "Unblock" if ">Unblock</button>" in page else "Block" if ">Block</button>" in page else "none"


def test_each_viewer_gets_their_own_links_vouch_and_block(client):
    """The statement is built once for every viewer; what it answers is the viewer's own."""
    ada = make_user("ada", interests="probing, circuits")
    ben = make_user("ben", interests="circuits, evals")
    cyd = make_user("cyd", interests="evals")
    linker = make_user("lin")
    vouch(ada, linker)
    vouch(linker, ben)
    vouch(ada, ben)
    make_group(ada, "Probe Club", members=(ben,))
    make_group(cyd, "Evals Room", members=(ben,))
    block_service.block(ada, ben)

    login(client, ada)
    page = client.get("/users/ben").get_data(as_text=True)
    assert "You vouch for ben." in _paths(page) and "Withdraw your vouch" in page
    assert 'href="/users/lin"' in _paths(page) and "Probe Club" in page and "Evals Room" not in page
    assert "Shared interests: circuits." in _paths(page)
    assert _block_button(page) == "Unblock"

    login(client, cyd)
    page = client.get("/users/ben").get_data(as_text=True)
    assert "You vouch for ben." not in page and "Withdraw your vouch" not in page
    assert 'href="/users/lin"' not in _paths(page) and "Probe Club" not in page and "Evals Room" in _paths(page)
    assert "Shared interests: evals." in _paths(page)
    assert _block_button(page) == "Block"

    # The blocked person is never told: their view of the blocker is an ordinary one.
    login(client, ben)
    page = client.get("/users/ada").get_data(as_text=True)
    assert "ada vouches for you." in _paths(page) and "blocks you" not in page
    assert _block_button(page) == "Block"


def test_lists_keep_their_order_and_their_limit(app):
    viewer = make_user("viewer", interests=", ".join(f"topic{i:02}" for i in reversed(range(12))))
    person = make_user("person", interests=", ".join(f"topic{i:02}" for i in range(12)))
    for i in reversed(range(15)):
        linker = make_user(f"link{i:02}")
        vouch(viewer, linker)
        vouch(linker, person)
        make_group(viewer, f"Group {i:02}", members=(person,))
    paths = trust.paths_to_user(viewer, person)
    assert paths is not None
    assert [p.username for p in paths.through] == [f"link{i:02}" for i in range(trust.SHOWN)]
    assert [g.name for g in paths.groups] == [f"Group {i:02}" for i in range(trust.SHOWN)]
    assert paths.interests == [f"topic{i:02}" for i in range(12)]


def test_a_deleted_link_is_named_without_a_link(app):
    viewer, person, gone = make_user("viewer"), make_user("person"), make_user("gone")
    vouch(viewer, gone)
    vouch(gone, person)
    db.session.get(User, gone.id).deleted_at = db.func.current_timestamp()
    db.session.commit()
    paths = trust.paths_to_user(viewer, person)
    assert paths is not None and [p.is_deleted for p in paths.through] == [True]


@pytest.mark.usefixtures("no_page_cache")
def test_the_paths_vouch_and_block_are_one_statement(client):
    ada, ben = make_user("ada"), make_user("ben")
    vouch(ada, ben)
    login(client, ada)
    client.get("/users/ben")
    with statements() as seen:
        assert client.get("/users/ben").status_code == 200
    touching = [s for s in seen if "FROM blocks" in s or "FROM vouches" in s]
    # One for the paths, the viewer's vouch and block; one for the vouches the page lists.
    assert len(touching) == 2, "\n".join(touching)
    assert all(table in touching[0] for table in ("vouches", "memberships", "user_interests", "blocks"))

"""A listed restricted post's card in search, on both backends: a document of its own kind
with the `members` token and only the title, author and abstract."""

from __future__ import annotations

from forum.services import access
from tests.factories import login, make_comment, make_user
from tests.trust.helpers import listed_post


def test_search_finds_the_listing_card_not_the_body(client, search_backend):
    ada, ben, eli = make_user("ada"), make_user("ben"), make_user("eli")
    post = listed_post(
        ada,
        "Deception probes",
        body="zanzibar body words",
        users=(ben,),
        abstract="An abstract about deception probes for outsiders.",
    )
    make_comment(ben, post, "zanzibar comment words")
    login(client, eli)
    found = client.get("/search?q=deception").get_data(as_text=True)
    assert (
        "Deception probes" in found and f"/posts/{post.id}/access" in found and f'href="/posts/{post.id}"' not in found
    )
    assert "zanzibar" not in client.get("/search?q=zanzibar").get_data(as_text=True).split("<main")[-1].replace(
        'value="zanzibar"', ""
    )
    api = client.get("/api/v1/search?q=deception").get_json()
    assert [(hit["kind"], hit["url"]) for hit in api["items"]] == [("listing", f"/posts/{post.id}/access")]
    # A reader finds the post itself, not its card; an anonymous visitor finds nothing.
    login(client, ben)
    found = client.get("/search?q=deception").get_data(as_text=True)
    assert f'href="/posts/{post.id}"' in found and f"/posts/{post.id}/access" not in found
    client.post("/logout")
    assert "Deception probes" not in client.get("/search?q=deception").get_data(as_text=True)
    # Unlisting takes the card out of search.
    access.set_listing(ada, post, False, "")
    login(client, eli)
    assert "Deception probes" not in client.get("/search?q=deception").get_data(as_text=True)

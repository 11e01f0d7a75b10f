from tests.factories import login, make_post, make_user


def test_front_page_lists_a_new_post(client):
    author = make_user("ada")
    make_post(author, "Feature splitting results")
    page = client.get("/").get_data(as_text=True)
    assert "Feature splitting results" in page


def test_signed_in_user_can_comment(client):
    author = make_user("ada")
    post = make_post(author, "Title")
    reader = make_user("ben")
    login(client, reader)
    response = client.post(f"/posts/{post.id}/comments", data={"body": "Nice result"})
    assert response.status_code == 302
    assert "Nice result" in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_two_clients_do_not_share_a_signed_in_user(app):
    ada = make_user("ada")
    first, second = app.test_client(), app.test_client()
    login(first, ada)
    assert "Sign out" in first.get("/").get_data(as_text=True)
    assert "Sign out" not in second.get("/").get_data(as_text=True)

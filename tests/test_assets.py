"""Fingerprinted static files, and gzip only where no secret can be in the page."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

from tests.factories import login, make_post, make_user

STATIC = Path(__file__).resolve().parent.parent / "static"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def asset_links(client) -> dict[str, str]:
    page = client.get("/").get_data(as_text=True)
    return {m.group(2): m.group(0) for m in re.finditer(r"/assets/(([\w-]+)\.[0-9a-f]{12}\.(css|js))", page)}


def test_pages_link_static_files_by_a_fingerprint_of_their_bytes(client):
    links = asset_links(client)
    assert set(links) >= {"style", "forum", "votes"}
    response = client.get(links["style"])
    assert response.status_code == 200
    assert response.get_data() == (STATIC / "style.css").read_bytes()
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.mimetype == "text/css"


def test_assets_are_gzipped_for_clients_that_ask(client):
    url = asset_links(client)["forum"]
    packed = client.get(url, headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == (STATIC / "forum.js").read_bytes()
    assert "Content-Encoding" not in client.get(url).headers


def test_an_unknown_or_stale_fingerprint_is_not_found(client):
    assert client.get("/assets/style.000000000000.css").status_code == 404
    assert client.get("/assets/../config.py").status_code == 404


def test_a_changed_file_gets_a_new_address(app, client, tmp_path):
    from forum.infra.assets import Assets

    (tmp_path / "x.css").write_text("a{}")
    assets = Assets(str(tmp_path))
    first = assets.get("x.css").name
    (tmp_path / "x.css").write_text("b{}")
    os.utime(tmp_path / "x.css", ns=(1, 1))
    second = assets.get("x.css").name
    assert first != second
    assert assets.find(first) is None and assets.find(second).body == b"b{}"


def test_signed_out_pages_are_gzipped(client, app):
    make_post(make_user("author"), "Public post", "Some body text. " * 100)
    response = client.get("/", headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Public post" in gzip.decompress(response.get_data()).decode()


def test_pages_for_a_signed_in_viewer_are_never_compressed(client, app):
    """BREACH: a signed-in page holds a CSRF token and maybe restricted titles next to
    text an attacker chooses (a search query), so its compressed length would leak them."""
    user = make_user("reader")
    make_post(user, "Public post", "Some body text. " * 100)
    login(client, user)
    for path in ("/", "/search?q=public", "/users/reader"):
        response = client.get(path, headers=GZIP)
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers, path


def test_a_page_that_makes_a_csrf_token_is_not_compressed(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.get("/login", headers=GZIP)
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert "Content-Encoding" not in response.headers


def test_bearer_token_requests_are_not_compressed(client):
    response = client.get("/api/v1/posts", headers={**GZIP, "Authorization": "Bearer fpat_not-a-real-token"})
    assert "Content-Encoding" not in response.headers


def test_kept_addresses_follow_the_script_root(app):
    """Addresses are built once per fingerprint and script root, equal to url_for's."""
    from flask import url_for

    from forum.infra.assets import _assets, asset_url

    for _ in range(2):
        for script_root in ("", "/forum"):
            with app.test_request_context("/", base_url=f"http://localhost{script_root}"):
                name = _assets().get("style.css").name
                assert asset_url("style.css") == url_for("assets.serve", name=name)
                assert asset_url("style.css").startswith(f"{script_root}/assets/style.")


def test_a_changed_file_gets_its_new_address_printed_within_a_second(app, tmp_path, monkeypatch):
    """Printed addresses are kept, their files checked again once CHECK_SECONDS passed."""
    from forum.infra import assets

    (tmp_path / "x.css").write_text("a{}")
    monkeypatch.setitem(app.extensions, assets._KEY, assets.Assets(str(tmp_path)))
    clock = [1000.0]
    monkeypatch.setattr(assets.time, "monotonic", lambda: clock[0])
    with app.test_request_context("/"):
        first = assets.asset_url("x.css")
        (tmp_path / "x.css").write_text("b{}")
        os.utime(tmp_path / "x.css", ns=(1, 1))
        clock[0] += assets.CHECK_SECONDS / 2
        assert assets.asset_url("x.css") == first  # not checked again yet
        clock[0] += assets.CHECK_SECONDS
        second = assets.asset_url("x.css")
    assert second != first and second.startswith("/assets/x.")
    assert app.test_client().get(second).get_data() == b"b{}"

"""Static files under fingerprinted names, cached by browsers for a year.

`asset_url('style.css')` in a template gives `/assets/style.<hash>.css`, where the hash
is of the file's bytes: a changed file gets a new address, so the old one may be cached
forever (`immutable`). Files are read into memory once (they are a few kilobytes) with
a gzip copy; static files hold no secrets, so compressing them is always safe (see
compression.py for pages). `/static/...` keeps working for anything that links there.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, has_request_context, request, url_for

bp = Blueprint("assets", __name__)
YEAR = 365 * 24 * 3600
_KEY = "forum.infra.assets"


@dataclass(frozen=True)
class Asset:
    name: str  # the fingerprinted name
    path: str  # where it was read from, checked for changes on each link
    mtime_ns: int
    body: bytes
    gzipped: bytes | None
    mimetype: str


class Assets:
    """The static folder's files by name and by fingerprinted name, re-read when a file
    changes (a stat per address printed, at most once a second: `asset_url`)."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.by_file: dict[str, Asset] = {}
        self.by_name: dict[str, Asset] = {}

    def scan(self) -> None:
        """Every file, so any worker can serve an address another worker printed."""
        for path in self.folder.rglob("*"):
            if path.is_file():
                self.get(path.relative_to(self.folder).as_posix())

    def find(self, name: str) -> Asset | None:
        if name not in self.by_name:
            self.scan()  # a file changed since this worker last looked
        return self.by_name.get(name)

    def get(self, filename: str) -> Asset:
        asset = self.by_file.get(filename)
        if asset is not None:  # known, so already checked to be inside the folder
            if os.stat(asset.path).st_mtime_ns == asset.mtime_ns:
                return asset
        path = (self.folder / filename).resolve()
        if self.folder.resolve() not in path.parents:
            raise FileNotFoundError(filename)
        return self._load(filename, path, path.stat().st_mtime_ns)

    def _load(self, filename: str, path: Path, mtime: int) -> Asset:
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()[:12]
        stem, dot, suffix = filename.rpartition(".")
        name = f"{stem}.{digest}.{suffix}" if dot else f"{filename}.{digest}"
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        asset = Asset(
            name, str(self.folder / filename), mtime, body, packed if len(packed) < len(body) else None, mimetype
        )
        old = self.by_file.get(filename)
        if old is not None:
            self.by_name.pop(old.name, None)
        self.by_file[filename] = asset
        self.by_name[name] = asset
        return asset


def _assets() -> Assets:
    return current_app.extensions[_KEY]


_URLS_KEY = "forum.infra.assets.urls"
# How long a printed address is used before its file is checked for changes again: a page
# prints seven, and a check (a stat) costs about 5 µs. Editing a file under `make run`
# still shows on the next reload that comes a second later.
CHECK_SECONDS = 1.0


def asset_url(filename: str) -> str:
    """The template global: the fingerprinted address of a file in static/. Each address is
    built by `url_for` once per fingerprint and script root (about 15 µs a call), and kept
    with the time its file was last checked for changes (`CHECK_SECONDS`)."""
    if not has_request_context():
        return url_for("assets.serve", name=_assets().get(filename).name)
    urls = current_app.extensions.setdefault(_URLS_KEY, {})
    key = (request.script_root, filename)
    now = time.monotonic()
    kept = urls.get(key)
    if kept is not None and now - kept[2] < CHECK_SECONDS:
        return kept[1]
    name = _assets().get(filename).name
    url = kept[1] if kept is not None and kept[0] == name else url_for("assets.serve", name=name)
    urls[key] = (name, url, now)
    return url


@bp.route("/assets/<path:name>")
def serve(name: str):
    asset = _assets().find(name)
    if asset is None:
        abort(404)
    wants_gzip = asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", "")
    response = current_app.response_class(asset.gzipped if wants_gzip else asset.body, mimetype=asset.mimetype)
    if wants_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


def init_app(app: Flask) -> None:
    if app.static_folder is None:  # Flask's default is "static"; the forum never turns it off
        raise RuntimeError("The forum's assets are served from the app's static folder.")
    app.extensions[_KEY] = assets = Assets(app.static_folder)
    assets.scan()
    app.jinja_env.globals["asset_url"] = asset_url
    app.register_blueprint(bp)

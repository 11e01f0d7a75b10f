"""Whole pages under gunicorn, as a ratio of a bare Flask + Jinja page served the same way.

    python -m bench.page_bench [--scale 1.0] [--duration 10] [--cache both|off|on]
    python -m bench page

Builds a fixed synthetic database (seeded), starts the real app (`wsgi:app`, production
configuration with a test SECRET_KEY and SESSION_COOKIE_SECURE=0) and the reference app
(`bench/reference/app.py`: a 20-item list through `render_template`), each under
`gunicorn -w 2`, and drives both with wrk (Debian's package; `make bench` installs it).
Each page is measured right after a reference run, so both see the same machine load,
and its requests/s is printed next to its share of that reference run. Each line also
has the CPU milliseconds per request of the servers' workers (from /proc) and the
"CPU share", reference CPU per request / page CPU per request: what the req/s share
would be with the two cores to themselves. On a loaded machine the req/s share
understates heavy pages (the scheduler favours the reference's short bursts); the CPU
share stays put.

Signed in means a session cookie from a real sign-in as a reader in 20 groups, sent with
the same User-Agent (Flask-Login's "strong" session protection binds the session to it);
the bench checks the page really is the signed-in one before it measures.

wrk sends no Accept-Encoding, as in the issue's measurements, so these numbers do not
include compression (signed-out pages and assets are gzipped for clients that ask).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import update

from bench.common import temp_app
from bench.thread_bench import add_thread
from forum.extensions import db
from forum.models import Post
from forum.search import indexing
from forum.services import accounts
from forum.services import groups as group_service
from forum.services import posts as post_service
from forum.services.audience import PUBLIC, Audience

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-123"
USER_AGENT = "forum-page-bench"
# This bench's share of the machine's ports (other jobs use other ranges).
PORTS = range(5100, 5200)
WORDS = ("probe", "circuit", "attention", "residual", "feature", "sparse", "layer", "head", "steering", "logit")


# --- the data ---------------------------------------------------------------------------


def build(app, scale: float) -> dict:
    """Users, 25 groups (the reader is in 20), posts for 20 tags, a 20-comment post,
    a 500-comment post, small threads elsewhere, then the search index."""
    rng = random.Random(20261202)
    index_dir = app.config["SEARCH_INDEX_DIR"]
    app.config["SEARCH_INDEX_DIR"] = ""  # one rebuild at the end, not a write per post
    with app.app_context():
        reader = accounts.register("reader", "Reader", PASSWORD, "reader@example.org", verified=True)
        authors = [
            accounts.register(f"author{i}", f"Author {i}", PASSWORD, f"author{i}@example.org", verified=True)
            for i in range(30)
        ]
        groups = [group_service.create_group(authors[i], f"Reading group {i}") for i in range(25)]
        for group in groups[:20]:
            group_service.add_member(group, reader)
        db.session.commit()
        author_ids = [a.id for a in authors]

        def post(i: int, author, audience=PUBLIC) -> Post:
            words = rng.sample(WORDS, 3)
            title = f"Notes on {words[0]} {words[1]} number {i}"
            body = f"Some **findings** about {words[0]} and {words[2]}.\n\n" + " ".join(rng.choices(WORDS, k=60))
            tags = ", ".join(f"topic{t}" for t in rng.sample(range(20), 2))
            return post_service.create_post(author, title, body, tags, audience)

        n_posts = max(40, int(400 * scale))
        for i in range(n_posts):
            roll = rng.random()
            if roll < 0.6:
                audience = PUBLIC
            elif roll < 0.75:
                audience = Audience("members")
            else:
                audience = Audience("restricted", group_ids=frozenset({rng.choice(groups).id}))
            # author0 writes a fifth of everything: the profile page has full pages.
            made = post(i, authors[0] if rng.random() < 0.2 else rng.choice(authors), audience)
            add_thread(made.id, author_ids, rng.randint(0, 4), rng)
        twenty = post(n_posts, authors[1])
        add_thread(twenty.id, author_ids, 20, rng)
        long = post(n_posts + 1, authors[2])
        add_thread(long.id, author_ids, 500, rng)
        # The two thread posts stay on the front page's first page.
        db.session.execute(update(Post).where(Post.id.in_((twenty.id, long.id))).values(hot=1e9))
        db.session.commit()
        app.config["SEARCH_INDEX_DIR"] = index_dir
        indexed = indexing.reindex()
        return {"twenty": twenty.id, "long": long.id, "posts": n_posts + 2, "documents": indexed}


# --- servers ----------------------------------------------------------------------------


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


class Server:
    """A running gunicorn: its address, and the CPU its workers have used so far."""

    def __init__(self, url: str, pid: int) -> None:
        self.url, self.pid = url, pid

    def __add__(self, path: str) -> str:
        return self.url + path

    def cpu_seconds(self) -> float:
        """utime + stime of the workers, from /proc (Linux)."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        ticks = 0
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str]) -> Iterator[Server]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {app_spec} exited with {process.returncode}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app_spec} did not start")
            time.sleep(0.2)
        time.sleep(1)  # the workers boot after the socket opens
        yield Server(f"http://127.0.0.1:{port}", process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _request(base, method: str, path: str, body: str | None = None, cookie: str = "") -> http.client.HTTPResponse:
    host, port = str(getattr(base, "url", base)).removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.text = response.read().decode()
    conn.close()
    return response


def _session_cookie(response) -> str:
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    raise RuntimeError("no session cookie in the response")


def sign_in(base: str, username: str) -> str:
    """A session cookie from the real sign-in form."""
    form = _request(base, "GET", "/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    body = urlencode({"csrf_token": token.group(1), "username": username, "password": PASSWORD})
    done = _request(base, "POST", "/login", body, cookie=_session_cookie(form))
    if done.status != 302:
        raise RuntimeError(f"sign-in answered {done.status}")
    cookie = _session_cookie(done)
    check = _request(base, "GET", "/", cookie=cookie)
    if "Sign out" not in check.text:
        raise RuntimeError("the session cookie does not sign the reader in")
    # The first page gives the session its CSRF token, as a browser would keep it: a
    # session without one would get a new token (a new cookie) on every page.
    return _session_cookie(check) if check.getheader("Set-Cookie") else cookie


# --- wrk ---------------------------------------------------------------------------------


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def measure(server: Server, path: str, **options) -> dict:
    """wrk against one page, plus the server's CPU milliseconds per request meanwhile:
    on a machine shared with other work, CPU per request is what the load changes least."""
    before = server.cpu_seconds()
    result = wrk(server + path, **options)
    result["cpu_ms"] = (server.cpu_seconds() - before) * 1000 / max(result["requests"], 1)
    return result


def wrk(url: str, *, connections: int = 16, threads: int = 2, duration: float = 10, cookie: str = "") -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--latency",
        "-H",
        f"User-Agent: {USER_AGENT}",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{url}: {bad.group(1)} error responses\n{out}")
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "errors": errors.group(1) if errors else "",
    }


def _share(reference_cpu: float, page_cpu: float) -> str:
    # A short smoke run on a busy machine may see no clock tick at all.
    return f"{reference_cpu / page_cpu:.1%}" if page_cpu else "n/a"


# The page cache (forum/infra/page_cache.py) off, then on: what rendering costs, and what a
# repeat read costs. Nothing writes during a run, so with the cache on every measured
# request after the warm-up is a hit (checked before measuring): a best case, and the
# common case of a forum where reads far outnumber writes.
CACHE_MODES = {"off": "0", "on": "30"}


def _check_cache(forum: Server, path: str, cookie: str, mode: str) -> None:
    """Every worker keeps its own pages: a few requests reach both of them."""
    states = {_request(forum, "GET", path, cookie=cookie).getheader("X-Page-Cache") for _ in range(8)}
    if ("hit" in states) != (mode == "on"):
        raise RuntimeError(f"{path}: X-Page-Cache {states} with the cache {mode}")


def run_pages(forum: Server, reference: Server, pages, cookie: str, duration: float, mode: str) -> list[float]:
    """One table: every page signed out and signed in, each right after a reference run."""
    refs = []
    print(
        f"{'page':<28} {'viewer':<11} {'cache':<5} {'req/s':>7} {'ref':>7} {'share':>6} {'p50':>9} "
        f"{'CPU/req':>8} {'ref CPU':>8} {'CPU share':>9}"
    )
    for viewer, viewer_cookie in (("signed out", ""), ("signed in", cookie)):
        for label, path in pages:
            _check_cache(forum, path, viewer_cookie, mode)
            ref = measure(reference, "/", duration=duration)
            got = measure(forum, path, duration=duration, cookie=viewer_cookie)
            refs.append(ref["rps"])
            print(
                f"{label:<28} {viewer:<11} {mode:<5} {got['rps']:7.1f} {ref['rps']:7.1f} "
                f"{got['rps'] / ref['rps']:6.1%} "
                f"{got['p50']:7.2f}ms {got['cpu_ms']:6.2f}ms {ref['cpu_ms']:6.2f}ms "
                f"{_share(ref['cpu_ms'], got['cpu_ms']):>9}",
                flush=True,
            )
    long_path = pages[2][1]
    for viewer, viewer_cookie in (("signed out", ""), ("signed in", cookie)):
        one = measure(forum, long_path, connections=1, threads=1, duration=duration, cookie=viewer_cookie)
        print(
            f"{'500 comments, 1 connection':<28} {viewer:<11} {mode:<5} {one['rps']:7.1f} {'':>7} {'':>6} "
            f"{one['p50']:7.2f}ms {one['cpu_ms']:6.2f}ms   (p99 {one['p99']:.2f} ms)",
            flush=True,
        )
    return refs


def main(scale: float = 1.0, duration: float | None = None, cache: str = "both") -> None:
    if shutil.which("wrk") is None:
        print("wrk is not installed (make bench installs it: apt-get install wrk); skipped")
        return
    duration = duration or (10 if scale >= 1 else 1)
    modes = list(CACHE_MODES) if cache == "both" else [cache]
    with temp_app() as app:
        built = build(app, scale)
        env = {
            "FORUM_CONFIG": "production",
            "SECRET_KEY": "page-bench-" + "0" * 40,
            "SESSION_COOKIE_SECURE": "0",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
            "PAGE_CACHE_GENERATION": str(Path(app.config["SEARCH_INDEX_DIR"]).parent / "page-generation"),
            "PAGE_CACHE_HEADER": "1",  # the bench checks each page is a hit (or a miss) as meant
        }
        pages = [
            ("front page", "/"),
            ("post, 20 comments", f"/posts/{built['twenty']}"),
            ("post, 500 comments, page 1", f"/posts/{built['long']}"),
            ("profile", "/users/author0"),
            ("tag page", "/tags/topic3"),
            ("search", "/search?q=probe"),
        ]
        print(
            f"{built['posts']} posts, {built['documents']} search documents; wrk -t2 -c16 -d{duration:g}s per line; "
            f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
        refs = []
        with gunicorn("bench.reference.app:app", {}) as reference:
            for mode in modes:
                with gunicorn("wsgi:app", {**env, "PAGE_CACHE_SECONDS": CACHE_MODES[mode]}) as forum:
                    for path in (p for _, p in pages):  # warm both workers: first requests compile templates
                        for _ in range(4):
                            assert _request(forum, "GET", path).status == 200, path
                    cookie = sign_in(forum, "reader")
                    refs += run_pages(forum, reference, pages, cookie, duration, mode)
            ref_one = measure(reference, "/", connections=1, threads=1, duration=duration)
            print(
                f"{'reference, 1 connection':<28} {'':<11} {'':<5} {ref_one['rps']:7.1f} {'':>7} {'':>6} "
                f"{ref_one['p50']:7.2f}ms {ref_one['cpu_ms']:6.2f}ms"
            )
        print(
            f"reference req/s over the run: min {min(refs):.0f}, max {max(refs):.0f}; "
            f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--duration", type=float, default=None, help="seconds per wrk run (default 10; 1 below scale 1)"
    )
    parser.add_argument(
        "--cache", choices=["both", *CACHE_MODES], default="both", help="the page cache off, on, or both (default)"
    )
    args = parser.parse_args()
    main(args.scale, args.duration, args.cache)

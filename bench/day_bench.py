"""A realistic day: ~200 signed-in members reading while others write, against the bare reference.

    python -m bench.day_bench [--scale 1.0] [--duration 30] [--rates 1,20]
    python -m bench day

The data is page_bench's (400 posts over 20 tags, 25 groups, a 20-comment and a
500-comment post, the search index) plus 200 members, each in 5 of the 25 groups. The
forum (`wsgi:app`, production configuration, the page cache on as deployed) and the
reference (`bench/reference/app.py`) run under `gunicorn -w 2`, in this run.

Readers are wrk with a generated Lua script (`-t2 -c32`): every request is one of the 200
members (their own session cookie) asking for a page drawn from a skewed mix: the front
page, tag pages (a few tags popular), posts (a few posts popular; the 20- and 500-comment
ones among them), search, profiles, and restricted posts shared with one of the member's
groups. The script counts `X-Page-Cache: hit` answers (the bench turns the header on) and
any answer but 200.

Writers run meanwhile in this process at a steady rate (1 and 20 a second): a member
votes on a post (half the writes), comments on a post (a third), or an author edits their
own post (the rest, through the edit form), all over HTTP with the session's CSRF token,
so every write costs the server what it costs in production, and drops what it touches.

Sessions are made the way a sign-in makes them (`sessions.start` and Flask-Login's
`login_user`, signed with the server's key) rather than through 200 password checks.

Each line: the forum's req/s as a share of the reference's (measured just before, same
wrk settings), its hit rate, p50/p99 latency, CPU per request of the forum's workers
(from /proc), and the writes done and failed.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

from flask import g, session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from bench.common import temp_app
from bench.page_bench import USER_AGENT, Server, _ms, _request, build, gunicorn, measure
from forum.extensions import db
from forum.models import Group, Membership, Post, PostAudience, User
from forum.models._time import utcnow
from forum.models.principals import PUBLIC
from forum.services import sessions

SECRET_KEY = "day-bench-" + "0" * 40
MEMBERS = 200
GROUPS_EACH = 5
WRITERS = 40
WORDS = ("probe", "circuit", "attention", "residual", "feature", "sparse", "layer", "head", "steering", "logit")


# --- the data -----------------------------------------------------------------------------


def add_members(app, n: int, rng: random.Random) -> None:
    """`n` members, old enough and with karma enough to vote and comment without a new
    account's limits, each in GROUPS_EACH of the groups. Their password is the reader's."""
    with app.app_context():
        reader = db.session.scalar(select(User).where(User.username == "reader"))
        group_ids = list(db.session.scalars(select(Group.id)))
        long_ago = utcnow() - timedelta(days=200)
        users = [
            User(
                username=f"member{i}",
                display_name=f"Member {i}",
                password_hash=reader.password_hash,
                email=f"member{i}@example.org",
                email_verified_at=long_ago,
                created_at=long_ago,
                karma=50,
            )
            for i in range(n)
        ]
        db.session.add_all(users)
        db.session.flush()
        for user in users:
            for gid in rng.sample(group_ids, GROUPS_EACH):
                db.session.add(Membership(group_id=gid, user_id=user.id))
        # The authors edit their posts during the day: old accounts too.
        for author in db.session.scalars(select(User).where(User.username.like("author%"))):
            author.created_at, author.karma = long_ago, 50
        db.session.commit()


def signed_in(app, usernames: list[str]) -> dict[str, tuple[str, str]]:
    """A session cookie and a CSRF token for each user, made as a sign-in makes them."""
    app.config["SECRET_KEY"] = SECRET_KEY
    found = {}
    for name in usernames:
        context = app.test_request_context(
            "/", headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        with context:
            user = db.session.scalar(select(User).where(User.username == name))
            sessions.start(user, remember=False, user_agent=USER_AGENT, address="127.0.0.1")
            login_user(user)
            generate_csrf()
            value = app.session_interface.get_signing_serializer(app).dumps(dict(session))
            found[name] = (f"session={value}", g.csrf_token)
    return found


def read_mix(app, members: list[str], built: dict, rng: random.Random):
    """The pages a member reads, most popular first and repeated by weight, and for each
    member the restricted posts shared with their groups."""
    with app.app_context():
        public = list(
            db.session.scalars(
                select(PostAudience.post_id).where(PostAudience.principal == PUBLIC).order_by(PostAudience.post_id)
            )
        )
        by_group: dict[int, list[int]] = {}
        for post_id, principal in db.session.execute(
            select(PostAudience.post_id, PostAudience.principal).where(PostAudience.principal.like("group:%"))
        ):
            by_group.setdefault(int(principal.split(":")[1]), []).append(post_id)
        restricted = {}
        for name in members:
            gids = db.session.scalars(
                select(Membership.group_id).join(User, User.id == Membership.user_id).where(User.username == name)
            )
            restricted[name] = sorted({p for gid in gids for p in by_group.get(gid, [])})[:40]
    rng.shuffle(public)

    def zipf(items, n):  # the k-th item weighs 1/k
        weights = [1 / (k + 1) for k in range(len(items))]
        return rng.choices(items, weights, k=n)

    mix = ["/"] * 220
    mix += [f"/tags/topic{t}" for t in zipf(list(range(20)), 150)]
    mix += [f"/posts/{p}" for p in zipf(public, 250)]
    mix += [f"/posts/{built['twenty']}"] * 40 + [f"/posts/{built['long']}"] * 20
    mix += [f"/search?q={w}" for w in zipf(list(WORDS), 80)]
    mix += [f"/users/author{a}" for a in zipf(list(range(30)), 70)]
    rng.shuffle(mix)
    return mix, restricted, public


def writable(app, public: list[int]) -> tuple[dict[str, list[int]], list[int]]:
    """Each author's own public posts (to edit), and the public posts members vote and comment on."""
    with app.app_context():
        own: dict[str, list[int]] = {}
        rows = db.session.execute(
            select(User.username, Post.id).join(Post, Post.author_id == User.id).where(Post.id.in_(public))
        )
        for name, post_id in rows:
            own.setdefault(name, []).append(post_id)
    return own, public[:60]


# --- readers: wrk with a generated script ---------------------------------------------------


LUA = """
local mix = {%(mix)s}
local members = {%(members)s}
hits, misses, bad = 0, 0, 0  -- globals: done() reads them with thread:get
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 100 + id)
end

function request()
  local m = members[math.random(#members)]
  local path
  if #m.restricted > 0 and math.random() < 0.12 then
    path = m.restricted[math.random(#m.restricted)]
  else
    path = mix[math.random(#mix)]
  end
  return wrk.format("GET", path, {["Cookie"] = m.cookie, ["User-Agent"] = "%(agent)s"})
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  elseif headers["X-Page-Cache"] == "hit" then
    hits = hits + 1
  else
    misses = misses + 1
  end
end

function done(summary, latency, requests)
  local h, m, b = 0, 0, 0
  for _, thread in ipairs(threads) do
    h = h + thread:get("hits")
    m = m + thread:get("misses")
    b = b + thread:get("bad")
  end
  io.write(string.format("DAY hits=%%d misses=%%d bad=%%d\\n", h, m, b))
end
"""


def lua_script(mix: list[str], cookies: dict[str, tuple[str, str]], restricted: dict[str, list[int]]) -> str:
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def member(cookie: str, paths: list[int]) -> str:
        return "{cookie=" + quoted(cookie) + ", restricted={" + ",".join(quoted(f"/posts/{p}") for p in paths) + "}}"

    members = ",\n".join(member(cookie, restricted.get(name, [])) for name, (cookie, _) in cookies.items())
    return LUA % {"mix": ",".join(quoted(p) for p in mix), "members": members, "agent": USER_AGENT}


def run_wrk(url: str, script: str | None, duration: float, connections: int = 32) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration:g}s", "--timeout", "20s", "--latency"]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
    if script:
        command += ["-s", script]
    ran = subprocess.run([*command, url], capture_output=True, text=True)
    if ran.returncode:
        raise RuntimeError(f"wrk failed: {ran.stderr}{ran.stdout}")
    out = ran.stdout
    counts = re.search(r"DAY hits=(\d+) misses=(\d+) bad=(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if errors:
        print(f"  wrk socket errors: {errors.group(1)}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "hits": int(counts.group(1)) if counts else 0,
        "misses": int(counts.group(2)) if counts else 0,
        "bad": int(counts.group(3)) if counts else 0,
    }


def measured(server: Server, url: str, script: str | None, duration: float) -> dict:
    before = server.cpu_seconds()
    result = run_wrk(url, script, duration)
    result["cpu_ms"] = (server.cpu_seconds() - before) * 1000 / max(result["requests"], 1)
    return result


# --- writers --------------------------------------------------------------------------------


class _Form(HTMLParser):
    """The fields a browser would send from the form posting to `action`."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields, self._textarea = action, False, {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            # a form without an action posts to the page's own address, which is `action` here
            self.inside = a.get("action", self.action) == self.action
        elif self.inside and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            if kind in ("submit", "file"):
                return
            self.fields[a["name"]] = a.get("value", "")
        elif self.inside and tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            # browsers drop the newline that opens a textarea's text
            self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\r\n").removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self.inside = False


class Writers:
    """Writes at a steady rate from a small pool, whatever each one takes."""

    def __init__(self, forum: Server, cookies, own_posts, targets, rate: float, seed: int) -> None:
        self.forum, self.cookies, self.own, self.targets, self.rate = forum, cookies, own_posts, targets, rate
        self.rng = random.Random(seed)
        self.done, self.failed, self.failures = 0, 0, {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.members = [n for n in cookies if n.startswith("member")][:WRITERS]
        self.authors = [n for n in cookies if n in own_posts]

    def _post(self, name: str, path: str, fields: dict) -> int:
        cookie, token = self.cookies[name]
        response = _request(self.forum, "POST", path, urlencode({"csrf_token": token, **fields}), cookie=cookie)
        return response.status

    def one(self, kind: str, name: str, post_id: int) -> None:
        if kind == "vote":
            status = self._post(name, f"/posts/{post_id}/vote", {"value": "up", "next": f"/posts/{post_id}"})
        elif kind == "comment":
            body = f"A thought on {self.rng.choice(WORDS)}: " + " ".join(self.rng.choices(WORDS, k=12))
            status = self._post(name, f"/posts/{post_id}/comments", {"body": body, "parent_id": ""})
        else:
            cookie, _ = self.cookies[name]
            page = _request(self.forum, "GET", f"/posts/{post_id}/edit", cookie=cookie)
            form = _Form(f"/posts/{post_id}/edit")
            form.feed(page.text)
            fields = form.fields
            fields["body"] = fields.get("body", "") + f"\n\nEdited: {self.rng.choice(WORDS)}."
            status = self._post(name, f"/posts/{post_id}/edit", {**fields, "submit": "Save"})
        with self.lock:
            if status in (302, 303):  # a form shown again (200) is a refused write
                self.done += 1
            else:
                self.failed += 1
                self.failures[(kind, status)] = self.failures.get((kind, status), 0) + 1

    def _next(self) -> tuple[str, str, int]:
        roll = self.rng.random()
        if roll < 0.5:
            return "vote", self.rng.choice(self.members), self.rng.choice(self.targets)
        if roll < 0.83:
            return "comment", self.rng.choice(self.members), self.rng.choice(self.targets)
        author = self.rng.choice(self.authors)
        return "edit", author, self.rng.choice(self.own[author])

    def run(self) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            start, n = time.monotonic(), 0
            while not self.stop.is_set():
                pool.submit(self.one, *self._next())
                n += 1
                self.stop.wait(max(0.0, start + n / self.rate - time.monotonic()))


# --- the day ----------------------------------------------------------------------------------


def main(scale: float = 1.0, duration: float | None = None, rates: tuple[float, ...] = (1.0, 20.0)) -> None:
    if shutil.which("wrk") is None:
        print("wrk is not installed (make bench installs it: apt-get install wrk); skipped")
        return
    duration = duration or (30 if scale >= 1 else 3)
    rng = random.Random(20261205)
    with temp_app() as app:
        built = build(app, scale)
        n_members = max(20, int(MEMBERS * scale))
        add_members(app, n_members, rng)
        members = [f"member{i}" for i in range(n_members)]
        mix, restricted, public = read_mix(app, members, built, rng)
        own, targets = writable(app, public)
        cookies = signed_in(app, members + sorted(own))
        readers = {name: cookies[name] for name in members}
        env = {
            "FORUM_CONFIG": "production",
            "SECRET_KEY": SECRET_KEY,
            "SESSION_COOKIE_SECURE": "0",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
            "PAGE_CACHE_GENERATION": str(Path(app.config["SEARCH_INDEX_DIR"]).parent / "page-generation"),
            "PAGE_CACHE_HEADER": "1",  # for the hit rate
            "PAGE_CACHE_SECONDS": "30",
            # Every writer here comes from 127.0.0.1, so the per-address vote limit (60 a
            # minute) would refuse most of them: a day's voters come from many addresses.
            "VOTE_LIMIT": "100000 per minute",
        }
        script = Path(tempfile.mkdtemp()) / "day.lua"
        script.write_text(lua_script(mix, readers, restricted))
        print(
            f"{built['posts']} posts, {n_members} members reading ({len(set(mix))} distinct pages in the mix, "
            f"restricted posts on 12% of requests), wrk -t2 -c32 -d{duration:g}s per line; "
            f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
        print(
            f"{'writes/s':>8} {'req/s':>8} {'ref req/s':>9} {'share':>6} {'hit rate':>8} {'p50':>9} {'p99':>9} "
            f"{'CPU/req':>8} {'ref CPU':>8} {'writes ok/failed':>16} {'non-200':>7}"
        )
        with gunicorn("bench.reference.app:app", {}) as reference, gunicorn("wsgi:app", env) as forum:
            check_cookie = readers[members[0]][0]
            check = _request(forum, "GET", "/", cookie=check_cookie)
            if "Sign out" not in check.text or check.getheader("Set-Cookie"):
                raise RuntimeError("the made session does not sign the member in (or is rewritten)")
            states = {
                _request(forum, "GET", "/tags/topic1", cookie=check_cookie).getheader("X-Page-Cache") for _ in range(8)
            }
            if "hit" not in states:
                raise RuntimeError(f"a member's repeated page is never kept: X-Page-Cache {states}")
            run_wrk(forum.url + "/", str(script), max(2.0, duration / 5))  # warm both workers
            for rate in rates:
                ref = measure(reference, "/", duration=duration, connections=32)
                writers = Writers(forum, cookies, own, targets, rate, seed=int(rate))
                thread = threading.Thread(target=writers.run)
                thread.start()
                got = measured(forum, forum.url + "/", str(script), duration)
                writers.stop.set()
                thread.join()
                served = got["hits"] + got["misses"]
                print(
                    f"{rate:8g} {got['rps']:8.1f} {ref['rps']:9.1f} {got['rps'] / ref['rps']:6.1%} "
                    f"{got['hits'] / max(served, 1):8.1%} {got['p50']:7.2f}ms {got['p99']:7.1f}ms "
                    f"{got['cpu_ms']:6.2f}ms {ref['cpu_ms']:6.2f}ms {writers.done:>9}/{writers.failed:<6} "
                    f"{got['bad']:>7}",
                    flush=True,
                )
                if writers.failures:
                    print("  failed writes: " + ", ".join(f"{n} {k} ({s})" for (k, s), n in writers.failures.items()))
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=None, help="seconds per line (default 30; 3 below scale 1)")
    parser.add_argument("--rates", default="1,20", help="writes per second, one line each (default 1,20)")
    args = parser.parse_args()
    main(args.scale, args.duration, tuple(float(r) for r in args.rates.split(",")))

"""Pages in process, cache off: the CPU a page costs the app itself, without gunicorn or wrk.

    python -m bench.process_bench [--scale 0.25] [--requests 300] [--rounds 3] [--pages out20,in20,...]
    python -m bench process

page_bench's data and pages, the app made by `temp_app` with the page cache off
(PAGE_CACHE_SECONDS=0, the shared layers on, as page_bench's "cache off"), each page asked
through Flask's test client by a visitor (`out`) and by the reader signed in through the
sign-in form (`in`). Each line is the median CPU milliseconds of a request (process time)
over `--requests` requests, taken in `--rounds` rounds with every page in turn, and the
lowest of those medians: on a shared machine the lowest is the one least disturbed.

Under page_bench the same page costs about a third more CPU per request (gunicorn's own
work, and two workers, wrk and the reference sharing two cores); the shares the issue's
targets name are page_bench's. This one is for comparing two trees, change by change, in
the same minutes (bench/README.md, "Session of 2026-12-05 (sixth)").
"""

from __future__ import annotations

import argparse
import time

from bench.common import temp_app
from bench.page_bench import PASSWORD, USER_AGENT, build

PAGES = ("out20", "in20", "outfront", "infront", "out500", "in500")


def _paths(built: dict) -> dict[str, str]:
    return {
        "20": f"/posts/{built['twenty']}",
        "500": f"/posts/{built['long']}",
        "front": "/",
        "tag": "/tags/topic3",
        "search": "/search?q=probe",
        "profile": "/users/author0",
    }


def main(scale: float = 0.25, requests: int = 300, rounds: int = 3, pages: tuple[str, ...] = PAGES) -> None:
    with temp_app(PAGE_CACHE_SECONDS=0) as app:
        built = build(app, scale)
        paths = _paths(built)
        visitor, reader = app.test_client(), app.test_client()
        for client in (visitor, reader):
            client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
        if reader.post("/login", data={"username": "reader", "password": PASSWORD}).status_code != 302:
            raise RuntimeError("the reader could not sign in")
        medians: dict[str, list[float]] = {page: [] for page in pages}
        for _ in range(rounds):
            for page in pages:
                client, path = (visitor, paths[page[3:]]) if page.startswith("out") else (reader, paths[page[2:]])
                for _ in range(30):  # compiled templates and statements, kept parts
                    if client.get(path).status_code != 200:
                        raise RuntimeError(f"{page}: {path} did not answer 200")
                times = []
                for _ in range(requests):
                    start = time.process_time()
                    client.get(path)
                    times.append((time.process_time() - start) * 1000)
                medians[page].append(sorted(times)[len(times) // 2])
        print(f"{built['posts']} posts; {requests} requests a page in each of {rounds} rounds; CPU ms per request")
        for page, found in medians.items():
            print(f"{page:10} {min(found):7.3f} ms   (medians {' '.join(f'{m:.3f}' for m in found)})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--pages",
        default=",".join(PAGES),
        help="out or in, then 20, 500, front, tag, search or profile (default: %(default)s)",
    )
    args = parser.parse_args()
    main(args.scale, args.requests, args.rounds, tuple(args.pages.split(",")))

"""forum/rendering/dates.py: `changes_at` says exactly until when `time_ago`'s text holds
(a kept thread is reused until then: rendering/thread_html.py)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from forum.rendering.dates import changes_at, time_ago


def test_time_ago_holds_until_changes_at_and_changes_there():
    rng = random.Random(23)
    moment = datetime(2026, 1, 1, 12, 0, 0)
    # Ages around every unit's edges, and anywhere up to three years (and a clock a little behind).
    edges = [
        size * n + d for size in (60, 3_600, 86_400, 2_592_000, 31_536_000) for n in (1, 2, 12, 13) for d in (-1, 0, 1)
    ]
    ages = [
        *edges,
        *(rng.uniform(-90, 3 * 31_536_000) for _ in range(3_000)),
        *(rng.uniform(0, 7_200) for _ in range(1_000)),
    ]
    for age in ages:
        now = moment + timedelta(seconds=age, microseconds=rng.randrange(1_000_000))
        until = changes_at(moment, now)
        text = time_ago(moment, now)
        assert until > now
        assert time_ago(moment, until - timedelta(microseconds=1)) == text, (age, until - now)
        assert time_ago(moment, until) != text, (age, until - now)
        between = now + (until - now) * rng.random()
        assert time_ago(moment, between) == text

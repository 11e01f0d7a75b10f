"""Dates as a reader sees them."""

from __future__ import annotations

from datetime import datetime

from forum.models._time import utcnow


def time_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """`now`: the page's one reading of the clock, for a page that prints many (a thread)."""
    if moment is None:
        return ""
    seconds = int(((now or utcnow()) - moment).total_seconds())
    for unit, size in (("year", 31_536_000), ("month", 2_592_000), ("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"

"""Dates as a reader sees them."""

from __future__ import annotations

from datetime import datetime, timedelta

from forum.models._time import utcnow

# Each unit and its length in seconds, largest first.
_UNITS = (("year", 31_536_000), ("month", 2_592_000), ("day", 86_400), ("hour", 3_600), ("minute", 60))


def time_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """`now`: the page's one reading of the clock, for a page that prints many (a thread)."""
    if moment is None:
        return ""
    seconds = int(((now or utcnow()) - moment).total_seconds())
    for unit, size in _UNITS:
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def changes_at(moment: datetime, now: datetime) -> datetime:
    """The first moment after `now` at which `time_ago(moment, ...)` prints something other
    than it prints at `now`: text holding it is right until then (a kept thread, thread_html).
    `time_ago` reads whole seconds, so its text steps at whole seconds after `moment`: at the
    next count of its unit, or at a larger unit's first count, whichever comes first."""
    seconds = int((now - moment).total_seconds())
    step = next(((seconds // size + 1) * size for _, size in _UNITS if seconds >= size), _UNITS[-1][1])
    step = min([step, *(size for _, size in _UNITS if seconds < size < step)])
    return moment + timedelta(seconds=step)

"""The published formulas: vote weights and the hot score. docs/karma.md explains them.

Pure functions with no database or app access, so models, services, the bench and the
docs all share one definition.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

# The hot score's time term is measured from here; any fixed instant works, an early
# one keeps the numbers small.
HOT_EPOCH = datetime(2024, 1, 1)
# Seconds of age that cost one order of magnitude of score: a post one day older needs
# ten times the score to rank level. Changing it means recomputing every stored value
# (`flask forum recompute-karma --fix`).
HOT_PERIOD_SECONDS = 86_400

# Windows of the "top" sorts.
TOP_WINDOWS: dict[str, timedelta | None] = {
    "top-day": timedelta(days=1),
    "top-week": timedelta(weeks=1),
    "top-month": timedelta(days=30),
    "top-year": timedelta(days=365),
    "top-all": None,
}


def hot(score: int, created_at: datetime) -> float:
    """sign(score)·log10(max(|score|, 1)) + (created_at − epoch) / period.

    The time term depends only on when the post was made, never on "now", so the value
    is stored in an indexed column and changes only when the score does.
    """
    order = math.log10(max(abs(score), 1))
    sign = (score > 0) - (score < 0)
    return round(sign * order + (created_at - HOT_EPOCH).total_seconds() / HOT_PERIOD_SECONDS, 7)


def normal_weight(karma: int, double_from: int) -> int:
    """A normal vote weighs 1, or 2 once the voter has `double_from` karma."""
    return 2 if karma >= double_from else 1


def strong_weight(karma: int, schedule: tuple[tuple[int, int], ...]) -> int:
    """The weight of the highest step of `schedule` ((min karma, weight), ascending) reached."""
    weight = 1
    for min_karma, step_weight in schedule:
        if karma >= min_karma:
            weight = step_weight
    return weight

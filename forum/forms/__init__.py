"""WTForms classes, one module per feature. Forms check shape and length; the
services hold the rules, so the API and the pages refuse the same things."""

from typing import Iterable

from wtforms import SelectChoice


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them (plain tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]

"""Normalizing the short free-text names users type: tags, interests, usernames."""

from __future__ import annotations

import re
from collections.abc import Iterable

from forum.services.errors import ServiceError

_USERNAME = re.compile(r"^[a-z0-9_-]{3,32}$")
_LABEL = re.compile(r"^[\w][\w .+#'/-]*$", re.UNICODE)


def is_username(name: str) -> bool:
    return _USERNAME.fullmatch(name) is not None


def check_username(username: str) -> None:
    if not is_username(username):
        raise ServiceError("Usernames are 3 to 32 characters: letters, digits, '-' and '_'.", field="username")


def split_labels(raw: str | Iterable[str]) -> list[str]:
    """Comma-separated tags or interests, lower-cased, de-duplicated, order kept."""
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    seen: dict[str, None] = {}
    for part in parts:
        label = " ".join(part.split()).lower()
        if label:
            seen.setdefault(label, None)
    return list(seen)


def check_labels(labels: list[str], field: str, *, most: int, longest: int) -> None:
    if len(labels) > most:
        raise ServiceError(f"At most {most} {field}, please.", field=field)
    for label in labels:
        if len(label) > longest or not _LABEL.match(label):
            raise ServiceError(
                f"“{label[:60]}” is not a valid name: up to {longest} letters, digits, spaces and - . + # ' /",
                field=field,
            )

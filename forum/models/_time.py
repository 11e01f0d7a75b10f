from datetime import datetime, timezone


def utcnow() -> datetime:
    """Naive UTC: SQLite has no time zones, so every stored time is UTC without tzinfo."""
    return datetime.now(timezone.utc).replace(tzinfo=None)

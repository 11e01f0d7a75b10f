"""Mutations. Each service function validates, writes, commits, then updates the search
index, so views stay thin and the API calls the very same rules."""

from forum.services.errors import ServiceError

__all__ = ["ServiceError"]

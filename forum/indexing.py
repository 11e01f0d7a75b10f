"""Keeps the search index in step with the database.

Services call these after their commit. The search engine lands separately; until it
is wired in, these only mark what changed.
"""
from __future__ import annotations


def post_changed(post_id: int) -> None:
    """The post's text, tags, audience or state changed: reindex it and its comments."""


def comment_changed(comment_id: int) -> None:
    """The comment's text or state changed."""

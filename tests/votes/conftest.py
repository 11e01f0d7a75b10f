"""Helpers for the voting tests."""

from __future__ import annotations

import pytest

from tests.factories import make_post, make_user


@pytest.fixture
def author(app):
    """The author of `post`; most vote tests vote on someone else's result."""
    return make_user("author")


@pytest.fixture
def post(author):
    return make_post(author, "A result")


@pytest.fixture
def voter_client(app):
    """A second, independent client."""
    return app.test_client()
